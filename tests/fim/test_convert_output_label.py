"""A field imported from FIM is labelled with its output label (bezeichnungAusgabe) in the
case file and the clerk's view, with its input label on the citizen's summary."""

from __future__ import annotations

from forms_engine.core.summary import answer_sections
from forms_engine.definitions import compile_definition
from forms_engine.fim.convert import fim_to_definition
from forms_engine.fim.xdf import parse_xdf

from .test_convert_cases import field, group, schema


def sections(output: bool, lang: str = "de") -> list[dict]:
    extra = "<xdf:bezeichnungAusgabe>Familienname laut Pass</xdf:bezeichnungAusgabe>"
    ort = "<xdf:bezeichnungAusgabe>Wohnort</xdf:bezeichnungAusgabe>"
    data = schema(
        group(
            "G60000000001",
            field("F60000000001", label="Familienname", extra=extra),
            field("F60000000002", label="Vorname"),
            group("G60000000002", field("F60000000003", label="Ort", extra=ort), anzahl="1:3"),
        )
    )
    definition = compile_definition(fim_to_definition(parse_xdf(data)).definition)
    answers = {
        "g60000000001": {
            "F60000000001": "Muster",
            "F60000000002": "Erika",
            "G60000000002": [{"F60000000003": "Berlin"}],
        }
    }
    return answer_sections(definition, answers, lang, {}, output=output)


def test_case_file_uses_the_fim_output_label():
    rows = sections(output=True)[0]["rows"]
    assert [r["label"] for r in rows] == ["Familienname laut Pass", "Vorname", "Gruppe"]
    assert rows[2]["columns"] == ["Wohnort"]
    assert rows[2]["entries"][0]["rows"][0]["label"] == "Wohnort"


def test_citizen_summary_and_english_keep_the_input_label():
    assert [r["label"] for r in sections(output=False)[0]["rows"]][:2] == [
        "Familienname",
        "Vorname",
    ]
    assert [r["label"] for r in sections(output=True, lang="en")[0]["rows"]][:2] == [
        "Familienname",
        "Vorname",
    ]
