"""Broken and hostile input: parse_xdf and parse_genericode raise FimError and nothing else,
with a German and an English message; warnings for what is readable but wrong."""

from __future__ import annotations

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from forms_engine.fim import _xml
from forms_engine.fim.genericode import parse_genericode
from forms_engine.fim.model import FimError
from forms_engine.fim.output import fim_json_schema, fim_xsd
from forms_engine.fim.xdf import parse_xdf

from .helpers import DATA, reference_files

NS2 = "urn:xoev-de:fim:standard:xdatenfelder_2"


def xdf2(body: str, schema_id: str = "S00000001") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="{NS2}">
  <xdf:header><xdf:nachrichtID>1</xdf:nachrichtID><xdf:erstellungszeitpunkt>2024-01-01T00:00:00Z</xdf:erstellungszeitpunkt></xdf:header>
  <xdf:stammdatenschema>
    <xdf:identifikation><xdf:id>{schema_id}</xdf:id><xdf:version>1.0</xdf:version></xdf:identifikation>
    <xdf:name>Test</xdf:name>
    {body}
  </xdf:stammdatenschema>
</xdf:xdatenfelder.stammdatenschema.0102>""".encode()


def field(
    fid="F00000001", anzahl="1:1", feldart="input", datentyp="text", praezisierung="", extra=""
):
    return f"""<xdf:struktur><xdf:anzahl>{anzahl}</xdf:anzahl><xdf:enthaelt><xdf:datenfeld>
      <xdf:identifikation><xdf:id>{fid}</xdf:id><xdf:version>1.0</xdf:version></xdf:identifikation>
      <xdf:name>Feld</xdf:name><xdf:bezeichnungEingabe>Feld</xdf:bezeichnungEingabe>
      <xdf:feldart><code>{feldart}</code></xdf:feldart><xdf:datentyp><code>{datentyp}</code></xdf:datentyp>
      <xdf:praezisierung>{praezisierung}</xdf:praezisierung>{extra}
    </xdf:datenfeld></xdf:enthaelt></xdf:struktur>"""


def refused(data, code: str | None = None) -> FimError:
    with pytest.raises(FimError) as info:
        parse_xdf(data)
    error = info.value
    assert error.message and error.message_en and error.message != error.message_en
    if code:
        assert error.code == code, error
    return error


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_2"><xdf:stammdatenschema><xdf:name>&lol4;</xdf:name></xdf:stammdatenschema></xdf:xdatenfelder.stammdatenschema.0102>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_2"><xdf:stammdatenschema><xdf:name>&xxe;</xdf:name></xdf:stammdatenschema></xdf:xdatenfelder.stammdatenschema.0102>"""


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(BILLION_LAUGHS, "fim.xml_doctype", id="billion-laughs"),
        pytest.param(XXE, "fim.xml_doctype", id="xxe"),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><x/>',
            "fim.xml_doctype",
            id="external-dtd",
        ),
        pytest.param(
            BILLION_LAUGHS.decode().encode("utf-16"), "fim.xml_doctype", id="doctype-utf16"
        ),
        pytest.param(b"", "fim.xml_empty", id="empty"),
        pytest.param(b"   \n", "fim.xml_empty", id="whitespace"),
        pytest.param(b"<a><b></a>", "fim.xml_malformed", id="broken"),
        pytest.param(xdf2("").replace(b"<xdf:name>", b"<xdf:name>\x00"), "fim.xml_nul", id="nul"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", "fim.xml_nul", id="png"),
        pytest.param(b"%PDF-1.7 not xml", "fim.xml_malformed", id="pdf"),
        pytest.param(b'<x xmlns="urn:example"/>', "fim.not_xdatenfelder", id="wrong-namespace"),
        pytest.param(b"<x/>", "fim.not_xdatenfelder", id="no-namespace"),
        pytest.param(
            b'<x:xdatenfelder.stammdatenschema.0102 xmlns:x="urn:xoev-de:fim:standard:xdatenfelder_9"/>',
            "fim.xdf_version_unsupported",
            id="xdf9",
        ),
        pytest.param(
            f'<x:codeliste xmlns:x="{NS2}"/>'.encode(),
            "fim.message_unsupported",
            id="other-root",
        ),
        pytest.param(
            f'<x:xdatenfelder.stammdatenschema.0102 xmlns:x="{NS2}"><x:header/></x:xdatenfelder.stammdatenschema.0102>'.encode(),
            "fim.message_unsupported",
            id="no-content",
        ),
        pytest.param(xdf2("", schema_id=""), "fim.missing_id", id="schema-without-id"),
        pytest.param(xdf2("", schema_id="S 1<>"), "fim.xml_malformed", id="schema-id-broken"),
        pytest.param(xdf2("", schema_id="S 1"), "fim.missing_id", id="schema-id-with-space"),
    ],
)
def test_hostile_and_broken_input_is_refused(data, code):
    refused(data, code)


