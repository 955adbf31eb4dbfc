"""A valid answer set for a compiled process definition: every required field (and every
choice) filled with a value its schema accepts. Proves a citizen can complete a form."""

from __future__ import annotations

import uuid

from forms_engine.definitions import Field, ProcessDefinition

TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"


def valid_answers(definition: ProcessDefinition) -> dict:
    answers: dict = {}
    for step in definition.steps:
        answers[step.id] = _object(step.fields())
    return answers


def _object(fields: list[Field]) -> dict:
    return {f.name: _value(f) for f in fields if f.required}


def _value(f: Field):
    schema = f.schema
    if f.type == "group":
        return _object(list(f.children))
    if f.type == "repeat":
        count = max(schema.get("minItems", 0), 1)
        return [_object(list(f.children)) for _ in range(count)]
    if f.type == "upload":
        return f"upload:{uuid.uuid4()}"
    if f.options:
        return f.options[0][0] if isinstance(f.options[0], tuple) else f.options[0]
    if f.type == "boolean":
        return True
    if f.type in ("number", "integer"):
        value = 3
        if "minimum" in schema:
            value = max(value, schema["minimum"])
        if "maximum" in schema:
            value = min(value, schema["maximum"])
        return value
    if f.type == "money":
        return "12.30"
    if f.type == "date":
        return "2024-05-17"
    if schema.get("format") == "date-time":
        return "2024-05-17T12:30:00+02:00"
    pattern = schema.get("pattern")
    if pattern == TIME_PATTERN:
        return "09:30"
    assert not pattern, f"no generator for pattern {pattern!r} ({f.pointer})"
    length = max(schema.get("minLength", 0), 5)
    length = min(length, schema.get("maxLength", length))
    return "Müller-Lüdenscheidt"[:length].ljust(length, "x")
