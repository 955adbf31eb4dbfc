"""The parsed form of a FIM XDatenfelder message (1.0, 2.0, 3.0.0) and of a genericode list.

Pure data: frozen dataclasses, tuples instead of lists, every FIM id and version kept as
written in the XML (strings; XDF1 has no versions: ""). Texts are stripped of surrounding
whitespace; an absent or empty element is "" (never None), so a consumer can test `if x`.

Shapes (docs/fim.md):
- `FimSchema` is the message: a schema message (`message_kind == "schema"`), a group message
  (`"group"`: the group itself is the schema's only child, cardinality 1:1, and the schema's
  own id/version/labels repeat the group's) or a data-field message (`"field"`, same idea).
- `FimGroup.children` / `FimSchema.children` are `FimElement`s: a cardinality (`min`, `max`,
  None for "*") around exactly one `FimField` or `FimGroup` (XDatenfelder `struktur`).
- `FimField` carries feldart, datentyp, the praezisierung constraints (raw strings for the
  values, ints for lengths), the code-list reference and XDF3 inline values.
- `FimRule`: documentation of a rule (free text, script), never executed.
- `FimIssue`: a warning of the parser (what it could not read or had to guess).
- `FimError`: the only exception `parse_xdf` / `parse_genericode` raise.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "FimCode",
    "FimCodeList",
    "FimCodeListRef",
    "FimElement",
    "FimError",
    "FimField",
    "FimGroup",
    "FimIssue",
    "FimRelation",
    "FimRule",
    "FimSchema",
    "FimValue",
]

XDF_VERSIONS = ("1.0", "2.0", "3.0.0")
MESSAGE_KINDS = ("schema", "group", "field")


class FimError(Exception):
    """A message that cannot be read (broken or hostile XML, wrong standard, too large).

    `code` is stable (e.g. "fim.xml_malformed"), `message` German, `message_en` English,
    `line` the line of the XML where the problem was found, when known."""

    def __init__(self, code: str, message: str, message_en: str, line: int | None = None):
        super().__init__(message_en)
        self.code = code
        self.message = message
        self.message_en = message_en
        self.line = line

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
            "line": self.line,
        }

    def __repr__(self) -> str:
        return f"FimError({self.code!r}, {self.message_en!r}, line={self.line!r})"


@dataclass(frozen=True, kw_only=True)
class FimIssue:
    """A parser warning: the message was read, but something in it was ignored or guessed.

    `fim_id` is the id of the element concerned (field, group, rule, schema) when known;
    `path` the chain of ids from the schema down to it, joined with "/" (e.g.
    "S00000121/G00000630/F00000013"). `pointer`: set by the converter (convert.py), the JSON
    pointer into the process definition it made (e.g. "/steps/0/schema/properties/F00000013")."""

    code: str
    message: str
    message_en: str
    fim_id: str = ""
    path: str = ""
    pointer: str = ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
            "fim_id": self.fim_id,
            "path": self.path,
            "pointer": self.pointer,
        }


@dataclass(frozen=True, kw_only=True)
class FimRelation:
    """XDF3 `relation`: predicate code (ABL, ERS, EQU, VKN) and the related object's id/version."""

    praedikat: str
    id: str
    version: str = ""


@dataclass(frozen=True, kw_only=True)
class _Meta:
    """Metadata common to schema, group, field and rule (XDatenfelder "Basisdaten")."""

    id: str
    version: str = ""
    name: str = ""
    bezeichnung_eingabe: str = ""
    bezeichnung_ausgabe: str = ""
    beschreibung: str = ""
    definition: str = ""
    # Legal bases: XDF1/2 have one `bezug` text (kept as one entry when not empty);
    # XDF3 may repeat `bezug` and give each a `link` attribute.
    bezug: tuple[str, ...] = ()
    # Same length as `bezug`: the XDF3 `link` of each entry, "" when none.
    bezug_links: tuple[str, ...] = ()
    hilfetext_eingabe: str = ""
    hilfetext_ausgabe: str = ""
    # XDF1/2: status code (inVorbereitung | aktiv | inaktiv); XDF3: freigabestatus code "1".."8".
    status: str = ""
    schemaelementart: str = ""  # ABS | HAR | RNG
    versionshinweis: str = ""
    fachlicher_ersteller: str = ""
    gueltig_ab: str = ""
    gueltig_bis: str = ""
    freigabedatum: str = ""
    veroeffentlichungsdatum: str = ""
    letzte_aenderung: str = ""  # XDF3
    stichwort: tuple[str, ...] = ()  # XDF3
    relations: tuple[FimRelation, ...] = ()  # XDF3

    @property
    def label(self) -> str:
        """What a person sees: bezeichnungEingabe, else the internal name, else the id."""
        return self.bezeichnung_eingabe or self.name or self.id

    @property
    def output_label(self) -> str:
        """The label for output (case file): bezeichnungAusgabe, else `label`."""
        return self.bezeichnung_ausgabe or self.label


