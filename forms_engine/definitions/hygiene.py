"""String hygiene of citizen answers: NUL characters, lone surrogates, length caps.

Contract (docs/process-format.md, "Errors in answers"): `scan(data, fields, prefix)`
returns `(errors, cleaned)`. Every string answer (and every object key) is examined
before any JSON Schema, pattern or condition sees it:

- a NUL character (`\\u0000`) → FieldError code `nul_character`;
- a lone surrogate (text that is not valid Unicode) → code `invalid_unicode`;
- longer than the field's `maxLength` → code `maxLength`; without `maxLength`, longer
  than the default cap (`TEXT_MAX_LENGTH`, `TEXTAREA_MAX_LENGTH` for long text) →
  code `too_long`.

`cleaned` is a copy in which each such string is replaced by "" and each such key is
dropped, so the validators, patterns and conditions run only on bounded, valid text.
Errors stand at the field's pointer (a bad key at its object's pointer, because the key
itself cannot be shown safely).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import pointers
from .errors import FieldError
from .fields import Field
from .limits import (
    ANSWER_MAX_DEPTH,
    ANSWER_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TEXTAREA_MAX_LENGTH,
    string_defect,
)

_KEY_MAX_LENGTH = 256


def _number(n: int, lang: str) -> str:
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "de" else text


def _cap(field: Field | None) -> tuple[int, str]:
    """(cap, code) of a string at `field`'s position."""
    if field is not None:
        declared = field.schema.get("maxLength")
        if isinstance(declared, int) and not isinstance(declared, bool) and declared >= 0:
            return declared, "maxLength"
        if field.type == "textarea":
            return TEXTAREA_MAX_LENGTH, "too_long"
    return TEXT_MAX_LENGTH, "too_long"


def _defect_error(pointer: str, defect: str, *, key: bool) -> FieldError:
    if defect == "nul":
        return FieldError(
            pointer,
            "Die Angabe enthält ein unzulässiges Steuerzeichen (NUL). Bitte entfernen Sie es.",
            "The entry contains a forbidden control character (NUL). Please remove it.",
            "nul_character",
        )
    return FieldError(
        pointer,
        "Die Angabe enthält ungültige Zeichen. Bitte geben Sie sie erneut ein.",
        "The entry contains invalid characters. Please enter it again.",
        "invalid_unicode",
    )


def _too_long(pointer: str, cap: int, code: str) -> FieldError:
    return FieldError(
        pointer,
        f"Bitte höchstens {_number(cap, 'de')} Zeichen eingeben.",
        f"Please enter at most {_number(cap, 'en')} characters.",
        code,
    )


def scan(
    data: Any, fields: Sequence[Field] | None, prefix: list, *, caps: bool = True
) -> tuple[list[FieldError], Any]:
    """(errors, cleaned copy) of the answers `data` of an object whose fields are `fields`.

    `caps=False` reports only NUL characters and lone surrogates (no length caps).
    """
    if not _has_problem(data, fields, None, 0, caps):
        return [], data  # the usual case: nothing to report, no copy needed
    errors: list[FieldError] = []
    cleaned = _scan_object_or_value(data, fields, None, prefix, 0, errors, caps)
    return errors, cleaned


def _has_problem(
    value: Any, fields: Sequence[Field] | None, field: Field | None, depth: int, caps: bool
) -> bool:
    """Fast walk without pointers or copies: does `_scan_object_or_value` have anything to say?"""
    if isinstance(value, str):
        if "\x00" in value or (not value.isascii() and string_defect(value)):
            return True
        return caps and len(value) > _cap(field)[0]
    if not isinstance(value, dict | list):
        return False
    if depth >= ANSWER_MAX_DEPTH:
        return True
    if isinstance(value, list):
        children = field.children if field is not None and field.type == "repeat" else None
        return any(_has_problem(item, children, None, depth + 1, caps) for item in value)
    by_name = {f.name: f for f in fields} if fields else {}
    for key, item in value.items():
        if not isinstance(key, str):
            continue
        if (
            len(key) > _KEY_MAX_LENGTH
            or "\x00" in key
            or (not key.isascii() and string_defect(key))
        ):
            return True
        child = by_name.get(key)
        grandchildren = child.children if child is not None and child.type == "group" else None
        if _has_problem(item, grandchildren, child, depth + 1, caps):
            return True
    return False


def _scan_object_or_value(
    value: Any,
    fields: Sequence[Field] | None,
    field: Field | None,
    parts: list,
    depth: int,
    errors: list[FieldError],
    caps: bool = True,
) -> Any:
    if isinstance(value, str):
        defect = string_defect(value)
        if defect:
            errors.append(_defect_error(pointers.join(parts), defect, key=False))
            return ""
        cap, code = _cap(field)
        if caps and len(value) > cap:
            errors.append(_too_long(pointers.join(parts), cap, code))
            return ""
        return value
    if not isinstance(value, dict | list):
        return value
    if depth >= ANSWER_MAX_DEPTH:
        errors.append(
            FieldError(
                pointers.join(parts),
                "Diese Angaben haben nicht die erwartete Form.",
                "These details have the wrong form.",
                "type",
            )
        )
        return None
    if isinstance(value, list):
        if field is not None and field.type == "repeat":
            return [
                _scan_object_or_value(
                    item, field.children, None, [*parts, i], depth + 1, errors, caps
                )
                for i, item in enumerate(value)
            ]
        # multichoice items and anything unexpected: plain text cap
        return [
            _scan_object_or_value(item, None, None, [*parts, i], depth + 1, errors, caps)
            for i, item in enumerate(value)
        ]
    by_name = {f.name: f for f in fields} if fields else {}
    result = {}
    for key, item in value.items():
        if not isinstance(key, str):
            continue
        defect = string_defect(key)
        if defect or len(key) > _KEY_MAX_LENGTH:
            if defect:
                errors.append(_defect_error(pointers.join(parts), defect, key=True))
            else:
                errors.append(
                    FieldError(
                        pointers.join(parts),
                        "Diese Angaben enthalten ein Feld, das hier nicht vorgesehen ist.",
                        "These details contain a field that is not expected here.",
                        "unexpected",
                    )
                )
            continue
        child = by_name.get(key)
        if child is not None and child.type == "group":
            result[key] = _scan_object_or_value(
                item, child.children, child, [*parts, key], depth + 1, errors, caps
            )
        else:
            result[key] = _scan_object_or_value(
                item, None, child, [*parts, key], depth + 1, errors, caps
            )
    return result


def truncated(value: Any, _depth: int = 0) -> Any:
    """A copy of `value` in which every string is cut to ANSWER_MAX_LENGTH + 1 characters.

    Conditions (`when`) are evaluated on this, so their patterns never see more.
    """
    if isinstance(value, str):
        return value[: ANSWER_MAX_LENGTH + 1]
    if _depth >= ANSWER_MAX_DEPTH:
        return None if isinstance(value, dict | list) else value
    if isinstance(value, list):
        return [truncated(item, _depth + 1) for item in value]
    if isinstance(value, dict):
        return {key: truncated(item, _depth + 1) for key, item in value.items()}
    return value
