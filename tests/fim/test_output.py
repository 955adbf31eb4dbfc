"""FIM-conformant output: the JSON Schema and XSD derived from each reference file accept a
FIM-JSON/FIM-XML instance built from the model and refuse wrong ones; fim_data turns engine
answers into FIM-JSON by the x-fim convention."""

from __future__ import annotations

import copy

import jsonschema
import pytest
from lxml import etree

from forms_engine.fim.model import (
    FimCodeListRef,
    FimElement,
    FimField,
    FimGroup,
    FimSchema,
    FimValue,
)
from forms_engine.fim.output import (
    _xsd_pattern,
    child_keys,
    fim_data,
    fim_json_schema,
    fim_validate_json,
    fim_validate_xml,
    fim_xml,
    fim_xsd,
)
from forms_engine.fim.xdf import parse_xdf

from .helpers import REFERENCE, codelists, reference_params, sample


def outputs(schema, lists=None):
    json_schema = fim_json_schema(schema, lists or {})
    jsonschema.Draft202012Validator.check_schema(json_schema)
    xsd = fim_xsd(schema, lists or {})
    etree.XMLSchema(etree.fromstring(xsd))  # compiles
    return json_schema, xsd


def assert_valid(schema, data, json_schema, xsd):
    assert fim_validate_json(data, json_schema) == []
    xml = fim_xml(schema.id, schema.version, data, schema)
    assert fim_validate_xml(xml, xsd) == [], xml.decode()[:3000]


@pytest.mark.parametrize("path", reference_params())
@pytest.mark.parametrize("full", [True, False], ids=["all-elements", "required-only"])
def test_reference_sample_is_valid_json_and_xml(path, full):
    schema = parse_xdf(path.read_bytes())
    lists = codelists()
    json_schema, xsd = outputs(schema, lists)
    data = sample(schema, lists, full=full)
    assert_valid(schema, data, json_schema, xsd)


def _first_required_leaf(schema: FimSchema, data: dict) -> tuple[dict, str] | None:
    """(the object holding it, key) of the first required non-repeatable field in `data`."""

    def walk(children, obj):
        for key, element in child_keys(children):
            if key not in obj:
                continue
            if isinstance(element.element, FimGroup):
                inner = obj[key][0] if element.repeatable else obj[key]
                found = walk(element.element.children, inner)
                if found:
                    return found
            elif element.required and not element.repeatable:
                return obj, key, element.element
        return None

    return walk(schema.children, data)


@pytest.mark.parametrize("path", reference_params())
def test_reference_wrong_instances_are_refused(path):
    schema = parse_xdf(path.read_bytes())
    lists = codelists()
    json_schema, xsd = outputs(schema, lists)
    data = sample(schema, lists)
    wrong_instances = [{**data, "X99999999": "fremd"}]
    found = _first_required_leaf(schema, data)
    if found is not None:
        missing = copy.deepcopy(data)
        holder, key, _field = _first_required_leaf(schema, missing)
        del holder[key]
        wrong_instances.append(missing)
        typed = copy.deepcopy(data)
        holder, key, field = _first_required_leaf(schema, typed)
        holder[key] = {"kein": "Wert"}  # an object where a value belongs
        wrong_instances.append(typed)
    for wrong in wrong_instances:
        assert fim_validate_json(wrong, json_schema), wrong
        problems = fim_validate_xml(fim_xml(schema.id, schema.version, wrong, schema), xsd)
        assert problems and all(p.message and p.message_en for p in problems)


def blaue_karte():
    path = REFERENCE / "xdf2-S00000121-blaue-karte.xml"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return parse_xdf(path.read_bytes())


