"""Calculators (`"kind": "calculator"`, docs/process-format.md "Calculators"): a calculator
shows its computed values and files nothing, so `check_definition` refuses what only an
application has (payment, declarations, applicant, Schriftform) and a calculator without
computed values; `ProcessDefinition.kind` / `is_calculator` say which kind a process is."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from forms_engine.definitions import (
    check_definition,
    compile_definition,
    definition_diff,
    definition_warnings,
    load_definition,
)

from .helpers import REPO, valid_doc

CALCULATOR = REPO / "library" / "starter" / "processes" / "wohngeld-rechner" / "1.0.0.json"


def calculator() -> dict:
    return load_definition(Path(CALCULATOR).read_bytes())


def test_the_housing_benefit_calculator_is_a_clean_calculator():
    doc = calculator()
    assert check_definition(doc) == []
    definition = compile_definition(doc)
    assert definition.kind == "calculator"
    assert definition.is_calculator
    # a calculator files nothing: no reason to warn that the citizen cannot be reached
    assert definition_warnings(doc) == []
    values = definition.computed_values(
        {
            "haushalt": {"personen": 1, "mietstufe": "3"},
            "geld": {"miete": "500.00", "einkommen": "1500.00", "abzuege": "30"},
        }
    )
    assert str(values["wohngeld"]) == "213.64"


def test_an_application_is_the_default_kind():
    definition = compile_definition(valid_doc())
    assert definition.kind == "application"
    assert not definition.is_calculator
    doc = valid_doc()
    doc["kind"] = "application"
    assert check_definition(doc) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (
            "payment",
            {"policy": "optional", "fees": [{"id": "x", "label": {"de": "X"}, "amount": "1.00"}]},
        ),
        ("payment", {"policy": "none"}),
        ("declarations", [{"id": "wahrheit", "text": {"de": "Alles richtig."}}]),
        ("applicant", {"name": ["/haushalt/mietstufe"]}),
        ("schriftform", False),
    ],
)
def test_a_calculator_refuses_what_only_an_application_has(key, value):
    doc = calculator()
    doc[key] = value
    problems = check_definition(doc)
    found = [p for p in problems if p.pointer == f"/{key}"]
    assert found, problems
    assert "Rechner" in found[0].message and "calculator" in found[0].message_en
    assert f"'{key}'" in found[0].message


def test_a_calculator_needs_computed_values():
    doc = calculator()
    del doc["computed"]
    doc["tests"] = []
    problems = check_definition(doc)
    assert [p.pointer for p in problems] == ["/computed"]
    assert "berechneten Wert" in problems[0].message


def test_an_unknown_kind_is_refused_at_its_pointer():
    doc = valid_doc()
    doc["kind"] = "rechner"
    assert [p.pointer for p in check_definition(doc)] == ["/kind"]


def test_a_change_of_kind_is_a_major_change():
    old = valid_doc()
    new = copy.deepcopy(old)
    new["kind"] = "application"
    assert [c for c in definition_diff(old, new) if c.pointer == "/kind"] == []
    doc = calculator()
    new = copy.deepcopy(doc)
    new["kind"] = "application"
    change = next(c for c in definition_diff(doc, new) if c.pointer == "/kind")
    assert change.bump == "major"
    assert "Antrag" in change.message
