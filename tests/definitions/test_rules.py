"""Rules and computed values (CEL) in definitions: format, checks, evaluation, fees, tests.

The example tests/definitions/examples/sondernutzung-regeln.json is a special-use permit
for road space: Beginn/Ende dates ("Ende nicht vor Beginn", "Beginn frühestens 14 Tage
nach heute"), Fläche, and the fee Fläche × Tage × Satz with Satz a money parameter.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from pathlib import Path

import pytest

from forms_engine.definitions import (
    DefinitionError,
    FieldError,
    check_definition,
    compile_definition,
    definition_sha256,
    load_definition,
)
from forms_engine.definitions import rules as rules_module
from forms_engine.definitions.limits import (
    MAX_COMPUTED,
    MAX_EXPRESSION_LENGTH,
    MAX_EXPRESSION_NESTING,
    MAX_RULES,
)

from .helpers import valid_doc

EXAMPLE = Path(__file__).parent / "examples" / "sondernutzung-regeln.json"
TODAY = "2026-12-01"


def example() -> dict:
    return load_definition(EXAMPLE.read_bytes())


def good() -> dict:
    return {
        "antragsteller": {"name": "Bau GmbH", "email": "bau@example.org"},
        "nutzung": {
            "art": "geruest",
            "strasse": "Hauptstr. 1",
            "beginn": "2026-12-20",
            "ende": "2026-12-22",
            "flaeche": 12.5,
        },
    }


def with_nutzung(**changes) -> dict:
    answers = good()
    answers["nutzung"].update(changes)
    return answers


def problems_at(doc: dict, pointer: str) -> list:
    return [p for p in check_definition(doc) if p.pointer == pointer]


def rule_errors(errors: list[FieldError]) -> dict[str, FieldError]:
    return {e.pointer: e for e in errors if e.code == "rule"}


# --- the example -----------------------------------------------------------------------------


def test_example_is_valid_and_its_designer_tests_pass():
    doc = example()
    assert check_definition(doc) == []
    results = compile_definition(doc).run_tests()
    assert len(results) == 5
    assert all(r.passed for r in results), [r.failures for r in results if not r.passed]


def test_valid_answers_give_no_rule_errors_and_the_exact_fee():
    process = compile_definition(example())
    assert process.validate_answers(good(), today=TODAY) == []
    assert process.computed_values(good(), today=TODAY) == {"tage": 3, "gebuehr": Decimal("56.25")}
    fees = {fee.id: fee.amount for fee in process.fees(good(), today=TODAY)}
    assert fees == {"bearbeitung": Decimal("25.00"), "sondernutzung": Decimal("56.25")}
    assert process.fee_total(good(), today=TODAY) == Decimal("81.25")
    assert str(process.fee_total(good(), today=TODAY)) == "81.25"


def test_end_before_start_and_too_early_start_are_field_errors_in_german_and_english():
    process = compile_definition(example())
    answers = with_nutzung(beginn="2026-12-10", ende="2026-12-09")
    errors = rule_errors(process.validate_answers(answers, today=TODAY))
    assert set(errors) == {"/nutzung/beginn", "/nutzung/ende"}
    assert errors["/nutzung/ende"].message == "Das Ende darf nicht vor dem Beginn liegen."
    assert errors["/nutzung/ende"].message_en == "The end must not be before the start."
    assert errors["/nutzung/beginn"].message_en.startswith("The start must be at least 14 days")


def test_the_14_days_count_from_the_injected_today():
    process = compile_definition(example())
    answers = with_nutzung(beginn="2026-12-15", ende="2026-12-16")
    assert process.validate_answers(answers, today="2026-12-01") == []  # exactly 14 days
    assert "/nutzung/beginn" in rule_errors(process.validate_answers(answers, today="2026-12-02"))
    assert process.validate_answers(answers, today=datetime.date(2026, 12, 1)) == []
    # a datetime counts in Europe/Berlin: 23:30 UTC on 1 Dec is already 2 Dec in Berlin
    late = datetime.datetime(2026, 12, 1, 23, 30, tzinfo=datetime.UTC)
    assert "/nutzung/beginn" in rule_errors(process.validate_answers(answers, today=late))


def test_today_defaults_to_now_in_berlin():
    assert (
        rules_module.today_iso(None)
        == datetime.datetime.now(rules_module.BERLIN).date().isoformat()
    )
    assert rules_module.today_iso("not a date") == rules_module.today_iso(None)


def test_validate_step_checks_only_the_rules_pointing_into_that_step():
    doc = example()
    doc["rules"].append(
        {
            "id": "name-kurz",
            "check": "size(answers.antragsteller.name) <= 20",
            "pointer": "/antragsteller/name",
            "message": {"de": "Der Name ist zu lang.", "en": "The name is too long."},
        }
    )
    process = compile_definition(doc)
    answers = with_nutzung(beginn="2026-12-10", ende="2026-12-09")
    answers["antragsteller"]["name"] = "Eine sehr lange Firmenbezeichnung GmbH & Co. KG"
    step = process.validate_step("nutzung", answers["nutzung"], answers, today=TODAY)
    assert set(rule_errors(step)) == {"/nutzung/beginn", "/nutzung/ende"}
    first = process.validate_step("antragsteller", answers["antragsteller"], answers, today=TODAY)
    assert set(rule_errors(first)) == {"/antragsteller/name"}
    # the step's own data wins over stale answers
    fixed = dict(answers["nutzung"], beginn="2026-12-20", ende="2026-12-22")
    assert process.validate_step("nutzung", fixed, answers, today=TODAY) == []


def test_a_rule_with_a_condition_applies_only_when_it_holds():
    process = compile_definition(example())
    long = with_nutzung(beginn="2027-01-01", ende="2027-06-30", flaeche=8)
    assert process.validate_answers(long, today=TODAY) == []  # scaffolding may stand long
    long["nutzung"]["art"] = "container"
    errors = rule_errors(process.validate_answers(long, today=TODAY))
    assert errors["/nutzung/ende"].message == "Ein Container darf höchstens 90 Tage stehen."


def test_bound_parameter_changes_the_computed_fee_and_the_texts():
    process = compile_definition(example()).bind({"satz": "0.35"})
    answers = with_nutzung(beginn="2027-01-10", ende="2027-01-12", flaeche=3.3)
    # 3.3 × 3 × 0.35 = 3.465 exactly; in binary floating point 3.4649999999999994
    assert 3.3 * 3.0 * 0.35 < 3.465
    assert process.computed_values(answers, today=TODAY)["gebuehr"] == Decimal("3.47")
    labels = {fee.id: fee.label["de"] for fee in process.fees(answers, today=TODAY)}
    assert labels["sondernutzung"] == "Sondernutzungsgebühr (Fläche × Tage × 0,35 €)"


def test_parameter_references_in_rule_messages_are_replaced():
    doc = example()
    doc["rules"][0]["message"] = {
        "de": "Ende vor Beginn (Satz {{param:satz}})",
        "en": "End before start (rate {{param:satz}})",
    }
    assert check_definition(doc) == []
    process = compile_definition(doc).bind({"satz": "2.00"})
    errors = rule_errors(process.validate_answers(with_nutzung(ende="2026-12-19"), today=TODAY))
    assert errors["/nutzung/ende"].message == "Ende vor Beginn (Satz 2,00 €)"
    assert errors["/nutzung/ende"].message_en == "End before start (rate €2.00)"
    undeclared = example()
    undeclared["rules"][0]["message"]["de"] = "{{param:fehlt}}"
    assert problems_at(undeclared, "/rules/0/message/de")


# --- absent answers ----------------------------------------------------------------------------


def test_a_rule_naming_an_absent_answer_does_not_fire():
    doc = example()
    schema = doc["steps"][1]["schema"]
    schema["required"] = ["art", "strasse", "beginn", "flaeche"]  # Ende optional
    process = compile_definition(doc)
    answers = good()
    del answers["nutzung"]["ende"]
    assert process.validate_answers(answers, today=TODAY) == []
    # and the fee needing it is left out rather than computed from nothing
    assert [fee.id for fee in process.fees(answers, today=TODAY)] == ["bearbeitung"]
    assert process.computed_values(answers, today=TODAY) == {}
    # null counts as absent too
    answers["nutzung"]["ende"] = None
    assert rule_errors(process.validate_answers(answers, today=TODAY)) == {}


def test_a_rule_whose_step_does_not_apply_does_not_fire():
    doc = example()
    doc["steps"][1]["when"] = {
        "properties": {"antragsteller": {"properties": {"name": {"const": "Nutzung"}}}}
    }
    process = compile_definition(doc)
    answers = with_nutzung(beginn="2026-12-10", ende="2026-12-09")
    assert process.validate_answers(answers, today=TODAY) == []  # step pruned away
    assert [fee.id for fee in process.fees(answers, today=TODAY)] == ["bearbeitung"]


def test_a_rule_naming_an_answer_with_a_schema_error_is_skipped():
    process = compile_definition(example())
    answers = with_nutzung(beginn="kein Datum", ende="2026-12-09")
    errors = process.validate_answers(answers, today=TODAY)
    assert {e.pointer for e in errors} == {"/nutzung/beginn"}
    assert all(e.code != "rule" for e in errors)


# --- runtime errors never escape ---------------------------------------------------------------


def _with_rule(check: str, pointer: str = "/nutzung/flaeche") -> dict:
    doc = example()
    doc["rules"] = [
        {"id": "r", "check": check, "pointer": pointer, "message": {"de": "Nein", "en": "No"}}
    ]
    assert check_definition(doc) == [], check_definition(doc)
    return doc


@pytest.mark.parametrize(
    "check",
    [
        "1 / (answers.nutzung.flaeche > 0.0 ? 0 : 1) == 1",  # division by zero
        "9223372036854775807 + int(answers.nutzung.flaeche) > 0",  # int64 overflow
        "answers.nutzung.flaeche",  # not a truth value
        "answers.nutzung.flaeche > 1",  # double and int mix in arithmetic is fine for <
        "answers.nutzung.strasse * 2 == 'x'",  # no such overload
        "date(answers.nutzung.strasse) > today",  # not a date
        "addDays(answers.nutzung.beginn, 999999999) > today",  # out of range
        "answers.nutzung.art.matches('(')",  # invalid regular expression
    ],
)
def test_runtime_errors_are_logged_and_the_rule_does_not_fire(check, caplog):
    process = compile_definition(_with_rule(check))
    with caplog.at_level(logging.WARNING, logger="forms_engine.definitions.rules"):
        errors = process.validate_answers(good(), today=TODAY)
        step = process.validate_step("nutzung", good()["nutzung"], good(), today=TODAY)
    assert rule_errors(errors) == {} or check == "answers.nutzung.flaeche > 1"
    assert all(isinstance(e, FieldError) for e in errors + step)
    if check != "answers.nutzung.flaeche > 1":
        assert "rule 'r'" in caplog.text


def test_designer_tests_show_evaluation_errors():
    doc = _with_rule("1 / 0 == 1")
    doc["tests"] = [{"name": "t", "today": TODAY, "answers": good(), "expect": {"valid": True}}]
    [result] = compile_definition(doc).run_tests()
    assert not result.passed
    assert any("Die Regel 'r' ließ sich nicht auswerten" in f for f in result.failures)


def test_designer_tests_compare_computed_values():
    doc = example()
    doc["tests"] = [
        {
            "name": "t",
            "today": TODAY,
            "answers": good(),
            "expect": {"computed": {"gebuehr": "56.00", "tage": "3"}},
        }
    ]
    [result] = compile_definition(doc).run_tests()
    assert result.failures == ["Berechneter Wert gebuehr: erwartet 56.00, tatsächlich 56.25."]


@pytest.mark.parametrize(
    "flaeche",
    [10**30, -(10**30), 1e308, 2**63, -(2**63) - 1, 0, True, "12", None, [1], {"a": 1}],
)
def test_huge_and_wrong_numbers_give_field_errors_only(flaeche):
    process = compile_definition(example())
    answers = with_nutzung(flaeche=flaeche)
    errors = process.validate_answers(answers, today=TODAY)
    assert all(isinstance(e, FieldError) for e in errors)
    step = process.validate_step("nutzung", answers["nutzung"], answers, today=TODAY)
    assert all(isinstance(e, FieldError) for e in step)
    total = process.fee_total(answers, today=TODAY)
    assert total == total.quantize(Decimal("0.01"))


def test_answers_of_other_steps_with_wrong_types_never_raise():
    process = compile_definition(example())
    hostile = {"antragsteller": {"name": ["x"] * 1000, "email": {"a": "\x00"}}, "nutzung": 5}
    for step in ("antragsteller", "nutzung"):
        errors = process.validate_step(step, hostile.get(step), hostile, today=TODAY)
        assert all(isinstance(e, FieldError) for e in errors)
    assert all(isinstance(e, FieldError) for e in process.validate_answers(hostile))
    assert process.fees(hostile) == process.fees({})


def test_very_long_answer_strings_are_evaluated_quickly():
    doc = _with_rule(
        "size(answers.nutzung.strasse + answers.nutzung.strasse) < 100 "
        "&& answers.nutzung.strasse.matches('^(a|aa)+$')",
        "/nutzung/strasse",
    )
    doc["steps"][1]["schema"]["properties"]["strasse"]["maxLength"] = 100_000
    process = compile_definition(doc)
    answers = with_nutzung(strasse="a" * 100_000)
    errors = rule_errors(process.validate_answers(answers, today=TODAY))
    assert set(errors) == {"/nutzung/strasse"}


# --- money --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1 * 3, "0.30"),  # 0.30000000000000004
        (3.3 * 3.0 * 0.35, "3.47"),  # 3.4649999999999994, exactly 3.465
        (1.005, "1.01"),  # half up
        (2.675, "2.68"),  # 2.67499999999999982236431605997495353221893310546875
        (12, "12.00"),
        (999999999.994, "999999999.99"),
        (1e-9, "0.00"),
    ],
)
def test_money_results_are_exact_cents(value, expected):
    amount = rules_module.result_of(value, "money")
    assert str(amount) == expected


@pytest.mark.parametrize("value", [-0.01, 1e12, float("inf"), float("nan"), "12.00", True, None])
def test_money_results_out_of_range_or_of_the_wrong_type_are_refused(value):
    with pytest.raises(ValueError):
        rules_module.result_of(value, "money")


def test_a_negative_or_failing_computed_fee_is_left_out(caplog):
    doc = example()
    doc["computed"]["gebuehr"]["expression"] = "0.0 - double(answers.nutzung.flaeche)"
    process = compile_definition(doc)
    with caplog.at_level(logging.WARNING, logger="forms_engine.definitions.rules"):
        assert [fee.id for fee in process.fees(good(), today=TODAY)] == ["bearbeitung"]
    assert "computed value 'gebuehr'" in caplog.text
    assert process.fee_total(good(), today=TODAY) == Decimal("25.00")


def test_computed_values_of_each_type():
    doc = example()
    doc["computed"].update(
        {
            "ende_plus": {
                "expression": "addDays(answers.nutzung.ende, 7)",
                "type": "date",
                "label": {"de": "Frist"},
            },
            "anteil": {
                "expression": "double(answers.nutzung.flaeche) / 3.0",
                "type": "number",
                "label": {"de": "Anteil"},
            },
            "halbe_tage": {
                "expression": "computed.tage / 2",
                "type": "integer",
                "label": {"de": "Halbe Tage"},
            },
        }
    )
    assert check_definition(doc) == []
    values = compile_definition(doc).computed_values(good(), today=TODAY)
    assert values["ende_plus"] == "2026-12-29"
    assert values["anteil"] == Decimal("4.1667")
    assert values["halbe_tage"] == 1


def test_computed_values_depend_on_each_other_in_any_order():
    doc = example()
    # "gebuehr" before "tage" in the document: the order comes from the references
    doc["computed"] = {"gebuehr": doc["computed"]["gebuehr"], "tage": doc["computed"]["tage"]}
    assert compile_definition(doc).fee_total(good(), today=TODAY) == Decimal("81.25")


# --- checks: problems at their pointer, German and English -------------------------------------


@pytest.mark.parametrize(
    ("check", "german", "english"),
    [
        ("answers.nutzung.ende >=", "kein gültiges CEL", "not valid CEL"),
        ("answers.nutzung.fehlt > 1", "Das Feld 'fehlt' gibt es im Schritt", "has no field"),
        ("answers.fehlt.ende > today", "Den Schritt 'fehlt' gibt es nicht", "There is no step"),
        ("params.fehlt > 1.0", "Den Parameter 'fehlt' deklariert", "does not declare"),
        ("computed.fehlt > 1", "Den berechneten Wert 'fehlt' gibt es nicht", "no computed value"),
        ("heute > today", "Unbekannter Name 'heute'", "Unknown name 'heute'"),
        ("timestamp('2020-01-01T00:00:00Z') > now", "Unbekannter Name 'now'", "Unknown name"),
        ("size(answers) > 1", "answers.<Schritt>.<Feld>", "answers.<step>.<field>"),
        ("answers.nutzung['ende'] > today", "answers.<Schritt>.<Feld>", "answers.<step>.<field>"),
        ("getFullYear(today) > 1", "Die Funktion 'getFullYear' ist nicht erlaubt", "not allowed"),
        ("[1, 2].exists(x, x > 1)", "Schleifen-Makros", "Comprehension macros"),
        (
            " && ".join(["answers.nutzung.flaeche > 0.0"] * 21),
            "höchstens 20",
            "at most 20",
        ),
        (
            "(" * (MAX_EXPRESSION_NESTING + 1) + "true" + ")" * (MAX_EXPRESSION_NESTING + 1),
            "zu tief",
            "too deeply",
        ),
        ("true && " * 200 + "true", "zu lang", "too long"),
    ],
)
def test_expression_problems_are_reported_at_the_check(check, german, english):
    doc = example()
    doc["rules"][0]["check"] = check
    found = problems_at(doc, "/rules/0/check")
    assert found, check_definition(doc)
    assert any(german in p.message for p in found), found
    assert any(english in p.message_en for p in found), found
    with pytest.raises(DefinitionError):
        compile_definition(doc)


def test_names_inside_string_literals_are_no_references():
    doc = example()
    doc["rules"][0]["check"] = "answers.nutzung.strasse != 'answers.fehlt.feld params.x'"
    assert check_definition(doc) == []


def test_pointer_ids_and_fee_references_are_checked():
    doc = example()
    doc["rules"][1]["id"] = doc["rules"][0]["id"]
    doc["rules"][2]["pointer"] = "/nutzung/fehlt"
    doc["payment"]["fees"][1]["amount"] = {"$computed": "fehlt"}
    doc["tests"][0]["today"] = "2026-02-30"
    doc["tests"][0]["expect"]["computed"]["unbekannt"] = "1"
    messages = {p.pointer: p.message for p in check_definition(doc)}
    assert messages["/rules/1/id"] == "Regel-ID 'ende-nach-beginn' kommt doppelt vor."
    assert "Die Stelle '/nutzung/fehlt' gibt es nicht" in messages["/rules/2/pointer"]
    assert "Den berechneten Wert 'fehlt' gibt es nicht" in messages["/payment/fees/1/amount"]
    assert "ist kein Datum" in messages["/tests/0/today"]
    assert "/tests/0/expect/computed/unbekannt" in messages


def test_a_step_pointer_is_allowed_and_a_fee_needs_a_money_value():
    doc = example()
    doc["rules"][0]["pointer"] = "/nutzung"
    doc["payment"]["fees"][1]["amount"] = {"$computed": "tage"}
    messages = {p.pointer: p.message_en for p in check_definition(doc)}
    assert "/rules/0/pointer" not in messages
    assert "is not an amount" in messages["/payment/fees/1/amount"]


def test_cycles_between_computed_values_are_refused():
    doc = example()
    doc["computed"]["tage"]["expression"] = "int(computed.gebuehr)"
    found = [p for p in check_definition(doc) if "Zirkuläre Berechnung" in p.message]
    assert found and "Circular computation" in found[0].message_en


def test_limits_on_the_number_of_rules_and_computed_values():
    doc = example()
    doc["rules"] = [dict(doc["rules"][0], id=f"r{i}") for i in range(MAX_RULES + 1)]
    doc["computed"] = {
        f"c{i}": {"expression": "1", "type": "integer", "label": {"de": "x"}}
        for i in range(MAX_COMPUTED + 1)
    }
    doc["payment"]["fees"].pop()
    pointers = {p.pointer for p in check_definition(doc)}
    assert {"/rules", "/computed"} <= pointers


def test_the_meta_schema_refuses_unknown_keys_and_types():
    doc = example()
    doc["rules"][0]["severity"] = "warning"
    doc["computed"]["tage"]["type"] = "text"
    doc["computed"]["Gross"] = {"expression": "1", "type": "integer", "label": {"de": "x"}}
    pointers = {p.pointer for p in check_definition(doc)}
    assert "/rules/0/severity" in pointers
    assert "/computed/tage/type" in pointers


def test_hostile_expressions_within_the_length_limit_are_refused_or_harmless():
    big_list = "[" + ",".join(["1"] * ((MAX_EXPRESSION_LENGTH - 20) // 2)) + "].size() > 0"
    assert len(big_list) <= MAX_EXPRESSION_LENGTH
    for check in (
        big_list,
        "-" * 900 + "1 < 0",
        "!" * 900 + "true",
        " + ".join(["answers.nutzung.strasse"] * 40) + " != ''",
        "[" * 200 + "]" * 200 + " == []",
        "'\\u0000' != answers.nutzung.strasse",
    ):
        doc = example()
        doc["rules"][0]["check"] = check
        problems = check_definition(doc)
        if problems:
            continue
        process = compile_definition(doc)
        errors = process.validate_answers(good(), today=TODAY)
        assert all(isinstance(e, FieldError) for e in errors)


# --- backward compatibility ----------------------------------------------------------------------


def test_definitions_without_rules_are_unchanged():
    doc = valid_doc()
    before = definition_sha256(doc)
    process = compile_definition(doc)
    assert process.sha256 == before
    assert process.rules == () and process.computed == ()
    assert process.computed_values({}) == {}


def test_answers_cel_cannot_hold_give_field_errors_only():
    process = compile_definition(example())
    answers = with_nutzung(strasse="a\ud800b")
    answers["nutzung"]["x\udfff"] = 1
    errors = process.validate_answers(answers, today=TODAY)
    assert all(isinstance(e, FieldError) for e in errors)
    assert "/nutzung/strasse" in {e.pointer for e in errors}
    assert process.fee_total(answers, today=TODAY) == Decimal("81.25")


def test_an_answer_too_large_to_check_fails_closed():
    doc = example()
    doc["steps"][1]["schema"]["properties"]["orte"] = {
        "type": "array",
        "title": "Orte",
        "items": {"type": "string"},
    }
    doc["rules"].append(
        {
            "id": "orte",
            "check": "size(answers.nutzung.orte) <= 3",
            "pointer": "/nutzung/orte",
            "message": {"de": "Höchstens drei Orte.", "en": "At most three places."},
        }
    )
    process = compile_definition(doc)
    few = with_nutzung(orte=["a", "b"])
    assert process.validate_answers(few, today=TODAY) == []
    assert set(rule_errors(process.validate_answers(with_nutzung(orte=["a"] * 4), today=TODAY)))
    huge = with_nutzung(orte=["a"] * 5_000)
    errors = rule_errors(process.validate_answers(huge, today=TODAY))
    assert errors["/nutzung/orte"].message == "Die Angaben sind zu umfangreich, um sie zu prüfen."
    assert errors["/nutzung/orte"].message_en == "The answers are too large to be checked."


def test_the_worst_expression_within_the_limits_stays_fast():
    import time

    doc = example()
    doc["steps"][1]["schema"]["properties"]["text"] = {"type": "string", "title": "Text"}
    doc["steps"][1]["ui"] = {"fields": {"text": {"widget": "textarea"}}}
    doc["rules"] = [
        {
            "id": "lang",
            "check": "size(" + " + ".join(["answers.nutzung.text"] * 19) + ") > 0",
            "pointer": "/nutzung/text",
            "message": {"de": "x"},
        }
    ]
    assert check_definition(doc) == []
    process = compile_definition(doc)
    answers = with_nutzung(text="x" * 100_000)
    started = time.perf_counter()
    assert process.validate_answers(answers, today=TODAY) == []
    assert time.perf_counter() - started < 1.0


def test_validation_computes_only_the_values_its_rules_use(caplog):
    doc = example()
    doc["computed"]["gebuehr"]["expression"] = "0.0 - double(answers.nutzung.flaeche)"
    process = compile_definition(doc)
    with caplog.at_level(logging.INFO, logger="forms_engine.definitions.rules"):
        assert process.validate_answers(good(), today=TODAY) == []
        assert process.validate_step("nutzung", good()["nutzung"], good(), today=TODAY) == []
    assert "gebuehr" not in caplog.text
    container = with_nutzung(art="container", beginn="2027-01-01", ende="2027-06-30")
    assert set(rule_errors(process.validate_answers(container, today=TODAY))) == {"/nutzung/ende"}