def test_blaue_karte_json_schema_shape():
    schema = blaue_karte()
    json_schema = fim_json_schema(schema, codelists())
    assert json_schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert json_schema["$id"] == "https://schema.fitko.de/fim/s00000121_1.0.schema.json"
    assert json_schema["title"] == "Antrag auf Blaue Karte EU"
    assert json_schema["properties"]["G00000630"] == {"$ref": "#/$defs/G00000630"}
    assert "G00000630" in json_schema["required"]
    defs = json_schema["$defs"]
    person = defs["G00000630"]
    assert person["title"] == "Persönliche Angaben zum Antragsteller"
    assert "F00000013" in person["required"] and "F00000043" not in person["required"]
    assert defs["F00000013"] == {
        "title": "Familienname",
        "$comment": "FIM F00000013 V1.0",
        "description": "Geben Sie den Nachnamen, Zunamen bzw. Familiennamen an.",
        "type": "string",
        "minLength": 1,
    }
    assert defs["F00000065"]["enum"] == ["m", "w", "d", "x"]
    types = {f.datentyp: defs[f.id] for f in schema.iter_fields()}
    assert types["date"]["format"] == "date"
    assert types["bool"]["type"] == "boolean"
    assert types["num"]["type"] == "number"
    assert types["num_currency"]["type"] == "number" and "multipleOf" not in types["num_currency"]
    assert types["file"]["type"] == "string"
    arrays = [
        p
        for d in defs.values()
        for p in d.get("properties", {}).values()
        if p.get("type") == "array"
    ]
    assert {(a.get("minItems"), a.get("maxItems")) for a in arrays} == {(2, 5), (1, None)}
    # without the code list, a select is a plain string
    assert "enum" not in fim_json_schema(schema)["$defs"]["F00000065"]


def test_blaue_karte_code_list_enforced_in_json_and_xml():
    schema = blaue_karte()
    lists = codelists()
    json_schema, xsd = outputs(schema, lists)
    data = sample(schema, lists)
    data["G00000630"]["F00000065"] = "q"
    assert [p.path for p in fim_validate_json(data, json_schema)] == ["/G00000630/F00000065"]
    problems = fim_validate_xml(fim_xml(schema.id, schema.version, data, schema), xsd)
    assert len(problems) == 1 and "F00000065" in problems[0].message_en


def test_blaue_karte_repeatable_limits():
    schema = blaue_karte()
    json_schema, xsd = outputs(schema)
    data = sample(schema)
    holder_key = next(
        (key, element)
        for e in schema.iter_elements()
        if isinstance(e.element, FimGroup)
        for key, element in child_keys(e.element.children)
        if element.anzahl == "2:5"
    )
    key, element = holder_key
    owner = next(
        e
        for e in schema.iter_elements()
        if isinstance(e.element, FimGroup) and element in e.element.children
    )

    def find(obj, group_id):
        for k, v in obj.items():
            if k == group_id:
                return v
            if isinstance(v, dict):
                found = find(v, group_id)
                if found is not None:
                    return found
        return None

    holder = find(data, owner.id)
    holder[key] = holder[key] * 3  # 6 items, at most 5 allowed
    assert any(p.code == "fim.json_invalid" for p in fim_validate_json(data, json_schema))
    assert fim_validate_xml(fim_xml(schema.id, schema.version, data, schema), xsd)
    holder[key] = holder[key][:1]  # 1 item, at least 2
    assert fim_validate_json(data, json_schema)
    assert fim_validate_xml(fim_xml(schema.id, schema.version, data, schema), xsd)


def test_labels_are_not_data():
    path = REFERENCE / "xdf2-sample-label.xml"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    schema = parse_xdf(path.read_bytes())
    assert fim_json_schema(schema)["properties"] == {}
    assert b"F123" not in fim_xsd(schema).split(b"<xs:sequence")[1]


