"""Parameters in the format (issue 8, part 2): declarations, references, values, binding."""

from __future__ import annotations

import copy
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from forms_engine.definitions import (
    DefinitionError,
    FieldError,
    Problem,
    check_definition,
    compile_definition,
    parameter_values_check,
)

from .helpers import compiled
from .test_properties import FAST, damaged, json_values

# our formats replace hypothesis-jsonschema's own `date` and `email` on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Overriding standard format")

EXAMPLE = Path(__file__).parent / "examples" / "parkausweis-parameter.json"
ANSWERS = {"antrag": {"zone": "a", "kennzeichen": "M-AB 12"}}


def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def problems_at(doc: dict) -> dict[str, str]:
    return {p.pointer: p.message for p in check_definition(doc)}


# --- check_definition ------------------------------------------------------------------------


def test_the_example_definition_with_parameters_is_valid():
    assert check_definition(example()) == []


def test_an_amount_referring_to_an_undeclared_parameter_is_refused_at_the_fee():
    doc = example()
    doc["payment"]["fees"][0]["amount"] = {"$param": "hundesteuer_betrag"}
    problems = check_definition(doc)
    assert [p.pointer for p in problems] == ["/payment/fees/0/amount"]
    assert "'hundesteuer_betrag' ist nicht deklariert" in problems[0].message
    assert "not declared" in problems[0].message_en


def test_an_option_list_referring_to_an_undeclared_parameter_is_refused():
    doc = example()
    doc["steps"][0]["schema"]["properties"]["zone"]["oneOf"] = {"$param": "zonen_neu"}
    assert "/steps/0/schema/properties/zone/oneOf" in problems_at(doc)


def test_a_text_referring_to_an_undeclared_parameter_is_refused_at_the_text():
    doc = example()
    doc["steps"][0]["title"]["en"] = "Your application in {{param:stadt}}"
    found = problems_at(doc)
    assert list(found) == ["/steps/0/title/en"]
    assert "'stadt'" in found["/steps/0/title/en"]


def test_a_parameter_of_the_wrong_type_for_its_place_is_refused():
    doc = example()
    doc["payment"]["fees"][0]["amount"] = {"$param": "ort"}
    doc["steps"][0]["schema"]["properties"]["zone"]["oneOf"] = {"$param": "gebuehr"}
    found = problems_at(doc)
    assert "Typ text" in found["/payment/fees/0/amount"]
    assert "Typ money" in found["/steps/0/schema/properties/zone/oneOf"]


def test_a_default_outside_the_declared_limits_is_refused():
    doc = example()
    doc["parameters"]["gebuehr"]["default"] = "250.00"
    doc["parameters"]["gueltig_ab"]["default"] = "2025-12-31"
    found = problems_at(doc)
    assert "über dem Höchstbetrag 200.00" in found["/parameters/gebuehr/default"]
    assert "vor dem frühesten Datum" in found["/parameters/gueltig_ab/default"]


def test_defaults_and_limits_of_the_wrong_type_are_refused():
    doc = example()
    doc["parameters"]["gebuehr"]["default"] = 30.7
    doc["parameters"]["gebuehr"]["maximum"] = "viel"
    doc["parameters"]["kontakt"]["default"] = "keine-adresse"
    doc["parameters"]["info"]["default"] = "javascript:alert(1)"
    doc["parameters"]["zonen"]["default"] = [{"value": "a"}]
    doc["parameters"]["ort"]["minimum"] = "1"
    found = problems_at(doc)
    for pointer in (
        "/parameters/gebuehr/default",
        "/parameters/gebuehr/maximum",
        "/parameters/kontakt/default",
        "/parameters/info/default",
        "/parameters/zonen/default/0",
        "/parameters/ort/minimum",
    ):
        assert pointer in found, pointer


def test_a_minimum_above_the_maximum_is_refused():
    doc = example()
    doc["parameters"]["gebuehr"]["minimum"] = "300.00"
    doc["parameters"]["gebuehr"].pop("default")
    assert "unter dem Minimum" in problems_at(doc)["/parameters/gebuehr/maximum"]


