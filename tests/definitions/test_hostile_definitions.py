"""Observation 6: hostile definitions give Problems, never tracebacks.

load_definition/check_definition/compile_definition turn every malformed input into
`Problem`s (a `DefinitionError`); the documented limits hold; `$ref` cycles are refused;
`process_check` prints problems and exits 1 instead of crashing.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from forms_engine.definitions import (
    DefinitionError,
    check_definition,
    compile_definition,
    load_definition,
)

from .helpers import valid_doc

VALID_TEXT = json.dumps(valid_doc())


def _deep(levels: int) -> str:
    return '{"a": ' * levels + "1" + "}" * levels


def _with_title(literal: str) -> str:
    """The valid definition with the process title's German text replaced by a raw JSON literal."""
    return VALID_TEXT.replace('"Hund zur Hundesteuer anmelden"', literal, 1)


HOSTILE_TEXTS = {
    "nesting-1000": '{"steps": ' + _deep(1000) + "}",
    "nesting-100000": "[" * 100_000 + "]" * 100_000,
    "number-5000-digits": _with_title("1" * 5000),
    "float-5000-digits": _with_title("0." + "1" * 5000),
    "float-overflow": _with_title("1e999"),
    "lone-surrogate": _with_title('"Hund \\ud800"'),
    "lone-surrogate-key": VALID_TEXT.replace('"reference_prefix"', '"\\udc00"', 1),
    "nan": _with_title("NaN"),
    "infinity": _with_title("-Infinity"),
    "nul-escaped": _with_title('"Hund\\u0000"'),
    "nul-raw": _with_title('"Hund\x00"'),
    "nul-in-key": VALID_TEXT.replace('"reference_prefix"', '"ref\\u0000"', 1),
    "too-large": VALID_TEXT[:-1] + ', "x-fim": "' + "a" * (3 * 1024 * 1024) + '"}',
    "not-an-object": "[1, 2, 3]",
    "empty": "",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_hostile_text_gives_a_definition_error_with_problems(name):
    text = HOSTILE_TEXTS[name]
    for payload in (text, text.encode("utf-8", "surrogatepass")):
        with pytest.raises(DefinitionError) as caught:
            load_definition(payload)
        assert caught.value.problems
        assert all(p.message and p.message_en for p in caught.value.problems)


def test_the_depth_problem_names_the_limit():
    with pytest.raises(DefinitionError) as caught:
        load_definition(HOSTILE_TEXTS["nesting-1000"])
    assert "64 Ebenen" in str(caught.value)


def test_a_lone_surrogate_is_reported_at_its_pointer():
    with pytest.raises(DefinitionError) as caught:
        load_definition(HOSTILE_TEXTS["lone-surrogate"])
    assert [p.pointer for p in caught.value.problems] == ["/title/de"]


def _deep_dict(levels: int) -> dict:
    node: dict = {"type": "string"}
    for _ in range(levels):
        node = {"not": node}
    return node


HOSTILE_DOCS = {
    "deep-schema": lambda d: d["steps"][0]["schema"]["properties"].update(
        {"tief": {"title": "Tief", **_deep_dict(2000)}}
    ),
    "huge-int": lambda d: d["steps"][1]["schema"]["properties"]["name"].update(
        {"maxLength": 10**5000}
    ),
    "nan": lambda d: d["steps"][1]["schema"]["properties"]["name"].update(
        {"maxLength": float("nan")}
    ),
    "infinity": lambda d: d.update({"retention": {"draft_days": float("inf")}}),
    "surrogate": lambda d: d["title"].update({"de": "Hund \udfff"}),
    "surrogate-key": lambda d: d.update({"\ud800": 1}),
    "nul": lambda d: d["title"].update({"de": "Hund\x00"}),
    "not-json": lambda d: d.update({"tests": {1, 2}}),
    "bytes": lambda d: d["title"].update({"de": b"Hund"}),
    "int-key": lambda d: d.update({1: "x"}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_DOCS))
def test_hostile_python_documents_give_problems_not_exceptions(name):
    doc = valid_doc()
    HOSTILE_DOCS[name](doc)
    problems = check_definition(doc)
    assert problems
    assert all(p.message and p.message_en for p in problems)
    with pytest.raises(DefinitionError):
        compile_definition(doc)


def _choice_with(options: int) -> dict:
    doc = valid_doc()
    doc["steps"][1]["schema"]["properties"]["rasse"]["oneOf"] = [
        {"const": f"r{i}", "title": f"Rasse {i}"} for i in range(options)
    ]
    doc["tests"] = []
    return doc


def test_a_choice_with_fifty_thousand_options_is_refused_by_the_options_limit():
    problems = check_definition(_choice_with(50_000))
    assert [p.pointer for p in problems] == ["/steps/1/schema/properties/rasse/oneOf"]
    assert "höchstens 5000" in problems[0].message


def test_a_choice_at_the_options_limit_is_accepted():
    assert check_definition(_choice_with(5_000)) == []


def test_too_many_fields_are_refused():
    doc = valid_doc()
    doc["steps"][1]["schema"]["properties"].update(
        {f"f{i}": {"type": "string", "title": f"Feld {i}"} for i in range(2_000)}
    )
    assert any("Zu viele Felder" in p.message for p in check_definition(doc))


@pytest.mark.parametrize(
    ("defs", "pointer"),
    [
        ({"a": {"$ref": "#/$defs/a"}}, "/$defs/a/$ref"),
        ({"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "/$defs/b/$ref"),
        (
            {
                "a": {
                    "type": "object",
                    "title": "A",
                    "properties": {"kind": {"title": "Kind", "$ref": "#/$defs/a"}},
                }
            },
            "/$defs/a/properties/kind/$ref",
        ),
    ],
)
def test_ref_cycles_are_refused_at_the_reference_that_closes_them(defs, pointer):
    doc = valid_doc()
    doc["$defs"].update(defs)
    doc["steps"][1]["schema"]["properties"]["zyklus"] = {"title": "Zyklus", "$ref": "#/$defs/a"}
    problems = [p for p in check_definition(doc) if "Zirkulär" in p.message]
    assert [p.pointer for p in problems] == [pointer]
    assert "Circular reference" in problems[0].message_en


def test_a_shared_definition_used_twice_is_not_a_cycle():
    doc = valid_doc()
    doc["$defs"]["zwei"] = {
        "type": "object",
        "title": "Zwei Anschriften",
        "properties": {
            "a": {"title": "A", "$ref": "#/$defs/anschrift"},
            "b": {"title": "B", "$ref": "#/$defs/anschrift"},
        },
    }
    assert check_definition(doc) == []


@pytest.mark.parametrize(
    "name", ["nesting-1000", "number-5000-digits", "lone-surrogate", "nan", "nul-escaped"]
)
def test_process_check_reports_hostile_files_and_exits_one(name, tmp_path):
    path = tmp_path / f"{name}.json"
    path.write_bytes(HOSTILE_TEXTS[name].encode("utf-8", "surrogatepass"))
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("process_check", str(path), stdout=out, stderr=StringIO())
    assert exited.value.code == 1
    assert f"{path}: /" in out.getvalue()


def test_too_many_distinct_patterns_are_refused():
    doc = valid_doc()
    doc["steps"][1]["schema"]["properties"].update(
        {
            f"f{i}": {"type": "string", "title": f"Feld {i}", "pattern": f"^x{i}$"}
            for i in range(101)
        }
    )
    assert any(
        "Zu viele verschiedene reguläre Ausdrücke" in p.message for p in check_definition(doc)
    )