def test_xsd_root_namespace_and_occurs():
    schema = blaue_karte()
    xsd = etree.fromstring(fim_xsd(schema))
    assert xsd.get("targetNamespace") == "urn:ozg-engine:fim:S00000121:1.0"
    xs = {"xs": "http://www.w3.org/2001/XMLSchema"}
    assert [e.get("name") for e in xsd.findall("xs:element", xs)] == ["S00000121"]
    assert {e.get("maxOccurs") for e in xsd.iterfind(".//xs:element", xs)} == {
        None,
        "5",
        "unbounded",
    }
    assert xsd.find(".//xs:element[@name='F00000065']", xs) is not None


# -- a hand-built schema: every datentyp, facets, inline values, duplicates -----------------


def f(fid, datentyp="text", **kwargs):
    return FimField(
        id=fid,
        version="1.0",
        name=fid,
        feldart=kwargs.pop("feldart", "input"),
        datentyp=datentyp,
        **kwargs,
    )


def el(node, minimum=1, maximum=1):
    return FimElement(min=minimum, max=maximum, element=node)


ADDRESS = FimGroup(
    id="G60000086",
    version="1.2",
    bezeichnung_eingabe="Anschrift",
    children=(
        el(f("F60000243", max_length=55, min_length=1)),
        el(f("F60000246", pattern="^[0-9]{5}$")),
    ),
)
HAND = FimSchema(
    id="S00000099",
    version="2.1",
    xdf_version="3.0.0",
    name="Handgebaut",
    children=(
        el(
            FimGroup(
                id="G00000001",
                version="1.0",
                bezeichnung_eingabe="Antragsteller",
                children=(
                    el(f("F00000001", min_length=2)),
                    el(f("F00000002", "date", min_value="1900-01-01")),
                    el(f("F00000003", "num_currency", min_value="0", max_value="10000")),
                    el(f("F00000004", "num_int", min_value="1", max_value="9")),
                    el(f("F00000005", "bool")),
                    el(f("F00000006", "file"), 0, 1),
                    el(f("F00000007", "time"), 0, 1),
                    el(f("F00000008", "datetime"), 0, 1),
                    el(
                        f(
                            "F00000009",
                            feldart="select",
                            werte=(FimValue(code="A", name="a"), FimValue(code="B")),
                        )
                    ),
                    el(f("F00000010", feldart="label", inhalt="Nur ein Hinweis")),
                    el(ADDRESS),
                    el(ADDRESS, 0, 1),  # the same group twice: key G60000086_2
                    el(f("F00000011", "num"), 0, None),
                ),
            )
        ),
        el(
            f(
                "F00000012",
                feldart="select",
                codeliste=FimCodeListRef(canonical_version_uri="urn:unbekannt_1"),
            ),
            0,
            1,
        ),
    ),
)

GOOD = {
    "G00000001": {
        "F00000001": "Müller",
        "F00000002": "1980-02-29",
        "F00000003": 12.3,
        "F00000004": 3,
        "F00000005": False,
        "F00000006": "nachweis.pdf",
        "F00000007": "08:15:00",
        "F00000008": "2024-05-17T12:30:00Z",
        "F00000009": "B",
        "G60000086": {"F60000243": "Hauptstraße", "F60000246": "12345"},
        "G60000086_2": {"F60000243": "Nebenweg", "F60000246": "54321"},
        "F00000011": [1, 2.5, 1e-7],
    },
    "F00000012": "irgendein Code",
}


