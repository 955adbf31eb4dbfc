"""The field-type registry and the conditions (rows ↔ `when`): pure round trips."""

import itertools
import json
from pathlib import Path

import jsonschema
import pytest

from forms_engine.definitions import FIELD_TYPES, check_definition
from forms_engine.definitions.conditions import (
    OPERATORS,
    Condition,
    ConditionError,
    Row,
    condition_text,
    condition_to_when,
    operators_for,
    when_to_condition,
)
from forms_engine.definitions.field_types import (
    FIELD_KINDS,
    build_field,
    kind_of,
    read_field,
    structured_editable,
)
from forms_engine.definitions.fields import field_type

ROOT = Path(__file__).resolve().parents[2]

FULL_OPTIONS = {
    "text": {"min_length": 2, "max_length": 80, "pattern": "^[A-Z]{2}[0-9]{4}$"},
    "textarea": {"min_length": 10, "max_length": 2000},
    "number": {"minimum": 0.5, "maximum": 99},
    "integer": {"minimum": 1, "maximum": 12},
    "money": {},
    "date": {},
    "email": {},
    "phone": {},
    "postcode": {},
    "iban": {},
    "boolean": {},
    "choice": {
        "choices": [
            {"value": "m", "label": "männlich", "label_en": "male"},
            {"value": "w", "label": "weiblich"},
        ],
        "widget": "select",
    },
    "multichoice": {
        "choices": [{"value": "a", "label": "A", "label_en": "A"}, {"value": "b", "label": "B"}],
        "min_items": 1,
        "max_items": 2,
    },
    "upload": {"media_types": ["application/pdf", "image/png"], "max_mb": 2.5},
    "group": {},
    "repeat": {
        "min_items": 1,
        "max_items": 5,
        "add_label": "Weiteres Fahrzeug",
        "add_label_en": "Another vehicle",
        "remove_label": "Fahrzeug entfernen",
    },
}


def test_the_registry_has_one_entry_per_derived_field_type():
    assert set(FIELD_KINDS) == set(FIELD_TYPES)
    for kind in FIELD_KINDS.values():
        assert kind.label and kind.label_en


@pytest.mark.parametrize("type_id", sorted(FULL_OPTIONS))
@pytest.mark.parametrize("full", [False, True])
def test_every_type_round_trips_and_derives_back(type_id, full):
    options = {"title": "Beschriftung", "title_en": "Label"}
    if full:
        options |= {"help": "Hilfe", "help_en": "Help", **FULL_OPTIONS[type_id]}
    elif type_id in ("choice", "multichoice"):
        options["choices"] = FULL_OPTIONS[type_id]["choices"]
    elif type_id == "upload":
        options["media_types"] = ["application/pdf"]
    schema, ui = build_field(type_id, options)
    assert field_type(schema, ui, {}) == type_id, "a built schema derives back to its type"
    assert kind_of(schema, ui).id == type_id
    assert read_field(schema, ui) == (type_id, options)
    # The built field is valid in a definition (meta-schema and checks).
    doc = {
        "$schema": "urn:ozg-engine:process-format:1",
        "id": "probe",
        "version": "1.0.0",
        "title": {"de": "Probe"},
        "reference_prefix": "PRB",
        "steps": [
            {
                "id": "s",
                "title": {"de": "S"},
                "schema": {"type": "object", "properties": {"f": schema}, "required": []},
                **({"ui": {"fields": {"f": ui}}} if ui else {}),
            }
        ],
    }
    if type_id in ("group", "repeat"):
        target = schema if type_id == "group" else schema["items"]
        target["properties"]["kind"] = {"type": "string", "title": "Kind"}
    assert check_definition(doc) == []


def test_an_edit_keeps_what_the_type_does_not_manage():
    old = {
        "type": "string",
        "title": "Alt",
        "maxLength": 5,
        "default": "x",
        "x-fim": {"id": "F1", "version": "1.0"},
    }
    old_ui = {"autocomplete": "name", "when": {"required": ["a"]}}
    schema, ui = build_field("text", {"title": "Neu", "max_length": 9}, (old, old_ui))
    assert schema["title"] == "Neu" and schema["maxLength"] == 9
    assert schema["default"] == "x" and schema["x-fim"] == {"id": "F1", "version": "1.0"}
    assert ui == old_ui
    # Another type drops the old type's keywords, keeps the conditions.
    schema, ui = build_field("textarea", {"title": "Neu"}, (old, old_ui))
    assert "maxLength" not in schema and ui["widget"] == "textarea" and ui["when"]


def test_group_and_repeat_keep_their_children_when_edited_or_switched():
    child = {"type": "string", "title": "Straße"}
    group = {
        "type": "object",
        "title": "Anschrift",
        "properties": {"strasse": child},
        "required": ["strasse"],
    }
    schema, _ui = build_field("repeat", {"title": "Anschriften", "max_items": 3}, (group, {}))
    assert schema["items"]["properties"] == {"strasse": child}
    assert schema["items"]["required"] == ["strasse"]
    back, _ui = build_field("group", {"title": "Anschrift"}, (schema, {}))
    assert back["properties"] == {"strasse": child} and back["required"] == ["strasse"]


