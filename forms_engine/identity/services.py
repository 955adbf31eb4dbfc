"""Identity in the citizen's session, prefill of answers, and the fields the ID locks.

Views call these; the provider backends only start and verify sign-ins.
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings

from forms_engine.core.text import json_text_problems

from .attributes import attribute_name, is_confirmed
from .base import IdentityError, IdentityProvider, IdentityResult, registry

SESSION_KEY = "identity"


def provider_get() -> IdentityProvider:
    """The configured identity backend.

    `settings.FORMS_IDENTITY_BACKEND` / `FORMS_IDENTITY_OPTIONS` name it; without them the
    BundID stand-in where demo backends are enabled. Demo backends are refused otherwise.
    """
    backend = getattr(settings, "FORMS_IDENTITY_BACKEND", "") or "bundid-stub"
    options = getattr(settings, "FORMS_IDENTITY_OPTIONS", None) or {}
    cls = registry.get(backend)
    if getattr(cls, "demo", False) and not settings.ENABLE_DEMO_BACKENDS:
        raise IdentityError(
            "Die Anmeldung mit BundID ist derzeit nicht verfügbar.",
            "Signing in with BundID is currently not available.",
            "unavailable",
        )
    problems = registry.validate_options(backend, options)
    if problems:
        raise IdentityError(problems[0].message, problems[0].message_en, "unavailable")
    return cls(options)


def identity_available() -> bool:
    try:
        provider_get()
    except IdentityError:
        return False
    return True


def session_identity(session) -> dict[str, Any] | None:
    """The identity of this session ({level, means, bpk2, attributes}) or None."""
    value = session.get(SESSION_KEY)
    if isinstance(value, dict) and value.get("bpk2"):
        return value
    return None


def identity_result_check(result: IdentityResult) -> None:
    """Refuse (IdentityError `malformed`) an identity whose texts no database column may
    hold: a NUL or a lone surrogate in an attribute, the bPK2 or the means. Whatever the
    provider, such an answer never reaches the session, a draft or a case."""
    claimed = {"bpk2": result.bpk2, "means": result.means, "attributes": result.attributes}
    if json_text_problems(claimed):
        raise IdentityError(
            "Die Antwort des Identitätsdienstes enthält ungültige Zeichen und wurde nicht "
            "übernommen. Bitte melden Sie sich erneut an.",
            "The identity service's answer contains invalid characters and was not accepted. "
            "Please sign in again.",
            "malformed",
        )


def session_sign_in(session, result: IdentityResult) -> None:
    # A new identity gets a new session key (no fixation of the pre-login session).
    if hasattr(session, "cycle_key"):
        session.cycle_key()
    session[SESSION_KEY] = result.as_session()


def session_sign_out(session) -> str | None:
    """Forget the identity; returns the bPK2 that was signed in (or None)."""
    value = session.pop(SESSION_KEY, None)
    return value.get("bpk2") if isinstance(value, dict) else None


def _split(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def prefill_entries(definition, attributes: dict) -> list[tuple[list[str], str, bool]]:
    """[(pointer parts, value, confirmed)] for the definition's `identity.prefill`."""
    prefill = (getattr(definition, "identity", None) or {}).get("prefill") or {}
    entries = []
    for pointer, reference in prefill.items():
        name = attribute_name(str(reference))
        attribute = (attributes or {}).get(name) if name else None
        if not attribute or not isinstance(attribute.get("value"), str):
            continue
        parts = _split(pointer)
        if len(parts) < 2:
            continue
        entries.append((parts, attribute["value"], is_confirmed(attribute)))
    return entries


def _set(data: dict, parts: list[str], value) -> None:
    for part in parts[:-1]:
        child = data.get(part)
        if not isinstance(child, dict):
            child = data[part] = {}
        data = child
    data[parts[-1]] = value


def prefill_answers(definition, attributes: dict, answers: dict | None = None) -> dict:
    """`answers` with every prefilled field set from the attributes (a new dict)."""
    result = copy.deepcopy(answers or {})
    for parts, value, _confirmed in prefill_entries(definition, attributes):
        _set(result, parts, value)
    return result


def locked_values(definition, attributes: dict, step_id: str) -> dict[str, str]:
    """{form key ("anschrift.plz"): value} of the step's fields confirmed by the ID."""
    return {
        ".".join(parts[1:]): value
        for parts, value, confirmed in prefill_entries(definition, attributes)
        if confirmed and parts[0] == step_id
    }


def apply_locked(data: dict, locked: dict[str, str]) -> dict:
    """Step data with the locked fields set to the confirmed values, whatever was posted."""
    result = copy.deepcopy(data)
    for key, value in locked.items():
        _set(result, key.split("."), value)
    return result


def enforce_confirmed(definition, attributes: dict, answers: dict) -> dict:
    """Answers with every confirmed prefilled field set to the ID's value (submit check)."""
    result = copy.deepcopy(answers or {})
    for parts, value, confirmed in prefill_entries(definition, attributes):
        if confirmed and isinstance(result.get(parts[0]), dict):
            _set(result, parts, value)
    return result


def display_name(identity: dict | None) -> str:
    attributes = (identity or {}).get("attributes") or {}
    parts = [(attributes.get(n) or {}).get("value", "") for n in ("givenName", "familyName")]
    return " ".join(p for p in parts if p)
