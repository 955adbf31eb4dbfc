"""The stand-in Zustelldienst: its rules, its state across restarts, its admin and CLI."""

import json
import os
import stat
import uuid

import pytest

from forms_engine.transports.fitconnect import (
    PermanentError,
    SenderClient,
    SubscriberClient,
    encrypt,
    generate_encryption_key,
    make_event,
)
from forms_engine.transports.fitconnect.standin import (
    StandIn,
    make_loopback_server,
    serve_in_thread,
    setup_demo,
)

from .conftest import ADMIN_SECRET, SERVICE, start


def subscriber(running) -> SubscriberClient:
    return SubscriberClient(running.url, running.url + "/token", *running.subscriber)


def announce(running, client=None, attachment_ids=()):
    return (client or running.sender_client()).announce(
        destination_id=running.destination_id,
        service_name="Hundesteuer",
        service_identifier=SERVICE,
        attachment_ids=list(attachment_ids),
    )


def test_state_survives_a_restart(tmp_path, encryption_keys, signature_keys):
    state = tmp_path / "standin.sqlite3"
    first = start(state, encryption_keys, signature_keys)
    announced = announce(first)
    jwks = first.standin.jwks()
    first.server.shutdown()
    first.server.server_close()

    again = StandIn(state, admin_secret=ADMIN_SECRET, key_size=2048)
    server, url = serve_in_thread(again)
    try:
        client = SenderClient(url, url + "/token", *first.sender, min_key_bits=2048)
        assert client.submission_status(announced["submissionId"])["status"] == "incomplete"
        assert len(client.events(announced["caseId"])) == 1
        assert again.jwks() == jwks  # the same signing key, so old SETs still verify
        assert client.destination(first.destination_id).active
    finally:
        server.shutdown()
        server.server_close()
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600


def test_a_token_is_required(zustelldienst):
    status, headers, body = zustelldienst.standin.handle(
        "GET", f"/v1/destinations/{zustelldienst.destination_id}", "", {}, b""
    )
    assert status == 401
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["status"] == 401


def test_junk_requests_get_problems_never_a_crash(zustelldienst):
    handle = zustelldienst.standin.handle
    assert handle("GET", "/nirgends", "", {}, b"")[0] == 404
    assert handle("DELETE", "/v1/submissions", "", {}, b"")[0] == 405
    assert handle("POST", "/token", "", {"Content-Type": "text/plain"}, b"\0\xff")[0] == 400
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert handle("POST", "/token", "", form, b"grant_type=password")[0] == 400
    token = json.loads(
        handle(
            "POST",
            "/token",
            "",
            form,
            f"grant_type=client_credentials&client_id={zustelldienst.sender[0]}"
            f"&client_secret={zustelldienst.sender[1]}".encode(),
        )[2]
    )["access_token"]
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    assert handle("POST", "/v1/submissions", "", auth, b"\0{not json")[0] == 400
    assert handle("POST", "/v1/submissions", "", auth, b"[]")[0] == 400
    status, _, body = handle("POST", "/v1/submissions", "", auth, b'{"destinationId": 5}')
    assert status == 404 and json.loads(body)["type"].endswith("/destination-not-found")
    bad_ids = json.dumps(
        {
            "destinationId": zustelldienst.destination_id,
            "announcedAttachments": ["../../etc"],
            "serviceType": {"name": "x", "identifier": SERVICE},
        }
    ).encode()
    assert handle("POST", "/v1/submissions", "", auth, bad_ids)[0] == 422
    assert handle("GET", "/v1/routes", "leikaKey=1&ars=x", {}, b"")[0] == 400


def test_only_well_formed_jwes_for_the_destination_key_are_taken(zustelldienst):
    client = zustelldienst.sender_client()
    attachment_id = str(uuid.uuid4())
    submission_id = announce(zustelldienst, client, [attachment_id])["submissionId"]
    _, foreign_key = generate_encryption_key(2048)
    for token in ("not-a-jwe", "a.b.c.d", encrypt(b"x", foreign_key, cty="application/pdf")):
        with pytest.raises(PermanentError) as caught:
            client.upload_attachment(submission_id, attachment_id, token)
        assert caught.value.status == 422
        assert caught.value.problem["type"].endswith("/invalid-jwe")


