"""Conformance of the citizen-data validator factory with the official JSON-Schema-Test-Suite.

Runs draft 2020-12 files for the keywords the process format allows, plus
optional/format/{date,email}.json, through `citizen_validator` (jsonschema_rs with the
engine's format functions). Figures: docs/decisions/0001-validators.md.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from forms_engine.definitions import citizen_validator
from forms_engine.definitions.formats import CUSTOM_FORMATS

from .helpers import REPO

SUITE = (REPO / ".." / "shared" / "reference" / "json-schema-test-suite" / "draft2020-12").resolve()

KEYWORD_FILES = [
    "type",
    "properties",
    "required",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "enum",
    "const",
    "oneOf",
    "anyOf",
    "allOf",
    "not",
    "if-then-else",
    "ref",
    "defs",
    "additionalProperties",
    "default",
    "boolean_schema",
]
FORMAT_FILES = ["optional/format/date", "optional/format/email"]


def _cases():
    if not SUITE.is_dir():
        return
    for name in [*KEYWORD_FILES, *FORMAT_FILES]:
        for group in json.loads((SUITE / f"{name}.json").read_text(encoding="utf-8")):
            for test in group["tests"]:
                yield name, group, test


CASES = list(_cases())


def _id(case):
    name, group, test = case
    return f"{name}: {group['description']}: {test['description']}"


@pytest.mark.skipif(not SUITE.is_dir(), reason=f"JSON-Schema-Test-Suite not found at {SUITE}")
@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_the_citizen_validator_passes_the_official_suite(case):
    name, group, test = case
    validator = citizen_validator(group["schema"])
    assert validator.is_valid(test["data"]) is test["valid"]


def test_the_citizen_validator_never_fetches_a_remote_reference():
    with pytest.raises(ValueError):
        citizen_validator({"$ref": "https://example.org/schemas/anschrift.json"})


def test_the_suite_is_present_and_large_enough():
    if not SUITE.is_dir():
        pytest.skip(f"JSON-Schema-Test-Suite not found at {SUITE}")
    assert len(CASES) > 500


def _python_validator(schema):
    checker = jsonschema.FormatChecker()
    for name, func in CUSTOM_FORMATS.items():
        checker.checks(name)(lambda value, func=func: not isinstance(value, str) or func(value))
    return jsonschema.Draft202012Validator(schema, format_checker=checker)


REPRESENTATIVE = [
    (
        {
            "type": "object",
            "required": ["a"],
            "properties": {"a": {"type": "string", "maxLength": 3}},
        },
        [{"a": "abc"}, {"a": "abcd"}, {}, {"a": 1}, {"b": 1, "a": "x"}],
    ),
    (
        {"type": "string", "oneOf": [{"const": "m"}, {"const": "w"}, {"const": "d"}]},
        ["m", "x", 1, ""],
    ),
    (
        {
            "type": "array",
            "uniqueItems": True,
            "minItems": 1,
            "maxItems": 2,
            "items": {"enum": [1, 2, 3]},
        },
        [[1], [1, 1], [], [1, 2, 3], [4]],
    ),
    (
        {"type": "string", "format": "date"},
        ["2024-02-29", "2023-02-29", "29.02.2024", 5],
    ),
    (
        {"type": "string", "format": "iban"},
        ["DE02120300000000202051", "DE02120300000000202052"],
    ),
    (
        {"type": "string", "format": "money"},
        ["12.50", "12.505", "-1"],
    ),
    (
        {
            "$defs": {"plz": {"type": "string", "pattern": "^[0-9]{5}$"}},
            "properties": {"p": {"$ref": "#/$defs/plz"}},
            "if": {"properties": {"x": {"const": True}}, "required": ["x"]},
            "then": {"required": ["p"]},
            "else": {"properties": {"p": False}},
        },
        [{"x": True, "p": "12345"}, {"x": True}, {"x": False, "p": "12345"}, {"x": False}],
    ),
    (
        {"type": "number", "minimum": 0, "exclusiveMaximum": 10, "multipleOf": 0.5},
        [0, 9.5, 10, -0.5, 0.3],
    ),
]


@pytest.mark.parametrize(("schema", "instances"), REPRESENTATIVE)
def test_jsonschema_and_jsonschema_rs_agree_on_representative_schemas(schema, instances):
    fast = citizen_validator(schema)
    slow = _python_validator(schema)
    for instance in instances:
        assert fast.is_valid(instance) == slow.is_valid(instance), instance
