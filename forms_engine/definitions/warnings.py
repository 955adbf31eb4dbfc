"""Warnings about process definitions: valid, but the engine would promise what it cannot keep.

Contract: `definition_warnings(doc) -> list[Problem]`. Never raises, whatever `doc` is (a
malformed document simply gives fewer warnings; `check_definition` reports its problems).
A warning never refuses a definition: `process_check` prints it with the prefix
"Warnung / warning" and keeps its exit status; publishing logs it.

Warnings (each at its JSON pointer, German and English):
- no way to reach the citizen: no `applicant.email` pointer and identity level `none`
  (no account page): receipt, status changes and messages of the authority reach the
  citizen only through the status link shown once on the confirmation page (not for a
  calculator, `"kind": "calculator"`: it files nothing);
- the applicant e-mail field is optional or conditional: citizens who leave it out are
  not notified by e-mail (the engine records "not notified", the clerk sees it);
- payment policy `required` together with a bank account (an `iban` field, e.g. a SEPA
  direct debit mandate): the citizen would be asked to pay online and to have the same
  amount collected from the account.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .errors import Problem

_MAX_DEPTH = 64
_CHILD_MAPS = ("properties", "$defs")
_CHILDREN = ("items", "additionalProperties", "not", "if", "then", "else")
_CHILD_LISTS = ("oneOf", "anyOf", "allOf")


def definition_warnings(doc: Any) -> list[Problem]:
    """What a designer should know before publishing `doc` (see the module docstring)."""
    if not isinstance(doc, dict):
        return []
    try:
        return [*_unreachable_citizen(doc), *_optional_email(doc), *_mandate_and_payment(doc)]
    except Exception:  # noqa: BLE001 - warnings are advice; a malformed doc is check_definition's job
        return []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _has_email_pointer(doc: dict) -> bool:
    email = _dict(doc.get("applicant")).get("email")
    return isinstance(email, str) and email.startswith("/")


def _identity_level(doc: dict) -> str:
    level = _dict(doc.get("identity")).get("level", "none")
    return level if isinstance(level, str) else "none"


def _unreachable_citizen(doc: dict) -> list[Problem]:
    if doc.get("kind") == "calculator":
        return []
    if _has_email_pointer(doc) or _identity_level(doc) != "none":
        return []
    return [
        Problem(
            "/applicant" if "applicant" in doc else "",
            "Der Prozess hat keinen Weg, die Antragstellerin oder den Antragsteller zu "
            "erreichen: kein „applicant.email“ und keine Identifizierung (kein Konto). "
            "Eingangsbestätigung, Statusänderungen und Nachrichten der Behörde erreichen "
            "sie nur über den Statuslink, der einmal auf der Bestätigungsseite steht. "
            "Fragen Sie eine E-Mail-Adresse ab und nennen Sie sie in „applicant.email“, "
            "oder verlangen Sie eine Identifizierung.",
            "The process has no way to reach the applicant: no 'applicant.email' and no "
            "identification (no account). The receipt, status changes and messages of the "
            "authority reach them only through the status link shown once on the "
            "confirmation page. Ask for an e-mail address and name it in 'applicant.email', "
            "or require identification.",
        )
    ]


def _resolve_ref(doc: dict, schema: dict, depth: int = 0) -> dict:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and depth < 8:
        target = _dict(_dict(doc.get("$defs")).get(ref.removeprefix("#/$defs/")))
        return _resolve_ref(doc, target, depth + 1)
    return schema


def _optional_email(doc: dict) -> list[Problem]:
    """The applicant e-mail field may be left out (not required on its way, or conditional)."""
    if not _has_email_pointer(doc):
        return []
    parts = doc["applicant"]["email"].lstrip("/").split("/")
    steps = {s.get("id"): s for s in doc.get("steps") or [] if isinstance(s, dict)}
    step = steps.get(parts[0])
    if step is None or len(parts) < 2:
        return []  # a pointer that names no field is check_definition's problem
    optional = step.get("when") is not None
    if _dict(_dict(_dict(step.get("ui")).get("fields")).get(parts[1])).get("when") is not None:
        optional = True
    schema = _dict(step.get("schema"))
    for name in parts[1:]:
        schema = _resolve_ref(doc, schema)
        required = schema.get("required")
        if not isinstance(required, list) or name not in required:
            optional = True
        schema = _dict(_dict(schema.get("properties")).get(name))
    if not optional:
        return []
    return [
        Problem(
            "/applicant/email",
            "Die E-Mail-Adresse der Antragstellerin oder des Antragstellers ist freiwillig "
            "oder nur unter einer Bedingung gefragt. Wer sie nicht angibt, bekommt keine "
            "E-Mail; die Sachbearbeitung sieht dann „nicht per E-Mail benachrichtigt“.",
            "The applicant's e-mail address is optional or asked only under a condition. "
            "Applicants who leave it out get no e-mail; the clerk then sees "
            "'not notified by e-mail'.",
        )
    ]


def _subschemas(schema: Any, depth: int = 0) -> Iterator[dict]:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return
    yield schema
    for key in _CHILD_MAPS:
        for child in _dict(schema.get(key)).values():
            yield from _subschemas(child, depth + 1)
    for key in _CHILDREN:
        yield from _subschemas(schema.get(key), depth + 1)
    for key in _CHILD_LISTS:
        children = schema.get(key)
        if isinstance(children, list):
            for child in children:
                yield from _subschemas(child, depth + 1)


def _asks_for_bank_account(doc: dict) -> bool:
    roots = [_dict(step).get("schema") for step in doc.get("steps") or []]
    roots.append({"$defs": _dict(doc.get("$defs"))})
    return any(sub.get("format") == "iban" for root in roots for sub in _subschemas(root) if sub)


def _mandate_and_payment(doc: dict) -> list[Problem]:
    payment = _dict(doc.get("payment"))
    if payment.get("policy") != "required" or not payment.get("fees"):
        return []
    if not _asks_for_bank_account(doc):
        return []
    return [
        Problem(
            "/payment/policy",
            "Der Prozess fragt eine Bankverbindung (IBAN, etwa für ein SEPA-Lastschriftmandat) "
            "ab und verlangt zugleich mit „required“ eine Online-Zahlung vor dem Absenden. "
            "Derselbe Betrag würde dann online bezahlt und abgebucht. Wird der Betrag per "
            "Bescheid oder Rechnung erhoben, wählen Sie „deferred“.",
            "The process asks for a bank account (IBAN, e.g. for a SEPA direct debit mandate) "
            "and with 'required' also demands an online payment before submitting. The same "
            "amount would be paid online and collected from the account. If the amount is "
            "assessed by a notice or an invoice, choose 'deferred'.",
        )
    ]
