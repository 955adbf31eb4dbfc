"""The identity plugin kind: trust levels, the provider base class, results and errors.

    from forms_engine.identity.base import registry

    @registry("bundid-stub")
    class BundIdStub(IdentityProvider):
        options_schema = {...}

Levels follow § 3 Abs. 4 OZG and BundID: "basis" (Benutzername, STORK-QAA-Level-1) <
"substanziell" (ELSTER, STORK-QAA-Level-3) < "hoch" (Online-Ausweis, STORK-QAA-Level-4).
"none" is below all of them and means "no sign-in needed".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse

from forms_engine.core.levels import (  # noqa: F401 - re-exported: identity's public names
    LEVEL_LABELS,
    LEVELS,
    level_label,
    level_rank,
    level_satisfies,
)
from forms_engine.core.registry import Registry

registry = Registry("identity")

STORK_BY_LEVEL = {
    "basis": "STORK-QAA-Level-1",
    "substanziell": "STORK-QAA-Level-3",
    "hoch": "STORK-QAA-Level-4",
}
LEVEL_BY_STORK = {
    "STORK-QAA-Level-1": "basis",
    "STORK-QAA-Level-2": "basis",
    "STORK-QAA-Level-3": "substanziell",
    "STORK-QAA-Level-4": "hoch",
}


def level_from_stork(value: str) -> str:
    """The engine level of a STORK-QAA `AuthnContextClassRef`; "none" if unknown."""
    return LEVEL_BY_STORK.get(value, "none")


class IdentityError(Exception):
    """A sign-in that cannot be accepted. German message first, English second.

    `code`: `no_request` (no sign-in was started in this session), `replay` (the assertion
    was already used), `wrong_request` (it answers another sign-in), `signature`,
    `expired`, `audience`, `issuer`, `malformed`, `cancelled`, `unavailable`.
    """

    def __init__(self, message: str, message_en: str, code: str):
        self.message = message
        self.message_en = message_en
        self.code = code
        super().__init__(f"{message} / {message_en}")

    def text(self, lang: str = "de") -> str:
        return self.message_en if lang == "en" else self.message


@dataclass(frozen=True)
class IdentityResult:
    """What a verified sign-in tells the engine.

    `level`: one of LEVELS; `means`: the means the citizen used ("Benutzername", "ELSTER",
    "Online-Ausweis"); `bpk2`: the pseudonym of the person for this service (the citizen
    account key, never the name); `attributes`: vocabulary name → {"value", "trust",
    "oid"} (see `forms_engine.identity` for the names); `raw_assertion`: the assertion as
    received, kept as evidence.
    """

    level: str
    means: str
    bpk2: str
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    raw_assertion: str = ""

    def as_session(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "means": self.means,
            "bpk2": self.bpk2,
            "attributes": self.attributes,
        }


class IdentityProvider:
    """Base class of identity backends. One module per backend in `backends/`.

    `options` are validated against `options_schema` (JSON Schema) by
    `registry.validate_options`. Instances are cheap; create one per request.
    """

    plugin_id = ""
    #: What an administrator chooses (German msgid, translated); the id if empty.
    label: Any = ""
    options_schema: dict = {"type": "object", "additionalProperties": False}
    #: Only offered where settings.ENABLE_DEMO_BACKENDS is on.
    demo = False

    def __init__(self, options: dict | None = None):
        self.options = dict(options or {})

    def start(self, request: HttpRequest, *, level: str, return_url: str) -> HttpResponse:
        """Begin a sign-in at `level` (minimum) and answer with the redirect to the IdP.

        Must remember in the session what it asked for (request id, level, `return_url`),
        so that `complete` can bind the answer to this request and this session.
        """
        raise NotImplementedError

    def complete(self, request: HttpRequest) -> tuple[IdentityResult, str]:
        """Verify the IdP's answer posted to the engine's ACS URL.

        Returns `(result, return_url)`. Raises `IdentityError` for anything that does not
        verify: signature, issuer, audience, expiry, a request id that is not the one this
        session is waiting for, or one already used. Consumes the pending request.
        """
        raise NotImplementedError
