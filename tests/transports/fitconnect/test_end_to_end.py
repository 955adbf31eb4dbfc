"""The whole path against the stand-in Zustelldienst on a loopback port: announce, upload two
attachments, submit; the demo receiver decrypts, checks hashes and schema, accepts; the sender
sees the accept in its event log."""

import json

import pytest

from forms_engine.transports.fitconnect import (
    PermanentError,
    decrypt,
    encrypt,
    parse_event,
    send_submission,
    sha512_hex,
    verify_destination_signature,
)
from forms_engine.transports.fitconnect.receiver import receive_all, summary

from .conftest import LEIKA, PDF, SCHEMA_URI, SERVICE, sample_attachments

DATA = json.dumps({"F00000001": "Erika Mustermann", "F00000002": "Bello"}).encode()


def send(running, client=None, **overrides):
    client = client or running.sender_client()
    arguments = {
        "data": DATA,
        "data_mime": "application/json",
        "schema_uri": SCHEMA_URI,
        "attachments": sample_attachments(),
        "service_name": "Hundesteuer Anmeldung",
        "service_identifier": SERVICE,
        "sender_reference": "ozg-engine:case:42",
        "application_date": "2026-12-01",
        "reply_email": "erika@example.org",
    }
    arguments.update(overrides)
    return send_submission(client, client.destination(running.destination_id), **arguments)


def receive(running, tmp_path=None, **options):
    return receive_all(
        url=running.url,
        client_id=running.subscriber[0],
        client_secret=running.subscriber[1],
        destination_id=running.destination_id,
        encryption_key=running.encryption_private,
        signature_key=running.signature_private,
        output_dir=tmp_path,
        **options,
    )


def test_announce_upload_submit_receive_accept(zustelldienst, tmp_path):
    client = zustelldienst.sender_client()
    announced = []
    sent = send(zustelldienst, client, on_announced=announced.append)

    assert announced == [{k: sent[k] for k in ("submissionId", "caseId", "destinationId")}]
    assert client.submission_status(sent["submissionId"])["status"] == "submitted"

    [received] = receive(zustelldienst, tmp_path / "out")

    assert received.problems == [] and received.decision == "accept"
    assert received.submission_id == sent["submissionId"]
    assert received.data == DATA and received.data_mime == "application/json"
    assert received.metadata == sent["metadata"]
    form, upload = received.attachments
    assert (form.purpose, form.filename, form.content) == ("form", "antrag.pdf", PDF)
    assert upload.purpose == "attachment" and upload.content.startswith(b"\x89PNG")
    structure = received.metadata["contentStructure"]
    assert structure["attachments"][0]["hash"]["content"] == sha512_hex(PDF)
    written = received.output_dir
    assert (written / "data.json").read_bytes() == DATA
    assert sorted(p.name.split("-", 1)[1] for p in (written / "attachments").iterdir()) == [
        "Lichtbild.png",
        "antrag.pdf",
    ]
    assert "Entscheidung: accept" in summary(received)

    log = client.events(sent["caseId"])
    service_keys = client.service_keys()
    create, submit = (parse_event(token, service_keys) for token in log[:2])
    assert (create.kind, submit.kind) == ("create", "submit")
    assert create.issuer == zustelldienst.url
    assert submit.authentication_tags == sent["authenticationTags"]
    # Receiver-issued events verify against the destination's key: GET …/keys/{kid}.
    destination_key = client.destination_keys(
        zustelldienst.destination_id, zustelldienst.signature_private["kid"]
    )
    accept = parse_event(log[2], [destination_key])
    assert accept.kind == "accept" and accept.issuer == zustelldienst.destination_id
    assert accept.submission_id == sent["submissionId"]
    with pytest.raises(PermanentError):
        parse_event(log[2], service_keys)
    assert client.submission_status(sent["submissionId"])["status"] == "accepted"
    assert client.submission_status(sent["submissionId"], case_id=sent["caseId"])["status"] == (
        "accepted"
    )
    assert receive(zustelldienst) == []  # nothing new after the decision