def test_unknown_parameter_types_and_keys_are_refused_by_the_meta_schema():
    doc = example()
    doc["parameters"]["ort"]["type"] = "number"
    doc["parameters"]["gebuehr"]["step"] = "0.10"
    doc["parameters"]["Bad-Name"] = {"type": "text", "label": {"de": "x"}}
    found = problems_at(doc)
    assert "/parameters/ort/type" in found
    assert "/parameters/gebuehr/step" in found
    assert "/parameters" in found


def test_designer_test_values_are_checked_like_any_parameter_values():
    doc = example()
    doc["tests"][1]["parameters"]["gebuehr"] = "999.00"
    doc["tests"][0]["parameters"] = {}
    found = problems_at(doc)
    assert "Höchstbetrag" in found["/tests/1/parameters/gebuehr"]
    assert "Pflicht" in found["/tests/0/parameters/ort"]


# --- parameter_values_check ------------------------------------------------------------------


def test_values_that_fit_the_declarations_pass():
    values = {"ort": "Hafenstadt", "gebuehr": "10.00", "gueltig_ab": "2026-01-01"}
    assert parameter_values_check(example(), values) == []
    assert parameter_values_check(compile_definition(example()), values) == []


def test_values_outside_the_limits_are_refused():
    problems = parameter_values_check(
        example(), {"ort": "X", "gebuehr": "9.99", "gueltig_ab": "2020-01-01"}
    )
    assert {p.pointer for p in problems} == {"/gebuehr", "/gueltig_ab"}
    assert any("Mindestbetrag 10.00" in p.message for p in problems)
    assert all(p.message_en for p in problems)


def test_values_of_the_wrong_type_are_refused():
    problems = parameter_values_check(
        example(),
        {
            "ort": 42,
            "gebuehr": 30,
            "zonen": "a,b",
            "kontakt": "@",
            "info": "ftp://example.org",
            "gueltig_ab": "01.01.2027",
        },
    )
    assert {p.pointer for p in problems} == {
        "/ort",
        "/gebuehr",
        "/zonen",
        "/kontakt",
        "/info",
        "/gueltig_ab",
    }


def test_a_missing_required_value_and_an_undeclared_name_are_refused():
    problems = parameter_values_check(example(), {"hundesteuer_betrag": "96.00"})
    messages = {p.pointer: p.message for p in problems}
    assert "Pflicht" in messages["/ort"]
    assert "nicht" in messages["/hundesteuer_betrag"]
    assert parameter_values_check(example(), ["ort"])[0].pointer == ""


def test_choice_values_need_distinct_values_and_labels():
    problems = parameter_values_check(
        example(),
        {
            "ort": "X",
            "zonen": [
                {"value": "a", "label": {"de": "A"}},
                {"value": "a", "label": {"de": "A2"}},
                {"value": "b", "label": "B"},
            ],
        },
    )
    assert {p.pointer for p in problems} == {"/zonen/1/value", "/zonen/2"}


def test_a_definition_without_parameters_accepts_only_no_values():
    assert parameter_values_check(compiled(), {}) == []
    assert parameter_values_check(compiled(), {"x": "1"})[0].pointer == "/x"


# --- binding ----------------------------------------------------------------------------------


def test_unbound_definitions_use_the_defaults_and_name_the_missing_required_parameters():
    process = compile_definition(example())
    assert set(process.parameters) == {"ort", "gebuehr", "zonen", "kontakt", "info", "gueltig_ab"}
    assert process.missing_parameters == ("ort",)
    assert process.fee_total(ANSWERS) == Decimal("30.70")
    assert process.title["de"] == "Bewohnerparkausweis in [Name der Kommune] beantragen"
    assert process.doc == example()


