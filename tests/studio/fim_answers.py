"""Answers a citizen could give to an imported FIM draft: only what is required, one value
per field type that meets the field's constraints (lengths, ranges, patterns, choices).

`minimal_answers(definition)` → {step id: {field: value}}; upload fields get
"@file:<fixture>" (tests/citizen/flow.post_data turns that into a file). Used by the FIM
import tests (validate_answers) and the browser test (filled in the preview)."""

from __future__ import annotations

import re
from decimal import Decimal

from forms_engine.definitions import compile_definition

TEXT_CANDIDATES = ("Test", "Muster", "a", "A", "1", "12345", "abc", "Test Muster 1")


def _text(schema: dict) -> str:
    low = int(schema.get("minLength") or 0)
    high = schema.get("maxLength")
    pattern = schema.get("pattern")
    candidates = list(TEXT_CANDIDATES)
    if low > 1:
        candidates.insert(0, "x" * low)
    for value in candidates:
        if len(value) < low or (high is not None and len(value) > int(high)):
            continue
        if pattern and not re.search(pattern, value):
            continue
        return value
    if pattern:
        from hypothesis import strategies as st

        strategy = st.from_regex(pattern, fullmatch=True).filter(
            lambda v: len(v) >= low and (high is None or len(v) <= int(high)) and "\x00" not in v
        )
        return strategy.example()
    return "x" * max(low, 1)


def _number(schema: dict, *, integer: bool):
    value = Decimal(1)
    if schema.get("minimum") is not None:
        value = max(value, Decimal(str(schema["minimum"])))
    if schema.get("exclusiveMinimum") is not None:
        value = max(value, Decimal(str(schema["exclusiveMinimum"])) + 1)
    if schema.get("maximum") is not None:
        value = min(value, Decimal(str(schema["maximum"])))
    return int(value) if integer or value == value.to_integral() else float(value)


def _date(schema: dict) -> str:
    for key in ("formatMinimum", "x-min-date", "minimum"):
        if isinstance(schema.get(key), str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", schema[key]):
            return schema[key]
    return "2000-01-01"


def _upload(schema: dict) -> str:
    types = (schema.get("x-upload") or {}).get("media_types") or ["application/pdf"]
    if any(t in ("application/pdf", "*/*") or t.startswith("application/") for t in types):
        return "@file:erlaubnis.pdf"
    if any(t.startswith("image/") for t in types):
        return "@file:foto-schaden.png"
    return "@file:erlaubnis.pdf"


def field_value(field, repeats_shown: bool = False):
    """A valid value for `field` (a definitions Field), or None when none is needed."""
    schema = field.schema
    kind = field.type
    if "const" in schema:
        return schema["const"]
    if kind == "group":
        return _group(field.children, repeats_shown)
    if kind == "repeat":
        count = max(int(schema.get("minItems") or 0), 1)
        return [_group(field.children, repeats_shown) for _ in range(count)]
    if kind == "choice":
        return field.options[0][0]
    if kind == "multichoice":
        count = max(int(schema.get("minItems") or 0), 1)
        return [value for value, *_ in field.options[:count]]
    if kind == "upload":
        return _upload(schema)
    if kind == "boolean":
        return True
    if kind == "date":
        return _date(schema)
    if kind == "money":
        return "10.00"
    if kind in ("number", "integer"):
        return _number(schema, integer=kind == "integer")
    if kind == "email":
        return "test@example.org"
    if kind == "phone":
        return "030 1234567"
    if kind == "postcode":
        return "10115"
    if kind == "iban":
        return "DE89370400440532013000"
    return _text(schema)


def _group(fields, repeats_shown: bool = False) -> dict:
    """The required fields, and the groups (optional ones too: the page shows an optional
    group's fields like any other, and a default value in one of them makes its required
    fields needed), each with what it needs. With `repeats_shown`, an optional repeatable
    field gets one entry too (the page shows one blank entry a person fills)."""
    out = {}
    for f in fields:
        if f.required or (repeats_shown and f.type == "repeat"):
            out[f.name] = field_value(f, repeats_shown)
        elif f.type == "group":
            value = field_value(f, repeats_shown)
            if value:
                out[f.name] = value
    return out


def minimal_answers(definition: dict, *, repeats_shown: bool = False) -> dict:
    compiled = compile_definition(definition)
    return {step.id: _group(step.fields(), repeats_shown) for step in compiled.steps}


def required_fields(definition: dict) -> int:
    """How many required input fields (at any depth below a required parent) there are."""

    def count(fields) -> int:
        total = 0
        for f in fields:
            if not f.required:
                continue
            total += count(f.children) if f.type in ("group", "repeat") else 1
        return total

    compiled = compile_definition(definition)
    return sum(count(step.fields()) for step in compiled.steps)
