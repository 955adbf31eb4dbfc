"""Callback (webhook) HMAC-SHA512 with the five-minute window."""

import hashlib
import hmac

import pytest

from forms_engine.transports.fitconnect import PermanentError, sign_callback, verify_callback

BODY = b'{"type":"https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions"}'
SECRET = "callback-secret-for-tests"


def test_a_signed_callback_verifies_and_matches_the_documented_hmac():
    headers = sign_callback(BODY, SECRET, timestamp=1_700_000_000)
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha512).hexdigest()
    assert headers == {"callback-authentication": expected, "callback-timestamp": "1700000000"}
    verify_callback(BODY, headers, SECRET, now=1_700_000_100)


@pytest.mark.parametrize(
    ("body", "secret", "now", "headers_change"),
    [
        (BODY + b" ", SECRET, 1_700_000_000, {}),
        (BODY, "other", 1_700_000_000, {}),
        (BODY, SECRET, 1_700_000_301, {}),
        (BODY, SECRET, 1_700_000_000, {"callback-timestamp": "1700000001"}),
        (BODY, SECRET, 1_700_000_000, {"callback-timestamp": "gestern"}),
        (BODY, SECRET, 1_700_000_000, {"callback-authentication": ""}),
    ],
)
def test_tampered_old_or_incomplete_callbacks_are_refused(body, secret, now, headers_change):
    headers = {**sign_callback(BODY, SECRET, timestamp=1_700_000_000), **headers_change}
    with pytest.raises(PermanentError):
        verify_callback(body, headers, secret, now=now)
