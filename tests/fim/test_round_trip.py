"""Import → citizen answers → FIM output, validated against the schema the process was
imported from: for every reference file (and the fixtures), the answers a citizen gives in
the imported form become FIM-JSON that the JSON Schema derived from the source XML accepts,
and FIM-XML that the XSD derived from it accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms_engine.definitions import compile_definition
from forms_engine.fim.convert import fim_to_definition
from forms_engine.fim.output import (
    fim_data,
    fim_json_schema,
    fim_validate_json,
    fim_validate_xml,
    fim_xml,
    fim_xsd,
)
from forms_engine.fim.xdf import parse_xdf

from .answers import valid_answers
from .test_convert import all_codelists, files


@pytest.mark.parametrize("path", files())
def test_answers_of_the_imported_form_are_valid_fim_data(path: Path):
    lists = all_codelists()
    schema = parse_xdf(path.read_bytes())
    conversion = fim_to_definition(schema, codelists=lists)
    definition = compile_definition(conversion.definition)
    answers = valid_answers(definition)
    assert definition.validate_answers(answers, today="2026-12-01") == []

    data, warnings = fim_data(conversion.definition, answers)
    assert [w.code for w in warnings] == []
    assert fim_validate_json(data, fim_json_schema(schema, lists)) == []
    xml = fim_xml(schema.id, schema.version, data, schema)
    assert fim_validate_xml(xml, fim_xsd(schema, lists)) == []


def test_a_repeatable_single_field_and_a_time_become_fim_values():
    definition = {
        "x-fim": {"id": "S1"},
        "steps": [
            {
                "id": "g1",
                "schema": {
                    "type": "object",
                    "x-fim": {"id": "G1"},
                    "properties": {
                        "F1": {
                            "type": "array",
                            "x-fim": {"id": "F1", "wrapper": True},
                            "items": {
                                "type": "object",
                                "properties": {"F1": {"type": "string", "x-fim": {"id": "F1"}}},
                            },
                        },
                        "F2": {
                            "type": "string",
                            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
                            "x-fim": {"id": "F2"},
                        },
                    },
                },
            }
        ],
    }
    answers = {"g1": {"F1": [{"F1": "a"}, {"F1": "b"}], "F2": "09:30"}}

    data, warnings = fim_data(definition, answers)

    assert warnings == []
    assert data == {"G1": {"F1": ["a", "b"], "F2": "09:30:00"}}
