"""Security Event Tokens: make, parse, forged signatures and unknown kids refused."""

import json

import pytest
from jwcrypto.common import base64url_decode, base64url_encode

from forms_engine.transports.fitconnect import (
    EVENT_PREFIX,
    PermanentError,
    generate_signature_key,
    make_event,
    parse_event,
    problem,
)
from forms_engine.transports.fitconnect.crypto import sign_jws

SUBMISSION = "5b8e1c6e-7a5b-4e0e-9d0c-2c6a3b3f0a11"
CASE = "d12caea8-f372-4eb1-b102-b0a228253a11"


def test_a_signed_event_round_trips(signature_keys):
    private, public = signature_keys
    token = make_event(
        kind="accept",
        submission_id=SUBMISSION,
        case_id=CASE,
        issuer="dest-1",
        private_jwk=private,
    )

    header = json.loads(base64url_decode(token.split(".")[0]))
    assert header == {"alg": "PS512", "kid": private["kid"], "typ": "secevent+jwt"}
    claims = json.loads(base64url_decode(token.split(".")[1]))
    assert claims["sub"] == f"submission:{SUBMISSION}" and claims["txn"] == f"case:{CASE}"
    assert list(claims["events"]) == [EVENT_PREFIX + "accept-submission"]
    event = parse_event(token, [public])
    assert event.kind == "accept"
    assert event.event_uri == "https://schema.fitko.de/fit-connect/events/accept-submission"
    assert (event.submission_id, event.case_id, event.issuer) == (SUBMISSION, CASE, "dest-1")
    assert event.jti == claims["jti"] and event.issued_at == claims["iat"]
    assert event.problems == [] and event.kid == private["kid"]


def test_a_reject_event_carries_its_problems_and_needs_one(signature_keys):
    private, public = signature_keys
    problems = [problem("hash-mismatch", "Hash mismatch", "Anlage weicht ab", "attachment:x")]
    token = make_event(
        kind="reject",
        submission_id=SUBMISSION,
        case_id=CASE,
        issuer="d",
        private_jwk=private,
        problems=problems,
    )
    assert parse_event(token, [public]).problems == problems
    with pytest.raises(ValueError):
        make_event(
            kind="reject", submission_id=SUBMISSION, case_id=CASE, issuer="d", private_jwk=private
        )
    with pytest.raises(ValueError):
        make_event(
            kind="approve", submission_id=SUBMISSION, case_id=CASE, issuer="d", private_jwk=private
        )


def test_a_forged_signature_is_refused(signature_keys):
    private, public = signature_keys
    token = make_event(
        kind="reject",
        submission_id=SUBMISSION,
        case_id=CASE,
        issuer="d",
        private_jwk=private,
        problems=[problem("x", "x", "x", "x")],
    )
    header, payload, signature = token.split(".")
    claims = json.loads(base64url_decode(payload))
    claims["events"] = {EVENT_PREFIX + "accept-submission": {}}
    forged = ".".join([header, base64url_encode(json.dumps(claims).encode()), signature])

    with pytest.raises(PermanentError) as caught:
        parse_event(forged, [public])
    assert caught.value.message == "Die Signatur ist ungültig."


def test_a_token_signed_by_another_key_with_the_same_kid_is_refused(signature_keys):
    _, public = signature_keys
    other_private, _ = generate_signature_key(2048)
    token = make_event(
        kind="accept",
        submission_id=SUBMISSION,
        case_id=CASE,
        issuer="d",
        private_jwk={**other_private, "kid": public["kid"]},
    )
    with pytest.raises(PermanentError):
        parse_event(token, [public])


def test_an_unknown_kid_is_refused(signature_keys):
    private, public = signature_keys
    token = make_event(
        kind="accept", submission_id=SUBMISSION, case_id=CASE, issuer="d", private_jwk=private
    )
    with pytest.raises(PermanentError) as caught:
        parse_event(token, [{**public, "kid": "other"}])
    assert "kid" in caught.value.message_en
    with pytest.raises(PermanentError):
        parse_event(token, [])


def _signed(claims, private, typ="secevent+jwt"):
    return sign_jws(json.dumps(claims).encode(), private, typ=typ)


@pytest.mark.parametrize(
    "claims",
    [
        {
            "jti": "1",
            "iss": "d",
            "iat": 1,
            "sub": "x",
            "txn": f"case:{CASE}",
            "events": {EVENT_PREFIX + "accept-submission": {}},
        },
        {
            "jti": "1",
            "iss": "d",
            "iat": 1,
            "sub": f"submission:{SUBMISSION}",
            "txn": f"case:{CASE}",
            "events": {
                EVENT_PREFIX + "accept-submission": {},
                EVENT_PREFIX + "reject-submission": {},
            },
        },
        {
            "jti": "1",
            "iss": "d",
            "iat": 1,
            "sub": f"submission:{SUBMISSION}",
            "txn": f"case:{CASE}",
            "events": {"https://example.org/approve": {}},
        },
        {
            "iss": "d",
            "iat": 1,
            "sub": f"submission:{SUBMISSION}",
            "txn": f"case:{CASE}",
            "events": {EVENT_PREFIX + "accept-submission": {}},
        },
        ["not", "an", "object"],
    ],
)
def test_malformed_sets_are_refused_even_when_signed(signature_keys, claims):
    private, public = signature_keys
    with pytest.raises(PermanentError):
        parse_event(_signed(claims, private), [public])


def test_the_typ_and_alg_must_be_those_of_a_set(signature_keys):
    private, public = signature_keys
    claims = {
        "jti": "1",
        "iss": "d",
        "iat": 1,
        "sub": f"submission:{SUBMISSION}",
        "txn": f"case:{CASE}",
        "events": {EVENT_PREFIX + "accept-submission": {}},
    }
    with pytest.raises(PermanentError):
        parse_event(_signed(claims, private, typ="jwt"), [public])
    header = base64url_encode(
        json.dumps({"alg": "none", "kid": private["kid"], "typ": "secevent+jwt"}).encode()
    )
    unsigned = f"{header}.{base64url_encode(json.dumps(claims).encode())}."
    with pytest.raises(PermanentError):
        parse_event(unsigned, [public])