def test_hand_built_schema_valid_instance():
    json_schema, xsd = outputs(HAND)
    assert_valid(HAND, GOOD, json_schema, xsd)
    group = json_schema["$defs"]["G00000001"]
    assert "F00000010" not in group["properties"]
    assert group["properties"]["G60000086_2"] == {"$ref": "#/$defs/G60000086"}
    assert json_schema["$id"] == "https://schema.fitko.de/fim/s00000099_2.1.schema.json"
    assert json_schema["$defs"]["F00000009"]["enum"] == ["A", "B"]
    assert json_schema["$defs"]["F00000003"] == {
        "title": "F00000003",
        "$comment": "FIM F00000003 V1.0",
        "type": "number",
        "minimum": 0,
        "maximum": 10000,
    }
    assert (
        json_schema["$defs"]["F00000012"]["type"] == "string"
        and "enum" not in json_schema["$defs"]["F00000012"]
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("F00000001", "M"),  # minLength 2
        ("F00000002", "29.02.1980"),  # not ISO
        ("F00000002", "1899-12-31"),  # before minValue (XSD only; JSON has no date minimum)
        ("F00000003", -1),
        ("F00000003", 12.345),  # more than 2 fraction digits (XSD only)
        ("F00000004", 2.5),
        ("F00000004", 10),
        ("F00000005", "ja"),
        ("F00000009", "C"),
        ("F00000007", "8 Uhr"),
    ],
)
def test_hand_built_schema_wrong_values(key, value):
    json_schema, xsd = outputs(HAND)
    wrong = copy.deepcopy(GOOD)
    wrong["G00000001"][key] = value
    json_problems = fim_validate_json(wrong, json_schema)
    xml_problems = fim_validate_xml(fim_xml(HAND.id, HAND.version, wrong, HAND), xsd)
    assert xml_problems, (key, value)
    if key == "F00000003" and value == 12.345 or key == "F00000002" and value == "1899-12-31":
        assert json_problems == []  # documented: JSON cannot say this
    else:
        assert json_problems, (key, value)


def test_pattern_is_anchored_for_xsd():
    json_schema, xsd = outputs(HAND)
    wrong = copy.deepcopy(GOOD)
    wrong["G00000001"]["G60000086"]["F60000246"] = "1234"
    assert fim_validate_json(wrong, json_schema)
    assert fim_validate_xml(fim_xml(HAND.id, HAND.version, wrong, HAND), xsd)
    assert _xsd_pattern("^[0-9]{5}$") == "[0-9]{5}"
    assert _xsd_pattern("abc") == "[\\s\\S]*(abc)[\\s\\S]*"
    assert _xsd_pattern("(?=a)") is None  # lookahead: not XSD


def test_fim_xml_shape():
    xml = fim_xml(HAND.id, HAND.version, GOOD, HAND)
    root = etree.fromstring(xml)
    ns = "urn:ozg-engine:fim:S00000099:2.1"
    assert root.tag == f"{{{ns}}}S00000099"
    group = root.find(f"{{{ns}}}G00000001")
    assert [e.text for e in group.findall(f"{{{ns}}}F00000011")] == ["1", "2.5", "0.0000001"]
    assert group.findtext(f"{{{ns}}}F00000005") == "false"


# -- fim_data: engine answers → FIM-JSON ---------------------------------------------------


def xf(fim_id, version="1.0"):
    return {"x-fim": {"id": fim_id, "version": version}}


DEFINITION = {
    "x-fim": {"id": "S00000099", "version": "2.1"},
    "$defs": {
        "anschrift": {
            "type": "object",
            "title": "Anschrift",
            **xf("G60000086", "1.2"),
            "properties": {
                "F60000243": {"type": "string", "title": "Straße", **xf("F60000243")},
                "F60000246": {"type": "string", "title": "PLZ", **xf("F60000246")},
            },
        }
    },
    "steps": [
        {
            "id": "g00000001",
            "schema": {
                "type": "object",
                **xf("G00000001"),
                "properties": {
                    "F00000001": {"type": "string", "title": "Name", **xf("F00000001")},
                    "F00000002": {
                        "type": "string",
                        "format": "date",
                        "title": "Datum",
                        **xf("F00000002"),
                    },
                    "F00000003": {
                        "type": "string",
                        "format": "money",
                        "title": "Betrag",
                        **xf("F00000003"),
                    },
                    "F00000004": {"type": "integer", "title": "Anzahl", **xf("F00000004")},
                    "F00000005": {"type": "boolean", "title": "Ja/Nein", **xf("F00000005")},
                    "F00000006": {
                        "type": "string",
                        "title": "Nachweis",
                        "x-upload": {},
                        **xf("F00000006"),
                    },
                    "F00000009": {
                        "type": "string",
                        "title": "Wahl",
                        "oneOf": [{"const": "A"}, {"const": "B"}],
                        **xf("F00000009"),
                    },
                    "G60000086": {"$ref": "#/$defs/anschrift"},
                    "G60000086_2": {"$ref": "#/$defs/anschrift"},
                    "F00000011": {"type": "array", "items": {"type": "number", **xf("F00000011")}},
                    "bemerkung": {"type": "string", "title": "Nicht aus FIM"},
                },
            },
        },
        {
            "id": "weitere",  # a step without x-fim: its FIM fields go to the root
            "schema": {
                "type": "object",
                "properties": {"F00000012": {"type": "string", "title": "Code", **xf("F00000012")}},
            },
        },
        {
            "id": "nicht_beantwortet",
            "schema": {"type": "object", **xf("G00000077"), "properties": {}},
        },
    ],
}