@dataclass(frozen=True, kw_only=True)
class FimRule(_Meta):
    """A rule (`regel`), kept as documentation. `freitext` is XDF3 `freitextRegel`;
    `script` is XDF2 `script` or XDF3 `skript`; `typ` the XDF3 type code (K, M, V, B)."""

    freitext: str = ""
    script: str = ""
    typ: str = ""


@dataclass(frozen=True, kw_only=True)
class FimCodeListRef:
    """Which code list a select field uses.

    XDF2: `codelisteReferenz/identifikation/id` (a C id) and genericodeIdentification
    (canonicalIdentification → `canonical_uri`, version, canonicalVersionUri).
    XDF3: the same plus `code_key`/`name_key`/`help_key` (genericode column ids).
    XDF1: `codeliste` with id, kennung (→ `canonical_uri`), version, name, langname.
    `canonical_version_uri` is filled from canonical_uri + "_" + version when the XML does
    not give it (XDF1, XDF3) and both are known."""

    id: str = ""
    version_id: str = ""  # the C id's own version (XDF3 identifikation/version), rarely set
    canonical_uri: str = ""
    version: str = ""
    canonical_version_uri: str = ""
    code_key: str = ""
    name_key: str = ""
    help_key: str = ""
    name: str = ""
    long_name: str = ""

    @property
    def key(self) -> str:
        """The key to look the list up by: canonical_version_uri, else canonical_uri, else id."""
        return self.canonical_version_uri or self.canonical_uri or self.id


@dataclass(frozen=True, kw_only=True)
class FimValue:
    """An XDF3 inline value (`werte/wert`): code, name, help."""

    code: str
    name: str = ""
    help: str = ""


@dataclass(frozen=True, kw_only=True)
class FimField(_Meta):
    """A data field (`datenfeld`)."""

    # input | select | label (XDF3 also hidden | locked); lower-case as written.
    feldart: str = ""
    # text | date | bool | num | num_int | num_currency | file | obj
    # (XDF3 also text_latin | time | datetime)
    datentyp: str = ""
    # praezisierung: lengths as ints, values as the raw strings (a min/max value may be a
    # number or, for dates, a date), pattern as written. None when not given.
    min_length: int | None = None
    max_length: int | None = None
    min_value: str | None = None
    max_value: str | None = None
    pattern: str | None = None
    # The praezisierung as written: XDF2 JSON text, XDF3 element text (attributes parsed above).
    praezisierung_raw: str = ""
    inhalt: str = ""  # default value, or for `label` fields the text shown
    vorbefuellung: str = ""  # XDF3: keine | optional | verpflichtend
    codeliste: FimCodeListRef | None = None
    werte: tuple[FimValue, ...] = ()  # XDF3 inline values
    max_size: int | None = None  # XDF3, bytes as written
    media_types: tuple[str, ...] = ()  # XDF3 mediaType (repeatable)
    rules: tuple[FimRule, ...] = ()

    @property
    def is_label(self) -> bool:
        return self.feldart == "label"

    @property
    def is_select(self) -> bool:
        return self.feldart == "select"