def test_the_receiver_rejects_with_a_reason(zustelldienst):
    client = zustelldienst.sender_client()
    sent = send(zustelldienst, client)

    [received] = receive(zustelldienst, decision="reject", reject_reason="Falsche Behörde")

    assert received.decision == "reject"
    assert client.submission_status(sent["submissionId"])["status"] == "rejected"
    destination_key = client.destination_keys(
        zustelldienst.destination_id, zustelldienst.signature_private["kid"]
    )
    reject = parse_event(client.events(sent["caseId"])[-1], [destination_key])
    assert reject.kind == "reject" and reject.problems[0]["detail"] == "Falsche Behörde"


def test_a_hash_mismatch_is_found_and_rejected(zustelldienst, encryption_keys):
    """A sender whose metadata hash does not match the data: the receiver says so."""
    client = zustelldienst.sender_client()
    destination = client.destination(zustelldienst.destination_id)
    sent = send(zustelldienst, client, attachments=[])
    # Replace the stored data by other, validly encrypted bytes (as a broken sender would).
    state = zustelldienst.standin
    with state._db() as db:
        db.execute(
            "UPDATE submissions SET encrypted_data = ? WHERE submission_id = ?",
            (
                encrypt(b'{"x": 1}', destination.encryption_key, cty="application/json"),
                sent["submissionId"],
            ),
        )

    [received] = receive(zustelldienst)

    kinds = {p["type"].rsplit("/", 1)[-1]: p["instance"] for p in received.problems}
    assert kinds == {"incorrect-authentication-tag": "data", "hash-mismatch": "data"}
    assert received.decision == "reject"
    assert client.submission_status(sent["submissionId"])["status"] == "rejected"


def test_the_destination_and_its_key(zustelldienst, encryption_keys):
    client = zustelldienst.sender_client()
    destination = client.destination(zustelldienst.destination_id)

    assert destination.active and destination.service_identifiers == [SERVICE]
    assert destination.encryption_kid == encryption_keys[1]["kid"]
    assert destination.encryption_key == encryption_keys[1]
    assert destination.metadata_versions == ["1.0.0"]
    assert (
        decrypt(encrypt(b"ok", destination.encryption_key, cty="text/plain"), encryption_keys[0])
        == b"ok"
    )


def test_a_key_below_4096_bits_is_refused_by_default(zustelldienst):
    client = zustelldienst.sender_client(min_key_bits=4096)
    with pytest.raises(PermanentError) as caught:
        client.destination(zustelldienst.destination_id)
    assert "4096" in caught.value.message


def test_an_unknown_destination_is_a_permanent_404_problem(zustelldienst):
    with pytest.raises(PermanentError) as caught:
        zustelldienst.sender_client().destination("00000000-0000-4000-8000-000000000000")
    assert caught.value.status == 404
    assert caught.value.problem["type"].endswith("/destination-not-found")


def test_an_inactive_destination_is_refused_before_announcing(zustelldienst):
    zustelldienst.standin.set_destination_status(zustelldienst.destination_id, "archived")
    with pytest.raises(PermanentError):
        send(zustelldienst)
    with zustelldienst.standin._db() as db:
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0


def test_routes_are_signed_by_the_service(zustelldienst):
    client = zustelldienst.sender_client()
    [route] = client.routes(leika_key=LEIKA, ars="091620000000")

    assert route["destinationId"] == zustelldienst.destination_id
    claims = verify_destination_signature(
        route, client.service_keys(), leika_key=LEIKA, ars="091620000000"
    )
    assert claims["destinationId"] == zustelldienst.destination_id
    with pytest.raises(PermanentError):
        verify_destination_signature(route, client.service_keys(), ars="081110000000")
    with pytest.raises(PermanentError):
        verify_destination_signature({**route, "destinationId": "other"}, client.service_keys())
    assert client.routes(leika_key=LEIKA, ars="081110000000") == []
    with pytest.raises(PermanentError):
        client.routes(leika_key="12345", ars="09")
