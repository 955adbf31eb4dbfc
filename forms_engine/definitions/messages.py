"""German (and English) messages for errors in citizen answers.

Contract: `field_errors(errors, label_for)` turns jsonschema_rs errors into `FieldError`s:
a missing required property is reported at the property's own pointer; one error per
pointer (the most helpful kind wins); oneOf/anyOf sub-errors are never dumped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import pointers
from .errors import FieldError

UPLOAD_PATTERN = "^upload:[0-9a-f-]{36}$"

# label_for(parts, lang="de") -> the field's or step's label in that language, or None.
LabelLookup = Callable[..., "str | None"]

_FORMAT_MESSAGES = {
    "date": (
        "Bitte geben Sie ein gültiges Datum im Format TT.MM.JJJJ an.",
        "Please enter a valid date in the format DD.MM.YYYY.",
    ),
    "date-time": (
        "Bitte geben Sie ein gültiges Datum mit Uhrzeit an.",
        "Please enter a valid date and time.",
    ),
    "email": (
        "Bitte geben Sie eine gültige E-Mail-Adresse an (z. B. name@example.de).",
        "Please enter a valid e-mail address (e.g. name@example.com).",
    ),
    "money": (
        "Bitte geben Sie einen Betrag in Euro mit höchstens zwei Nachkommastellen an (z. B. 12,50).",
        "Please enter an amount in euros with at most two decimals (e.g. 12.50).",
    ),
    "phone": (
        "Bitte geben Sie eine gültige Telefonnummer an (z. B. +49 30 1234567).",
        "Please enter a valid phone number (e.g. +49 30 1234567).",
    ),
    "postcode-de": (
        "Bitte geben Sie eine fünfstellige Postleitzahl an.",
        "Please enter a five-digit postcode.",
    ),
    "iban": (
        "Bitte geben Sie eine gültige IBAN an (z. B. DE02 1203 0000 0000 2020 51).",
        "Please enter a valid IBAN (e.g. DE02 1203 0000 0000 2020 51).",
    ),
}

_TYPE_MESSAGES = {
    "string": ("Bitte geben Sie einen Text ein.", "Please enter text."),
    "number": ("Bitte geben Sie eine Zahl ein.", "Please enter a number."),
    "integer": ("Bitte geben Sie eine ganze Zahl ein.", "Please enter a whole number."),
    "boolean": ("Bitte wählen Sie Ja oder Nein.", "Please choose yes or no."),
    "object": (
        "Diese Angaben haben nicht die erwartete Form.",
        "These details have the wrong form.",
    ),
    "array": (
        "Diese Angaben haben nicht die erwartete Form.",
        "These details have the wrong form.",
    ),
}

# lower number = more helpful, kept when several errors hit the same pointer
_PRIORITY = {
    "required": 0,
    "unexpected": 1,
    "type": 2,
    "choice": 3,
    "format": 4,
    "upload": 4,
}


def _fmt_number(value: Any) -> str:
    text = str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text.replace(".", ",")


def required_error(
    parts: list, label: str | None, *, step: bool = False, label_en: str | None = None
) -> FieldError:
    """The error for a missing required field (or a whole missing step) at its own pointer.

    `label` is the German label, `label_en` the English one (falls back to `label`).
    """
    pointer = pointers.join(parts)
    label_en = label_en or label
    if step:
        name = f"„{label}“" if label else "diesen Schritt"
        name_en = f"“{label_en}”" if label_en else "this step"
        return FieldError(
            pointer,
            f"Bitte füllen Sie den Schritt {name} aus.",
            f"Please complete the step {name_en}.",
            "required",
        )
    if label:
        return FieldError(
            pointer, f"Bitte geben Sie „{label}“ an.", f"Please enter “{label_en}”.", "required"
        )
    return FieldError(
        pointer,
        "Bitte füllen Sie dieses Pflichtfeld aus.",
        "Please fill in this required field.",
        "required",
    )


def _one(error, prefix: list, label_for: LabelLookup, step_ids: set) -> list[FieldError]:
    kind = error.kind
    name = kind.name
    details = kind.as_dict() if hasattr(kind, "as_dict") else {}
    parts = [*prefix, *error.instance_path]
    pointer = pointers.join(parts)

    def make(de: str, en: str, code: str) -> list[FieldError]:
        return [FieldError(pointer, de, en, code)]

    if name == "required":
        prop = details.get("property")
        child = [*parts, prop]
        is_step = not parts and prop in step_ids
        return [
            required_error(child, label_for(child), step=is_step, label_en=label_for(child, "en"))
        ]
    if name == "additionalProperties":
        return [
            FieldError(
                pointers.join([*parts, key]),
                "Dieses Feld ist hier nicht vorgesehen.",
                "This field is not expected here.",
                "unexpected",
            )
            for key in details.get("unexpected", [])
        ]
    if name == "falseSchema":
        return make(
            "Dieses Feld ist hier nicht vorgesehen.",
            "This field is not expected here.",
            "unexpected",
        )
    if name == "maxLength":
        n = details.get("limit")
        return make(
            f"Bitte höchstens {n} Zeichen eingeben.",
            f"Please enter at most {n} characters.",
            "maxLength",
        )
    if name == "minLength":
        n = details.get("limit")
        if n == 1:
            return [required_error(parts, label_for(parts), label_en=label_for(parts, "en"))]
        return make(
            f"Bitte mindestens {n} Zeichen eingeben.",
            f"Please enter at least {n} characters.",
            "minLength",
        )
    if name == "format":
        fmt = details.get("format")
        de, en = _FORMAT_MESSAGES.get(
            fmt, ("Bitte prüfen Sie die Schreibweise dieser Angabe.", "Please check the format.")
        )
        return make(de, en, "format")
    if name == "pattern":
        if details.get("pattern") == UPLOAD_PATTERN:
            return make(
                "Bitte laden Sie die Datei erneut hoch.", "Please upload the file again.", "upload"
            )
        return make(
            "Bitte prüfen Sie diese Angabe; sie hat nicht die erwartete Form.",
            "Please check this entry; it does not have the expected form.",
            "pattern",
        )
    if name == "type":
        types = details.get("types") or []
        expected = next((t for t in types if t != "null"), "string")
        de, en = _TYPE_MESSAGES.get(expected, _TYPE_MESSAGES["object"])
        return make(de, en, "type")
    if name in ("minimum", "exclusiveMinimum"):
        n = _fmt_number(details.get("limit"))
        word, word_en = (
            ("mindestens", "at least") if name == "minimum" else ("mehr als", "more than")
        )
        return make(
            f"Bitte geben Sie einen Wert von {word} {n} an.",
            f"Please enter a value of {word_en} {n}.",
            name,
        )
    if name in ("maximum", "exclusiveMaximum"):
        n = _fmt_number(details.get("limit"))
        word, word_en = (
            ("höchstens", "at most") if name == "maximum" else ("weniger als", "less than")
        )
        return make(
            f"Bitte geben Sie einen Wert von {word} {n} an.",
            f"Please enter a value of {word_en} {n}.",
            name,
        )
    if name == "multipleOf":
        n = _fmt_number(details.get("multiple_of"))
        return make(
            f"Bitte geben Sie ein Vielfaches von {n} an.",
            f"Please enter a multiple of {n}.",
            "multipleOf",
        )
    if name in ("enum", "constant", "const", "oneOfNotValid", "oneOf"):
        return make(
            "Bitte wählen Sie eine der angebotenen Möglichkeiten.",
            "Please choose one of the options offered.",
            "choice",
        )
    if name == "minItems":
        n = details.get("limit")
        return make(
            f"Bitte geben Sie mindestens {n} {'Eintrag' if n == 1 else 'Einträge'} an.",
            f"Please provide at least {n} {'entry' if n == 1 else 'entries'}.",
            "minItems",
        )
    if name == "maxItems":
        n = details.get("limit")
        return make(
            f"Bitte geben Sie höchstens {n} {'Eintrag' if n == 1 else 'Einträge'} an.",
            f"Please provide at most {n} {'entry' if n == 1 else 'entries'}.",
            "maxItems",
        )
    if name == "uniqueItems":
        return make(
            "Bitte geben Sie jeden Eintrag nur einmal an.",
            "Please give each entry only once.",
            "uniqueItems",
        )
    return make(
        "Bitte prüfen Sie diese Angabe.",
        "Please check this entry.",
        name or "invalid",
    )


def field_errors(
    errors: Iterable[Any],
    label_for: LabelLookup,
    *,
    prefix: list | None = None,
    step_ids: Iterable[str] = (),
) -> list[FieldError]:
    """Translate jsonschema_rs errors; one FieldError per pointer, in document order of discovery."""
    best: dict[str, FieldError] = {}
    step_id_set = set(step_ids)
    for error in errors:
        for candidate in _one(error, list(prefix or []), label_for, step_id_set):
            current = best.get(candidate.pointer)
            if current is None or _PRIORITY.get(candidate.code, 9) < _PRIORITY.get(current.code, 9):
                best[candidate.pointer] = candidate
    return list(best.values())