def test_shipped_fields_read_back_and_rebuild_unchanged():
    for path in sorted((ROOT / "processes").glob("*/*.json")):
        doc = json.loads(path.read_text())
        for step in doc["steps"]:
            ui_fields = step.get("ui", {}).get("fields", {})
            for name, schema in step["schema"]["properties"].items():
                ui = ui_fields.get(name, {})
                if not structured_editable(schema):
                    continue
                type_id, options = read_field(schema, ui)
                rebuilt, rebuilt_ui = build_field(type_id, options, (schema, ui))
                assert rebuilt == schema, (path.name, name)
                assert rebuilt_ui == ui, (path.name, name)


def test_refs_and_parameters_are_left_to_the_json_view():
    assert not structured_editable({"$ref": "#/$defs/anschrift", "title": "A"})
    assert not structured_editable({"type": "string", "title": "Z", "oneOf": {"$param": "zonen"}})
    assert structured_editable({"type": "object", "properties": {"a": {"$ref": "#/$defs/x"}}})


# --- conditions -------------------------------------------------------------------------------

VALUES = {
    "eq": ["ja", 3, 2.5],
    "ne": ["nein", 7],
    "checked": [None],
    "unchecked": [None],
    "in": [("a", "b"), (1,)],
    "contains": ["handwerk"],
    "gt": [10, 0.5],
    "lt": [-1, 100],
    "filled": [None],
    "empty": [None],
}
PATHS = [("hund", "listenhund"), ("halter", "anschrift", "plz")]


def _all_rows():
    for op, values in VALUES.items():
        for value, path in itertools.product(values, PATHS):
            yield Row(path, op, value)


def test_every_operator_is_covered():
    assert set(VALUES) == set(OPERATORS)


@pytest.mark.parametrize("row", list(_all_rows()), ids=str)
def test_rows_round_trip(row):
    for combine in ("all", "any"):
        condition = Condition((row,), combine)
        when = condition_to_when(condition)
        assert when_to_condition(when) == Condition((row,), "all")
    for other in list(_all_rows())[:6]:
        for combine in ("all", "any"):
            condition = Condition((row, other), combine)
            assert when_to_condition(condition_to_when(condition)) == condition


@pytest.mark.parametrize("row", list(_all_rows()), ids=str)
def test_a_condition_is_false_on_empty_answers_unless_it_asks_for_empty(row):
    when = condition_to_when(Condition((row,)))
    for answers in ({}, {row.path[0]: {}}):
        holds = jsonschema.Draft202012Validator(when).is_valid(answers)
        assert holds == (row.op == "empty"), (row, answers)


def test_rows_on_given_answers():
    when = condition_to_when(
        Condition((Row(("hund", "listenhund"), "checked"), Row(("hund", "alter"), "gt", 2)), "any")
    )
    validator = jsonschema.Draft202012Validator(when)
    assert validator.is_valid({"hund": {"listenhund": True}})
    assert validator.is_valid({"hund": {"listenhund": False, "alter": 3}})
    assert not validator.is_valid({"hund": {"listenhund": False, "alter": 2}})
    contains = jsonschema.Draft202012Validator(
        condition_to_when(Condition((Row(("b", "art"), "contains", "handwerk"),)))
    )
    assert contains.is_valid({"b": {"art": ["handel", "handwerk"]}})
    assert not contains.is_valid({"b": {"art": ["handel"]}})


def test_shipped_conditions_read_back_exactly_or_are_json_only():
    readable = unreadable = 0
    for path in sorted((ROOT / "processes").glob("*/*.json")):
        doc = json.loads(path.read_text())
        whens = [s.get("when") for s in doc["steps"]]
        whens += [
            f.get("when") for s in doc["steps"] for f in s.get("ui", {}).get("fields", {}).values()
        ]
        whens += [f.get("when") for f in doc.get("payment", {}).get("fees", [])]
        for when in filter(None, whens):
            condition = when_to_condition(when)
            if condition is None:
                unreadable += 1
            else:
                readable += 1
                assert condition_to_when(condition) == when
    assert readable > 30 and unreadable <= 2


def test_what_cannot_be_rows():
    assert when_to_condition(None) == Condition(())
    assert condition_to_when(Condition(())) is None
    assert when_to_condition({"not": {"anyOf": []}}) is None
    assert when_to_condition({"properties": {"a": {"const": 1}}, "required": ["a"]}) is None
    assert when_to_condition({"allOf": []}) is None
    assert when_to_condition("x") is None
    for bad in (
        Row(("a",), "eq", 1),
        Row(("a", "b"), "eq", None),
        Row(("a", "b"), "in", ()),
        Row(("a", "b"), "gt", "3"),
        Row(("a", "b"), "like", 1),
    ):
        with pytest.raises(ConditionError):
            condition_to_when(Condition((bad,)))


def test_operators_fit_the_field_types_and_read_in_words():
    assert operators_for("boolean")[0] == "checked"
    assert "gt" in operators_for("integer") and "gt" not in operators_for("date")
    text = condition_text(
        Condition((Row(("h", "l"), "checked"), Row(("h", "n"), "in", ("a", "b"))), "any"),
        {("h", "l"): "Listenhund"},
    )
    assert text == "„Listenhund“ ist angekreuzt oder „h/n“ ist eine von a, b"
