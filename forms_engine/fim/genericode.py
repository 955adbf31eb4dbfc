"""Read an OASIS genericode 1.0 code list (XRepository format) into a `FimCodeList`.

`parse_genericode(data, *, code_key="", name_key="", help_key="") -> FimCodeList`; the only
exception is `FimError`, warnings are on `FimCodeList.warnings`. Same XML safety as the
XDatenfelder parser (`_xml.parse_bytes`).

Columns: the code column is `code_key` when given (an XDF3 field's codeKey), else the
column of the first `Key/ColumnRef`, else the first column. The name column is `name_key`
when given, else the first column whose id or short name is one of NAME_COLUMNS
(case-insensitive), else a column named like the list's ShortName (umlauts folded: the
Destatis lists call it so), else the first column that is not the code column. The help column is
`help_key`, else a column named like HELP_COLUMNS, else none.
"""

from __future__ import annotations

from lxml import etree

from ._xml import local, namespace, parse_bytes, text_of
from .model import FimCode, FimCodeList, FimError, FimIssue

__all__ = ["parse_genericode", "GENERICODE_NS"]

GENERICODE_NS = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"
NAME_COLUMNS = (
    "beschreibung",
    "name",
    "bezeichnung",
    "wert",
    "text",
    "langform",
    "description",
    "label",
)
HELP_COLUMNS = ("hilfe", "hilfetext", "help", "erlaeuterung", "erläuterung", "hinweis")
MAX_ROWS = 100_000


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    if element is None:
        return None
    for child in element:
        if isinstance(child.tag, str) and local(child) == name:
            return child
    return None


def _children(element: etree._Element | None, name: str) -> list[etree._Element]:
    if element is None:
        return []
    return [child for child in element if isinstance(child.tag, str) and local(child) == name]


def _fold(text: str) -> str:
    """Lower case, umlauts as ae/oe/ue/ss: "Staatsangehörigkeit" == "Staatsangehoerigkeit"."""
    text = text.strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return text


def _text(element: etree._Element | None, name: str) -> str:
    return text_of(_child(element, name))


