"""FIM import: the mapping rule by rule, on small XDatenfelder 3 messages written here."""

from __future__ import annotations

import pytest

from forms_engine.definitions import check_definition, compile_definition
from forms_engine.fim.convert import fim_to_definition
from forms_engine.fim.xdf import parse_xdf

from .answers import valid_answers

NS = "urn:xoev-de:fim:standard:xdatenfelder_3.0.0"


def field(
    fim_id: str,
    *,
    datentyp: str = "text",
    feldart: str = "input",
    label: str | None = "Feld",
    extra: str = "",
    anzahl: str = "1:1",
    version: str = "1.0.0",
) -> str:
    title = f"<xdf:bezeichnungEingabe>{label}</xdf:bezeichnungEingabe>" if label else ""
    return f"""
    <xdf:struktur><xdf:anzahl>{anzahl}</xdf:anzahl><xdf:enthaelt><xdf:datenfeld>
      <xdf:identifikation><xdf:id>{fim_id}</xdf:id><xdf:version>{version}</xdf:version></xdf:identifikation>
      <xdf:name>Name {fim_id}</xdf:name>{title}
      <xdf:feldart><code>{feldart}</code></xdf:feldart>
      <xdf:datentyp><code>{datentyp}</code></xdf:datentyp>{extra}
    </xdf:datenfeld></xdf:enthaelt></xdf:struktur>"""


def group(fim_id: str, *children: str, anzahl: str = "1:1", label: str = "Gruppe") -> str:
    return f"""
    <xdf:struktur><xdf:anzahl>{anzahl}</xdf:anzahl><xdf:enthaelt><xdf:datenfeldgruppe>
      <xdf:identifikation><xdf:id>{fim_id}</xdf:id><xdf:version>1.0.0</xdf:version></xdf:identifikation>
      <xdf:name>Name {fim_id}</xdf:name>
      <xdf:bezeichnungEingabe>{label}</xdf:bezeichnungEingabe>
      {"".join(children)}
    </xdf:datenfeldgruppe></xdf:enthaelt></xdf:struktur>"""