def test_only_the_destination_may_list_and_fetch(zustelldienst):
    sender = zustelldienst.sender_client()
    announced = announce(zustelldienst, sender)
    with pytest.raises(PermanentError) as caught:
        SubscriberClient(
            zustelldienst.url, zustelldienst.url + "/token", *zustelldienst.sender
        ).submissions(zustelldienst.destination_id)
    assert caught.value.status == 403
    # An incomplete submission is not offered for pick-up.
    assert subscriber(zustelldienst).submissions(zustelldienst.destination_id) == []
    with pytest.raises(PermanentError):
        subscriber(zustelldienst).submission(announced["submissionId"])


def test_accept_events_must_be_signed_with_the_destinations_key(
    zustelldienst, encryption_keys, signature_keys
):
    from forms_engine.transports.fitconnect import generate_signature_key

    sender = zustelldienst.sender_client()
    announced = announce(zustelldienst, sender)
    key = encryption_keys[1]
    sender.submit(
        announced["submissionId"],
        encrypted_metadata=encrypt(b"{}", key, cty="application/json"),
        encrypted_data=encrypt(b"{}", key, cty="application/json"),
    )
    receiver = subscriber(zustelldienst)
    forger, _ = generate_signature_key(2048)
    arguments = {
        "kind": "accept",
        "submission_id": announced["submissionId"],
        "case_id": announced["caseId"],
        "issuer": zustelldienst.destination_id,
    }
    for token in (
        make_event(**arguments, private_jwk=forger),
        make_event(**arguments, private_jwk={**forger, "kid": signature_keys[0]["kid"]}),
        make_event(**{**arguments, "issuer": "jemand"}, private_jwk=signature_keys[0]),
        make_event(**{**arguments, "kind": "submit"}, private_jwk=signature_keys[0]),
    ):
        with pytest.raises(PermanentError) as caught:
            receiver.post_event(announced["caseId"], token)
        assert caught.value.status == 422
    assert sender.submission_status(announced["submissionId"])["status"] == "submitted"

    receiver.post_event(announced["caseId"], make_event(**arguments, private_jwk=signature_keys[0]))
    assert sender.submission_status(announced["submissionId"])["status"] == "accepted"
    with pytest.raises(PermanentError) as caught:  # decided once
        receiver.post_event(
            announced["caseId"], make_event(**arguments, private_jwk=signature_keys[0])
        )
    assert caught.value.status == 409


def test_the_admin_endpoints_need_the_admin_secret(zustelldienst):
    handle = zustelldienst.standin.handle
    body = b'{"count": 1, "status": 502}'
    headers = {"Content-Type": "application/json"}
    assert handle("POST", "/admin/faults", "", headers, body)[0] == 403
    assert handle("POST", "/admin/faults", "", {**headers, "X-Standin-Admin": "x"}, body)[0] == 403
    admin = {**headers, "X-Standin-Admin": ADMIN_SECRET}
    assert handle("POST", "/admin/faults", "", admin, body)[0] == 204
    assert handle("GET", "/.well-known/jwks.json", "", {}, b"")[0] == 502
    assert handle("GET", "/.well-known/jwks.json", "", {}, b"")[0] == 200


def test_the_server_binds_loopback_only(tmp_path):
    standin = StandIn(tmp_path / "s.sqlite3", key_size=2048)
    with pytest.raises(ValueError):
        make_loopback_server(standin, 0, host="0.0.0.0")  # noqa: S104 - the refusal under test


def test_demo_setup_writes_private_keys_0600_once(tmp_path):
    standin = StandIn(tmp_path / "s.sqlite3", key_size=2048)
    demo = setup_demo(standin, tmp_path / "keys", key_size=2048)
    for name in ("encryption.private.jwk.json", "signature.private.jwk.json", "setup.json"):
        assert stat.S_IMODE(os.stat(tmp_path / "keys" / name).st_mode) == 0o600
    private = json.loads((tmp_path / "keys" / "encryption.private.jwk.json").read_text())
    assert "d" in private and private["key_ops"] == ["unwrapKey"]
    assert setup_demo(standin, tmp_path / "keys", key_size=2048) == demo
    status, _, body = standin.handle(
        "GET", "/v1/routes", f"leikaKey={demo['leikaKey']}&ars={demo['ars']}", {}, b""
    )
    assert status == 200 and json.loads(body)["routes"][0]["destinationId"] == demo["destinationId"]