def parse_genericode(
    data: bytes, *, code_key: str = "", name_key: str = "", help_key: str = ""
) -> FimCodeList:
    root = parse_bytes(data, "Genericode")
    try:
        return _read(root, code_key, name_key, help_key)
    except FimError:
        raise
    except (RecursionError, MemoryError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise FimError(
            "fim.unreadable",
            f"Die Codeliste kann nicht gelesen werden ({exc.__class__.__name__}).",
            f"The code list cannot be read ({exc.__class__.__name__}).",
        ) from None


def _read(root: etree._Element, code_key: str, name_key: str, help_key: str) -> FimCodeList:
    if namespace(root) != GENERICODE_NS or local(root) != "CodeList":
        raise FimError(
            "fim.not_genericode",
            f"Die Datei ist keine Genericode-Codeliste (Wurzelelement <{local(root)}>, Namensraum "
            f"{namespace(root) or 'fehlt'}; erwartet CodeList in {GENERICODE_NS}).",
            f"The file is not a genericode code list (root element <{local(root)}>, namespace "
            f"{namespace(root) or 'missing'}; expected CodeList in {GENERICODE_NS}).",
            root.sourceline,
        )
    warnings: list[FimIssue] = []

    def warn(code: str, de: str, en: str) -> None:
        if len(warnings) < 100:
            warnings.append(FimIssue(code=code, message=de, message_en=en, fim_id=canonical_uri))

    ident = _child(root, "Identification")
    canonical_uri = _text(ident, "CanonicalUri")
    version = _text(ident, "Version")
    canonical_version_uri = _text(ident, "CanonicalVersionUri")
    if not canonical_uri:
        raise FimError(
            "fim.genericode_no_uri",
            "Die Codeliste hat keine CanonicalUri (Identification/CanonicalUri).",
            "The code list has no CanonicalUri (Identification/CanonicalUri).",
            root.sourceline,
        )
    if not canonical_version_uri and version:
        canonical_version_uri = f"{canonical_uri}_{version}"
    agency = _child(ident, "Agency")

    column_set = _child(root, "ColumnSet")
    columns: list[tuple[str, str]] = []  # (id, short name)
    for column in _children(column_set, "Column"):
        column_id = (column.get("Id") or "").strip()
        if column_id:
            columns.append((column_id, _text(column, "ShortName")))
    if not columns:
        raise FimError(
            "fim.genericode_no_columns",
            "Die Codeliste hat keine Spalten (ColumnSet/Column).",
            "The code list has no columns (ColumnSet/Column).",
            root.sourceline,
        )
    ids = [column_id for column_id, _ in columns]

    def by_name(names: tuple[str, ...], exclude: str) -> str:
        for column_id, short in columns:
            if column_id != exclude and (column_id.lower() in names or short.lower() in names):
                return column_id
        return ""

    def given(key: str, what: str) -> str:
        if not key:
            return ""
        if key in ids:
            return key
        warn(
            "fim.genericode_column_unknown",
            f"Die Spalte {key[:60]!r} ({what}) gibt es in der Codeliste nicht; sie wird geraten.",
            f"The column {key[:60]!r} ({what}) does not exist in the code list; it is guessed.",
        )
        return ""

    key_column = given(code_key, "codeKey")
    if not key_column:
        for key in _children(column_set, "Key"):
            ref = _child(key, "ColumnRef")
            if ref is not None and (ref.get("Ref") or "").strip() in ids:
                key_column = (ref.get("Ref") or "").strip()
                break
    key_column = key_column or ids[0]
    list_name = _fold(_text(ident, "ShortName"))
    name_column = (
        given(name_key, "nameKey")
        or by_name(NAME_COLUMNS, key_column)
        or next(
            (
                c
                for c, short in columns
                if c != key_column and list_name and list_name in (_fold(c), _fold(short))
            ),
            "",
        )
    )
    if not name_column:
        name_column = next((column_id for column_id in ids if column_id != key_column), key_column)
    help_column = given(help_key, "helpKey") or by_name(HELP_COLUMNS, key_column)
    if help_column == name_column:
        help_column = ""

    entries: list[FimCode] = []
    seen: set[str] = set()
    rows = [row for simple in _children(root, "SimpleCodeList") for row in _children(simple, "Row")]
    if len(rows) > MAX_ROWS:
        raise FimError(
            "fim.genericode_too_many_rows",
            f"Die Codeliste hat zu viele Zeilen (mehr als {MAX_ROWS}).",
            f"The code list has too many rows (more than {MAX_ROWS}).",
        )
    for number, row in enumerate(rows, start=1):
        values: dict[str, str] = {}
        for position, value in enumerate(_children(row, "Value")):
            ref = (value.get("ColumnRef") or "").strip()
            if not ref and position < len(ids):
                ref = ids[position]
            if ref:
                values[ref] = _text(value, "SimpleValue")
        code = values.get(key_column, "")
        if not code:
            warn(
                "fim.genericode_row_without_code",
                f"Zeile {number} der Codeliste hat keinen Code und wird übersprungen.",
                f"Row {number} of the code list has no code and is skipped.",
            )
            continue
        if code in seen:
            warn(
                "fim.genericode_duplicate_code",
                f"Der Code {code[:60]!r} kommt mehrmals vor; nur der erste Eintrag zählt.",
                f"The code {code[:60]!r} occurs more than once; only the first entry counts.",
            )
            continue
        seen.add(code)
        entries.append(
            FimCode(
                code=code,
                name=values.get(name_column, "") or code,
                help=values.get(help_column, "") if help_column else "",
            )
        )
    if not entries:
        warn(
            "fim.genericode_empty",
            "Die Codeliste enthält keine Einträge.",
            "The code list contains no entries.",
        )
    return FimCodeList(
        canonical_uri=canonical_uri,
        version=version,
        canonical_version_uri=canonical_version_uri,
        short_name=_text(ident, "ShortName"),
        long_name=_text(ident, "LongName"),
        agency=_text(agency, "LongName") or _text(agency, "ShortName"),
        key_column=key_column,
        name_column=name_column,
        help_column=help_column,
        columns=tuple(ids),
        entries=tuple(entries),
        warnings=tuple(warnings),
    )
