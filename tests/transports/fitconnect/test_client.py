"""The sender client's error mapping, OAuth2 token handling and retry-relevant answers,
against the stand-in (faults injected) and a fake `http` callable."""

import json
import uuid

import pytest

from forms_engine.transports.fitconnect import (
    FitConnectError,
    HttpResponse,
    PermanentError,
    SenderClient,
    TransientError,
    encrypt,
    urllib_transport,
)

from .conftest import SERVICE


class Recorder:
    """`http` that passes through to urllib and remembers (method, path) of each call."""

    def __init__(self):
        self.calls = []

    def __call__(self, method, url, **kwargs):
        self.calls.append((method, url.split("/", 3)[-1]))
        return urllib_transport(method, url, **kwargs)

    def token_fetches(self):
        return sum(1 for method, path in self.calls if path == "token")


def announce(client, running, attachment_ids=()):
    return client.announce(
        destination_id=running.destination_id,
        service_name="Hundesteuer",
        service_identifier=SERVICE,
        attachment_ids=list(attachment_ids),
    )


def test_the_error_classes():
    assert issubclass(TransientError, FitConnectError)
    assert issubclass(PermanentError, FitConnectError)
    error = PermanentError("kaputt", "broken", status=400, problem={"title": "x"})
    assert (error.message, error.message_en, error.status, error.problem) == (
        "kaputt",
        "broken",
        400,
        {"title": "x"},
    )


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408])
def test_server_errors_are_transient_and_the_service_recovers(zustelldienst, status):
    client = zustelldienst.sender_client()
    client.destination(zustelldienst.destination_id)  # token cached
    zustelldienst.standin.inject_faults(2, status)

    for _ in range(2):
        with pytest.raises(TransientError) as caught:
            client.destination(zustelldienst.destination_id)
        assert caught.value.status == status
        assert caught.value.problem["type"].endswith("/injected-fault")

    assert client.destination(zustelldienst.destination_id).active


def test_a_network_error_is_transient(zustelldienst):
    def refused(*args, **kwargs):
        raise ConnectionRefusedError(111, "refused")

    client = zustelldienst.sender_client(http=refused)
    with pytest.raises(TransientError) as caught:
        client.destination(zustelldienst.destination_id)
    assert caught.value.status is None


def test_a_4xx_problem_is_permanent_and_carries_the_problem(zustelldienst):
    client = zustelldienst.sender_client()
    with pytest.raises(PermanentError) as caught:
        client.announce(
            destination_id=zustelldienst.destination_id,
            service_name="Fremde Leistung",
            service_identifier="urn:de:fim:leika:leistung:99000000000000",
            attachment_ids=[],
        )
    assert caught.value.status == 422
    assert caught.value.problem["type"] == (
        "https://schema.fitko.de/fit-connect/submission-api/problems/service-not-offered"
    )
    assert "HTTP 422" in caught.value.message


def test_wrong_client_credentials_are_permanent(zustelldienst):
    client = SenderClient(
        zustelldienst.url, zustelldienst.url + "/token", zustelldienst.sender[0], "falsch"
    )
    with pytest.raises(PermanentError) as caught:
        client.destination(zustelldienst.destination_id)
    assert caught.value.status == 401
    assert "Client-ID und Secret" in caught.value.message
    assert "falsch" not in repr(client) and "falsch" not in str(caught.value)


def test_the_token_is_fetched_once_and_reused(zustelldienst):
    recorder = Recorder()
    client = zustelldienst.sender_client(http=recorder)
    client.destination(zustelldienst.destination_id)
    client.destination(zustelldienst.destination_id)
    assert recorder.token_fetches() == 1


def test_a_revoked_token_is_refreshed_once_on_401(zustelldienst):
    recorder = Recorder()
    client = zustelldienst.sender_client(http=recorder)
    client.destination(zustelldienst.destination_id)
    zustelldienst.standin.revoke_tokens()

    assert client.destination(zustelldienst.destination_id).active
    assert recorder.token_fetches() == 2


def test_a_second_401_is_not_retried_forever():
    calls = []

    def always_401(method, url, **kwargs):
        calls.append(url)
        if url.endswith("/token"):
            body = json.dumps({"access_token": "t", "expires_in": 300}).encode()
            return HttpResponse(200, {"Content-Type": "application/json"}, body)
        return HttpResponse(401, {}, b"")

    client = SenderClient(
        "https://fc.example", "https://fc.example/token", "c", "s", http=always_401
    )
    with pytest.raises(PermanentError) as caught:
        client.events("case-1")
    assert caught.value.status == 401
    assert len(calls) == 4  # token, request, new token, request


