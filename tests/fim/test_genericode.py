"""OASIS genericode 1.0 code lists: identification, columns chosen or guessed, entries."""

from __future__ import annotations

import pytest

from forms_engine.fim.genericode import parse_genericode
from forms_engine.fim.model import FimError

from .helpers import DATA

GC = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"


def read(name: str):
    return parse_genericode((DATA / name).read_bytes())


def test_geschlecht():
    codelist = read("geschlecht.gc.xml")
    assert codelist.canonical_uri == "urn:xpersonenstand:schluesseltabelle:geschlecht"
    assert codelist.version == "2"
    assert codelist.canonical_version_uri == "urn:xpersonenstand:schluesseltabelle:geschlecht_2"
    assert codelist.key == codelist.canonical_version_uri
    assert (codelist.short_name, codelist.long_name) == (
        "Geschlecht",
        "Schlüsseltabelle Geschlecht",
    )
    assert codelist.agency.startswith("Bundesministerium")
    assert (codelist.key_column, codelist.name_column, codelist.help_column) == (
        "Schluessel",
        "Wert",
        "",
    )
    assert [(e.code, e.name) for e in codelist.entries] == [
        ("m", "männlich"),
        ("w", "weiblich"),
        ("d", "divers"),
        ("x", "ohne Angabe"),
    ]
    assert codelist.warnings == ()


def test_name_column_named_like_the_list_and_values_by_position():
    codelist = read("staatsangehoerigkeit.gc.xml")
    assert (codelist.key_column, codelist.name_column, codelist.help_column) == (
        "code",
        "Staatsangehoerigkeit",
        "Hinweis",
    )
    assert codelist.columns == ("code", "iso", "Staatsangehoerigkeit", "Hinweis")
    entries = {e.code: e for e in codelist.entries}
    assert entries["129"].name == "französisch"  # the row without ColumnRef, by position
    assert entries["997"].help == "Ohne Staatsangehörigkeit"


def test_version_uri_made_from_uri_and_version_and_help_column_guessed():
    codelist = read("erreichbarkeit.gc.xml")
    assert codelist.canonical_version_uri == "urn:de:xoev:codeliste:erreichbarkeit_2"
    assert (codelist.key_column, codelist.name_column, codelist.help_column) == (
        "Code",
        "Beschreibung",
        "Hilfe",
    )
    assert codelist.entries[0].help == "Adresse der elektronischen Post"


def test_given_keys_win_and_unknown_keys_warn():
    data = (DATA / "staatsangehoerigkeit.gc.xml").read_bytes()
    codelist = parse_genericode(data, code_key="iso", name_key="Staatsangehoerigkeit")
    assert codelist.key_column == "iso"
    # rows without an ISO code are skipped with a warning
    assert [e.code for e in codelist.entries] == ["DEU", "ALB", "FRA"]
    assert {w.code for w in codelist.warnings} == {"fim.genericode_row_without_code"}
    guessed = parse_genericode(data, code_key="gibtsnicht")
    assert guessed.key_column == "code"
    assert "fim.genericode_column_unknown" in {w.code for w in guessed.warnings}


def gc(
    body: str, ident: str = "<CanonicalUri>urn:test</CanonicalUri><Version>1</Version>"
) -> bytes:
    return f'<gc:CodeList xmlns:gc="{GC}"><Identification><ShortName>T</ShortName>{ident}</Identification>{body}</gc:CodeList>'.encode()


COLUMNS = '<ColumnSet><Column Id="k"/><Column Id="n"/></ColumnSet>'


def row(*values: str) -> str:
    return (
        "<Row>"
        + "".join(f"<Value><SimpleValue>{v}</SimpleValue></Value>" for v in values)
        + "</Row>"
    )


def test_duplicate_codes_and_empty_rows_warn():
    codelist = parse_genericode(
        gc(
            COLUMNS
            + "<SimpleCodeList>"
            + row("a", "A")
            + row("a", "B")
            + row("", "C")
            + "</SimpleCodeList>"
        )
    )
    assert [(e.code, e.name) for e in codelist.entries] == [("a", "A")]
    assert [w.code for w in codelist.warnings] == [
        "fim.genericode_duplicate_code",
        "fim.genericode_row_without_code",
    ]


def test_empty_list_warns():
    codelist = parse_genericode(gc(COLUMNS + "<SimpleCodeList/>"))
    assert codelist.entries == () and [w.code for w in codelist.warnings] == [
        "fim.genericode_empty"
    ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (gc(COLUMNS, ident="<Version>1</Version>"), "fim.genericode_no_uri"),
        (gc("<SimpleCodeList/>"), "fim.genericode_no_columns"),
        (b'<CodeList xmlns="urn:other"/>', "fim.not_genericode"),
        (f'<gc:CodeListSet xmlns:gc="{GC}"/>'.encode(), "fim.not_genericode"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            "fim.xml_doctype",
        ),
        (b"\x00\x01", "fim.xml_nul"),
        (b"<gc:CodeList", "fim.xml_malformed"),
    ],
)
def test_broken_code_lists_are_refused(data, code):
    with pytest.raises(FimError) as info:
        parse_genericode(data)
    assert info.value.code == code and info.value.message and info.value.message_en