def schema(*children: str, extra: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="{NS}">
  <xdf:header><xdf:nachrichtID>1</xdf:nachrichtID><xdf:erstellungszeitpunkt>2024-01-01T00:00:00Z</xdf:erstellungszeitpunkt></xdf:header>
  <xdf:stammdatenschema>
    <xdf:identifikation><xdf:id>S60000000001</xdf:id><xdf:version>1.0.0</xdf:version></xdf:identifikation>
    <xdf:name>Testschema</xdf:name>
    <xdf:bezeichnungEingabe>Antrag auf Test</xdf:bezeichnungEingabe>
    <xdf:beschreibung>Ein Antrag für die Tests.</xdf:beschreibung>
    <xdf:bezug>§ 1 TestG</xdf:bezug>
    {extra}
    {"".join(children)}
  </xdf:stammdatenschema>
</xdf:xdatenfelder.stammdatenschema.0102>""".encode()


def run(data: bytes, **kwargs):
    conversion = fim_to_definition(parse_xdf(data), **kwargs)
    assert check_definition(conversion.definition) == []
    definition = compile_definition(conversion.definition)
    assert definition.validate_answers(valid_answers(definition), today="2026-12-01") == []
    return conversion, definition


def props(conversion, step: int = 0) -> dict:
    return conversion.definition["steps"][step]["schema"]["properties"]


def codes(conversion) -> list[tuple[str, str]]:
    return [(w.code, w.fim_id) for w in conversion.warnings]


def test_data_types_map_to_engine_field_types():
    conversion, definition = run(
        schema(
            group(
                "G60000000001",
                field("F60000000001", datentyp="text"),
                field("F60000000002", datentyp="date"),
                field("F60000000003", datentyp="datetime"),
                field("F60000000004", datentyp="time"),
                field("F60000000005", datentyp="num"),
                field("F60000000006", datentyp="num_int"),
                field("F60000000007", datentyp="num_currency"),
                field("F60000000008", datentyp="bool"),
                field("F60000000009", datentyp="file"),
                field("F60000000010", datentyp="obj"),
                field("F60000000011", datentyp="text_latin"),
            )
        )
    )
    step = definition.steps[0]
    assert step.id == "g60000000001"
    types = {f.name: f.type for f in step.fields()}
    assert types == {
        "F60000000001": "text",
        "F60000000002": "date",
        "F60000000003": "text",
        "F60000000004": "text",
        "F60000000005": "number",
        "F60000000006": "integer",
        "F60000000007": "money",
        "F60000000008": "boolean",
        "F60000000009": "upload",
        "F60000000010": "text",
        "F60000000011": "text",
    }
    p = props(conversion)
    assert p["F60000000003"]["format"] == "date-time"
    assert p["F60000000004"]["pattern"] == "^([01][0-9]|2[0-3]):[0-5][0-9]$"
    assert p["F60000000009"]["x-upload"] == {
        "media_types": ["application/pdf", "image/jpeg", "image/png"],
        "max_bytes": 10 * 1024 * 1024,
    }
    assert ("fim.obj_as_text", "F60000000010") in codes(conversion)
    assert ("fim.text_latin", "F60000000011") in codes(conversion)
    assert all(f.required for f in step.fields())
    for name, field_schema in p.items():
        assert field_schema["x-fim"] == {"id": name, "version": "1.0.0", "name": f"Name {name}"}
    # the process
    doc = conversion.definition
    assert doc["id"] == "fim-s60000000001"
    assert doc["title"] == {"de": "Antrag auf Test"}
    assert doc["summary"] == {"de": "Ein Antrag für die Tests."}
    assert doc["x-fim"]["id"] == "S60000000001" and doc["x-fim"]["bezug"] == ["§ 1 TestG"]


def test_precision_becomes_schema_limits_and_a_bad_pattern_is_dropped_with_a_warning():
    conversion, _ = run(
        schema(
            group(
                "G60000000001",
                field(
                    "F60000000001",
                    extra='<xdf:praezisierung minLength="2" maxLength="20" pattern="[A-Z]{2}[0-9]*"/>',
                    anzahl="0:1",
                ),
                field(
                    "F60000000002",
                    datentyp="num_int",
                    extra='<xdf:praezisierung minValue="1" maxValue="10"/>',
                ),
                field(
                    "F60000000003",
                    label="Kennzeichen",
                    extra='<xdf:praezisierung pattern="^(?!X)[A-Z]+$"/>',
                ),
                field(
                    "F60000000004",
                    datentyp="date",
                    extra='<xdf:praezisierung minValue="2020-01-01"/>',
                ),
            )
        )
    )
    p = props(conversion)
    assert p["F60000000001"] | {} == {
        **p["F60000000001"],
        "minLength": 2,
        "maxLength": 20,
        "pattern": "[A-Z]{2}[0-9]*",
    }
    assert (p["F60000000002"]["minimum"], p["F60000000002"]["maximum"]) == (1, 10)
    assert "pattern" not in p["F60000000003"]
    (dropped,) = [w for w in conversion.warnings if w.code == "fim.pattern_dropped"]
    assert dropped.fim_id == "F60000000003" and "F60000000003" in dropped.message
    assert "Kennzeichen" in dropped.message and dropped.message_en
    assert dropped.pointer == "/steps/0/schema/properties/F60000000003"
    assert {t.code for t in conversion.todo} == {"fim.pattern_dropped"}


def test_date_time_and_money_limits_become_rules_or_warnings():
    conversion, definition = run(
        schema(
            group(
                "G60000000001",
                field(
                    "F60000000001",
                    datentyp="date",
                    extra='<xdf:praezisierung minValue="2020-01-01" maxValue="2030-12-31"/>',
                ),
                field(
                    "F60000000002",
                    datentyp="num_currency",
                    label="Betrag",
                    extra='<xdf:praezisierung maxValue="500"/>',
                ),
                field(
                    "F60000000003",
                    datentyp="time",
                    extra='<xdf:praezisierung minValue="08:00"/>',
                ),
                group(
                    "G60000000002",
                    field(
                        "F60000000004",
                        datentyp="date",
                        extra='<xdf:praezisierung minValue="2020-01-01"/>',
                    ),
                ),
            )
        )
    )
    rules = conversion.definition["rules"]
    assert [(r["id"], r["check"], r["pointer"]) for r in rules] == [
        (
            "f60000000001-min",
            'answers.g60000000001.F60000000001 >= "2020-01-01"',
            "/g60000000001/F60000000001",
        ),
        (
            "f60000000001-max",
            'answers.g60000000001.F60000000001 <= "2030-12-31"',
            "/g60000000001/F60000000001",
        ),
        (
            "f60000000002-max",
            "answers.g60000000001.F60000000002 <= 500.00",
            "/g60000000001/F60000000002",
        ),
        (
            "f60000000003-min",
            'answers.g60000000001.F60000000003 >= "08:00"',
            "/g60000000001/F60000000003",
        ),
    ]
    assert rules[0]["message"]["de"] == "„Feld“ darf nicht vor dem 01.01.2020 liegen."
    assert rules[2]["message"]["de"] == "„Betrag“ darf nicht größer sein als 500,00 €."
    # nested in a group: a warning and a to-do
    assert [w.fim_id for w in conversion.warnings if w.code == "fim.limit_dropped"] == [
        "F60000000004"
    ]
    assert [t.fim_id for t in conversion.todo if t.code == "fim.limit_rule"] == ["F60000000004"]
    # the rules hold for valid answers and fire at their pointers
    answers = valid_answers(definition)
    answers["g60000000001"].update(
        {"F60000000001": "2019-12-31", "F60000000002": "500.01", "F60000000003": "07:59"}
    )
    errors = definition.validate_answers(answers, today="2026-12-01")
    assert sorted((e.pointer, e.code) for e in errors) == [
        ("/g60000000001/F60000000001", "rule"),
        ("/g60000000001/F60000000002", "rule"),
        ("/g60000000001/F60000000003", "rule"),
    ]


def test_cardinality_required_optional_and_repeatable():
    conversion, definition = run(
        schema(
            group(
                "G60000000001",
                field("F60000000001", anzahl="1:1"),
                field("F60000000002", anzahl="0:1"),
                field("F60000000003", anzahl="1:3"),
                group("G60000000002", field("F60000000004"), anzahl="0:*"),
                group("G60000000003", field("F60000000005"), anzahl="2:5"),
                group("G60000000004", field("F60000000006"), anzahl="0:1"),
            )
        )
    )
    schema_ = conversion.definition["steps"][0]["schema"]
    assert schema_["required"] == ["F60000000001", "F60000000003", "G60000000003"]
    wrapped = schema_["properties"]["F60000000003"]
    assert wrapped["type"] == "array" and (wrapped["minItems"], wrapped["maxItems"]) == (1, 3)
    assert wrapped["x-fim"] == {"id": "F60000000003", "version": "1.0.0", "wrapper": True}
    assert wrapped["items"]["required"] == ["F60000000003"]
    assert ("fim.repeatable_field", "F60000000003") in codes(conversion)
    g2 = schema_["properties"]["G60000000002"]
    assert g2["type"] == "array" and "minItems" not in g2 and "maxItems" not in g2
    g3 = schema_["properties"]["G60000000003"]
    assert (g3["minItems"], g3["maxItems"]) == (2, 5)
    assert schema_["properties"]["G60000000004"]["type"] == "object"
    kinds = {f.name: f.type for f in definition.steps[0].fields()}
    assert kinds["F60000000003"] == kinds["G60000000002"] == "repeat"
    assert kinds["G60000000004"] == "group"
    # a missing required repeat item is reported at its pointer
    answers = valid_answers(definition)
    answers["g60000000001"]["G60000000003"] = answers["g60000000001"]["G60000000003"][:1]
    errors = definition.validate_answers(answers, today="2026-12-01")
    assert [(e.pointer, e.code) for e in errors] == [("/g60000000001/G60000000003", "minItems")]


def test_ids_used_twice_get_suffixes_and_steps_too():
    conversion, definition = run(
        schema(
            group("G60000000001", field("F60000000001"), field("F60000000001", anzahl="0:1")),
            field("F60000000009"),
            group("G60000000001", field("F60000000001")),
            group("G60000000002", field("F60000000003"), anzahl="0:1"),
        )
    )
    steps = conversion.definition["steps"]
    assert [s["id"] for s in steps] == ["g60000000001", "angaben", "g60000000001_2", "g60000000002"]
    assert list(steps[0]["schema"]["properties"]) == ["F60000000001", "F60000000001_2"]
    assert steps[0]["schema"]["properties"]["F60000000001_2"]["x-fim"]["id"] == "F60000000001"
    assert "x-fim" not in steps[1]["schema"]
    assert steps[2]["schema"]["x-fim"]["id"] == "G60000000001"
    # an optional top-level group: its step holds it as an optional object
    assert "x-fim" not in steps[3]["schema"] and "required" not in steps[3]["schema"]
    assert steps[3]["schema"]["properties"]["G60000000002"]["x-fim"]["id"] == "G60000000002"


def test_select_with_inline_values_is_a_single_choice():
    values = """<xdf:werte>
        <xdf:wert><xdf:code>01</xdf:code><xdf:name>ledig</xdf:name></xdf:wert>
        <xdf:wert><xdf:code>02</xdf:code><xdf:name>verheiratet</xdf:name></xdf:wert>
      </xdf:werte>"""
    conversion, definition = run(
        schema(group("G60000000001", field("F60000000001", feldart="select", extra=values)))
    )
    f = definition.steps[0].field("F60000000001")
    assert f.type == "choice"
    assert props(conversion)["F60000000001"]["oneOf"] == [
        {"const": "01", "title": "ledig"},
        {"const": "02", "title": "verheiratet"},
    ]
    assert conversion.codelist_items == []


def test_labels_hidden_locked_prefill_and_defaults():
    conversion, definition = run(
        schema(
            group(
                "G60000000001",
                field(
                    "F60000000001",
                    feldart="label",
                    label="Hinweis",
                    extra="<xdf:inhalt>Bitte vollständig ausfüllen.</xdf:inhalt>",
                ),
                field("F60000000002", extra="<xdf:inhalt>Musterstadt</xdf:inhalt>"),
                field("F60000000003", feldart="hidden", extra="<xdf:inhalt>intern</xdf:inhalt>"),
                field(
                    "F60000000004",
                    feldart="locked",
                    label="Behörde",
                    extra="<xdf:inhalt>Ausländerbehörde</xdf:inhalt>",
                ),
                field(
                    "F60000000005",
                    extra="<xdf:vorbefuellung><code>optional</code></xdf:vorbefuellung>",
                ),
                field("F60000000006", datentyp="bool", extra="<xdf:inhalt>true</xdf:inhalt>"),
                field("F60000000007", datentyp="num", extra="<xdf:inhalt>abc</xdf:inhalt>"),
            )
        )
    )
    step = conversion.definition["steps"][0]
    assert list(step["schema"]["properties"]) == [
        "F60000000002",
        "F60000000005",
        "F60000000006",
        "F60000000007",
    ]
    assert step["ui"]["blocks"] == [
        {
            "id": "f60000000001",
            "text": {"de": "Bitte vollständig ausfüllen."},
            "before": "F60000000002",
        },
        {
            "id": "f60000000004",
            "text": {"de": "Behörde: Ausländerbehörde"},
            "before": "F60000000005",
        },
    ]
    assert [b.id for b in definition.steps[0].blocks] == ["f60000000001", "f60000000004"]
    p = step["schema"]["properties"]
    assert p["F60000000002"]["default"] == "Musterstadt"
    assert p["F60000000006"]["default"] is True
    assert "default" not in p["F60000000007"]
    got = codes(conversion)
    assert ("fim.hidden_dropped", "F60000000003") in got
    assert ("fim.locked_as_text", "F60000000004") in got
    assert ("fim.prefill", "F60000000005") in got
    assert ("fim.default_dropped", "F60000000007") in got
    assert [t.fim_id for t in conversion.todo if t.code == "fim.prefill"] == ["F60000000005"]


def test_upload_media_types_and_size():
    extra = """<xdf:maxSize>2097152</xdf:maxSize>
      <xdf:mediaType>application/pdf</xdf:mediaType>
      <xdf:mediaType>image/jpg</xdf:mediaType>
      <xdf:mediaType>application/msword</xdf:mediaType>"""
    conversion, _ = run(
        schema(group("G60000000001", field("F60000000001", datentyp="file", extra=extra)))
    )
    assert props(conversion)["F60000000001"]["x-upload"] == {
        "media_types": ["application/pdf", "image/jpeg"],
        "max_bytes": 2097152,
    }
    (warning,) = [w for w in conversion.warnings if w.code == "fim.media_type_unsupported"]
    assert "application/msword" in warning.message


def test_output_label_and_missing_input_label():
    extra = "<xdf:bezeichnungAusgabe>Familienname (laut Pass)</xdf:bezeichnungAusgabe>"
    conversion, _ = run(
        schema(
            group(
                "G60000000001",
                field("F60000000001", label="Familienname", extra=extra),
                field("F60000000002", label=None),
            )
        )
    )
    p = props(conversion)
    assert p["F60000000001"]["x-fim"]["output_label"] == "Familienname (laut Pass)"
    assert p["F60000000002"]["title"] == "Name F60000000002"
    assert ("fim.label_missing", "F60000000002") in codes(conversion)


def test_rules_are_documented_and_listed_as_todo():
    rule = """<xdf:regel>
      <xdf:identifikation><xdf:id>R60000000001</xdf:id><xdf:version>1.0.0</xdf:version></xdf:identifikation>
      <xdf:name>Ende nach Beginn</xdf:name>
      <xdf:freitextRegel>Das Ende muss nach dem Beginn liegen.</xdf:freitextRegel>
      <xdf:typ><code>V</code></xdf:typ>
      <xdf:skript>if (a &gt; b) fail();</xdf:skript>
    </xdf:regel>"""
    conversion, _ = run(schema(group("G60000000001", field("F60000000001")), extra=rule))
    assert conversion.definition["x-fim"]["rules"] == [
        {
            "id": "R60000000001",
            "version": "1.0.0",
            "name": "Ende nach Beginn",
            "text": "Das Ende muss nach dem Beginn liegen.",
            "script": "if (a > b) fail();",
            "type": "V",
        }
    ]
    (todo,) = conversion.todo
    assert todo.message == "Regel R60000000001 übersetzen: Das Ende muss nach dem Beginn liegen."


def test_options_process_id_and_prefix():
    conversion, definition = run(
        schema(group("G60000000001", field("F60000000001"))),
        process_id="mein-antrag",
        reference_prefix="ABC",
    )
    assert definition.id == "mein-antrag"
    assert conversion.definition["reference_prefix"] == "ABC"


@pytest.mark.parametrize("count", [1, 150])
def test_many_fields_stay_within_the_limits(count):
    fields = [field(f"F6{i:010d}", label=f"Feld {i}") for i in range(count)]
    conversion, definition = run(schema(group("G60000000001", *fields)))
    assert len(definition.steps[0].fields()) == count


def test_a_changed_fim_origin_is_a_patch_in_the_diff():
    import copy

    from forms_engine.definitions import definition_diff, required_bump

    conversion, _ = run(schema(group("G60000000001", field("F60000000001"))))
    old = conversion.definition
    new = copy.deepcopy(old)
    new["x-fim"]["status"] = "aktiv"
    new["steps"][0]["schema"]["x-fim"]["output_label"] = "Gruppe (Ausgabe)"
    new["steps"][0]["schema"]["properties"]["F60000000001"]["x-fim"]["version"] = "1.1.0"
    changes = definition_diff(old, new)
    assert {(c.pointer, c.message) for c in changes} == {
        ("/x-fim", "FIM-Herkunft (x-fim) geändert"),
        ("/steps/0/schema", "Schritt „Gruppe“: FIM-Bezug geändert"),
        (
            "/steps/0/schema/properties/F60000000001/x-fim",
            "Schritt „Gruppe“: Feld „Feld“: FIM-Bezug geändert",
        ),
    }
    assert required_bump(changes) == "patch"


def test_a_schema_beyond_the_engine_limits_is_reported_not_hidden():
    fields = [field(f"F6{i:010d}", label=f"Feld {i}") for i in range(2001)]
    conversion = fim_to_definition(parse_xdf(schema(group("G60000000001", *fields))))
    problems = check_definition(conversion.definition)
    assert problems
    reported = [w for w in conversion.warnings if w.code == "fim.definition_problem"]
    assert [w.pointer for w in reported] == [p.pointer for p in problems][:20]
    assert "2.000" in reported[0].message or "2000" in reported[0].message
