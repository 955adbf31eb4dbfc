"""Read an XDatenfelder message (1.0 legacy, 2.0, 3.0.0) into a `FimSchema`.

`parse_xdf(data: bytes) -> FimSchema`. Warnings (what was ignored or guessed) are on
`FimSchema.warnings` (tuple of `FimIssue`); the only exception is `FimError`.

Detection: the namespace of the root element gives the version
(`urn:xoev-de:fim:standard:xdatenfelder_1` → "1.0", `…_2` → "2.0", `…_3.0.0` → "3.0.0"),
the content element below the root (after `header`) the kind: `stammdatenschema` (schema
message), `datenfeldgruppe` (group message) or `datenfeld` (data-field message). A group or
field message becomes a FimSchema with the message's element as its only child (1:1) and
the element's id, version and texts as the schema's. See docs/fim.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from lxml import etree

from ._xml import local, namespace, parse_bytes, text_of
from .model import (
    FimCodeListRef,
    FimElement,
    FimError,
    FimField,
    FimGroup,
    FimIssue,
    FimRelation,
    FimRule,
    FimSchema,
    FimValue,
)

__all__ = ["parse_xdf", "NAMESPACES", "FELDARTEN", "DATENTYPEN"]

NAMESPACES = {
    "urn:xoev-de:fim:standard:xdatenfelder_1": "1.0",
    "urn:xoev-de:fim:standard:xdatenfelder_2": "2.0",
    "urn:xoev-de:fim:standard:xdatenfelder_3.0.0": "3.0.0",
}
FELDARTEN = {
    "1.0": ("input", "select", "label"),
    "2.0": ("input", "select", "label"),
    "3.0.0": ("input", "select", "label", "hidden", "locked"),
}
DATENTYPEN = {
    "1.0": ("text", "date", "bool", "num", "num_int", "num_currency", "file", "obj"),
    "2.0": ("text", "date", "bool", "num", "num_int", "num_currency", "file", "obj"),
    "3.0.0": (
        "text",
        "text_latin",
        "date",
        "time",
        "datetime",
        "bool",
        "num",
        "num_int",
        "num_currency",
        "file",
        "obj",
    ),
}
PRAEZISIERUNG_KEYS = ("minLength", "maxLength", "minValue", "maxValue", "pattern")
# An id becomes a JSON property name and an XML element name: letters, digits, "_", "-", ".".
ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$")
ANZAHL_RE = re.compile(r"^(\d{1,6}):(\d{1,6}|\*)$")
MAX_WARNINGS = 1000

# Child elements the parser reads (anything else below a field/group/rule is reported once
# per element name as `fim.element_ignored`).
_META = {
    "identifikation",
    "id",
    "version",
    "name",
    "bezeichnungEingabe",
    "bezeichnungAusgabe",
    "bezeichnung",
    "beschreibung",
    "definition",
    "bezug",
    "hilfetextEingabe",
    "hilfetextAusgabe",
    "status",
    "freigabestatus",
    "schemaelementart",
    "versionshinweis",
    "fachlicherErsteller",
    "gueltigAb",
    "gueltigBis",
    "freigabedatum",
    "veroeffentlichungsdatum",
    "letzteAenderung",
    "stichwort",
    "relation",
    "statusGesetztAm",
    "statusGesetztDurch",
}
_GROUP = _META | {"struktur", "regel", "art"}
_FIELD = _META | {
    "feldart",
    "datentyp",
    "praezisierung",
    "inhalt",
    "vorbefuellung",
    "codelisteReferenz",
    "codeliste",
    "codeKey",
    "nameKey",
    "helpKey",
    "werte",
    "maxSize",
    "mediaType",
    "regel",
}
_SCHEMA = _GROUP | {
    "ableitungsmodifikationenStruktur",
    "ableitungsmodifikationenRepraesentation",
    "dokumentsteckbrief",
    "hilfetext",
}
_RULE = _META | {"script", "skript", "freitextRegel", "typ", "param", "ziel", "fehler"}


def parse_xdf(data: bytes) -> FimSchema:
    """Parse an XDatenfelder message. Raises only `FimError` (see the module docstring)."""
    root = parse_bytes(data, "XDatenfelder")
    try:
        return _Reader(root).read()
    except FimError:
        raise
    except (RecursionError, MemoryError, ValueError, TypeError, KeyError, AttributeError) as exc:
        # A safety net: the reader is written not to fail, but no input may escape as
        # anything but FimError.
        raise FimError(
            "fim.unreadable",
            f"Die XDatenfelder-Nachricht kann nicht gelesen werden ({exc.__class__.__name__}).",
            f"The XDatenfelder message cannot be read ({exc.__class__.__name__}).",
        ) from None


class _Reader:
    def __init__(self, root: etree._Element):
        self.root = root
        self.warnings: list[FimIssue] = []
        self.version = ""
        self._ignored_reported: set[tuple[str, str]] = set()
        # keeps the element proxies alive, so each is the same key while parsing
        self._index: dict[etree._Element, dict[str, list[etree._Element]]] = {}

    # -- helpers -----------------------------------------------------------------------

    def warn(self, code: str, de: str, en: str, fim_id: str = "", path: str = "") -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(
                FimIssue(code=code, message=de, message_en=en, fim_id=fim_id, path=path)
            )
        elif len(self.warnings) == MAX_WARNINGS:
            self.warnings.append(
                FimIssue(
                    code="fim.too_many_warnings",
                    message=f"Mehr als {MAX_WARNINGS} Warnungen; weitere werden nicht angezeigt.",
                    message_en=f"More than {MAX_WARNINGS} warnings; further ones are not shown.",
                )
            )

    def kids(self, element: etree._Element) -> list[etree._Element]:
        return [child for child in element if isinstance(child.tag, str)]

    def index(self, element: etree._Element) -> dict[str, list[etree._Element]]:
        """The element's children by local name (built once per element)."""
        cached = self._index.get(element)
        if cached is None:
            cached = {}
            for child in element:
                if isinstance(child.tag, str):
                    cached.setdefault(local(child), []).append(child)
            self._index[element] = cached
        return cached

    def child(self, element: etree._Element, name: str) -> etree._Element | None:
        found = self.index(element).get(name)
        return found[0] if found else None

    def children_named(self, element: etree._Element, name: str) -> list[etree._Element]:
        return self.index(element).get(name, [])

    def text(self, element: etree._Element, name: str) -> str:
        """Text of the first non-empty child `name` (XDF3 test files repeat `inhalt`)."""
        for child in self.children_named(element, name):
            value = text_of(child)
            if value:
                return value
        return ""

    def code(self, element: etree._Element, name: str) -> str:
        """A code-typed child (`<xdf:feldart><code>input</code></xdf:feldart>`)."""
        node = self.child(element, name)
        if node is None:
            return ""
        code = self.child(node, "code")
        return text_of(code if code is not None else node)

    def report_ignored(
        self, element: etree._Element, known: set[str], fim_id: str, path: str
    ) -> None:
        for child in self.kids(element):
            name = local(child)
            if name not in known and (name, fim_id) not in self._ignored_reported:
                self._ignored_reported.add((name, fim_id))
                self.warn(
                    "fim.element_ignored",
                    f"Das Element <{name}> wird nicht gelesen.",
                    f"The element <{name}> is not read.",
                    fim_id,
                    path,
                )

    # -- message -----------------------------------------------------------------------

    def read(self) -> FimSchema:
        root = self.root
        ns = namespace(root)
        if ns not in NAMESPACES:
            if "xdatenfelder" in ns:
                raise FimError(
                    "fim.xdf_version_unsupported",
                    f"Diese XDatenfelder-Version wird nicht unterstützt (Namensraum {ns}).",
                    f"This XDatenfelder version is not supported (namespace {ns}).",
                    root.sourceline,
                )
            raise FimError(
                "fim.not_xdatenfelder",
                "Die Datei ist keine XDatenfelder-Nachricht (Namensraum "
                f"{ns or 'fehlt'}; erwartet urn:xoev-de:fim:standard:xdatenfelder_2, _3.0.0 oder _1).",
                "The file is not an XDatenfelder message (namespace "
                f"{ns or 'missing'}; expected urn:xoev-de:fim:standard:xdatenfelder_2, _3.0.0 or _1).",
                root.sourceline,
            )
        self.version = NAMESPACES[ns]
        if not local(root).startswith("xdatenfelder."):
            raise FimError(
                "fim.message_unsupported",
                f"Unbekannte XDatenfelder-Nachricht <{local(root)}>.",
                f"Unknown XDatenfelder message <{local(root)}>.",
                root.sourceline,
            )
        header = self.child(root, "header")
        message_id = created_at = header_version = ""
        if header is not None:
            message_id = self.text(header, "nachrichtID")
            created_at = self.text(header, "erstellungszeitpunkt") or self.text(header, "datum")
            header_version = self.text(header, "version")
        found = [
            (kind, node)
            for kind, name in (
                ("schema", "stammdatenschema"),
                ("group", "datenfeldgruppe"),
                ("field", "datenfeld"),
            )
            if (node := self.child(root, name)) is not None
        ]
        if not found:
            raise FimError(
                "fim.message_unsupported",
                f"Die Nachricht <{local(root)}> enthält kein Datenschema, keine Datenfeldgruppe und kein Datenfeld.",
                f"The message <{local(root)}> contains no data schema, data group or data field.",
                root.sourceline,
            )
        kind, content = found[0]
        common = {
            "xdf_version": self.version,
            "message_kind": kind,
            "message_id": message_id,
            "created_at": created_at,
        }
        if kind == "schema":
            meta = self.meta(content, "", required=True)
            if not meta["version"] and self.version == "1.0":
                meta["version"] = header_version
            path = meta["id"]
            self.report_ignored(content, _SCHEMA, meta["id"], path)
            steckbrief = self.child(content, "dokumentsteckbrief")
            steckbrief_id = steckbrief_version = ""
            if steckbrief is not None:
                ident = self.child(steckbrief, "identifikation")
                source = ident if ident is not None else steckbrief
                steckbrief_id, steckbrief_version = (
                    self.text(source, "id"),
                    self.text(source, "version"),
                )
            children = self.structure(content, path)
            rules = self.rules(content, path)
            return FimSchema(
                **meta,
                **common,
                ableitungsmodifikationen_struktur=self.code(
                    content, "ableitungsmodifikationenStruktur"
                ),
                ableitungsmodifikationen_repraesentation=self.code(
                    content, "ableitungsmodifikationenRepraesentation"
                ),
                steckbrief_id=steckbrief_id,
                steckbrief_version=steckbrief_version,
                children=children,
                rules=rules,
                warnings=tuple(self.warnings),
            )
        reader: Callable[[etree._Element, str], FimGroup | FimField | None]
        reader = self.group if kind == "group" else self.field
        element = reader(content, "")
        if element is None:
            raise FimError(
                "fim.missing_id",
                "Das Element der Nachricht hat keine gültige Kennung (id).",
                "The message's element has no valid identifier (id).",
                content.sourceline,
            )
        meta = self.meta(content, "", required=True)
        return FimSchema(
            **meta,
            **common,
            children=(FimElement(min=1, max=1, element=element),),
            warnings=tuple(self.warnings),
        )

    # -- common metadata -------------------------------------------------------------

    def identification(self, element: etree._Element) -> tuple[str, str]:
        ident = self.child(element, "identifikation")
        if ident is not None:
            return self.text(ident, "id"), self.text(ident, "version")
        # XDF1: id (and sometimes version) directly on the element
        return self.text(element, "id"), self.text(element, "version")

    def meta(self, element: etree._Element, parent_path: str, *, required: bool = False) -> dict:
        fim_id, version = self.identification(element)
        if required and not ID_RE.match(fim_id):
            raise FimError(
                "fim.missing_id",
                f"Das Element <{local(element)}> hat keine gültige Kennung (id: {fim_id[:70]!r}).",
                f"The element <{local(element)}> has no valid identifier (id: {fim_id[:70]!r}).",
                element.sourceline,
            )
        bezug: list[str] = []
        links: list[str] = []
        for node in self.children_named(element, "bezug"):
            value = text_of(node)
            if value:
                bezug.append(value)
                links.append((node.get("link") or "").strip())
        status = self.code(element, "status") or self.code(element, "freigabestatus")
        relations = []
        for node in self.children_named(element, "relation"):
            obj = self.child(node, "objekt")
            relations.append(
                FimRelation(
                    praedikat=self.code(node, "praedikat"),
                    id=self.text(obj, "id") if obj is not None else "",
                    version=self.text(obj, "version") if obj is not None else "",
                )
            )
        return {
            "id": fim_id,
            "version": version,
            "name": self.text(element, "name"),
            # XDF3 schemas say `bezeichnung` and `hilfetext`
            "bezeichnung_eingabe": self.text(element, "bezeichnungEingabe")
            or self.text(element, "bezeichnung"),
            "bezeichnung_ausgabe": self.text(element, "bezeichnungAusgabe"),
            "beschreibung": self.text(element, "beschreibung"),
            "definition": self.text(element, "definition"),
            "bezug": tuple(bezug),
            "bezug_links": tuple(links),
            "hilfetext_eingabe": self.text(element, "hilfetextEingabe")
            or self.text(element, "hilfetext"),
            "hilfetext_ausgabe": self.text(element, "hilfetextAusgabe"),
            "status": status,
            "schemaelementart": self.code(element, "schemaelementart"),
            "versionshinweis": self.text(element, "versionshinweis"),
            "fachlicher_ersteller": self.text(element, "fachlicherErsteller"),
            "gueltig_ab": self.text(element, "gueltigAb"),
            "gueltig_bis": self.text(element, "gueltigBis"),
            "freigabedatum": self.text(element, "freigabedatum"),
            "veroeffentlichungsdatum": self.text(element, "veroeffentlichungsdatum"),
            "letzte_aenderung": self.text(element, "letzteAenderung"),
            "stichwort": tuple(
                v for v in (text_of(n) for n in self.children_named(element, "stichwort")) if v
            ),
            "relations": tuple(relations),
        }

    def valid_id(self, element: etree._Element, parent_path: str) -> str | None:
        fim_id, _version = self.identification(element)
        if ID_RE.match(fim_id):
            return fim_id
        self.warn(
            "fim.element_without_id",
            f"Ein <{local(element)}> ohne gültige Kennung (id {fim_id[:70]!r}, Zeile {element.sourceline}) wurde übersprungen.",
            f"A <{local(element)}> without a valid identifier (id {fim_id[:70]!r}, line {element.sourceline}) was skipped.",
            "",
            parent_path,
        )
        return None

    # -- structure ---------------------------------------------------------------------

    def structure(self, element: etree._Element, path: str) -> tuple[FimElement, ...]:
        result: list[FimElement] = []
        seen: set[str] = set()
        for struktur in self.children_named(element, "struktur"):
            enthaelt = self.child(struktur, "enthaelt")
            inner = (
                [c for c in self.kids(enthaelt) if local(c) in ("datenfeld", "datenfeldgruppe")]
                if enthaelt is not None
                else []
            )
            if len(inner) != 1:
                self.warn(
                    "fim.struktur_invalid",
                    f"Eine <struktur> (Zeile {struktur.sourceline}) enthält nicht genau ein Datenfeld oder eine Datenfeldgruppe und wurde übersprungen.",
                    f"A <struktur> (line {struktur.sourceline}) does not contain exactly one data field or data group and was skipped.",
                    "",
                    path,
                )
                if not inner:
                    continue
            node = inner[0]
            child = (
                self.group(node, path)
                if local(node) == "datenfeldgruppe"
                else self.field(node, path)
            )
            if child is None:
                continue
            child_path = f"{path}/{child.id}"
            minimum, maximum = self.anzahl(self.text(struktur, "anzahl"), child.id, child_path)
            bezug = tuple(
                v for v in (text_of(n) for n in self.children_named(struktur, "bezug")) if v
            )
            if child.id in seen:
                self.warn(
                    "fim.duplicate_child",
                    f"{child.id} kommt in derselben Gruppe mehrmals vor.",
                    f"{child.id} occurs more than once in the same group.",
                    child.id,
                    child_path,
                )
            seen.add(child.id)
            result.append(FimElement(min=minimum, max=maximum, element=child, bezug=bezug))
        return tuple(result)

    def anzahl(self, value: str, fim_id: str, path: str) -> tuple[int, int | None]:
        match = ANZAHL_RE.match(value.replace(" ", ""))
        if not match:
            self.warn(
                "fim.anzahl_invalid",
                f"Ungültige Anzahl {value[:40]!r} bei {fim_id}; 1:1 angenommen.",
                f"Invalid cardinality {value[:40]!r} for {fim_id}; 1:1 assumed.",
                fim_id,
                path,
            )
            return 1, 1
        minimum = int(match.group(1))
        maximum = None if match.group(2) == "*" else int(match.group(2))
        if maximum is not None and (maximum < minimum or maximum == 0):
            self.warn(
                "fim.anzahl_invalid",
                f"Ungültige Anzahl {value[:40]!r} bei {fim_id} (Höchstzahl kleiner als Mindestzahl oder 0); {minimum}:{max(minimum, 1)} angenommen.",
                f"Invalid cardinality {value[:40]!r} for {fim_id} (maximum below minimum or 0); {minimum}:{max(minimum, 1)} assumed.",
                fim_id,
                path,
            )
            maximum = max(minimum, 1)
        return minimum, maximum

    def group(self, element: etree._Element, parent_path: str) -> FimGroup | None:
        fim_id = self.valid_id(element, parent_path)
        if fim_id is None:
            return None
        path = f"{parent_path}/{fim_id}" if parent_path else fim_id
        meta = self.meta(element, parent_path)
        self.report_ignored(element, _GROUP, fim_id, path)
        children = self.structure(element, path)
        if not children:
            self.warn(
                "fim.group_empty",
                f"Die Datenfeldgruppe {fim_id} enthält keine Elemente.",
                f"The data group {fim_id} contains no elements.",
                fim_id,
                path,
            )
        return FimGroup(**meta, children=children, rules=self.rules(element, path))

    def rules(self, element: etree._Element, path: str) -> tuple[FimRule, ...]:
        result = []
        for node in self.children_named(element, "regel"):
            fim_id = self.valid_id(node, path)
            if fim_id is None:
                continue
            meta = self.meta(node, path)
            self.report_ignored(node, _RULE, fim_id, f"{path}/{fim_id}")
            result.append(
                FimRule(
                    **meta,
                    freitext=self.text(node, "freitextRegel"),
                    script=self.text(node, "skript") or self.text(node, "script"),
                    typ=self.code(node, "typ"),
                )
            )
        return tuple(result)

    # -- fields ------------------------------------------------------------------------

    def field(self, element: etree._Element, parent_path: str) -> FimField | None:
        fim_id = self.valid_id(element, parent_path)
        if fim_id is None:
            return None
        path = f"{parent_path}/{fim_id}" if parent_path else fim_id
        meta = self.meta(element, parent_path)
        self.report_ignored(element, _FIELD, fim_id, path)
        feldart = self.coded(element, "feldart", FELDARTEN, "input", fim_id, path)
        datentyp = self.coded(element, "datentyp", DATENTYPEN, "text", fim_id, path)
        codeliste = self.codeliste(element)
        constraints, raw = self.praezisierung(
            element, fim_id, path, legacy_select=feldart == "select"
        )
        if constraints.pop("codelist_name", None) and codeliste is None:
            # XDF1 names the code list of some select fields only in the praezisierung.
            codeliste = FimCodeListRef(name=raw)
            self.warn(
                "fim.codelist_name_only",
                f"Das Auswahlfeld {fim_id} nennt nur den Namen einer Codeliste ({raw[:60]!r}), keine Kennung.",
                f"The select field {fim_id} names a code list only by name ({raw[:60]!r}), without an identifier.",
                fim_id,
                path,
            )
        werte = self.werte(element)
        if (
            feldart == "select"
            and (codeliste is None or not (codeliste.key or codeliste.name))
            and not werte
        ):
            self.warn(
                "fim.codelist_missing",
                f"Das Auswahlfeld {fim_id} nennt keine Codeliste und keine Werte.",
                f"The select field {fim_id} names no code list and no values.",
                fim_id,
                path,
            )
        max_size = None
        max_size_text = self.text(element, "maxSize")
        if max_size_text:
            if max_size_text.isdigit() and len(max_size_text) <= 15:
                max_size = int(max_size_text)
            else:
                self.warn(
                    "fim.max_size_invalid",
                    f"Ungültige maxSize {max_size_text[:40]!r} bei {fim_id}.",
                    f"Invalid maxSize {max_size_text[:40]!r} for {fim_id}.",
                    fim_id,
                    path,
                )
        media_types = tuple(
            v for v in (text_of(n) for n in self.children_named(element, "mediaType")) if v
        )
        return FimField(
            **meta,
            feldart=feldart,
            datentyp=datentyp,
            **constraints,
            praezisierung_raw=raw,
            inhalt=self.text(element, "inhalt"),
            vorbefuellung=self.code(element, "vorbefuellung"),
            codeliste=codeliste,
            werte=werte,
            max_size=max_size,
            media_types=media_types,
            rules=self.rules(element, path),
        )

    def praezisierung(
        self, element: etree._Element, fim_id: str, path: str, *, legacy_select: bool = False
    ) -> tuple[dict, str]:
        node = self.child(element, "praezisierung")
        if node is None:
            return {}, ""
        raw = text_of(node)
        values: dict[str, object] = {}
        attributes = {k: v for k, v in node.attrib.items() if k in PRAEZISIERUNG_KEYS}
        if attributes:
            values.update(attributes)
        elif raw and self.version != "3.0.0":
            try:
                parsed = json.loads(raw)
            except (ValueError, RecursionError):
                parsed = None
            if not isinstance(parsed, dict):
                if (
                    legacy_select
                    and self.version == "1.0"
                    and not raw.lstrip().startswith(("{", "["))
                ):
                    return {"codelist_name": True}, raw
                self.warn(
                    "fim.praezisierung_invalid",
                    f"Die Präzisierung von {fim_id} ist kein JSON-Objekt ({raw[:60]!r}) und wird ignoriert.",
                    f"The praezisierung of {fim_id} is not a JSON object ({raw[:60]!r}) and is ignored.",
                    fim_id,
                    path,
                )
                return {}, raw
            for key, value in parsed.items():
                if key in PRAEZISIERUNG_KEYS:
                    values[key] = value
                else:
                    self.warn(
                        "fim.praezisierung_unknown_key",
                        f"Unbekannte Angabe {str(key)[:40]!r} in der Präzisierung von {fim_id} wird ignoriert.",
                        f"Unknown key {str(key)[:40]!r} in the praezisierung of {fim_id} is ignored.",
                        fim_id,
                        path,
                    )
        result: dict[str, object] = {}
        for key, target in (("minLength", "min_length"), ("maxLength", "max_length")):
            if key not in values:
                continue
            value = values[key]
            text = (
                str(value).strip()
                if isinstance(value, str | int) and not isinstance(value, bool)
                else ""
            )
            if text.isdigit() and len(text) <= 9:
                result[target] = int(text)
            elif text != "":
                self.warn(
                    "fim.praezisierung_invalid",
                    f"{key} von {fim_id} ist keine ganze Zahl ({str(value)[:40]!r}) und wird ignoriert.",
                    f"{key} of {fim_id} is not a whole number ({str(value)[:40]!r}) and is ignored.",
                    fim_id,
                    path,
                )
        for key, target in (("minValue", "min_value"), ("maxValue", "max_value")):
            if key not in values:
                continue
            value = values[key]
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.warn(
                    "fim.praezisierung_invalid",
                    f"{key} von {fim_id} ist kein Wert ({str(value)[:40]!r}) und wird ignoriert.",
                    f"{key} of {fim_id} is not a value ({str(value)[:40]!r}) and is ignored.",
                    fim_id,
                    path,
                )
                continue
            text = str(value).strip()[:100]
            if text:
                result[target] = text
        if "pattern" in values:
            pattern = values["pattern"]
            if isinstance(pattern, str) and pattern:
                try:
                    re.compile(pattern)
                except (re.error, RecursionError, OverflowError):
                    self.warn(
                        "fim.pattern_invalid",
                        f"Das Muster von {fim_id} ist kein gültiger regulärer Ausdruck ({pattern[:60]!r}).",
                        f"The pattern of {fim_id} is not a valid regular expression ({pattern[:60]!r}).",
                        fim_id,
                        path,
                    )
                result["pattern"] = pattern
        if (
            result.get("min_length") is not None
            and result.get("max_length") is not None
            and result["min_length"] > result["max_length"]
        ):
            self.warn(
                "fim.praezisierung_invalid",
                f"minLength ist bei {fim_id} größer als maxLength.",
                f"minLength is greater than maxLength for {fim_id}.",
                fim_id,
                path,
            )
        return result, raw

    def coded(self, element, name: str, known: dict, default: str, fim_id: str, path: str) -> str:
        """A field's code (feldart, datentyp): a warning and `default` when missing, a
        warning when not one of the XDatenfelder version's codes."""
        value = self.code(element, name)
        if not value:
            self.warn(
                f"fim.{name}_missing",
                f"Das Datenfeld {fim_id} hat keine Angabe „{name}“; „{default}“ angenommen.",
                f"The data field {fim_id} has no {name}; '{default}' assumed.",
                fim_id,
                path,
            )
            return default
        if value not in known[self.version]:
            self.warn(
                f"fim.{name}_unknown",
                f"Unbekannter Wert {value[:40]!r} für „{name}“ bei {fim_id}.",
                f"Unknown {name} {value[:40]!r} for {fim_id}.",
                fim_id,
                path,
            )
        return value

    def codeliste(self, element: etree._Element) -> FimCodeListRef | None:
        code_key = self.text(element, "codeKey")
        name_key = self.text(element, "nameKey")
        help_key = self.text(element, "helpKey")
        ref = self.child(element, "codelisteReferenz")
        legacy = self.child(element, "codeliste")
        values: dict[str, str] = {}
        if ref is not None:
            ident = self.child(ref, "identifikation")
            if ident is not None:
                values["id"] = self.text(ident, "id")
                values["version_id"] = self.text(ident, "version")
            gc = self.child(ref, "genericodeIdentification")
            source = gc if gc is not None else ref
            values["canonical_uri"] = (
                self.text(source, "canonicalIdentification")
                or self.text(source, "canonicalURI")
                or self.text(source, "canonicalUri")
            )
            values["version"] = self.text(source, "version")
            values["canonical_version_uri"] = self.text(source, "canonicalVersionUri") or self.text(
                source, "canonicalVersionURI"
            )
        elif legacy is not None:  # XDF1
            values["id"] = self.text(legacy, "id")
            values["canonical_uri"] = self.text(legacy, "kennung")
            values["version"] = self.text(legacy, "version")
            values["name"] = self.text(legacy, "name")
            values["long_name"] = self.text(legacy, "langname")
        if not any(values.values()) and not (code_key or name_key or help_key):
            return None
        if (
            not values.get("canonical_version_uri")
            and values.get("canonical_uri")
            and values.get("version")
        ):
            values["canonical_version_uri"] = f"{values['canonical_uri']}_{values['version']}"
        return FimCodeListRef(**values, code_key=code_key, name_key=name_key, help_key=help_key)

    def werte(self, element: etree._Element) -> tuple[FimValue, ...]:
        result = []
        for werte in self.children_named(element, "werte"):
            for wert in self.children_named(werte, "wert"):
                code = self.text(wert, "code")
                if code:
                    result.append(
                        FimValue(
                            code=code, name=self.text(wert, "name"), help=self.text(wert, "hilfe")
                        )
                    )
        return tuple(result)
