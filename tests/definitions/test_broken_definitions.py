"""Broken definitions (fixtures/broken/*.json) are rejected with an error naming where."""

from __future__ import annotations

import pytest

from forms_engine.definitions import (
    DefinitionError,
    check_definition,
    compile_definition,
    load_definition,
)

from .helpers import BROKEN, load, read, valid_doc


def pointers_of(problems):
    return [p.pointer for p in problems]


def problem_at(problems, pointer):
    matches = [p for p in problems if p.pointer == pointer]
    assert matches, f"no problem at {pointer}: {problems}"
    return matches[0]


def test_the_valid_example_has_no_problems_and_compiles():
    doc = valid_doc()
    assert check_definition(doc) == []
    assert compile_definition(doc).id == "hundesteuer-test"


def test_invalid_json_names_line_and_column():
    with pytest.raises(DefinitionError) as info:
        load_definition(read("invalid-json.json"))
    (problem,) = info.value.problems
    assert "Zeile 6, Spalte 3" in problem.message
    assert "line 6, column 3" in problem.message_en


def test_a_document_that_is_not_an_object_is_rejected():
    with pytest.raises(DefinitionError, match="JSON-Objekt"):
        load_definition("[1, 2]")


def test_a_key_written_twice_in_one_object_is_rejected_at_its_pointer():
    with pytest.raises(DefinitionError) as info:
        load_definition(read("duplicate-field-names.json"))
    assert pointers_of(info.value.problems) == ["/steps/0/schema/properties/vorname"]
    assert "doppelt" in info.value.problems[0].message


def test_an_unknown_keyword_in_a_field_schema_is_named_at_its_pointer():
    problems = check_definition(load("unknown-keyword.json"))
    problem = problem_at(problems, "/steps/0/schema/properties/vorname/maxlength")
    assert "Unbekanntes Schlüsselwort 'maxlength'" in problem.message
    assert "Unknown keyword" in problem.message_en


def test_an_undeclared_extension_keyword_is_an_error():
    problems = check_definition(load("undeclared-extension.json"))
    problem = problem_at(problems, "/steps/0/schema/properties/vorname/x-hint")
    assert "nicht deklariert" in problem.message


def test_a_ref_to_a_url_is_rejected_as_not_local():
    problems = check_definition(load("ref-to-url.json"))
    problem = problem_at(problems, "/steps/0/schema/properties/anschrift/$ref")
    assert "nur lokale Verweise" in problem.message
    assert "never a URL" in problem.message_en
    assert len(problems) == 1


def test_a_ref_to_a_missing_def_is_rejected():
    problems = check_definition(load("ref-target-missing.json"))
    problem = problem_at(problems, "/steps/0/schema/properties/anschrift/$ref")
    assert "'adresse'" in problem.message
    assert len(problems) == 1


def test_a_when_that_is_a_string_is_rejected_at_the_when():
    problems = check_definition(load("when-not-a-schema.json"))
    problem = problem_at(problems, "/steps/2/when")
    assert "JSON Schema" in problem.message


def test_duplicate_step_ids_are_rejected_in_german_and_english():
    problems = check_definition(load("duplicate-step-ids.json"))
    problem = problem_at(problems, "/steps/1/id")
    assert problem.message == "Schritt-ID 'halter' kommt doppelt vor."
    assert problem.message_en == "Step id 'halter' is used twice."


def test_a_pattern_that_does_not_compile_is_rejected():
    problems = check_definition(load("pattern-does-not-compile.json"))
    problem = problem_at(problems, "/steps/0/schema/properties/vorname/pattern")
    assert "regulär" in problem.message


def test_an_ecmascript_unicode_property_pattern_is_accepted():
    doc = valid_doc()
    assert doc["steps"][0]["schema"]["properties"]["vorname"]["pattern"].startswith("^[\\p{L}")
    assert check_definition(doc) == []


def test_required_naming_a_missing_property_is_rejected():
    problems = check_definition(load("required-names-missing-field.json"))
    problem = problem_at(problems, "/steps/0/schema/required")
    assert "'geburtsort'" in problem.message


def test_ui_fields_that_are_not_fields_of_the_step_are_rejected():
    problems = check_definition(load("ui-field-unknown.json"))
    assert "geburtstag" in problem_at(problems, "/steps/0/ui/fields/geburtstag").message


def test_identity_prefill_pointers_must_exist():
    problems = check_definition(load("prefill-pointer-missing.json"))
    assert pointers_of(problems) == ["/identity/prefill/~1halter~1nachname"]


def test_schriftform_needs_identity_level_hoch():
    problems = check_definition(load("schriftform-without-hoch.json"))
    assert "'hoch'" in problem_at(problems, "/schriftform").message
    doc = load("schriftform-without-hoch.json")
    doc["identity"]["level"] = "hoch"
    assert check_definition(doc) == []


def test_fee_amounts_must_be_decimal_strings_with_at_most_two_decimals():
    problems = check_definition(load("fee-amount-not-decimal.json"))
    assert pointers_of(problems) == ["/payment/fees/0/amount"]


def test_duplicate_fee_ids_are_rejected():
    problems = check_definition(load("duplicate-fee-ids.json"))
    assert (
        problem_at(problems, "/payment/fees/1/id").message
        == "Gebühren-ID 'grund' kommt doppelt vor."
    )


def test_test_expectations_naming_unknown_steps_are_rejected():
    problems = check_definition(load("test-unknown-step.json"))
    assert "'halterin'" in problem_at(problems, "/tests/0/expect/steps/3").message


def test_an_unknown_format_is_a_definition_error():
    problems = check_definition(load("unknown-format.json"))
    assert "datum" in problem_at(problems, "/steps/0/schema/properties/geburtsdatum/format").message


def test_every_field_needs_a_title():
    problems = check_definition(load("missing-title.json"))
    assert pointers_of(problems) == ["/steps/0/schema/properties/familienname"]


def test_a_missing_top_level_key_names_the_key():
    doc = valid_doc()
    del doc["reference_prefix"]
    problems = check_definition(doc)
    assert [(p.pointer, p.message) for p in problems] == [
        ("", "Die Angabe 'reference_prefix' fehlt.")
    ]


def test_a_wrong_format_version_is_explained():
    doc = valid_doc()
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    assert (
        "urn:ozg-engine:process-format:1" in problem_at(check_definition(doc), "/$schema").message
    )


def test_duplicate_declaration_ids_and_test_names_are_rejected():
    doc = valid_doc()
    doc["declarations"].append(dict(doc["declarations"][0]))
    doc["tests"].append(dict(doc["tests"][0]))
    pointers = pointers_of(check_definition(doc))
    assert "/declarations/1/id" in pointers
    assert "/tests/2/name" in pointers


def test_compile_refuses_a_broken_definition_and_lists_the_problems():
    with pytest.raises(DefinitionError) as info:
        compile_definition(load("duplicate-step-ids.json"))
    assert "/steps/1/id" in pointers_of(info.value.problems)
    assert "Schritt-ID 'halter' kommt doppelt vor." in str(info.value)


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in BROKEN.glob("*.json") if p.name != "valid-minimal.json"),
)
def test_every_broken_fixture_is_rejected(name):
    try:
        doc = load_definition(read(name))
    except DefinitionError as exc:
        assert exc.problems
        return
    problems = check_definition(doc)
    assert problems
    assert all(p.message and p.message_en for p in problems)
