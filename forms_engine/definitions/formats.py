"""The engine's string formats and the one validator factory for citizen data.

Contract: `citizen_validator(schema)` is the only way the engine builds a validator for
citizen answers (step schemas, the composed data schema, `when` conditions, fee rules).
It uses `jsonschema_rs` (ECMAScript regular expressions, like browsers) with format
checking on and the engine's formats: `date`, `date-time`, `email` (built in),
`money`, `phone`, `postcode-de`, `iban` (below). See docs/decisions/0001-validators.md.

Patterns run on the Rust `regex` engine (`PATTERN_OPTIONS`), which never backtracks:
matching takes time linear in the answer's length. Backreferences and lookaround do not
exist there; `check_definition` refuses them (docs/process-format.md, "Patterns").
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import jsonschema_rs
from stdnum import iban as stdnum_iban

PATTERN_OPTIONS = jsonschema_rs.RegexOptions(dfa_size_limit=8 * 1024 * 1024)
"""The linear-time regex engine for every pattern the engine evaluates.

The lazy DFA may grow to 8 MiB per pattern (default 2 MiB): with the default, patterns
like `\\p{L}{100}` fall back to the slower NFA simulation on long inputs (see
bench/adversarial_pattern.py)."""

ENGINE_FORMATS = ("date", "date-time", "email", "money", "phone", "postcode-de", "iban")

_MONEY = re.compile(r"^\d{1,9}(\.\d{1,2})?$", re.ASCII)
_PHONE_CHARS = re.compile(r"^\+?[0-9 /()\-]+$", re.ASCII)
_POSTCODE = re.compile(r"^\d{5}$", re.ASCII)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$", re.ASCII)


def is_money(value: str) -> bool:
    """EUR amount as a decimal string: up to 9 integer digits, at most 2 decimals, not negative."""
    return bool(_MONEY.fullmatch(value))


def is_phone(value: str) -> bool:
    """German or international phone number: digits, spaces, `+` (leading), `/`, `-`, parentheses; 6–20 digits."""
    if not _PHONE_CHARS.fullmatch(value):
        return False
    digits = sum(ch.isdigit() for ch in value)
    return 6 <= digits <= 20


def is_postcode_de(value: str) -> bool:
    """German postcode: exactly five digits."""
    return bool(_POSTCODE.fullmatch(value))


def is_iban(value: str) -> bool:
    """IBAN without spaces (the form layer strips them), country code and mod-97 checksum verified."""
    return bool(_IBAN.fullmatch(value)) and stdnum_iban.is_valid(value)


def is_date(value: str) -> bool:
    """A real calendar date in ISO form `YYYY-MM-DD` (2023-02-30 is not one)."""
    if not _DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


CUSTOM_FORMATS = {
    "money": is_money,
    "phone": is_phone,
    "postcode-de": is_postcode_de,
    "iban": is_iban,
    "date": is_date,
}


def citizen_validator(schema: Any) -> jsonschema_rs.Validator:
    """Build a 2020-12 validator for citizen data (format checking on, engine formats).

    `schema` may be a boolean or an object; a schema without `$schema` is read as 2020-12.
    `offline=True`: a reference to anything outside the schema fails at build time; the
    engine never fetches a document while validating.
    Raises `ValueError` (jsonschema_rs.ValidationError) if the schema itself is invalid.
    """
    return jsonschema_rs.Draft202012Validator(
        schema,
        formats=CUSTOM_FORMATS,
        validate_formats=True,
        ignore_unknown_formats=True,
        offline=True,
        pattern_options=PATTERN_OPTIONS,
    )
