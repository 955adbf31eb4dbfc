"""Rule templates for the editor (build from form values, recognise again) and the diff of
rules and computed values in words."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest

from forms_engine.definitions import (
    RULE_TEMPLATES,
    DefinitionError,
    check_definition,
    compile_definition,
    definition_diff,
    load_definition,
    required_bump,
    rule_expression_check,
    rule_template_build,
    rule_template_fields,
    rule_template_match,
)

EXAMPLE = Path(__file__).parent / "examples" / "sondernutzung-regeln.json"
TODAY = "2026-12-01"
MESSAGE = {"de": "Bitte prüfen.", "en": "Please check."}


def example() -> dict:
    return load_definition(EXAMPLE.read_bytes())


def answers(**nutzung) -> dict:
    base = {
        "art": "geruest",
        "strasse": "Hauptstr. 1",
        "beginn": "2026-12-20",
        "ende": "2026-12-22",
        "flaeche": 12.5,
    }
    return {
        "antragsteller": {"name": "Bau GmbH", "email": "bau@example.org"},
        "nutzung": {**base, **nutzung},
    }


# --- templates ---------------------------------------------------------------------------------


def test_every_template_describes_its_form_in_german_and_english():
    assert set(RULE_TEMPLATES) == {"compare_fields", "date_from_today", "computed_product"}
    for template in RULE_TEMPLATES.values():
        assert template["target"] in ("rule", "computed")
        assert template["label"]["de"] and template["label"]["en"]
        for value in template["values"]:
            assert value["name"] and value["input"] and value["de"] and value["en"]


def test_the_example_rules_and_fee_are_recognised():
    doc = example()
    found = [rule_template_match(rule) for rule in doc["rules"]]
    assert found[0] == {
        "kind": "compare_fields",
        "values": {
            "id": "ende-nach-beginn",
            "message": doc["rules"][0]["message"],
            "left": "/nutzung/ende",
            "op": ">=",
            "right": "/nutzung/beginn",
        },
    }
    assert found[1]["kind"] == "date_from_today"
    assert found[1]["values"] | {"message": None} == {
        "id": "vorlauf",
        "message": None,
        "field": "/nutzung/beginn",
        "relation": "at_least",
        "days": 14,
        "direction": "after",
    }
    assert found[2] is None  # computed.tage <= 90: an expert's expression
    assert rule_template_match(doc["computed"]["gebuehr"], "gebuehr")["values"] == {
        "name": "gebuehr",
        "factors": ["/nutzung/flaeche", "computed:tage", "param:satz"],
        "type": "money",
        "label": doc["computed"]["gebuehr"]["label"],
    }
    assert rule_template_match(doc["computed"]["tage"]) is None


@pytest.mark.parametrize(
    "values",
    [
        {"relation": "at_least", "days": 14, "direction": "after"},
        {"relation": "at_most", "days": 365, "direction": "after"},
        {"relation": "at_least", "days": 0, "direction": "before"},
        {"relation": "at_most", "days": 30, "direction": "before"},
    ],
)
def test_date_from_today_round_trips_and_means_what_it_says(values):
    doc = example()
    values = {"id": "frist", "field": "/nutzung/beginn", "message": MESSAGE, **values}
    rule = rule_template_build("date_from_today", values, doc)
    assert rule_template_match(rule) == {"kind": "date_from_today", "values": values}
    doc["rules"] = [rule]
    assert check_definition(doc) == []
    process = compile_definition(doc)
    days = values["days"] if values["direction"] == "after" else -values["days"]
    boundary = process.validate_answers(
        answers(beginn=_add(TODAY, days), ende="2030-01-01"), today=TODAY
    )
    assert boundary == []  # "at least/at most N days" includes day N
    later = (values["relation"] == "at_least") == (values["direction"] == "after")
    beyond = _add(TODAY, days - 1 if later else days + 1)  # one day on the wrong side
    errors = process.validate_answers(answers(beginn=beyond, ende="2030-01-01"), today=TODAY)
    assert [(e.pointer, e.code, e.message) for e in errors] == [
        ("/nutzung/beginn", "rule", "Bitte prüfen.")
    ]


def _add(day: str, days: int) -> str:
    import datetime

    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=days)).isoformat()


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "==", "!="])
def test_compare_fields_round_trips_for_dates_and_numbers(op):
    doc = example()
    doc["steps"][1]["schema"]["properties"]["hoechst"] = {"type": "integer", "title": "Höchstens"}
    values = {"id": "cmp", "left": "/nutzung/flaeche", "op": op, "right": "/nutzung/hoechst"}
    rule = rule_template_build("compare_fields", {**values, "message": MESSAGE}, doc)
    assert rule["pointer"] == "/nutzung/flaeche"
    assert rule_template_match(rule) == {
        "kind": "compare_fields",
        "values": {**values, "message": MESSAGE},
    }
    doc["rules"] = [rule]
    assert check_definition(doc) == []
    process = compile_definition(doc)
    for flaeche, hoechst in ((12.5, 12), (12, 12), (3, 12)):
        data = answers(flaeche=flaeche, hoechst=hoechst)
        holds = eval(f"{flaeche} {op} {hoechst}")  # noqa: S307 - the test's own literals
        errors = process.validate_answers(data, today=TODAY)
        assert (errors == []) == holds, (flaeche, op, hoechst, errors)


def test_compare_fields_keeps_a_chosen_pointer_and_a_condition():
    doc = example()
    when = {"properties": {"nutzung": {"properties": {"art": {"const": "container"}}}}}
    values = {
        "id": "x",
        "left": "/nutzung/ende",
        "op": ">",
        "right": "/nutzung/beginn",
        "message": MESSAGE,
        "pointer": "/nutzung/beginn",
        "when": when,
    }
    rule = rule_template_build("compare_fields", values, doc)
    assert rule["pointer"] == "/nutzung/beginn" and rule["when"] == when
    assert rule_template_match(rule)["values"] == values


def test_computed_product_builds_an_exact_fee():
    doc = example()
    values = {
        "name": "gebuehr",
        "factors": ["/nutzung/flaeche", "computed:tage", "param:satz"],
        "type": "money",
        "label": {"de": "Gebühr", "en": "Fee"},
    }
    entry = rule_template_build("computed_product", values, doc)
    assert entry == {
        "expression": "double(answers.nutzung.flaeche) * double(computed.tage) * double(params.satz)",
        "type": "money",
        "label": {"de": "Gebühr", "en": "Fee"},
    }
    assert rule_template_match(entry, "gebuehr") == {"kind": "computed_product", "values": values}
    doc["computed"]["gebuehr"] = entry
    process = compile_definition(doc).bind({"satz": "0.35"})
    data = answers(beginn="2027-01-10", ende="2027-01-12", flaeche=3.3)
    assert process.computed_values(data, today=TODAY)["gebuehr"] == Decimal("3.47")


def test_wrong_form_values_are_problems_at_their_name_in_german_and_english():
    doc = example()
    with pytest.raises(DefinitionError) as caught:
        rule_template_build(
            "compare_fields",
            {"id": "A b", "left": "/nutzung/art", "op": "~", "right": "/nutzung/fehlt"},
            doc,
        )
    problems = {p.pointer: p for p in caught.value.problems}
    assert set(problems) == {"/id", "/left", "/op", "/right", "/message"}
    assert "hat den Typ choice" in problems["/left"].message
    assert "has type choice" in problems["/left"].message_en
    assert problems["/right"].message == "Das Feld /nutzung/fehlt gibt es nicht."
    with pytest.raises(DefinitionError) as caught:
        rule_template_build(
            "compare_fields",
            {
                "id": "a",
                "left": "/nutzung/beginn",
                "op": "<",
                "right": "/nutzung/flaeche",
                "message": MESSAGE,
            },
            doc,
        )
    assert "lässt sich nicht mit" in caught.value.problems[0].message
    with pytest.raises(DefinitionError) as caught:
        rule_template_build(
            "date_from_today",
            {
                "id": "a",
                "field": "/nutzung/flaeche",
                "relation": "x",
                "days": -1,
                "message": MESSAGE,
            },
            doc,
        )
    assert {p.pointer for p in caught.value.problems} == {
        "/field",
        "/relation",
        "/days",
        "/direction",
    }
    with pytest.raises(DefinitionError) as caught:
        rule_template_build(
            "computed_product",
            {
                "name": "x",
                "factors": ["param:fehlt", "computed:tage", "/nutzung/art", 5],
                "type": "money",
                "label": {"de": "x"},
            },
            doc,
        )
    assert {p.pointer for p in caught.value.problems} == {"/factors/0", "/factors/2", "/factors/3"}
    with pytest.raises(DefinitionError):
        rule_template_build("unbekannt", {})
    with pytest.raises(DefinitionError):
        rule_template_build("compare_fields", None)


def test_without_a_definition_only_the_form_is_checked():
    rule = rule_template_build(
        "compare_fields",
        {"id": "a", "left": "/s/a", "op": "<", "right": "/s/b", "message": {"de": "x"}},
    )
    assert rule["check"] == "answers.s.a < answers.s.b"


@pytest.mark.parametrize(
    "entry",
    [
        None,
        "text",
        {"check": "answers.a.b < answers.a.c || true", "pointer": "/a/b"},
        {"check": "answers.a.b >= addDays(today, 14)", "pointer": "/a/c"},
        {"check": "answers.a.b >= addDays(today, x)", "pointer": "/a/b"},
        {"expression": "double(answers.a.b) + double(params.x)", "type": "money"},
        {"expression": "double(answers.a.b)", "type": "date"},
        {"expression": "", "type": "money"},
    ],
)
def test_anything_else_is_not_a_template(entry):
    assert rule_template_match(entry) is None


def test_field_choices_and_expression_check_for_the_editor():
    doc = example()
    dates = rule_template_fields(doc, ("date",))
    assert dates == [
        ("/nutzung/beginn", "Beginn", "Start", "date"),
        ("/nutzung/ende", "Ende", "End", "date"),
    ]
    assert len(rule_template_fields(doc)) == 7
    assert rule_template_fields(None) == []
    assert rule_expression_check("answers.nutzung.ende > answers.nutzung.beginn", doc) == []
    [problem] = rule_expression_check("answers.nutzung.fehlt > 1", doc)
    assert problem.pointer == "" and "fehlt" in problem.message and problem.message_en
    assert rule_expression_check("1 +")[0].message.startswith("Der Ausdruck ist kein gültiges CEL")
    assert rule_expression_check(None)[0].message == "Der Ausdruck ist leer."


# --- diff ---------------------------------------------------------------------------------------


def test_diff_of_rules_in_words_with_bumps():
    old = example()
    new = copy.deepcopy(old)
    new["rules"][1]["check"] = "answers.nutzung.beginn >= addDays(today, 21)"
    new["rules"][0]["message"] = {"de": "Ende vor Beginn geht nicht.", "en": "End before start."}
    new["rules"].pop(2)
    new["rules"].append(
        {
            "id": "flaeche",
            "check": "answers.nutzung.flaeche <= 500.0",
            "pointer": "/nutzung/flaeche",
            "message": {"de": "Höchstens 500 m².", "en": "At most 500 m²."},
        }
    )
    changes = {(c.kind, c.pointer): c for c in definition_diff(old, new)}
    assert all(c.area == "rule" for c in changes.values())
    check = changes[("changed", "/rules/1/check")]
    assert check.bump == "major"
    assert "addDays(today, 14)“ → „answers.nutzung.beginn >= addDays(today, 21)" in check.message
    added = changes[("added", "/rules/2")]
    assert added.bump == "major" and added.message.startswith("Neue Regel „Höchstens 500 m².“")
    removed = changes[("removed", "/rules/2")]
    assert removed.bump == "minor"
    assert removed.message_en == "Rule “A skip may stand for at most 90 days.” removed"
    assert changes[("changed", "/rules/0/message")].bump == "patch"
    assert required_bump(list(changes.values())) == "major"


def test_diff_of_a_removed_rule_or_message_only_is_not_major():
    old = example()
    new = copy.deepcopy(old)
    new["rules"].pop()
    assert required_bump(definition_diff(old, new)) == "minor"
    new = copy.deepcopy(old)
    new["rules"][0]["message"]["en"] = "The end cannot be before the start."
    assert required_bump(definition_diff(old, new)) == "patch"
    new = copy.deepcopy(old)
    new["rules"][0]["pointer"] = "/nutzung/beginn"
    [change] = definition_diff(old, new)
    assert change.bump == "minor" and "Feld „Beginn“" in change.message
    new = copy.deepcopy(old)
    del new["rules"][2]["when"]
    [change] = definition_diff(old, new)
    assert change.bump == "major" and change.message.endswith("gilt jetzt immer")


def test_diff_of_computed_values_and_computed_fees():
    old = example()
    new = copy.deepcopy(old)
    new["computed"]["gebuehr"]["expression"] += " * 2.0"
    new["computed"]["tage"]["label"] = {"de": "Tage", "en": "Days"}
    new["computed"]["rabatt"] = {"expression": "0.0", "type": "money", "label": {"de": "Rabatt"}}
    changes = {(c.kind, c.pointer): c for c in definition_diff(old, new)}
    assert changes[("changed", "/computed/gebuehr/expression")].bump == "minor"
    assert changes[("changed", "/computed/tage/label")].bump == "patch"
    assert changes[("added", "/computed/rabatt")].message.startswith(
        "Neuer berechneter Wert „Rabatt“"
    )
    plain = copy.deepcopy(old)
    plain["payment"]["fees"][1]["amount"] = "10.00"
    del plain["computed"]
    changes = {(c.kind, c.pointer): c for c in definition_diff(plain, old)}
    fee = changes[("changed", "/payment/fees/1/amount")]
    assert fee.message.endswith("10,00 € → berechneter Wert „gebuehr“")
    assert changes[("added", "/computed/gebuehr")].area == "rule"
    removed = {(c.kind, c.pointer) for c in definition_diff(old, plain)}
    assert ("removed", "/computed/tage") in removed


@pytest.mark.parametrize(
    "broken",
    [
        {"rules": {}},
        {"rules": [1, {"id": 5}, {"id": "x", "check": 5, "message": "text"}]},
        {"computed": []},
        {"computed": {"a": 1, "b": {"expression": 3, "label": 7}}},
        {"payment": {"fees": [{"id": "x", "amount": {"$computed": 5}}]}},
    ],
)
def test_diff_and_check_of_malformed_rules_never_raise(broken):
    doc = example()
    damaged = {**copy.deepcopy(doc), **broken}
    assert check_definition(damaged)
    for old, new in ((doc, damaged), (damaged, doc), (damaged, damaged)):
        changes = definition_diff(old, new)
        assert all(c.message and c.message_en for c in changes)