def test_bound_values_drive_fees_option_lists_and_texts():
    process = compile_definition(example()).bind(
        {
            "ort": "Hafenstadt",
            "gebuehr": "120.00",
            "zonen": [
                {"value": "d", "label": {"de": "Zone D – Hafen", "en": "Zone D – harbour"}},
                {"value": "e", "label": {"de": "Zone E"}},
            ],
        }
    )
    answers = {"antrag": {"zone": "d", "kennzeichen": "HS-X 1"}}
    assert process.missing_parameters == ()
    assert process.fee_total(answers) == Decimal("120.00")
    assert process.fees(answers)[0].label == {"de": "Jahresgebühr (120,00 €)"}
    zone = process.step("antrag").field("zone")
    assert zone.options == (("d", "Zone D – Hafen", "Zone D – harbour"), ("e", "Zone E", "Zone E"))
    assert zone.label("de") == "Parkzone in Hafenstadt"
    assert process.title == {
        "de": "Bewohnerparkausweis in Hafenstadt beantragen",
        "en": "Apply for a resident parking permit in Hafenstadt",
    }
    assert process.summary == {
        "de": "Der Ausweis kostet 120,00 € im Jahr.",
        "en": "The permit costs €120.00 a year.",
    }
    assert "01.01.2027" in process.step("antrag").description["de"]
    assert process.validate_answers(answers) == []
    assert [e.pointer for e in process.validate_answers(ANSWERS)] == ["/antrag/zone"]


def test_binding_is_cached_and_leaves_the_published_definition_alone():
    process = compile_definition(example())
    values = {"ort": "Hafenstadt", "gebuehr": "50.00"}
    bound = process.bind(values)
    values["gebuehr"] = "60.00"
    assert process.bind({"ort": "Hafenstadt", "gebuehr": "50.00"}) is bound
    assert bound.fee_total(ANSWERS) == Decimal("50.00")
    assert bound.sha256 == process.sha256
    assert bound.doc == process.doc == example()
    assert bound.bind({"ort": "Dorf"}).fee_total(ANSWERS) == Decimal("30.70")
    assert process.fee_total(ANSWERS) == Decimal("30.70")


def test_binding_refuses_values_that_do_not_fit():
    process = compile_definition(example())
    with pytest.raises(DefinitionError) as raised:
        process.bind({"gebuehr": "500.00"})
    assert {p.pointer for p in raised.value.problems} == {"/ort", "/gebuehr"}


def test_definitions_without_parameters_behave_as_before():
    process = compiled()
    assert process.parameters == {}
    assert process.parameter_values == {}
    assert process.missing_parameters == ()
    assert process.bind({}) is process
    assert process.bound_doc == process.doc
    with pytest.raises(DefinitionError):
        process.bind({"betrag": "1.00"})


# --- designer tests ---------------------------------------------------------------------------


def test_designer_tests_run_with_their_parameter_values():
    results = compile_definition(example()).run_tests()
    assert [(r.name, r.passed) for r in results] == [
        ("Standardwerte", True),
        ("Eigene Gebühr und Zonen", True),
        ("Zone der Standardliste gibt es dort nicht", True),
    ]


def test_a_designer_test_expecting_the_default_fee_fails_with_a_bound_fee():
    doc = example()
    doc["tests"][1]["expect"]["fee_total"] = "30.70"
    results = compile_definition(doc).run_tests()
    assert not results[1].passed
    assert "tatsächlich 120.00" in results[1].failures[0]


def test_the_same_definition_under_two_bindings_keeps_both_apart():
    doc = copy.deepcopy(example())
    process = compile_definition(doc)
    town = process.bind({"ort": "Stadt", "gebuehr": "120.00"})
    village = process.bind({"ort": "Dorf", "gebuehr": "15.00"})
    assert (town.fee_total(ANSWERS), village.fee_total(ANSWERS)) == (
        Decimal("120.00"),
        Decimal("15.00"),
    )
    assert town.title["de"] != village.title["de"]


# --- robustness -------------------------------------------------------------------------------


