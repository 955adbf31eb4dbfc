"""FIT-Connect callbacks (webhooks): HMAC-SHA512 over "<timestamp>.<body>".

The Zustelldienst posts to a destination's HTTPS callback URL with the headers
`callback-authentication` (hex HMAC-SHA512 with the callback secret) and
`callback-timestamp` (unix seconds). A receiver must refuse timestamps older than five
minutes and compare in constant time; `verify_callback` does both.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

from .errors import PermanentError

MAX_AGE = 300


def callback_signature(body: bytes, secret: str, timestamp: int | str) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha512).hexdigest()


def sign_callback(body: bytes, secret: str, *, timestamp: int | None = None) -> dict:
    """The two headers a Zustelldienst sends with a callback body."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return {
        "callback-authentication": callback_signature(body, secret, timestamp),
        "callback-timestamp": str(timestamp),
    }


def verify_callback(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    now: float | None = None,
    max_age: int = MAX_AGE,
) -> None:
    """Refuse (PermanentError) a callback whose HMAC does not match or whose timestamp is
    older than `max_age` seconds (or in the future by more than that)."""
    lowered = {str(key).lower(): value for key, value in headers.items()}
    given = lowered.get("callback-authentication", "")
    stamp = lowered.get("callback-timestamp", "")
    if not stamp.isdigit() or not given:
        raise PermanentError(
            "Dem Callback fehlen Signatur oder Zeitstempel.",
            "The callback lacks its signature or timestamp.",
        )
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > max_age:
        raise PermanentError(
            "Der Callback ist zu alt (mehr als fünf Minuten).",
            "The callback is too old (more than five minutes).",
        )
    if not hmac.compare_digest(given.lower(), callback_signature(body, secret, stamp)):
        raise PermanentError(
            "Die Signatur des Callbacks stimmt nicht.", "The callback's signature does not match."
        )
