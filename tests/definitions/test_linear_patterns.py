"""Observation 5: a designer's pattern can never stall a worker.

Patterns run on a regex engine that cannot backtrack; `check_definition` refuses what that
engine cannot run (backreferences, lookaround) at the pattern's pointer; every string
answer has a length cap; NUL characters and lone surrogates are field errors.
"""

from __future__ import annotations

import pytest

from forms_engine.definitions import (
    check_definition,
    citizen_validator,
    compile_definition,
)

from .helpers import good_halter, valid_doc

NAME_POINTER = "/steps/1/schema/properties/name/pattern"
NORMAL_DOG = {"name": "Bello", "rasse": "dackel", "listenhund": False}


def _with_name_pattern(pattern: str, **extra) -> dict:
    doc = valid_doc()
    doc["steps"][1]["schema"]["properties"]["name"].update({"pattern": pattern, **extra})
    return doc


def _problems_at(doc: dict, pointer: str):
    return [p for p in check_definition(doc) if p.pointer == pointer]


def test_a_backreference_pattern_is_refused_at_its_pointer_in_german_and_english():
    [problem] = _problems_at(_with_name_pattern(r"^(a+)+\1$"), NAME_POINTER)
    assert "Rückverweis" in problem.message
    assert "linear" in problem.message
    assert "backreference" in problem.message_en


def test_a_named_backreference_is_refused():
    assert _problems_at(_with_name_pattern(r"^(?<x>a)\k<x>$"), NAME_POINTER)


@pytest.mark.parametrize("pattern", [r"^(?=a)a+$", r"^(?!b)a+$", r"(?<=a)b", r"(?<!a)b"])
def test_lookahead_and_lookbehind_are_refused(pattern):
    [problem] = _problems_at(_with_name_pattern(pattern), NAME_POINTER)
    assert "Vorausschau oder Rückschau" in problem.message
    assert "lookahead or lookbehind" in problem.message_en


def test_a_pattern_that_does_not_compile_is_still_reported_as_invalid():
    [problem] = _problems_at(_with_name_pattern("^[a-"), NAME_POINTER)
    assert "ungültig" in problem.message


def test_a_pattern_longer_than_the_limit_is_refused():
    [problem] = _problems_at(_with_name_pattern("a" * 1001), NAME_POINTER)
    assert "zu lang" in problem.message


def test_a_pattern_in_a_condition_is_checked_too():
    doc = valid_doc()
    when = doc["steps"][1]["ui"]["fields"]["rasse_sonstige"]["when"]
    when["properties"]["hund"]["properties"]["rasse"] = {"pattern": r"(\w)\1"}
    pointers = [p.pointer for p in check_definition(doc)]
    assert "/steps/1/ui/fields/rasse_sonstige/when/properties/hund/properties/rasse/pattern" in (
        pointers
    )


def test_unicode_property_escapes_keep_working_for_names():
    doc = _with_name_pattern(r"^[\p{L} .'-]+$")
    assert check_definition(doc) == []
    process = compile_definition(doc)
    assert process.validate_step("hund", {**NORMAL_DOG, "name": "Ñandú Müller"}) == []
    [error] = process.validate_step("hund", {**NORMAL_DOG, "name": "R2-D2"})
    assert error.code == "pattern"


def test_citizen_validators_use_the_engine_that_cannot_backtrack():
    # the backtracking engine would build these; the linear one refuses them outright
    with pytest.raises(ValueError):
        citizen_validator({"pattern": r"^(a+)+\1$"})
    with pytest.raises(ValueError):
        citizen_validator({"pattern": r"(?=a)a"})


def test_the_classic_catastrophic_pattern_answers_a_megabyte_with_one_length_error():
    process = compile_definition(_with_name_pattern(r"^(a+)+$"))
    errors = process.validate_step("hund", {**NORMAL_DOG, "name": "a" * 1_000_000 + "!"})
    assert [(e.pointer, e.code) for e in errors] == [("/hund/name", "too_long")]


def test_a_text_answer_without_max_length_is_capped_at_ten_thousand_characters():
    process = compile_definition(valid_doc())
    assert process.validate_step("hund", {**NORMAL_DOG, "name": "a" * 10_000}) == []
    [error] = process.validate_step("hund", {**NORMAL_DOG, "name": "a" * 10_001})
    assert (error.pointer, error.code) == ("/hund/name", "too_long")
    assert error.message == "Bitte höchstens 10.000 Zeichen eingeben."
    assert error.message_en == "Please enter at most 10,000 characters."


def test_a_long_text_answer_is_capped_at_one_hundred_thousand_characters():
    doc = valid_doc()
    doc["steps"][1]["ui"]["fields"]["name"] = {"widget": "textarea"}
    process = compile_definition(doc)
    assert process.validate_step("hund", {**NORMAL_DOG, "name": "a" * 100_000}) == []
    [error] = process.validate_step("hund", {**NORMAL_DOG, "name": "a" * 100_001})
    assert error.code == "too_long"