def test_values_with_nul_or_lone_surrogates_are_refused_never_raised():
    process = compile_definition(example())
    for values in (
        {"ort": "Hafen\x00stadt"},
        {"ort": "X", "zonen": [{"value": "\ud800", "label": {"de": "Z"}}]},
        {"\ud800": "x", "ort": "X"},
        {1: "x", "ort": "X"},
    ):
        assert parameter_values_check(process, values), values
        with pytest.raises(DefinitionError):
            process.bind(values)


def test_too_many_options_in_a_choices_value_are_refused():
    zones = [{"value": f"z{i}", "label": {"de": f"Zone {i}"}} for i in range(5001)]
    problems = parameter_values_check(example(), {"ort": "X", "zonen": zones})
    assert [p.pointer for p in problems] == ["/zonen"]


EXAMPLE_DOC = example()


@FAST
@given(damaged(EXAMPLE_DOC))
def test_damaged_definitions_with_parameters_give_problems_or_compile_but_never_raise(doc):
    problems = check_definition(doc)
    assert all(isinstance(p, Problem) and p.message and p.message_en for p in problems)
    try:
        process = compile_definition(doc)
    except DefinitionError as exc:
        assert exc.problems
        return
    assert problems == []
    process.run_tests()
    process.fee_total(ANSWERS)
    assert all(isinstance(e, FieldError) for e in process.validate_answers(ANSWERS))


@FAST
@given(
    st.dictionaries(st.sampled_from(["ort", "gebuehr", "zonen", "gueltig_ab", "x"]), json_values)
)
def test_arbitrary_values_are_refused_with_problems_or_bind(values):
    process = compile_definition(example())
    problems = parameter_values_check(process, values)
    assert all(isinstance(p, Problem) and p.message and p.message_en for p in problems)
    if problems:
        with pytest.raises(DefinitionError):
            process.bind(values)
        return
    bound = process.bind(values)
    assert bound.fee_total(ANSWERS) >= Decimal("10.00")
    assert all(isinstance(e, FieldError) for e in bound.validate_answers(ANSWERS))


def test_a_multiple_choice_takes_its_options_from_a_parameter():
    doc = example()
    doc["steps"][0]["schema"]["properties"]["weitere"] = {
        "type": "array",
        "title": "Weitere Zonen",
        "uniqueItems": True,
        "items": {"anyOf": {"$param": "zonen"}},
    }
    zones = [{"value": "a", "label": {"de": "A"}}, {"value": "b", "label": {"de": "B"}}]
    process = compile_definition(doc).bind({"ort": "X", "zonen": zones})
    field = process.step("antrag").field("weitere")
    assert (field.type, [value for value, _, _ in field.options]) == ("multichoice", ["a", "b"])
    answers = {"antrag": {"zone": "a", "kennzeichen": "X-1", "weitere": ["b", "c"]}}
    assert [e.pointer for e in process.validate_answers(answers)] == ["/antrag/weitere/1"]


def test_process_check_reports_an_undeclared_parameter_and_runs_parameterised_tests(tmp_path):
    doc = example()
    good = tmp_path / "gut.json"
    good.write_text(json.dumps(doc), encoding="utf-8")
    doc["payment"]["fees"][0]["amount"] = {"$param": "hundesteuer_betrag"}
    bad = tmp_path / "schlecht.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    out = io.StringIO()
    call_command("process_check", str(good), stdout=out, stderr=io.StringIO())
    assert f"{good}: OK" in out.getvalue()
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("process_check", str(bad), stdout=out, stderr=io.StringIO())
    assert f"{bad}: /payment/fees/0/amount: Der Parameter 'hundesteuer_betrag'" in out.getvalue()


def test_choice_values_and_labels_have_a_length_cap():
    problems = parameter_values_check(
        example(),
        {
            "ort": "X",
            "zonen": [
                {"value": "v" * 201, "label": {"de": "A"}},
                {"value": "b", "label": {"de": "B" * 1001}},
                {"value": "c", "label": {"de": "C", "en": ""}},
            ],
        },
    )
    assert [p.pointer for p in problems] == ["/zonen/0", "/zonen/1", "/zonen/2"]