@dataclass(frozen=True, kw_only=True)
class FimElement:
    """One `struktur`: a cardinality around one field or group.

    `min`/`max` from `anzahl` "min:max" (max None for "*"). `bezug` is the struktur's own
    legal basis (XDF3 may give several)."""

    min: int = 1
    max: int | None = 1
    element: FimField | FimGroup
    bezug: tuple[str, ...] = ()

    @property
    def anzahl(self) -> str:
        return f"{self.min}:{'*' if self.max is None else self.max}"

    @property
    def required(self) -> bool:
        return self.min >= 1

    @property
    def repeatable(self) -> bool:
        """True when more than one occurrence is allowed: the data is a list."""
        return self.max is None or self.max > 1

    @property
    def is_group(self) -> bool:
        return isinstance(self.element, FimGroup)

    @property
    def id(self) -> str:
        return self.element.id


@dataclass(frozen=True, kw_only=True)
class FimGroup(_Meta):
    """A data group (`datenfeldgruppe`) with its children in document order."""

    children: tuple[FimElement, ...] = ()
    rules: tuple[FimRule, ...] = ()

    def iter_elements(self) -> Iterator[FimElement]:
        return _iter_elements(self.children)


@dataclass(frozen=True, kw_only=True)
class FimSchema(_Meta):
    """A parsed XDatenfelder message (see the module docstring for the three kinds)."""

    xdf_version: str  # "1.0" | "2.0" | "3.0.0"
    message_kind: str = "schema"  # "schema" | "group" | "field"
    message_id: str = ""  # header nachrichtID
    created_at: str = ""  # header erstellungszeitpunkt (XDF1: datum)
    ableitungsmodifikationen_struktur: str = ""
    ableitungsmodifikationen_repraesentation: str = ""
    steckbrief_id: str = ""  # XDF3 dokumentsteckbrief id
    steckbrief_version: str = ""
    children: tuple[FimElement, ...] = ()
    rules: tuple[FimRule, ...] = ()
    warnings: tuple[FimIssue, ...] = ()

    def iter_elements(self) -> Iterator[FimElement]:
        """Every FimElement below the schema, depth first, in document order."""
        return _iter_elements(self.children)

    def iter_fields(self) -> Iterator[FimField]:
        for element in self.iter_elements():
            if isinstance(element.element, FimField):
                yield element.element

    def iter_groups(self) -> Iterator[FimGroup]:
        for element in self.iter_elements():
            if isinstance(element.element, FimGroup):
                yield element.element

    def iter_rules(self) -> Iterator[FimRule]:
        """Every rule of the schema, its groups and fields (a rule used twice appears twice)."""
        yield from self.rules
        for element in self.iter_elements():
            yield from element.element.rules

    def codelist_refs(self) -> list[FimCodeListRef]:
        """The distinct code-list references of the select fields, by `key`, in order."""
        seen: dict[str, FimCodeListRef] = {}
        for f in self.iter_fields():
            if f.codeliste is not None and f.codeliste.key and f.codeliste.key not in seen:
                seen[f.codeliste.key] = f.codeliste
        return list(seen.values())


def _iter_elements(children: tuple[FimElement, ...]) -> Iterator[FimElement]:
    for element in children:
        yield element
        if isinstance(element.element, FimGroup):
            yield from _iter_elements(element.element.children)


@dataclass(frozen=True, kw_only=True)
class FimCode:
    """One entry of a code list."""

    code: str
    name: str = ""
    help: str = ""


@dataclass(frozen=True, kw_only=True)
class FimCodeList:
    """A genericode code list (OASIS genericode 1.0).

    `canonical_uri` (Identification/CanonicalUri), `version`, `canonical_version_uri`
    (CanonicalVersionUri, or canonical_uri + "_" + version when absent), `short_name`,
    `long_name`; `entries` in document order; `key_column`/`name_column`/`help_column`
    the column ids chosen; `columns` every column id of the ColumnSet."""

    canonical_uri: str
    version: str = ""
    canonical_version_uri: str = ""
    short_name: str = ""
    long_name: str = ""
    agency: str = ""
    key_column: str = ""
    name_column: str = ""
    help_column: str = ""
    columns: tuple[str, ...] = ()
    entries: tuple[FimCode, ...] = ()
    warnings: tuple[FimIssue, ...] = ()

    @property
    def key(self) -> str:
        return self.canonical_version_uri or self.canonical_uri

    @property
    def codes(self) -> list[str]:
        return [entry.code for entry in self.entries]