ANSWERS = {
    "g00000001": {
        "F00000001": "Müller",
        "F00000002": "1980-02-29",
        "F00000003": "12.30",
        "F00000004": "3",
        "F00000005": False,
        "F00000006": "upload:7b1f9a52-2f0e-4c4e-9d8e-2a1c9f1d0e11",
        "F00000009": "B",
        "G60000086": {"F60000243": "Hauptstraße", "F60000246": "12345"},
        "G60000086_2": {"F60000243": "Nebenweg", "F60000246": "54321"},
        "F00000011": ["1", 2.5],
        "bemerkung": "intern",
    },
    "weitere": {"F00000012": "irgendein Code"},
    "verirrt": {"x": 1},
}


def test_fim_data_follows_the_x_fim_convention():
    data, warnings = fim_data(
        DEFINITION,
        ANSWERS,
        attachments={"upload:7b1f9a52-2f0e-4c4e-9d8e-2a1c9f1d0e11": "nachweis.pdf"},
    )
    assert data == {
        "G00000001": {
            "F00000001": "Müller",
            "F00000002": "1980-02-29",
            "F00000003": 12.3,
            "F00000004": 3,
            "F00000005": False,
            "F00000006": "nachweis.pdf",
            "F00000009": "B",
            "G60000086": {"F60000243": "Hauptstraße", "F60000246": "12345"},
            "G60000086_2": {"F60000243": "Nebenweg", "F60000246": "54321"},
            "F00000011": [1, 2.5],
        },
        "F00000012": "irgendein Code",
    }
    assert [(w.code, w.path) for w in warnings] == [
        ("fim_data.field_without_fim", "/g00000001/bemerkung"),
        ("fim_data.unknown_answer", "/verirrt"),
    ]
    assert all(w.message and w.message_en for w in warnings)
    # …and the result is valid FIM data of the matching FIM schema, as JSON and as XML
    json_schema, xsd = outputs(HAND)
    assert fim_validate_json(data, json_schema) == []
    assert fim_validate_xml(fim_xml(HAND.id, HAND.version, data, HAND), xsd) == []


def test_fim_data_keeps_upload_reference_without_attachments_and_warns_on_bad_numbers():
    answers = copy.deepcopy(ANSWERS)
    answers["g00000001"]["F00000004"] = "drei"
    data, warnings = fim_data(DEFINITION, answers)
    assert data["G00000001"]["F00000006"] == "upload:7b1f9a52-2f0e-4c4e-9d8e-2a1c9f1d0e11"
    assert data["G00000001"]["F00000004"] == "drei"
    assert "fim_data.not_a_number" in {w.code for w in warnings}


