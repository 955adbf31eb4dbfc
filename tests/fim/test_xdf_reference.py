"""Every reference file in ../shared/reference/fim/ parses, and the model matches the XML
read independently (xml.etree.ElementTree, no code of the parser), element by element."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from forms_engine.fim.model import FimField, FimGroup, FimSchema
from forms_engine.fim.xdf import parse_xdf

from .helpers import REFERENCE, reference_params

VERSIONS = {
    "urn:xoev-de:fim:standard:xdatenfelder_1": "1.0",
    "urn:xoev-de:fim:standard:xdatenfelder_2": "2.0",
    "urn:xoev-de:fim:standard:xdatenfelder_3.0.0": "3.0.0",
}


def txt(node, name: str) -> str:
    """First non-empty text of child `name` (any namespace), stripped, CRLF → LF."""
    for child in node.findall(f"{{*}}{name}"):
        value = "".join(child.itertext()).replace("\r\n", "\n").replace("\r", "\n").strip()
        if value:
            return value
    return ""


def code(node, name: str) -> str:
    child = node.find(f"{{*}}{name}")
    if child is None:
        return ""
    inner = child.find("code")
    if inner is None:
        inner = child.find("{*}code")
    return "".join((inner if inner is not None else child).itertext()).strip()


def ident(node) -> tuple[str, str]:
    identification = node.find("{*}identifikation")
    if identification is not None:
        return txt(identification, "id"), txt(identification, "version")
    return txt(node, "id"), txt(node, "version")


def compare_meta(xml_node, model, where: str) -> None:
    fim_id, version = ident(xml_node)
    assert model.id == fim_id, where
    if version or not isinstance(model, FimSchema):
        assert model.version == version, where
    assert model.name == txt(xml_node, "name"), where
    assert model.bezeichnung_eingabe == txt(xml_node, "bezeichnungEingabe"), where
    assert model.bezeichnung_ausgabe == txt(xml_node, "bezeichnungAusgabe"), where
    assert model.beschreibung == txt(xml_node, "beschreibung"), where
    assert model.definition == txt(xml_node, "definition"), where
    assert model.hilfetext_eingabe == txt(xml_node, "hilfetextEingabe"), where
    assert model.hilfetext_ausgabe == txt(xml_node, "hilfetextAusgabe"), where
    bezug = [
        "".join(b.itertext()).replace("\r\n", "\n").replace("\r", "\n").strip()
        for b in xml_node.findall("{*}bezug")
    ]
    assert list(model.bezug) == [b for b in bezug if b], where
    assert model.status == (code(xml_node, "status") or code(xml_node, "freigabestatus")), where
    assert model.schemaelementart == code(xml_node, "schemaelementart"), where


def compare_rules(xml_node, rules, where: str) -> None:
    xml_rules = xml_node.findall("{*}regel")
    assert len(rules) == len(xml_rules), where
    for xml_rule, rule in zip(xml_rules, rules, strict=True):
        compare_meta(xml_rule, rule, f"{where}/regel")
        assert rule.script == (txt(xml_rule, "skript") or txt(xml_rule, "script"))
        assert rule.freitext == txt(xml_rule, "freitextRegel")
        assert rule.typ == code(xml_rule, "typ")


def compare_field(xml_node, field: FimField, where: str) -> None:
    compare_meta(xml_node, field, where)
    assert field.feldart == code(xml_node, "feldart"), where
    assert field.datentyp == code(xml_node, "datentyp"), where
    assert field.inhalt == txt(xml_node, "inhalt"), where
    praezisierung = xml_node.find("{*}praezisierung")
    expected: dict = {}
    if praezisierung is not None:
        if praezisierung.attrib:
            expected = dict(praezisierung.attrib)
        elif txt(xml_node, "praezisierung").startswith("{"):
            expected = json.loads(txt(xml_node, "praezisierung"))
    for key, attribute in (("minLength", "min_length"), ("maxLength", "max_length")):
        got = getattr(field, attribute)
        assert got == (int(expected[key]) if key in expected else None), (where, key)
    for key, attribute in (
        ("minValue", "min_value"),
        ("maxValue", "max_value"),
        ("pattern", "pattern"),
    ):
        got = getattr(field, attribute)
        assert got == (str(expected[key]) if key in expected else None), (where, key)
    reference = xml_node.find("{*}codelisteReferenz")
    legacy = xml_node.find("{*}codeliste")
    if reference is not None and (reference.find("{*}genericodeIdentification") is not None):
        gc = reference.find("{*}genericodeIdentification")
        assert field.codeliste is not None, where
        assert field.codeliste.id == txt(reference.find("{*}identifikation"), "id")
        assert field.codeliste.canonical_uri == txt(gc, "canonicalIdentification")
        assert field.codeliste.version == txt(gc, "version")
        assert field.codeliste.canonical_version_uri == txt(gc, "canonicalVersionUri")
    elif legacy is not None:
        assert field.codeliste is not None, where
        assert field.codeliste.id == txt(legacy, "id")
        assert field.codeliste.canonical_uri == txt(legacy, "kennung")
        assert field.codeliste.version == txt(legacy, "version")
    for key, attribute in (
        ("codeKey", "code_key"),
        ("nameKey", "name_key"),
        ("helpKey", "help_key"),
    ):
        if txt(xml_node, key):
            assert getattr(field.codeliste, attribute) == txt(xml_node, key), where
    values = [
        (txt(w, "code"), txt(w, "name"), txt(w, "hilfe"))
        for w in xml_node.findall("{*}werte/{*}wert")
    ]
    assert [(v.code, v.name, v.help) for v in field.werte] == values, where
    assert list(field.media_types) == [m.text.strip() for m in xml_node.findall("{*}mediaType")], (
        where
    )
    if txt(xml_node, "maxSize"):
        assert field.max_size == int(txt(xml_node, "maxSize"))
    compare_rules(xml_node, field.rules, where)


def compare_children(xml_node, children, where: str) -> int:
    """Compare the `struktur` children; returns the number of elements compared."""
    strukturen = xml_node.findall("{*}struktur")
    assert len(children) == len(strukturen), where
    count = 0
    for struktur, element in zip(strukturen, children, strict=True):
        anzahl = txt(struktur, "anzahl")
        minimum, maximum = anzahl.split(":")
        assert element.min == int(minimum), (where, anzahl)
        assert element.max == (None if maximum == "*" else int(maximum)), (where, anzahl)
        inner = struktur.find("{*}enthaelt")[0]
        tag = inner.tag.rsplit("}", 1)[-1]
        child_where = f"{where}/{ident(inner)[0]}"
        if tag == "datenfeldgruppe":
            assert isinstance(element.element, FimGroup), child_where
            compare_meta(inner, element.element, child_where)
            compare_rules(inner, element.element.rules, child_where)
            count += 1 + compare_children(inner, element.element.children, child_where)
        else:
            assert tag == "datenfeld"
            assert isinstance(element.element, FimField), child_where
            compare_field(inner, element.element, child_where)
            count += 1
    return count


@pytest.mark.parametrize("path", reference_params())
def test_reference_file_matches_xml(path):
    schema = parse_xdf(path.read_bytes())
    root = ET.parse(path).getroot()  # noqa: S314 -- the fixed reference files, trusted test input
    namespace = root.tag[1:].split("}")[0]
    assert schema.xdf_version == VERSIONS[namespace]
    content = root.find("{*}stammdatenschema")
    if content is not None:
        assert schema.message_kind == "schema"
        compare_meta(content, schema, schema.id)
        compare_rules(content, schema.rules, schema.id)
        compared = compare_children(content, schema.children, schema.id)
    else:
        content = root.find("{*}datenfeldgruppe")
        assert schema.message_kind == "group"
        assert len(schema.children) == 1 and schema.children[0].min == schema.children[0].max == 1
        group = schema.children[0].element
        compare_meta(content, group, group.id)
        assert (schema.id, schema.version, schema.label) == (group.id, group.version, group.label)
        compare_rules(content, group.rules, group.id)
        compared = compare_children(content, group.children, group.id)
    # Every data field and group of the XML was compared.
    assert compared == len(root.findall(".//{*}struktur"))
    assert compared == sum(1 for _ in schema.iter_elements()) - (
        1 if schema.message_kind == "group" else 0
    )
    header = root.find("{*}header")
    assert schema.message_id == (txt(header, "nachrichtID") or "")


def test_reference_directory_has_all_three_versions():
    if not REFERENCE.is_dir():
        pytest.skip(f"reference directory {REFERENCE} is absent")
    versions = {parse_xdf(path.read_bytes()).xdf_version for path in REFERENCE.glob("*.xml")}
    assert versions == {"1.0", "2.0", "3.0.0"}


def _read(name: str) -> FimSchema:
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return parse_xdf(path.read_bytes())


def test_blaue_karte_facts():
    schema = _read("xdf2-S00000121-blaue-karte.xml")
    assert (schema.id, schema.version, schema.name) == ("S00000121", "1.0", "Antrag Blaue Karte EU")
    assert schema.bezug == ("§ 19a AufenthG",)
    assert schema.status == "inVorbereitung"
    assert schema.warnings == ()
    fields = {f.id: f for f in schema.iter_fields()}
    assert fields["F00000013"].label == "Familienname" and fields["F00000013"].min_length == 1
    geschlecht = fields["F00000065"]
    assert geschlecht.feldart == "select" and geschlecht.codeliste.id == "C00000001"
    assert (
        geschlecht.codeliste.canonical_version_uri
        == "urn:xpersonenstand:schluesseltabelle:geschlecht_2"
    )
    assert {f.datentyp for f in schema.iter_fields()} >= {
        "text",
        "date",
        "bool",
        "num",
        "num_currency",
        "file",
    }
    first = schema.children[0]
    assert first.id == "G00000630" and first.required and not first.repeatable
    repeatable = [e for e in schema.iter_elements() if e.repeatable]
    assert {e.anzahl for e in repeatable} == {"2:5", "1:*"}
    assert [r.id for r in schema.iter_rules()] == ["R00000254", "R00000252", "R00000255"]
    assert len(schema.codelist_refs()) == 4


def test_xdf1_wabeka_legacy():
    schema = _read("xdf2-wabeka.xml")
    assert (schema.xdf_version, schema.id, schema.version) == ("1.0", "S00000036", "0.0")
    fields = {f.id: f for f in schema.iter_fields()}
    staat = next(f for f in schema.iter_fields() if f.codeliste and f.codeliste.id == "C00000009")
    assert (
        staat.codeliste.canonical_version_uri
        == "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat_2017-01-01"
    )
    assert staat.codeliste.long_name.startswith("Codeliste Staat")
    assert fields["F00000049"].codeliste.name == "Waffenkategorie"
    assert {w.code for w in schema.warnings} == {"fim.codelist_name_only"}
    assert sum(1 for f in schema.iter_fields() if f.is_label) == 13


def test_xdf3_attributes_and_rules():
    schema = _read("xdf3-sample-input.xml")
    field = schema.children[0].element.children[0].element
    assert (
        field.min_length,
        field.max_length,
        field.min_value,
        field.max_value,
        field.pattern,
    ) == (0, 1, "0", "1", "abc")
    assert (field.vorbefuellung, field.max_size, field.media_types) == (
        "keine",
        10,
        ("application/json",),
    )
    assert (field.codeliste.code_key, field.codeliste.name_key, field.codeliste.help_key) == (
        "CodeKey",
        "NameKey",
        "HelpKey",
    )
    assert field.inhalt == "Some Content"  # the first non-empty of two <inhalt>
    assert [w.code for w in schema.warnings] == ["fim.codelist_missing"]

    simple = _read("xdf3-sample-simple.xml")
    group = simple.children[0].element
    assert group.rules[0].typ == "V" and group.rules[0].script == "some script content"
    assert group.rules[0].freitext.startswith("Es muss entweder Feldgruppe G60000086")
    assert group.rules[0].bezug_links == ("some reference link",)
    assert group.relations[0].praedikat == "ERS" and group.relations[0].version == "1.1.0"
    assert group.stichwort == ("Ein Stichwort",)
    street = group.children[0].element.children[0].element
    assert (street.id, street.version, street.min_length, street.max_length) == (
        "F60000000243",
        "1.1.0",
        1,
        55,
    )
    assert street.rules[0].id == "R60000000019"


def test_xdf3_schema_message_fixture():
    """A hand-written XDF 3.0.0 schema message (tests/fim/data): inline values, XDF3 code-list
    reference, links on bezug, document profile, media types."""
    from .helpers import DATA

    schema = parse_xdf((DATA / "xdf3-schema-message.xml").read_bytes())
    assert (schema.xdf_version, schema.message_kind, schema.id, schema.version) == (
        "3.0.0",
        "schema",
        "S99000000001",
        "1.0.0",
    )
    assert schema.label == "Antrag zum Testen" and schema.hilfetext_eingabe == "Hilfe zum Antrag"
    assert schema.bezug == ("§ 18g AufenthG", "§ 81 AufenthG")
    assert schema.bezug_links == ("https://www.gesetze-im-internet.de/aufenthg_2004/__18g.html", "")
    assert (schema.steckbrief_id, schema.steckbrief_version) == ("D99000000001", "1.0.0")
    assert schema.rules[0].typ == "K" and schema.rules[0].freitext.startswith("Kinder")
    fields = {f.id: f for f in schema.iter_fields()}
    assert [(v.code, v.name, v.help) for v in fields["F99000000001"].werte] == [
        ("LD", "ledig", ""),
        ("VH", "verheiratet", "auch eingetragene Lebenspartnerschaft"),
        ("VW", "verwitwet", ""),
    ]
    assert fields["F99000000001"].vorbefuellung == "optional"
    ref = fields["F99000000002"].codeliste
    assert (ref.canonical_uri, ref.version, ref.canonical_version_uri) == (
        "urn:xpersonenstand:schluesseltabelle:geschlecht",
        "2",
        "urn:xpersonenstand:schluesseltabelle:geschlecht_2",
    )
    assert (ref.code_key, ref.name_key) == ("Schluessel", "Wert")
    assert fields["F99000000003"].min_value == "2000-01-01"
    assert fields["F99000000004"].media_types == ("application/pdf", "image/jpeg")
    assert fields["F99000000004"].max_size == 5242880
    assert schema.children[2].anzahl == "0:3"
    assert schema.warnings == ()


def test_field_message():
    data = b"""<xdf:xdatenfelder.datenfeld.0104 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_3.0.0">
      <xdf:header><xdf:nachrichtID>x</xdf:nachrichtID></xdf:header>
      <xdf:datenfeld>
        <xdf:identifikation><xdf:id>F60000000227</xdf:id><xdf:version>1.1.0</xdf:version></xdf:identifikation>
        <xdf:name>Familienname</xdf:name><xdf:bezeichnungEingabe>Familienname</xdf:bezeichnungEingabe>
        <xdf:feldart><code>input</code></xdf:feldart><xdf:datentyp><code>text</code></xdf:datentyp>
        <xdf:praezisierung minLength="1" maxLength="120"/>
      </xdf:datenfeld></xdf:xdatenfelder.datenfeld.0104>"""
    schema = parse_xdf(data)
    assert (schema.message_kind, schema.id, schema.version, schema.label) == (
        "field",
        "F60000000227",
        "1.1.0",
        "Familienname",
    )
    only = schema.children[0]
    assert (only.min, only.max, only.element.max_length) == (1, 1, 120)