def test_an_expiring_token_is_renewed_before_use(zustelldienst):
    recorder = Recorder()
    client = zustelldienst.sender_client(http=recorder)
    client.destination(zustelldienst.destination_id)
    client._token_expires = 0  # as if expires_in had passed
    client.destination(zustelldienst.destination_id)
    assert recorder.token_fetches() == 2


def test_the_token_request_is_form_encoded_client_credentials():
    seen = {}

    def fake(method, url, *, headers, body, timeout):
        if url.endswith("/token"):
            seen.update(method=method, headers=headers, body=body.decode())
            return HttpResponse(
                200,
                {"Content-Type": "application/json"},
                b'{"access_token": "abc", "expires_in": 60}',
            )
        seen["authorization"] = headers["Authorization"]
        return HttpResponse(200, {"Content-Type": "application/json"}, b'{"eventLog": []}')

    client = SenderClient(
        "https://fc.example/", "https://auth.example/token", "id", "geheim", scope="s1", http=fake
    )
    assert client.events("c") == []
    assert seen["method"] == "POST"
    assert seen["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert (
        seen["body"] == "grant_type=client_credentials&client_id=id&client_secret=geheim&scope=s1"
    )
    assert seen["authorization"] == "Bearer abc"


def test_submit_before_every_attachment_is_uploaded_is_refused(zustelldienst, encryption_keys):
    client = zustelldienst.sender_client()
    key = encryption_keys[1]
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    announced = announce(client, zustelldienst, [first, second])
    submission_id = announced["submissionId"]
    client.upload_attachment(submission_id, first, encrypt(b"1", key, cty="application/pdf"))
    metadata = encrypt(b"{}", key, cty="application/json")
    data = encrypt(b"{}", key, cty="application/json")

    with pytest.raises(PermanentError) as caught:
        client.submit(submission_id, encrypted_metadata=metadata, encrypted_data=data)
    assert caught.value.status == 422
    assert caught.value.problem["type"].endswith("/missing-attachments")
    assert second in caught.value.problem["detail"]
    assert client.submission_status(submission_id)["status"] == "incomplete"

    client.upload_attachment(submission_id, second, encrypt(b"2", key, cty="image/png"))
    answer = client.submit(submission_id, encrypted_metadata=metadata, encrypted_data=data)
    assert answer["caseId"] == announced["caseId"]
    # A retried identical submit (the first answer was lost) is answered the same way ...
    assert client.submit(submission_id, encrypted_metadata=metadata, encrypted_data=data) == answer
    # ... a different one is a conflict.
    with pytest.raises(PermanentError) as caught:
        client.submit(submission_id, encrypted_metadata=data, encrypted_data=data)
    assert caught.value.status == 409


def test_an_upload_of_an_unannounced_attachment_is_refused(zustelldienst, encryption_keys):
    client = zustelldienst.sender_client()
    submission_id = announce(client, zustelldienst)["submissionId"]
    with pytest.raises(PermanentError) as caught:
        client.upload_attachment(
            submission_id, str(uuid.uuid4()), encrypt(b"1", encryption_keys[1], cty="a/b")
        )
    assert caught.value.status == 404


def test_a_crash_after_announce_can_be_resolved_with_submission_status(zustelldienst):
    client = zustelldienst.sender_client()
    announced = announce(client, zustelldienst)
    status = client.submission_status(announced["submissionId"])
    assert status == {**announced, "status": "incomplete"}
    by_events = client.submission_status(announced["submissionId"], case_id=announced["caseId"])
    assert by_events["status"] == "incomplete"


def test_another_sender_cannot_see_or_touch_a_submission(zustelldienst, encryption_keys):
    client = zustelldienst.sender_client()
    announced = announce(client, zustelldienst)
    other_id, other_secret = zustelldienst.standin.register_client(role="sender")
    other = SenderClient(zustelldienst.url, zustelldienst.url + "/token", other_id, other_secret)
    for call in (
        lambda: other.submission_status(announced["submissionId"]),
        lambda: other.events(announced["caseId"]),
        lambda: other.submit(
            announced["submissionId"],
            encrypted_metadata=encrypt(b"{}", encryption_keys[1], cty="application/json"),
            encrypted_data=encrypt(b"{}", encryption_keys[1], cty="application/json"),
        ),
    ):
        with pytest.raises(PermanentError) as caught:
            call()
        assert caught.value.status == 404