def test_malformed_xml_reports_the_line():
    error = refused(b"<a>\n<b>\n</a>", "fim.xml_malformed")
    assert error.line == 3
    assert "Zeile 3" in error.message and "line 3" in error.message_en


def test_too_large_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(_xml, "MAX_BYTES", 1000)
    refused(xdf2(field() * 20), "fim.too_large")


def test_too_deep_is_refused():
    deep = b"<a>" * (_xml.MAX_DEPTH + 5) + b"</a>" * (_xml.MAX_DEPTH + 5)
    refused(deep)  # libxml2's own limit or ours, either way a FimError


def test_deep_but_parseable_nesting_is_refused_by_our_limit(monkeypatch):
    monkeypatch.setattr(_xml, "MAX_DEPTH", 5)
    refused(xdf2(field()), "fim.xml_too_deep")


def test_too_many_elements_is_refused(monkeypatch):
    monkeypatch.setattr(_xml, "MAX_ELEMENTS", 30)
    refused(xdf2(field() * 5), "fim.xml_too_many_elements")


def test_not_bytes_is_refused():
    refused(12345, "fim.not_bytes")
    refused(None, "fim.not_bytes")


def test_str_input_is_read():
    schema = parse_xdf(xdf2(field()).decode().replace('encoding="UTF-8"', ""))
    assert schema.children[0].id == "F00000001"


def test_utf16_input_is_read():
    data = xdf2(field()).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert parse_xdf(data).children[0].id == "F00000001"


def warning_codes(body: str) -> list[str]:
    return [w.code for w in parse_xdf(xdf2(body)).warnings]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (field(praezisierung='{"minLength":"1",'), "fim.praezisierung_invalid"),
        (field(praezisierung="[1, 2]"), "fim.praezisierung_invalid"),
        (field(praezisierung='{"minLength":"eins"}'), "fim.praezisierung_invalid"),
        (field(praezisierung='{"minLength":"5","maxLength":"2"}'), "fim.praezisierung_invalid"),
        (field(praezisierung='{"pattern":"(unclosed"}'), "fim.pattern_invalid"),
        (field(praezisierung='{"farbe":"blau"}'), "fim.praezisierung_unknown_key"),
        (field(anzahl="eins"), "fim.anzahl_invalid"),
        (field(anzahl="3:1"), "fim.anzahl_invalid"),
        (field(anzahl="0:0"), "fim.anzahl_invalid"),
        (field(anzahl="1:99999999999"), "fim.anzahl_invalid"),
        (field(feldart="slider"), "fim.feldart_unknown"),
        (field(feldart=""), "fim.feldart_missing"),
        (field(datentyp="blob"), "fim.datentyp_unknown"),
        (field(datentyp=""), "fim.datentyp_missing"),
        (field(feldart="select"), "fim.codelist_missing"),
        (field(fid=""), "fim.element_without_id"),
        (field(fid="1abc"), "fim.element_without_id"),
        (field() + field(), "fim.duplicate_child"),
        (field(extra="<xdf:unbekannt>x</xdf:unbekannt>"), "fim.element_ignored"),
        (field(extra="<xdf:maxSize>viel</xdf:maxSize>"), "fim.max_size_invalid"),
        (
            "<xdf:struktur><xdf:anzahl>1:1</xdf:anzahl><xdf:enthaelt/></xdf:struktur>",
            "fim.struktur_invalid",
        ),
    ],
)
def test_readable_but_wrong_input_gives_a_warning(body, code):
    codes = warning_codes(body)
    assert code in codes
    warning = next(w for w in parse_xdf(xdf2(body)).warnings if w.code == code)
    assert warning.message and warning.message_en and warning.path.startswith("S00000001")


