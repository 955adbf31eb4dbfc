"""An optional repeatable group (no minItems) is skipped by leaving its empty entry blank:
blank entries at the end of such a list are no entries; a required list keeps them (and
its fields are then reported as missing)."""

from django.http import QueryDict

from forms_engine.citizen.forms import Parsed, parse_fields
from forms_engine.definitions import compile_definition


def _definition(min_items: int | None) -> object:
    names = {
        "type": "array",
        "title": "Weitere Namen",
        "items": {
            "type": "object",
            "properties": {"name": {"type": "string", "title": "Name"}},
            "required": ["name"],
        },
    }
    if min_items is not None:
        names["minItems"] = min_items
    step = {
        "id": "angaben",
        "title": {"de": "Angaben"},
        "schema": {"type": "object", "properties": {"namen": names}},
    }
    if min_items:
        step["schema"]["required"] = ["namen"]
    return compile_definition(
        {
            "$schema": "urn:ozg-engine:process-format:1",
            "id": "liste-test",
            "version": "1.0.0",
            "title": {"de": "Liste"},
            "reference_prefix": "LT",
            "steps": [step],
        }
    )


def _parse(definition, body: str) -> dict:
    step = definition.steps[0]
    return parse_fields(step.fields(), QueryDict(body), None, [], step.id, Parsed(data={}))


def test_an_optional_list_left_blank_is_no_answer_and_valid():
    definition = _definition(None)
    data = _parse(definition, "namen._count=1&namen.0.name=")
    assert data == {}
    assert definition.validate_answers({"angaben": data}) == []


def test_blank_entries_after_filled_ones_are_dropped_but_not_those_between():
    definition = _definition(None)
    data = _parse(definition, "namen._count=3&namen.0.name=&namen.1.name=Ada&namen.2.name=")
    assert data == {"namen": [{}, {"name": "Ada"}]}
    errors = definition.validate_answers({"angaben": data})
    assert [e.pointer for e in errors] == ["/angaben/namen/0/name"]


def test_a_required_list_keeps_its_blank_entry_and_asks_for_the_field():
    definition = _definition(1)
    data = _parse(definition, "namen._count=1&namen.0.name=")
    assert data == {"namen": [{}]}
    errors = definition.validate_answers({"angaben": data})
    assert [e.pointer for e in errors] == ["/angaben/namen/0/name"]


def test_an_optional_group_with_a_required_group_inside_left_blank_is_no_answer():
    street = {
        "type": "object",
        "title": "Straße",
        "properties": {"name": {"type": "string", "title": "Straße"}},
        "required": ["name"],
    }
    address = {
        "type": "object",
        "title": "Straßenanschrift",
        "properties": {"strasse": street, "ort": {"type": "string", "title": "Ort"}},
        "required": ["strasse", "ort"],
    }
    definition = compile_definition(
        {
            "$schema": "urn:ozg-engine:process-format:1",
            "id": "gruppe-test",
            "version": "1.0.0",
            "title": {"de": "Gruppe"},
            "reference_prefix": "GT",
            "steps": [
                {
                    "id": "angaben",
                    "title": {"de": "Angaben"},
                    "schema": {"type": "object", "properties": {"anschrift": address}},
                }
            ],
        }
    )
    blank = _parse(definition, "anschrift.strasse.name=&anschrift.ort=")
    assert blank == {}
    assert definition.validate_answers({"angaben": blank}) == []

    begun = _parse(definition, "anschrift.strasse.name=&anschrift.ort=Bonn")
    errors = definition.validate_answers({"angaben": begun})
    assert [e.pointer for e in errors] == ["/angaben/anschrift/strasse/name"]
