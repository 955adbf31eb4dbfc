"""FIM import: every reference file converts into a definition that passes check_definition,
compiles, matches the XML (read here independently with lxml) field by field, and can be
completed by a citizen (a generated valid answer set has no errors)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from forms_engine.definitions import (
    check_definition,
    check_shared_item,
    compile_definition,
    shared_item_use,
)
from forms_engine.fim.convert import fim_to_definition
from forms_engine.fim.genericode import parse_genericode
from forms_engine.fim.xdf import parse_xdf

from .answers import valid_answers
from .helpers import DATA, REFERENCE, codelists, reference_params

INPUT_KINDS = ("input", "select")


def files():
    """The reference files and the XDatenfelder fixtures of tests/fim/data."""
    own = [pytest.param(path, id=path.name) for path in sorted(DATA.glob("xdf*.xml"))]
    return reference_params() + own


def all_codelists() -> dict:
    lists = codelists()
    example = parse_genericode((DATA / "example.gc.xml").read_bytes())
    lists[example.canonical_version_uri] = example
    return lists


def convert(path: Path, lists: dict | None = None):
    return fim_to_definition(parse_xdf(path.read_bytes()), codelists=lists or {})


# ---- an independent reading of the XML (lxml, none of the parser's code) ---------------


def xml_root(path: Path):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(path.read_bytes(), parser)


def kid(node, name):
    return node.find(f"{{*}}{name}")


def txt(node, name) -> str:
    child = kid(node, name)
    return "".join(child.itertext()).strip() if child is not None else ""


def code(node, name) -> str:
    child = kid(node, name)
    if child is None:
        return ""
    inner = child.find("code")
    if inner is None:
        inner = child.find("{*}code")
    return "".join((inner if inner is not None else child).itertext()).strip()


def ident(node) -> tuple[str, str]:
    identification = kid(node, "identifikation")
    if identification is not None:
        return txt(identification, "id"), txt(identification, "version")
    return txt(node, "id"), txt(node, "version")


def label(node) -> str:
    return (
        txt(node, "bezeichnungEingabe")
        or txt(node, "bezeichnung")
        or txt(node, "name")
        or ident(node)[0]
    )


def anzahl(struktur) -> tuple[int, int | None]:
    low, high = txt(struktur, "anzahl").split(":")
    return int(low), None if high == "*" else int(high)


def strukturs(node):
    for struktur in node.findall("{*}struktur"):
        enthaelt = kid(struktur, "enthaelt")
        inner = [
            c for c in enthaelt if etree.QName(c).localname in ("datenfeld", "datenfeldgruppe")
        ]
        yield struktur, inner[0]


def is_group(node) -> bool:
    return etree.QName(node).localname == "datenfeldgruppe"


def has_input(node) -> bool:
    if not is_group(node):
        return code(node, "feldart") in INPUT_KINDS
    return any(has_input(child) for _, child in strukturs(node))


def message_element(root):
    for name in ("stammdatenschema", "datenfeldgruppe", "datenfeld"):
        node = kid(root, name)
        if node is not None:
            return name, node
    raise AssertionError("no message element")


def codes_of(field, lists) -> list[str] | None:
    """The codes the citizen may choose from, None when the list was not supplied."""
    werte = field.findall("{*}werte/{*}wert")
    if werte:
        return list(dict.fromkeys(txt(w, "code") for w in werte))
    ref = kid(field, "codelisteReferenz")
    if ref is None:
        return None

    def find(name: str) -> str:
        node = ref.find(f".//{{*}}{name}")
        return "".join(node.itertext()).strip() if node is not None else ""

    key = find("canonicalVersionUri")
    if not key and (find("canonicalURI") or find("canonicalIdentification")) and find("version"):
        key = f"{find('canonicalURI') or find('canonicalIdentification')}_{find('version')}"
    return lists[key].codes if key in lists else None


class Expect:
    """Compare one object (properties, required) of the definition with the XML children."""

    def __init__(self, conversion, lists):
        self.conversion = conversion
        self.lists = lists
        self.defs = conversion.definition.get("$defs", {})
        self.fields = 0

    def resolve(self, schema):
        if "$ref" in schema:
            return {**self.defs[schema["$ref"].removeprefix("#/$defs/")], **schema}
        return schema

    def object(self, node, obj: dict, where: str) -> None:
        self.pairs(list(strukturs(node)), obj, where)

    def pairs(self, pairs, obj: dict, where: str) -> None:
        properties = obj.get("properties", {})
        required = set(obj.get("required", []))
        keys: list[str] = []
        for struktur, child in pairs:
            if not has_input(child):
                continue
            fim_id, version = ident(child)
            key, n = fim_id, 1
            while key in keys:
                n += 1
                key = f"{fim_id}_{n}"
            keys.append(key)
            here = f"{where}/{key}"
            assert key in properties, here
            low, high = anzahl(struktur)
            assert (key in required) == (low >= 1), here
            self.element(child, properties[key], low, high, here)
        assert list(properties) == keys, where

    def element(self, child, schema: dict, low: int, high, where: str) -> None:
        fim_id, version = ident(child)
        repeatable = high is None or high > 1
        assert schema["x-fim"]["id"] == fim_id, where
        assert schema["x-fim"].get("version", "") == version, where
        assert schema["title"] == label(child), where
        if repeatable:
            assert schema["type"] == "array", where
            assert schema.get("minItems", 0) == low, where
            assert schema.get("maxItems") == high, where
            if not is_group(child):
                assert schema["x-fim"]["wrapper"] is True, where
                inner = schema["items"]["properties"][fim_id]
                self.field(child, inner, where)
                return
            self.object(child, schema["items"], where)
            return
        if is_group(child):
            assert schema["type"] == "object", where
            self.object(child, schema, where)
        else:
            self.field(child, schema, where)

    def field(self, node, schema: dict, where: str) -> None:
        self.fields += 1
        fim_id, version = ident(node)
        assert schema["x-fim"] == {**schema["x-fim"], "id": fim_id}, where
        assert schema["title"] == label(node), where
        resolved = self.resolve(schema)
        datentyp = code(node, "datentyp")
        if code(node, "feldart") == "select":
            codes = codes_of(node, self.lists)
            if codes:
                assert [o["const"] for o in resolved["oneOf"]] == codes, where
                return
            assert "oneOf" not in resolved and resolved["type"] == "string", where
            assert any(
                w.fim_id == fim_id
                and w.code in ("fim.codelist_missing", "fim.select_without_values")
                for w in self.conversion.warnings
            ), where
            return
        expected = {
            "text": {"type": "string"},
            "text_latin": {"type": "string"},
            "obj": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "datetime": {"type": "string", "format": "date-time"},
            "time": {"type": "string"},
            "num": {"type": "number"},
            "num_int": {"type": "integer"},
            "num_currency": {"type": "string", "format": "money"},
            "bool": {"type": "boolean"},
            "file": {"type": "string"},
        }[datentyp]
        for key, value in expected.items():
            assert resolved.get(key) == value, (where, key)
        if datentyp == "file":
            assert resolved["x-upload"]["media_types"], where
        else:
            assert "x-upload" not in resolved, where


# ---- every reference file ---------------------------------------------------------------


@pytest.mark.parametrize("path", files())
def test_reference_file_converts_checks_and_compiles(path):
    lists = all_codelists()
    conversion = convert(path, lists)
    doc = conversion.definition
    assert check_definition(doc) == []
    definition = compile_definition(doc)
    for item in conversion.codelist_items:
        assert check_shared_item(item) == []
        assert doc["uses"][item["id"]] == shared_item_use(item)
    assert definition.id.startswith("fim-")
    assert doc["reference_prefix"] == "FIM"
    assert doc["version"] == "1.0.0"


@pytest.mark.parametrize("path", files())
def test_reference_file_matches_the_xml_field_by_field(path):
    lists = all_codelists()
    conversion = convert(path, lists)
    doc = conversion.definition
    root = xml_root(path)
    kind, message = message_element(root)
    fim_id, version = ident(message)
    assert doc["x-fim"]["id"] == fim_id
    if version:
        assert doc["x-fim"]["version"] == version
    assert doc["title"]["de"] == label(message)
    expect = Expect(conversion, lists)
    steps = iter(doc["steps"])
    if kind == "datenfeld":
        children = [(None, message)]
    elif kind == "datenfeldgruppe":
        # a group message: the group is the one step
        step = next(steps)
        assert step["id"] == fim_id.lower()
        assert step["schema"]["x-fim"]["id"] == fim_id
        expect.object(message, step["schema"], f"/{step['id']}")
        children = []
    else:
        children = list(strukturs(message))
    top_fields = [(s, c) for s, c in children if not is_group(c)]
    seen_steps: list[str] = []
    angaben_done = False
    for struktur, child in children:
        if not is_group(child):
            if angaben_done:
                continue
            angaben_done = True
            step = next(steps)
            assert step["id"] == "angaben"
            assert "x-fim" not in step["schema"]
            expect.pairs(top_fields, step["schema"], "/angaben")
            continue
        step = next(steps)
        gid = ident(child)[0]
        sid, n = gid.lower(), 1
        while sid in seen_steps:
            n += 1
            sid = f"{gid.lower()}_{n}"
        seen_steps.append(sid)
        assert step["id"] == sid
        assert step["title"]["de"] == label(child)
        low, high = anzahl(struktur)
        if low >= 1 and high == 1:
            assert step["schema"]["x-fim"]["id"] == gid
            assert step["schema"]["x-fim"].get("version", "") == ident(child)[1]
            expect.object(child, step["schema"], f"/{sid}")
        else:
            assert "x-fim" not in step["schema"]
            assert list(step["schema"]["properties"]) == [gid]
            expect.element(child, step["schema"]["properties"][gid], low, high, f"/{sid}/{gid}")
    if not children and kind == "stammdatenschema":
        step = next(steps)
        assert step["id"] == "angaben" and step["schema"]["properties"] == {}
    assert next(steps, None) is None
    # every input field of the XML was compared
    xml_inputs = [f for f in root.iter("{*}datenfeld") if code(f, "feldart") in INPUT_KINDS]
    assert expect.fields == len(xml_inputs) and (expect.fields > 0) == bool(xml_inputs)


@pytest.mark.parametrize("path", files())
def test_a_citizen_can_complete_the_converted_form(path):
    definition = compile_definition(convert(path, all_codelists()).definition)
    answers = valid_answers(definition)
    assert definition.validate_answers(answers, today="2026-12-01") == []


@pytest.mark.parametrize("path", files())
def test_a_missing_required_field_is_reported_at_its_pointer(path):
    definition = compile_definition(convert(path, all_codelists()).definition)
    answers = valid_answers(definition)
    for step in definition.steps:
        required = [f for f in step.fields() if f.required]
        if required:
            del answers[step.id][required[0].name]
            errors = definition.validate_answers(answers, today="2026-12-01")
            assert [(e.pointer, e.code) for e in errors] == [
                (f"/{step.id}/{required[0].name}", "required")
            ]
            return
    # nothing is required: the empty answer set is complete
    assert (
        definition.validate_answers({s.id: {} for s in definition.steps}, today="2026-12-01") == []
    )


# ---- particular reference files ---------------------------------------------------------


def ref(name: str) -> Path:
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"{path} absent")
    return path


def test_blaue_karte_without_code_lists_warns_for_every_select():
    conversion = convert(ref("xdf2-S00000121-blaue-karte.xml"))
    selects = [
        f.id
        for f in parse_xdf(ref("xdf2-S00000121-blaue-karte.xml").read_bytes()).iter_fields()
        if f.is_select
    ]
    warned = [w.fim_id for w in conversion.warnings if w.code == "fim.codelist_missing"]
    assert sorted(warned) == sorted(selects) and len(selects) == 5
    for w in conversion.warnings:
        if w.code == "fim.codelist_missing":
            assert (
                "nicht mitgeliefert: als Freitext übernommen; laden Sie die genericode-Datei mit hoch"
                in w.message
            )
            assert w.pointer.startswith("/steps/")
            assert w.message_en
    # one todo per missing list, not per field
    todo_lists = [t for t in conversion.todo if t.code == "fim.codelist_missing"]
    assert len(todo_lists) == 4
    assert conversion.codelist_items == []
    assert "uses" not in conversion.definition


def test_blaue_karte_with_code_lists_embeds_them_as_shared_items():
    conversion = convert(ref("xdf2-S00000121-blaue-karte.xml"), all_codelists())
    doc = conversion.definition
    assert (
        {item["id"] for item in conversion.codelist_items} == set(doc["uses"]) == set(doc["$defs"])
    )
    assert len(conversion.codelist_items) == 3
    # the one list not supplied (staat) still warns, naming its key
    missing = [w for w in conversion.warnings if w.code == "fim.codelist_missing"]
    assert missing and all("staat_2017-01-01" in w.message for w in missing)
    geschlecht = next(i for i in conversion.codelist_items if "geschlecht" in i["id"])
    assert [o["const"] for o in geschlecht["schema"]["oneOf"]] == ["m", "w", "d", "x"]
    assert doc["x-fim"]["bezug"] == ["§ 19a AufenthG"]
    assert [r["id"] for r in doc["x-fim"]["rules"]] == ["R00000254", "R00000252", "R00000255"]
    assert [t.fim_id for t in conversion.todo if t.code == "fim.rule"] == [
        "R00000254",
        "R00000252",
        "R00000255",
    ]
    # the engine derives the field types
    definition = compile_definition(doc)
    kinds = set()

    def walk(fields):
        for f in fields:
            kinds.add(f.type)
            walk(f.children)

    for step in definition.steps:
        walk(step.fields())
    assert {
        "text",
        "date",
        "boolean",
        "upload",
        "money",
        "number",
        "choice",
        "group",
        "repeat",
    } <= kinds


def test_select_sample_with_its_code_list_gets_real_choices():
    lists = all_codelists()
    conversion = convert(ref("xdf2-sample-select.xml"), lists)
    doc = conversion.definition
    field = doc["steps"][0]["schema"]["properties"]["F123"]
    name = field["$ref"].removeprefix("#/$defs/")
    assert doc["uses"][name]["kind"] == "codelist"
    assert [o["const"] for o in doc["$defs"][name]["oneOf"]] == lists["urn:de:example_1"].codes
    definition = compile_definition(doc)
    f = definition.steps[0].field("F123")
    assert f.type == "choice"
    assert (
        definition.validate_answers({"angaben": {"F123": "nope"}}, today="2026-12-01")[0].code
        == "choice"
    )
    assert not [w for w in conversion.warnings if w.code == "fim.codelist_missing"]


def test_select_sample_without_its_code_list_is_free_text_with_a_todo():
    conversion = convert(ref("xdf2-sample-select.xml"))
    field = conversion.definition["steps"][0]["schema"]["properties"]["F123"]
    assert field["type"] == "string" and "oneOf" not in field
    (warning,) = [w for w in conversion.warnings if w.code == "fim.codelist_missing"]
    assert (
        "urn:de:example_1" in warning.message
        and warning.pointer == "/steps/0/schema/properties/F123"
    )
    assert [t.code for t in conversion.todo] == ["fim.codelist_missing"]


def test_label_sample_becomes_a_text_block():
    doc = convert(ref("xdf2-sample-label.xml")).definition
    step = doc["steps"][0]
    assert step["schema"]["properties"] == {}
    assert step["ui"]["blocks"] == [{"id": "f123", "text": {"de": "Hinweis Inhalt"}}]


def test_rule_sample_keeps_the_rule_and_asks_for_a_translation():
    conversion = convert(ref("xdf2-sample-rule.xml"))
    (rule,) = conversion.definition["x-fim"]["rules"]
    assert rule["id"] == "R60000037" and rule["script"] == "function script() {}"
    (todo,) = conversion.todo
    assert todo.code == "fim.rule" and todo.message.startswith("Regel R60000037 übersetzen")


def test_wabeka_nested_labels_are_shown_and_empty_groups_dropped():
    conversion = convert(ref("xdf2-wabeka.xml"))
    doc = conversion.definition
    codes = {w.code for w in conversion.warnings}
    assert {
        "fim.label_moved",
        "fim.group_empty",
        "fim.repeatable_field",
        "fim.codelist_name_only",
    } <= codes
    blocks = [b for s in doc["steps"] for b in s.get("ui", {}).get("blocks", [])]
    assert blocks
    # the repeatable top-level group is the one field of its step
    step = next(s for s in doc["steps"] if s["id"] == "g00000066")
    assert "x-fim" not in step["schema"]
    assert step["schema"]["properties"]["G00000066"]["type"] == "array"
    assert "required" not in step["schema"]  # 0:*


def test_group_message_is_a_process_with_one_step():
    conversion = convert(ref("xdf3-sample-simple.xml"))
    doc = conversion.definition
    assert [s["id"] for s in doc["steps"]] == ["g60000000088"]
    assert doc["x-fim"]["message"] == "group"
    assert doc["x-fim"]["xdf"] == "3.0.0"
    assert doc["steps"][0]["schema"]["x-fim"] == {
        "id": "G60000000088",
        "version": "1.2.0",
        "name": "Anschrift Inland",
        "bezug": ["Rechtsbezug"],
    }
    assert doc["x-fim"]["rules"][0]["type"] == "V"
    assert doc["x-fim"]["rules"][0]["text"].startswith("Es muss entweder Feldgruppe")
