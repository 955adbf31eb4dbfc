"""Engine side of the BundID stand-in: send the citizen there, verify what comes back.

The stand-in IdP itself lives in `identity.stub_idp` / `identity.views` and answers only
where settings.ENABLE_DEMO_BACKENDS is on; a production deployment uses a real BundID
backend (SAML) behind the same hooks.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..attributes import BPK2_OID, NAME_BY_OID
from ..base import (
    STORK_BY_LEVEL,
    IdentityError,
    IdentityProvider,
    IdentityResult,
    level_from_stork,
    registry,
)
from ..keys import verification_key
from ..stub_idp import ISSUER

PENDING_KEY = "identity_pending"
USED_KEY = "identity_used_requests"
PENDING_MAX_AGE = 15 * 60  # a sign-in left open longer than this must start again


def _error(code: str) -> IdentityError:
    messages = {
        "no_request": (
            "Zu dieser Anmeldung gibt es keine offene Anfrage in Ihrer Sitzung. "
            "Bitte starten Sie die Anmeldung erneut.",
            "There is no open sign-in request in your session. Please sign in again.",
        ),
        "replay": (
            "Diese Anmeldebestätigung wurde bereits verwendet. Bitte melden Sie sich erneut an.",
            "This sign-in confirmation has already been used. Please sign in again.",
        ),
        "wrong_request": (
            "Die Anmeldebestätigung gehört nicht zu Ihrer Anmeldung. "
            "Bitte melden Sie sich erneut an.",
            "The sign-in confirmation does not belong to your sign-in. Please sign in again.",
        ),
        "signature": (
            "Die Anmeldebestätigung ist nicht gültig signiert oder wurde verändert.",
            "The sign-in confirmation is not validly signed or has been altered.",
        ),
        "expired": (
            "Die Anmeldebestätigung ist abgelaufen. Bitte melden Sie sich erneut an.",
            "The sign-in confirmation has expired. Please sign in again.",
        ),
        "audience": (
            "Die Anmeldebestätigung wurde für einen anderen Dienst ausgestellt.",
            "The sign-in confirmation was issued for another service.",
        ),
        "issuer": (
            "Die Anmeldebestätigung stammt nicht vom erwarteten Identitätsdienst.",
            "The sign-in confirmation does not come from the expected identity provider.",
        ),
        "malformed": (
            "Die Anmeldebestätigung ist unvollständig oder fehlerhaft.",
            "The sign-in confirmation is incomplete or malformed.",
        ),
        "unavailable": (
            "Die Anmeldung mit BundID ist derzeit nicht verfügbar.",
            "Signing in with BundID is currently not available.",
        ),
    }
    de, en = messages[code]
    return IdentityError(de, en, code)


@registry("bundid-stub")
class BundIdStub(IdentityProvider):
    """BundID stand-in (demo only): JWS assertions with BundID's claims and OIDs."""

    demo = True
    label = _("BundID (Stand-in für die Demo)")
    options_schema = {
        "type": "object",
        "properties": {
            "service_id": {
                "type": "string",
                "minLength": 1,
                "description": "Audience of the assertions (the engine's service id)",
            },
            "public_key_env": {
                "type": "string",
                "pattern": "^[A-Z][A-Z0-9_]*$",
                "description": "Environment variable with the IdP's public key (PEM)",
            },
            "max_clock_skew": {"type": "integer", "minimum": 0, "maximum": 300},
        },
        "additionalProperties": False,
    }

    def service_id(self, request: HttpRequest) -> str:
        """The audience: the configured service id, else this engine at the address the
        citizen used (so `make run PORT=…` works whatever FORMS_SITE_URL says)."""
        return self.options.get("service_id") or request.build_absolute_uri("/")

    def start(self, request: HttpRequest, *, level: str, return_url: str) -> HttpResponseRedirect:
        """Remember the request in the session and redirect to the stand-in's sign-in page."""
        if not settings.ENABLE_DEMO_BACKENDS:
            raise _error("unavailable")
        request_id = "_" + secrets.token_hex(16)
        request.session[PENDING_KEY] = {
            "id": request_id,
            "level": level,
            "return_url": return_url,
            "at": int(time.time()),
        }
        query = urlencode(
            {
                "service": self.service_id(request),
                "acs": reverse("citizen:identity_acs"),
                "request_id": request_id,
                "level": STORK_BY_LEVEL.get(level, STORK_BY_LEVEL["basis"]),
            }
        )
        return HttpResponseRedirect(reverse("citizen:bundid_stub") + "?" + query)

    def complete(self, request: HttpRequest) -> tuple[IdentityResult, str]:
        """Verify the posted assertion: signature, issuer, audience, time, request binding."""
        token = request.POST.get("assertion", "")
        pending = request.session.get(PENDING_KEY)
        used = list(request.session.get(USED_KEY, []))
        if not token or len(token) > 20000:
            raise _error("malformed")
        pem = verification_key(self.options.get("public_key_env", "BUNDID_STUB_PUBLIC_KEY"))
        if pem is None:
            raise _error("unavailable")
        try:
            claims = jwt.decode(
                token,
                pem,
                algorithms=["RS256"],
                audience=self.service_id(request),
                issuer=ISSUER,
                leeway=int(self.options.get("max_clock_skew", 30)),
                options={"require": ["exp", "iat", "aud", "iss", "in_response_to"]},
            )
        except jwt.ExpiredSignatureError:
            raise _error("expired") from None
        except jwt.InvalidAudienceError:
            raise _error("audience") from None
        except jwt.InvalidIssuerError:
            raise _error("issuer") from None
        except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError):
            raise _error("signature") from None
        except jwt.PyJWTError:
            raise _error("malformed") from None

        in_response_to = claims.get("in_response_to")
        if in_response_to in used:
            raise _error("replay")
        if not isinstance(pending, dict):
            raise _error("no_request")
        if in_response_to != pending.get("id"):
            raise _error("wrong_request")
        if time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
            request.session.pop(PENDING_KEY, None)
            raise _error("expired")

        level = level_from_stork(str(claims.get("authn_context_class_ref", "")))
        raw = claims.get("attributes")
        if level == "none" or not isinstance(raw, dict):
            raise _error("malformed")
        bpk2 = (raw.get(BPK2_OID) or {}).get("value")
        if not isinstance(bpk2, str) or not bpk2:
            raise _error("malformed")
        attributes = {}
        for oid, entry in raw.items():
            name = NAME_BY_OID.get(oid)
            if name and isinstance(entry, dict) and isinstance(entry.get("value"), str):
                attributes[name] = {
                    "value": entry["value"],
                    "trust": str(entry.get("trust_level", "NORMAL")),
                    "oid": oid,
                }
        # One answer per request: the request id is spent, a second post is a replay.
        request.session.pop(PENDING_KEY, None)
        request.session[USED_KEY] = (used + [in_response_to])[-20:]
        result = IdentityResult(
            level=level,
            means=str(claims.get("means", ""))[:50],
            bpk2=bpk2[:200],
            attributes=attributes,
            raw_assertion=token,
        )
        return result, pending.get("return_url") or "/"