def test_fim_data_two_steps_of_the_same_group_get_a_suffix():
    definition = {
        "x-fim": {"id": "S1", "version": "1"},
        "steps": [
            {
                "id": "g1",
                "schema": {
                    "type": "object",
                    **xf("G1"),
                    "properties": {"F1": {"type": "string", **xf("F1")}},
                },
            },
            {
                "id": "g1_2",
                "schema": {
                    "type": "object",
                    **xf("G1"),
                    "properties": {"F1": {"type": "string", **xf("F1")}},
                },
            },
        ],
    }
    data, warnings = fim_data(definition, {"g1": {"F1": "a"}, "g1_2": {"F1": "b"}})
    assert data == {"G1": {"F1": "a"}, "G1_2": {"F1": "b"}} and warnings == []


def test_fim_data_repeatable_group_as_array_with_x_fim_on_items():
    definition = {
        "steps": [
            {
                "id": "kinder",
                "schema": {
                    "type": "object",
                    "properties": {
                        "G2": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                **xf("G2"),
                                "properties": {"F2": {"type": "number", **xf("F2")}},
                            },
                        }
                    },
                },
            }
        ]
    }
    data, warnings = fim_data(definition, {"kinder": {"G2": [{"F2": "1.50"}, {"F2": 2}]}})
    assert data == {"G2": [{"F2": 1.5}, {"F2": 2}]} and warnings == []


def test_fim_xml_refuses_names_that_are_not_xml_names():
    from forms_engine.fim.model import FimError

    with pytest.raises(FimError):
        fim_xml("S1", "1", {"1abc": "x"})
    with pytest.raises(FimError):
        fim_xml("S1", "1", {"F1": object()})


def test_validate_xml_reports_hostile_or_broken_input_as_problems():
    json_schema, xsd = outputs(HAND)
    assert fim_validate_xml(b"<!DOCTYPE x><x/>", xsd)[0].code == "fim.xml_doctype"
    assert fim_validate_xml(b"<x/>", b"<not-a-schema/>")[0].code == "fim.xsd_invalid"


def test_xdf3_schema_fixture_outputs():
    from .helpers import DATA

    schema = parse_xdf((DATA / "xdf3-schema-message.xml").read_bytes())
    lists = codelists()
    json_schema, xsd = outputs(schema, lists)
    defs = json_schema["$defs"]
    assert defs["F99000000001"]["enum"] == ["LD", "VH", "VW"]
    assert defs["F99000000002"]["enum"] == ["m", "w", "d", "x"]
    assert json_schema["properties"]["G99000000001"] == {
        "type": "array",
        "items": {"$ref": "#/$defs/G99000000001"},
        "maxItems": 3,
    }
    assert json_schema["$id"] == "https://schema.fitko.de/fim/s99000000001_1.0.0.schema.json"
    data = sample(schema, lists)
    assert_valid(schema, data, json_schema, xsd)
    data["G99000000001"][0]["F99000000003"] = "1999-12-31"  # before minValue: the XSD says no
    assert fim_validate_xml(fim_xml(schema.id, schema.version, data, schema), xsd)


def test_a_code_list_of_another_version_is_not_used():
    from forms_engine.fim.genericode import parse_genericode

    from .helpers import DATA

    geschlecht = parse_genericode((DATA / "geschlecht.gc.xml").read_bytes())
    field_v2 = f(
        "F1",
        feldart="select",
        codeliste=FimCodeListRef(canonical_uri=geschlecht.canonical_uri, version="2"),
    )
    field_v3 = f(
        "F1",
        feldart="select",
        codeliste=FimCodeListRef(canonical_uri=geschlecht.canonical_uri, version="3"),
    )
    by_uri = {geschlecht.canonical_uri: geschlecht}
    for node, enum in ((field_v2, ["m", "w", "d", "x"]), (field_v3, None)):
        schema = FimSchema(id="S1", version="1", xdf_version="3.0.0", children=(el(node),))
        assert fim_json_schema(schema, by_uri)["$defs"]["F1"].get("enum") == enum
