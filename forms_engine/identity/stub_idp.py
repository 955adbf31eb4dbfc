"""The BundID stand-in IdP: personas, means of identification, signed assertions.

The assertion is a JWS (RS256) whose claims mirror the BundID SAML response: `iss`,
`aud` (the engine's service id), `iat`/`nbf`/`exp`, `jti`, `in_response_to` (the engine's
request id), `sub` (a transient NameID), `authn_context_class_ref` (STORK-QAA-Level-n),
`means`, and `attributes` keyed by the BundID attribute OIDs, each with `friendly_name`,
`value` and `trust_level` (akdb:TrustLevel). The bPK2 is an HMAC of person and service
under a secret derived from the IdP's key: stable per person and service, unlinkable
across services.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from .attributes import ATTRIBUTES, BPK2_OID
from .keys import stub_key_id, stub_private_key

ISSUER = "urn:ozg-engine:bundid-stub"
ASSERTION_LIFETIME = 300  # seconds, like a SAML assertion's NotOnOrAfter window


@dataclass(frozen=True)
class Means:
    id: str
    label: str
    label_en: str
    stork: str
    level: str
    # akdb:TrustLevel of identity attributes (name, birth, address) with this means.
    trust: str


MEANS = {
    "benutzername": Means(
        "benutzername", "Benutzername und Passwort", "Username and password",
        "STORK-QAA-Level-1", "basis", "NORMAL",
    ),
    "elster": Means(
        "elster", "ELSTER-Zertifikat", "ELSTER certificate",
        "STORK-QAA-Level-3", "substanziell", "SUBSTANZIELL",
    ),
    "eid": Means(
        "eid", "Online-Ausweis", "Online ID card",
        "STORK-QAA-Level-4", "hoch", "HOCH",
    ),
}  # fmt: skip

# What the means reports as `means` in the result (stored on drafts and cases).
MEANS_NAMES = {"benutzername": "Benutzername", "elster": "ELSTER", "eid": "Online-Ausweis"}

# The e-mail address and phone are never read from an ID: self-declared in the account.
SELF_DECLARED = frozenset({"email", "phone"})


def personas_file() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "personas.json"


@lru_cache(maxsize=1)
def personas() -> tuple[dict, ...]:
    """The fictitious test persons of fixtures/personas.json."""
    data = json.loads(personas_file().read_text("utf-8"))
    return tuple(data["personas"])


def persona_get(persona_id: str) -> dict | None:
    return next((p for p in personas() if p["id"] == persona_id), None)


def _bpk_secret() -> bytes:
    der = stub_private_key().private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return hashlib.sha256(b"bundid-stub bPK2|" + der).digest()


def bpk2_for(person_id: str, service_id: str) -> str:
    """The bPK2 of a person for a service: stable, pseudonymous, per service."""
    digest = hmac.new(
        _bpk_secret(), f"{person_id}\x1f{service_id}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest[:21]).decode("ascii")


def assertion_issue(
    *, persona: dict, means: Means, service_id: str, in_response_to: str, now: float | None = None
) -> str:
    """A signed assertion (JWS, RS256) for `persona` signed in with `means`."""
    now = time.time() if now is None else now
    attributes = {}
    for name, (oid, friendly) in ATTRIBUTES.items():
        value = persona.get(name)
        if value in (None, ""):
            continue
        trust = "NORMAL" if name in SELF_DECLARED else means.trust
        attributes[oid] = {"friendly_name": friendly, "value": value, "trust_level": trust}
    attributes[BPK2_OID] = {
        "friendly_name": "bPK2",
        "value": bpk2_for(persona["id"], service_id),
        "trust_level": means.trust,
    }
    claims = {
        "iss": ISSUER,
        "aud": service_id,
        "iat": int(now),
        "nbf": int(now) - 5,
        "exp": int(now) + ASSERTION_LIFETIME,
        "jti": secrets.token_urlsafe(16),
        "in_response_to": in_response_to,
        "sub": "_" + secrets.token_hex(16),  # transient NameID
        "authn_context_class_ref": means.stork,
        "means": MEANS_NAMES[means.id],
        "attributes": attributes,
    }
    return jwt.encode(claims, stub_private_key(), algorithm="RS256", headers={"kid": stub_key_id()})