def test_the_fields_own_max_length_is_the_cap_when_given():
    process = compile_definition(valid_doc())
    [error] = process.validate_step("halter", {**good_halter(), "vorname": "J" * 21})
    assert (error.pointer, error.code) == ("/halter/vorname", "maxLength")


def test_whole_answers_are_capped_too():
    process = compile_definition(valid_doc())
    answers = {"halter": good_halter(), "hund": {**NORMAL_DOG, "name": "a" * 20_000}}
    errors = process.validate_answers(answers)
    assert [(e.pointer, e.code) for e in errors] == [("/hund/name", "too_long")]


def test_the_composed_data_schema_caps_every_string_answer():
    doc = valid_doc()
    doc["steps"][1]["ui"]["fields"]["name"] = {"widget": "textarea"}
    schema = compile_definition(doc).data_schema
    hund = schema["properties"]["hund"]["properties"]
    assert hund["name"]["maxLength"] == 100_000
    assert hund["rasse"]["maxLength"] == 10_000
    assert hund["rasse_sonstige"]["maxLength"] == 60
    assert schema["$defs"]["anschrift"]["properties"]["plz"]["maxLength"] == 10_000


def test_a_max_length_above_the_ceiling_is_refused():
    doc = valid_doc()
    doc["steps"][1]["schema"]["properties"]["name"]["maxLength"] = 1_000_000
    pointers = [p.pointer for p in check_definition(doc)]
    assert "/steps/1/schema/properties/name/maxLength" in pointers


@pytest.mark.parametrize(
    ("text", "code"),
    [("Bel\x00lo", "nul_character"), ("Bel\ud800lo", "invalid_unicode")],
)
def test_nul_and_lone_surrogates_in_a_step_answer_are_field_errors(text, code):
    process = compile_definition(valid_doc())
    errors = process.validate_step("hund", {**NORMAL_DOG, "name": text})
    assert [(e.pointer, e.code) for e in errors] == [("/hund/name", code)]
    assert errors[0].message and errors[0].message_en


@pytest.mark.parametrize(
    ("text", "code"),
    [("Haupt\x00str. 1", "nul_character"), ("Hauptstr. \udfff", "invalid_unicode")],
)
def test_nul_and_lone_surrogates_in_nested_answers_are_field_errors(text, code):
    process = compile_definition(valid_doc())
    halter = good_halter()
    halter["anschrift"]["strasse"] = text
    answers = {"halter": halter, "hund": NORMAL_DOG}
    for errors in (process.validate_step("halter", halter), process.validate_answers(answers)):
        assert [(e.pointer, e.code) for e in errors] == [("/halter/anschrift/strasse", code)]


def test_a_nul_in_a_key_is_reported_at_its_object_not_in_the_pointer():
    process = compile_definition(valid_doc())
    errors = process.validate_step("hund", {**NORMAL_DOG, "na\x00me": "x"})
    assert [(e.pointer, e.code) for e in errors] == [("/hund", "nul_character")]


def test_a_nul_in_a_hidden_field_is_refused_too():
    process = compile_definition(valid_doc())
    errors = process.validate_step("hund", {**NORMAL_DOG, "rasse_sonstige": "\x00"})
    assert [(e.pointer, e.code) for e in errors] == [("/hund/rasse_sonstige", "nul_character")]


def test_a_condition_pattern_never_sees_more_than_the_cap():
    doc = valid_doc()
    when = doc["steps"][1]["ui"]["fields"]["rasse_sonstige"]["when"]
    when["properties"]["hund"]["properties"]["name"] = {"pattern": "^(a+)+$"}
    process = compile_definition(doc)
    answers = {"hund": {**NORMAL_DOG, "name": "a" * 1_000_000 + "!"}}
    assert process.applicable_fields("hund", answers)
    assert len(process.prune(answers)["hund"]["name"]) == 100_001


def test_a_pattern_with_huge_counted_repetitions_is_refused():
    [problem] = _problems_at(_with_name_pattern(r".{5000}x"), NAME_POINTER)
    assert "zu viele Zeichenpositionen" in problem.message
    assert "too many character positions" in problem.message_en


def test_the_shipped_patterns_and_common_name_patterns_are_accepted():
    for pattern in (
        r"^[\p{L}][\p{L} .'-]{0,99}$",
        r"^[0-9]{1,5}[ ]?[A-Za-z]?([ ]?[-/][ ]?[0-9]{1,5}[ ]?[A-Za-z]?)?$",
        r"^[A-ZÄÖÜ]{1,3}-[A-Z]{1,2} [1-9][0-9]{0,3}[EH]?$",
        r"^(HRA|HRB|GnR|PR|VR) ?[1-9][0-9]{0,6}( ?[A-Z]{1,2})?$",
    ):
        assert _problems_at(_with_name_pattern(pattern), NAME_POINTER) == [], pattern
