"""Security Event Tokens (RFC 8417) of the FIT-Connect event log.

Each event is a compact JWS (`alg` PS512, `typ` secevent+jwt, `kid`) with the claims `jti`,
`iss`, `iat`, `sub` ("submission:<id>"), `txn` ("case:<id>") and `events` holding exactly one
event URI (https://schema.fitko.de/fit-connect/events/<kind>-submission). Accept and reject
events carry `problems` (RFC 7807 style); the submit event carries `authenticationTags`
(the JWE authentication tags of metadata, data and each attachment).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

from .crypto import sign_jws, verify_jws
from .errors import PermanentError

EVENT_PREFIX = "https://schema.fitko.de/fit-connect/events/"
EVENT_KINDS = ("create", "submit", "notify", "forward", "reject", "accept", "delete")
SET_TYP = "secevent+jwt"
SET_PAYLOAD_SCHEMA = "https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json"
PROBLEM_PREFIX = "https://schema.fitko.de/fit-connect/events/problems/"


def event_uri(kind: str) -> str:
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    return f"{EVENT_PREFIX}{kind}-submission"


@dataclass(frozen=True)
class Event:
    event_uri: str
    kind: str
    submission_id: str
    case_id: str
    issuer: str
    issued_at: int
    jti: str
    problems: list[dict] = field(default_factory=list)
    authentication_tags: dict | None = None
    kid: str = ""


def make_event(
    *,
    kind: str,
    submission_id: str,
    case_id: str,
    issuer: str,
    private_jwk: dict,
    problems: list[dict] | None = None,
    authentication_tags: dict | None = None,
    issued_at: int | None = None,
) -> str:
    """A signed SET for one event. A reject needs at least one problem."""
    uri = event_uri(kind)
    if kind == "reject" and not problems:
        raise ValueError("a reject event needs at least one problem")
    body: dict = {}
    if problems:
        body["problems"] = [dict(problem) for problem in problems]
    if authentication_tags is not None:
        body["authenticationTags"] = authentication_tags
    claims = {
        "$schema": SET_PAYLOAD_SCHEMA,
        "jti": str(uuid.uuid4()),
        "iss": issuer,
        "iat": int(time.time()) if issued_at is None else int(issued_at),
        "sub": f"submission:{submission_id}",
        "txn": f"case:{case_id}",
        "events": {uri: body},
    }
    return sign_jws(json.dumps(claims).encode("utf-8"), private_jwk, typ=SET_TYP)


def _refuse(detail_de: str, detail_en: str):
    raise PermanentError(
        f"Das Ereignis (SET) ist ungültig: {detail_de}",
        f"The event (SET) is invalid: {detail_en}",
    )


def parse_event(set_token: str, keys: list[dict]) -> Event:
    """Verify a SET against the public key in `keys` with its `kid` and read it.
    A forged signature, an unknown kid or a malformed payload raise PermanentError."""
    header, payload = verify_jws(set_token, keys, typ=SET_TYP)
    try:
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        _refuse("die Nutzlast ist kein JSON.", "the payload is not JSON.")
    if not isinstance(claims, dict):
        _refuse("die Nutzlast ist kein Objekt.", "the payload is not an object.")
    for name in ("jti", "iss", "sub", "txn"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            _refuse(f"„{name}“ fehlt.", f"{name!r} is missing.")
    if not isinstance(claims.get("iat"), int):
        _refuse("„iat“ fehlt.", "'iat' is missing.")
    if not claims["sub"].startswith("submission:") or not claims["txn"].startswith("case:"):
        _refuse(
            "„sub“/„txn“ haben nicht die Form submission:<id>/case:<id>.",
            "'sub'/'txn' are not submission:<id>/case:<id>.",
        )
    events = claims.get("events")
    if not isinstance(events, dict) or len(events) != 1:
        _refuse("es braucht genau ein Ereignis.", "it needs exactly one event.")
    ((uri, body),) = events.items()
    kinds = {event_uri(kind): kind for kind in EVENT_KINDS}
    if uri not in kinds:
        _refuse(f"unbekanntes Ereignis {uri}.", f"unknown event {uri}.")
    if not isinstance(body, dict):
        _refuse("der Ereignisinhalt ist kein Objekt.", "the event body is not an object.")
    problems = body.get("problems", [])
    if not isinstance(problems, list) or not all(isinstance(p, dict) for p in problems):
        _refuse("„problems“ ist keine Liste von Objekten.", "'problems' is not a list of objects.")
    tags = body.get("authenticationTags")
    if tags is not None and not isinstance(tags, dict):
        _refuse("„authenticationTags“ ist kein Objekt.", "'authenticationTags' is not an object.")
    return Event(
        event_uri=uri,
        kind=kinds[uri],
        submission_id=claims["sub"].removeprefix("submission:"),
        case_id=claims["txn"].removeprefix("case:"),
        issuer=claims["iss"],
        issued_at=claims["iat"],
        jti=claims["jti"],
        problems=problems,
        authentication_tags=tags,
        kid=header.get("kid", ""),
    )


def unverified_claims(set_token: str) -> dict:
    """The claims of a SET WITHOUT checking its signature: only for display and status
    hints from a trusted connection; use `parse_event` for anything that decides."""
    from jwcrypto.common import base64url_decode

    try:
        claims = json.loads(base64url_decode(set_token.split(".")[1]))
    except (ValueError, IndexError, UnicodeDecodeError, AttributeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def problem(kind: str, title: str, detail: str, instance: str) -> dict:
    """An RFC 7807-style problem for accept/reject events."""
    return {"type": PROBLEM_PREFIX + kind, "title": title, "detail": detail, "instance": instance}