def test_a_bad_praezisierung_keeps_the_field_and_its_raw_text():
    schema = parse_xdf(xdf2(field(praezisierung='{"minLength":"1",')))
    only = schema.children[0].element
    assert (
        only.id == "F00000001"
        and only.min_length is None
        and only.praezisierung_raw == '{"minLength":"1",'
    )


def test_an_invalid_anzahl_falls_back_to_one():
    schema = parse_xdf(xdf2(field(anzahl="viele")))
    assert (schema.children[0].min, schema.children[0].max) == (1, 1)


def test_warnings_are_capped():
    schema = parse_xdf(xdf2(field(anzahl="x") * 1200))
    assert len(schema.warnings) == 1001 and schema.warnings[-1].code == "fim.too_many_warnings"


# -- fuzzing: whatever the bytes, FimError or a schema --------------------------------------


def _only_fim_error(function, data) -> None:
    try:
        function(data)
    except FimError as error:
        assert error.code.startswith("fim.") and error.message and error.message_en


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_raise_only_fim_error(data):
    _only_fim_error(parse_xdf, data)
    _only_fim_error(parse_genericode, data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_random_text_raises_only_fim_error(text):
    _only_fim_error(parse_xdf, text.encode("utf-8", "surrogatepass"))
    _only_fim_error(
        parse_xdf,
        f'<x:xdatenfelder.stammdatenschema.0102 xmlns:x="{NS2}">{text}</x:xdatenfelder.stammdatenschema.0102>'.encode(
            "utf-8", "surrogatepass"
        ),
    )


_SEEDS = [path.read_bytes() for path in reference_files() if path.stat().st_size < 20_000] or [
    xdf2(field())
]
_GC_SEEDS = [path.read_bytes() for path in sorted(DATA.glob("*.gc.xml"))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_SEEDS + _GC_SEEDS),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=255)
        ),
        max_size=8,
    ),
    st.integers(min_value=0, max_value=10**6),
)
def test_mutated_real_files_raise_only_fim_error(seed, flips, cut):
    data = bytearray(seed)
    for position, value in flips:
        data[position % len(data)] = value
    data = bytes(data[: max(1, cut % (len(data) + 1))]) if cut % 3 == 0 else bytes(data)
    _only_fim_error(parse_xdf, data)
    _only_fim_error(parse_genericode, data)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["1:1", "0:1", "0:*", "2:5", "x", "5:2", "", "1:"]),
    st.sampled_from(["input", "select", "label", "hidden", "", "??"]),
    st.sampled_from(
        ["text", "date", "num", "num_int", "num_currency", "bool", "file", "obj", "time", ""]
    ),
    st.text(alphabet='{}":,0123456789minLengthmaxValuepattern[]\\ ', max_size=60),
)
def test_generated_fields_parse_or_raise_fim_error(anzahl, feldart, datentyp, praezisierung):
    from xml.sax.saxutils import escape

    data = xdf2(
        field(
            anzahl=anzahl, feldart=feldart, datentyp=datentyp, praezisierung=escape(praezisierung)
        )
    )
    try:
        schema = parse_xdf(data)
    except FimError:
        return
    # whatever was read, the derived schemas are well-formed
    jsonschema.Draft202012Validator.check_schema(fim_json_schema(schema))
    etree.XMLSchema(etree.fromstring(fim_xsd(schema)))
