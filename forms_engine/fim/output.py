"""FIM-conformant output: FIM-JSON and FIM-XML data, and the schemas they are checked with.

Pure functions (docs/fim.md, "Output"):

- `fim_json_schema(schema, codelists)`: JSON Schema 2020-12 of FIM-JSON data of a FimSchema.
- `fim_xsd(schema, codelists)`: an XSD of the XML form (element names = FIM ids).
- `fim_data(definition, answers, attachments=None)`: engine answers of a process imported
  from FIM → `(FIM-JSON dict, warnings)`.
- `fim_xml(schema_id, version, data, schema=None)`: FIM-JSON → XML bytes.
- `fim_validate_json(data, json_schema)`, `fim_validate_xml(xml_bytes, xsd_bytes)`: lists of
  `FimIssue` (empty: valid).

Conventions shared by all of them:
- keys/element names are FIM ids without version; a group is a nested object/element; an
  element that may occur more than once (anzahl max > 1 or *) is an array in JSON and a
  repeated element in XML (even when it occurs once);
- an id that occurs twice among the children of one group gets the key `<id>_2` (then `_3`…)
  for its second occurrence, in document order (the process definition uses the same rule
  and keeps the real id in `x-fim`);
- label fields (feldart `label`) carry no data and are left out;
- types: text, text_latin, obj, file → string; date/datetime → string with format
  date/date-time (xs:date/xs:dateTime); time → string "HH:MM:SS" by pattern (xs:time); bool → boolean; num → number
  (xs:decimal); num_int → integer (xs:integer); num_currency → number (xs:decimal with at
  most 2 fraction digits; no `multipleOf: 0.01` in JSON, because binary floating point makes
  common validators refuse amounts like 12.3); select → the codes as `enum` when the code
  list is known (XDF3 inline values or a given genericode list), else a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import jsonschema
from lxml import etree

from ._xml import parse_bytes
from .model import FimCodeList, FimElement, FimError, FimField, FimGroup, FimIssue, FimSchema

__all__ = [
    "child_keys",
    "fim_data",
    "fim_json_schema",
    "fim_schema_uri",
    "fim_target_namespace",
    "fim_validate_json",
    "fim_validate_xml",
    "fim_xml",
    "fim_xsd",
]

XS = "http://www.w3.org/2001/XMLSchema"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_S_ID = re.compile(r"^[Ss](\d{8}|\d{11})$")
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_STRING_FORMATS = {"date": "date", "datetime": "date-time"}
# FIM time is a local wall-clock time; JSON Schema's "time" format (RFC 3339) demands a
# UTC offset, xs:time demands seconds: both agree on HH:MM:SS without an offset.
TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
_XSD_TYPES = {
    "date": "xs:date",
    "time": "xs:time",
    "datetime": "xs:dateTime",
    "bool": "xs:boolean",
    "num": "xs:decimal",
    "num_int": "xs:integer",
    "num_currency": "xs:decimal",
}


# -- names ---------------------------------------------------------------------------------


def fim_schema_uri(schema: FimSchema) -> str:
    """The `$id` of the JSON Schema: FITKO's pattern for schema ids (S + 8 or 11 digits),
    `https://schema.fitko.de/fim/s00000121_1.0.schema.json`; for anything else (a group or
    field message, a test id) `urn:ozg-engine:fim:<id>:<version>.schema.json`."""
    if _S_ID.match(schema.id):
        return f"https://schema.fitko.de/fim/{schema.id.lower()}_{schema.version}.schema.json"
    return f"urn:ozg-engine:fim:{schema.id}:{schema.version or '0'}.schema.json"


def fim_target_namespace(schema_id: str, version: str) -> str:
    """The XML namespace of FIM-XML data: `urn:ozg-engine:fim:<id>:<version>`."""
    return f"urn:ozg-engine:fim:{schema_id}:{version or '0'}"


def child_keys(children: Iterable[FimElement]) -> list[tuple[str, FimElement]]:
    """The data keys of a group's children (labels left out), `_2`, `_3`… for repeated ids."""
    result: list[tuple[str, FimElement]] = []
    counts: dict[str, int] = {}
    for element in children:
        if isinstance(element.element, FimField) and element.element.is_label:
            continue
        counts[element.id] = counts.get(element.id, 0) + 1
        key = element.id if counts[element.id] == 1 else f"{element.id}_{counts[element.id]}"
        result.append((key, element))
    return result


def _codes(field: FimField, codelists: Mapping[str, FimCodeList]) -> list[str] | None:
    if field.werte:
        return list(dict.fromkeys(value.code for value in field.werte))
    ref = field.codeliste
    if ref is None:
        return None
    for key in (ref.canonical_version_uri, ref.canonical_uri, ref.id, ref.name):
        codelist = codelists.get(key) if key else None
        if codelist is None or not codelist.entries:
            continue
        if ref.version and codelist.version and ref.version != codelist.version:
            continue  # another version of the list: its codes may differ
        return codelist.codes
    return None


def _number(text: str | None, integer: bool = False) -> int | float | None:
    """A praezisierung min/max value as a JSON number (None when it is not a finite number,
    or not a whole number where one is needed)."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value.adjusted()) > 30:
        return None
    if value == value.to_integral_value():
        return int(value)
    return None if integer else float(value)


# -- JSON Schema ---------------------------------------------------------------------------


def fim_json_schema(schema: FimSchema, codelists: Mapping[str, FimCodeList] | None = None) -> dict:
    """JSON Schema 2020-12 of FIM-JSON data for `schema` (see the module docstring).

    Every group and field is a `$defs` entry named by its id (`<id>V<version>` when the same
    id comes in two versions), referenced from its parent's `properties`; objects have
    `additionalProperties: false`; `required` lists the children with anzahl min ≥ 1;
    repeatable children are arrays with `minItems` (when min > 0) and `maxItems` (unless *).
    `codelists` maps a code list's canonical version URI (or canonical URI, or C id) to the
    parsed list."""
    codelists = codelists or {}
    defs: dict[str, dict] = {}

    def define(node: FimField | FimGroup) -> str:
        body = (
            _json_group(node, ref) if isinstance(node, FimGroup) else _json_field(node, codelists)
        )
        name = node.id
        if name in defs and defs[name] != body:
            name = f"{node.id}V{node.version}"
            number = 2
            while name in defs and defs[name] != body:
                name = f"{node.id}V{node.version}_{number}"
                number += 1
        defs[name] = body
        return name

    def ref(element: FimElement) -> dict:
        target = {"$ref": f"#/$defs/{define(element.element)}"}
        if not element.repeatable:
            return target
        array: dict[str, Any] = {"type": "array", "items": target}
        if element.min > 0:
            array["minItems"] = element.min
        if element.max is not None:
            array["maxItems"] = element.max
        return array

    properties, required = _json_children(schema.children, ref)
    result: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": fim_schema_uri(schema),
        "title": schema.label,
        "$comment": f"FIM {schema.id} V{schema.version} (XDatenfelder {schema.xdf_version})",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        result["required"] = required
    if defs:
        result["$defs"] = defs
    return result


def _json_children(children, ref) -> tuple[dict, list[str]]:
    properties: dict[str, dict] = {}
    required: list[str] = []
    for key, element in child_keys(children):
        properties[key] = ref(element)
        if element.required:
            required.append(key)
    return properties, required


def _json_group(group: FimGroup, ref) -> dict:
    properties, required = _json_children(group.children, ref)
    body: dict[str, Any] = {
        "title": group.label,
        "$comment": f"FIM {group.id} V{group.version}",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        body["required"] = required
    return body


def _json_field(field: FimField, codelists: Mapping[str, FimCodeList]) -> dict:
    body: dict[str, Any] = {"title": field.label, "$comment": f"FIM {field.id} V{field.version}"}
    if field.hilfetext_eingabe:
        body["description"] = field.hilfetext_eingabe
    codes = _codes(field, codelists) if field.is_select else None
    datentyp = field.datentyp
    if codes is not None:
        body["type"] = "string"
        body["enum"] = codes
        return body
    if datentyp == "bool":
        body["type"] = "boolean"
    elif datentyp in ("num", "num_int", "num_currency"):
        integer = datentyp == "num_int"
        body["type"] = "integer" if integer else "number"
        minimum, maximum = _number(field.min_value, integer), _number(field.max_value, integer)
        if minimum is not None:
            body["minimum"] = minimum
        if maximum is not None:
            body["maximum"] = maximum
    else:
        body["type"] = "string"
        if datentyp in _STRING_FORMATS:
            body["format"] = _STRING_FORMATS[datentyp]
        elif datentyp == "time":
            body["pattern"] = TIME_PATTERN
        else:
            if field.min_length is not None:
                body["minLength"] = field.min_length
            if field.max_length is not None:
                body["maxLength"] = field.max_length
            if field.pattern and _python_regex_ok(field.pattern):
                body["pattern"] = field.pattern
    return body


def _python_regex_ok(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return True


# -- XSD -----------------------------------------------------------------------------------


def fim_xsd(schema: FimSchema, codelists: Mapping[str, FimCodeList] | None = None) -> bytes:
    """An XSD 1.0 of FIM-XML data for `schema`.

    Target namespace `fim_target_namespace(id, version)`, elements qualified; the root
    element is named by the schema id; every child is a local element named by its key
    (`child_keys`) in an `xs:sequence` in document order with minOccurs/maxOccurs from the
    anzahl; types and facets as in the module docstring (lengths and patterns on strings,
    minInclusive/maxInclusive on numbers and dates, enumerations for known code lists,
    fractionDigits 2 for num_currency). A pattern XSD cannot read is left out with a note in
    the element's annotation."""
    codelists = codelists or {}
    target = fim_target_namespace(schema.id, schema.version)
    root = etree.Element(
        f"{{{XS}}}schema",
        nsmap={"xs": XS, "fim": target},
        attrib={
            "targetNamespace": target,
            "elementFormDefault": "qualified",
            "version": schema.version or "0",
        },
    )
    _annotate(
        root,
        f"FIM {schema.id} V{schema.version}: {schema.label} (XDatenfelder {schema.xdf_version})",
    )
    top = etree.SubElement(root, f"{{{XS}}}element", name=_ncname(schema.id))
    _annotate(top, schema.label)
    _xsd_sequence(etree.SubElement(top, f"{{{XS}}}complexType"), schema.children, codelists)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _ncname(name: str) -> str:
    if not _NCNAME.match(name):
        raise FimError(
            "fim.name_invalid",
            f"{name[:60]!r} ist kein gültiger XML-Elementname.",
            f"{name[:60]!r} is not a valid XML element name.",
        )
    return name


def _annotate(parent: etree._Element, text: str) -> None:
    if not text:
        return
    annotation = etree.SubElement(parent, f"{{{XS}}}annotation")
    etree.SubElement(annotation, f"{{{XS}}}documentation").text = text


def _xsd_sequence(complex_type: etree._Element, children, codelists) -> None:
    sequence = etree.SubElement(complex_type, f"{{{XS}}}sequence")
    for key, element in child_keys(children):
        node = etree.SubElement(sequence, f"{{{XS}}}element", name=_ncname(key))
        if element.min != 1:
            node.set("minOccurs", str(element.min))
        if element.max is None:
            node.set("maxOccurs", "unbounded")
        elif element.max != 1:
            node.set("maxOccurs", str(element.max))
        inner = element.element
        if isinstance(inner, FimGroup):
            _annotate(node, f"{inner.id} V{inner.version}: {inner.label}")
            _xsd_sequence(etree.SubElement(node, f"{{{XS}}}complexType"), inner.children, codelists)
        else:
            _xsd_field(node, inner, codelists)


def _xsd_field(node: etree._Element, field: FimField, codelists) -> None:
    note = f"{field.id} V{field.version}: {field.label}"
    codes = _codes(field, codelists) if field.is_select else None
    datentyp = field.datentyp
    base = "xs:string" if codes is not None else _XSD_TYPES.get(datentyp, "xs:string")
    facets: list[tuple[str, str]] = []
    if codes is not None:
        facets.extend(("enumeration", code) for code in codes)
    elif base == "xs:string":
        if field.min_length is not None:
            facets.append(("minLength", str(field.min_length)))
        if field.max_length is not None:
            facets.append(("maxLength", str(field.max_length)))
        if field.pattern:
            xsd_pattern = _xsd_pattern(field.pattern)
            if xsd_pattern is None:
                note += f" (Muster nicht als XSD-Muster darstellbar / pattern not expressible in XSD: {field.pattern})"
            else:
                facets.append(("pattern", xsd_pattern))
    elif base in ("xs:decimal", "xs:integer"):
        integer = base == "xs:integer"
        for text, facet in ((field.min_value, "minInclusive"), (field.max_value, "maxInclusive")):
            value = _number(text, integer)
            if value is not None:
                facets.append((facet, _decimal_text(value)))
        if datentyp == "num_currency":
            facets.append(("fractionDigits", "2"))
    elif base == "xs:date":
        for text, facet in ((field.min_value, "minInclusive"), (field.max_value, "maxInclusive")):
            if text and _DATE.match(text):
                facets.append((facet, text))
    _annotate(node, note)
    if not facets:
        node.set("type", base)
        return
    restriction = etree.SubElement(
        etree.SubElement(node, f"{{{XS}}}simpleType"), f"{{{XS}}}restriction", base=base
    )
    for facet, value in facets:
        etree.SubElement(restriction, f"{{{XS}}}{facet}", value=value)


_PATTERN_CACHE: dict[str, str | None] = {}


def _xsd_pattern(pattern: str) -> str | None:
    """The XSD form of an ECMAScript-style pattern, or None when XSD cannot read it.

    JSON Schema patterns match anywhere unless anchored; XSD patterns always match the whole
    value: `^…$` loses its anchors, anything else is wrapped in `[\\s\\S]*(…)[\\s\\S]*`."""
    if pattern in _PATTERN_CACHE:
        return _PATTERN_CACHE[pattern]
    if len(pattern) > 1000 or re.search(r"\{\s*\d{4,}", pattern):
        return None  # too large for a cheap automaton: left out (noted in the annotation)
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$"):
        candidate = pattern[1:-1]
    else:
        candidate = "[\\s\\S]*(" + pattern.removeprefix("^").removesuffix("$") + ")[\\s\\S]*"
        if pattern.startswith("^"):
            candidate = "(" + pattern[1:].removesuffix("$") + ")[\\s\\S]*"
    probe = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS})
    simple = etree.SubElement(probe, f"{{{XS}}}simpleType", name="probe")
    restriction = etree.SubElement(simple, f"{{{XS}}}restriction", base="xs:string")
    etree.SubElement(restriction, f"{{{XS}}}pattern", value=candidate)
    try:
        etree.XMLSchema(probe)
    except etree.XMLSchemaParseError:
        candidate = None
    if len(_PATTERN_CACHE) < 1000:
        _PATTERN_CACHE[pattern] = candidate
    return candidate


def _decimal_text(value: int | float | Decimal) -> str:
    if isinstance(value, bool):
        raise TypeError("bool is not a number")
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    return text


# -- FIM-JSON from engine answers -------------------------------------------------------------


def fim_data(
    definition: Mapping[str, Any],
    answers: Mapping[str, Any],
    attachments: Mapping[str, str] | None = None,
) -> tuple[dict, list[FimIssue]]:
    """The FIM-JSON form of `answers` (step id → field name → value) of a process definition
    imported from FIM. Returns `(data, warnings)`.

    Keys come from the `x-fim` ids of the schemas (never from the engine's names): a step
    schema with an `x-fim` group id becomes that group's object under the root; a step (or a
    nested object) without `x-fim`, or with the process's own schema id, is transparent: its
    FIM children go into the enclosing object. An id already present in the enclosing object
    gets `_2`, `_3`… (as `child_keys`). Values: money strings ("12.50") and numbers written as
    strings become JSON numbers, integers integers, booleans stay booleans, dates stay ISO
    strings; an upload reference `upload:<uuid>` becomes `attachments[ref]` when given (e.g.
    the attachment's file name or id), else stays the reference. Fields without `x-fim` and
    answers the definition does not describe are left out, each with a warning."""
    warnings: list[FimIssue] = []
    defs = definition.get("$defs") or {}
    own_id = ((definition.get("x-fim") or {}).get("id")) or ""
    attachments = attachments or {}
    data: dict[str, Any] = {}

    def warn(code: str, de: str, en: str, path: str, fim_id: str = "") -> None:
        warnings.append(FimIssue(code=code, message=de, message_en=en, fim_id=fim_id, path=path))

    def resolve(schema: Any, depth: int = 0) -> Mapping[str, Any]:
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and depth < 32:
            ref = schema["$ref"]
            name = ref.removeprefix("#/$defs/")
            target = defs.get(name) if ref.startswith("#/$defs/") else None
            if not isinstance(target, Mapping):
                return {}
            fim = schema.get("x-fim")
            schema = dict(target, **({"x-fim": fim} if fim else {}))
            depth += 1
        return schema if isinstance(schema, Mapping) else {}

    def fim_id_of(schema: Mapping[str, Any]) -> str:
        fim = schema.get("x-fim")
        if isinstance(fim, Mapping) and isinstance(fim.get("id"), str):
            return fim["id"]
        if schema.get("type") == "array":
            return fim_id_of(resolve(schema.get("items")))
        return ""

    def put(target: dict, fim_id: str, value: Any) -> None:
        key, number = fim_id, 1
        while key in target:
            number += 1
            key = f"{fim_id}_{number}"
        target[key] = value

    def is_object(schema: Mapping[str, Any]) -> bool:
        return schema.get("type") == "object" or "properties" in schema

    def merge_object(target: dict, value: Any, schema: Mapping[str, Any], path: str) -> None:
        """Put the FIM children of the object `value` (described by `schema`) into `target`."""
        if not isinstance(value, Mapping):
            return
        properties = schema.get("properties") or {}
        for name, item in value.items():
            item_path = f"{path}/{name}"
            if name not in properties:
                warn(
                    "fim_data.unknown_answer",
                    f"Die Antwort {item_path} gehört zu keinem Feld der Definition und wird nicht übertragen.",
                    f"The answer {item_path} belongs to no field of the definition and is not transferred.",
                    item_path,
                )
                continue
            child = resolve(properties[name])
            fim_id = fim_id_of(child)
            if not fim_id or fim_id == own_id:
                if is_object(child) and isinstance(item, Mapping):
                    merge_object(target, item, child, item_path)
                    continue
                if item is None:
                    continue
                warn(
                    "fim_data.field_without_fim",
                    f"Das Feld {item_path} hat keine FIM-Kennung (x-fim) und wird nicht übertragen.",
                    f"The field {item_path} has no FIM identifier (x-fim) and is not transferred.",
                    item_path,
                )
                continue
            converted = convert(item, child, item_path)
            if converted is not None:
                put(target, fim_id, converted)

    def convert(value: Any, schema: Mapping[str, Any], path: str) -> Any:
        if value is None:
            return None
        if schema.get("type") == "array" or isinstance(value, list):
            if not isinstance(value, list):
                return convert(value, resolve(schema.get("items")), path)
            items = resolve(schema.get("items"))
            result = [convert(item, items, f"{path}/{index}") for index, item in enumerate(value)]
            return [item for item in result if item is not None]
        if is_object(schema):
            obj: dict[str, Any] = {}
            merge_object(obj, value, schema, path)
            return obj
        return scalar(value, schema, path)

    def scalar(value: Any, schema: Mapping[str, Any], path: str) -> Any:
        kind = schema.get("type")
        if (
            isinstance(value, str)
            and value.startswith("upload:")
            and ("x-upload" in schema or kind == "string")
        ):
            return attachments.get(value, value)
        if schema.get("format") == "money" or kind in ("number", "integer"):
            if isinstance(value, bool):
                return value
            if isinstance(value, int | float):
                return value
            if isinstance(value, str):
                number = _json_number(value)
                if number is None:
                    warn(
                        "fim_data.not_a_number",
                        f"Der Wert von {path} ist keine Zahl und wird als Text übertragen.",
                        f"The value of {path} is not a number and is transferred as text.",
                        path,
                    )
                    return value
                return number
        return value

    for step in definition.get("steps") or []:
        if not isinstance(step, Mapping):
            continue
        step_id = step.get("id")
        step_answers = answers.get(step_id) if isinstance(step_id, str) else None
        if step_answers is None:
            continue
        schema = resolve(step.get("schema"))
        fim_id = fim_id_of(schema)
        if fim_id and fim_id != own_id:
            converted = convert(step_answers, schema, f"/{step_id}")
            if converted is not None:
                put(data, fim_id, converted)
        else:
            merge_object(data, step_answers, schema, f"/{step_id}")
    for step_id in answers:
        if not any(
            isinstance(s, Mapping) and s.get("id") == step_id for s in definition.get("steps") or []
        ):
            warn(
                "fim_data.unknown_answer",
                f"Die Antworten zu {step_id!r} gehören zu keinem Schritt der Definition und werden nicht übertragen.",
                f"The answers for {step_id!r} belong to no step of the definition and are not transferred.",
                f"/{step_id}",
            )
    return data, warnings


def _json_number(text: str) -> int | float | None:
    """An engine number or money string ("12.50", "3") as a JSON number: int when written
    without a fraction or exponent, else float. None when it is not a finite number."""
    text = text.strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value.adjusted()) > 30:
        return None
    if "." not in text and "e" not in text.lower():
        return int(value)
    return float(value)


# -- FIM-XML -------------------------------------------------------------------------------


def fim_xml(
    schema_id: str, version: str, data: Mapping[str, Any], schema: FimSchema | None = None
) -> bytes:
    """FIM-JSON `data` as XML: root element `schema_id` in `fim_target_namespace(schema_id,
    version)`, one element per key (lists repeat the element), booleans `true`/`false`,
    numbers in plain decimal notation, strings as they are. Element order: the order of
    `schema` when given (as the XSD's `xs:sequence` requires), else the order of `data`.
    Raises FimError for a key that is no XML name or a value that is neither object, list,
    string, number nor boolean."""
    namespace = fim_target_namespace(schema_id, version)
    root = etree.Element(f"{{{namespace}}}{_ncname(schema_id)}", nsmap={None: namespace})
    order = schema.children if schema is not None else None
    _xml_object(root, data, namespace, order, depth=0)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _ordered(data: Mapping[str, Any], order) -> list[tuple[str, Any, tuple | None]]:
    if order is None:
        return [(key, value, None) for key, value in data.items()]
    result = []
    known = set()
    for key, element in child_keys(order):
        known.add(key)
        if key in data:
            inner = element.element.children if isinstance(element.element, FimGroup) else None
            result.append((key, data[key], inner))
    result.extend((key, value, None) for key, value in data.items() if key not in known)
    return result


def _xml_object(
    parent: etree._Element, data: Mapping[str, Any], namespace: str, order, depth: int
) -> None:
    if depth > 64:
        raise FimError(
            "fim.data_too_deep",
            "Die Daten sind zu tief verschachtelt.",
            "The data is nested too deeply.",
        )
    if not isinstance(data, Mapping):
        raise FimError(
            "fim.data_invalid",
            "FIM-Daten müssen ein Objekt sein.",
            "FIM data must be an object.",
        )
    for key, value, inner in _ordered(data, order):
        if not isinstance(key, str):
            raise FimError(
                "fim.name_invalid", "Ein Schlüssel ist kein Text.", "A key is not a string."
            )
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            node = etree.SubElement(parent, f"{{{namespace}}}{_ncname(key)}")
            if isinstance(item, Mapping):
                _xml_object(node, item, namespace, inner, depth + 1)
            elif isinstance(item, bool):
                node.text = "true" if item else "false"
            elif isinstance(item, int | float | Decimal):
                node.text = _decimal_text(item)
            elif isinstance(item, str):
                node.text = item
            else:
                raise FimError(
                    "fim.data_invalid",
                    f"Der Wert von {key} hat einen nicht darstellbaren Typ ({type(item).__name__}).",
                    f"The value of {key} has a type that cannot be written ({type(item).__name__}).",
                )


# -- validation ----------------------------------------------------------------------------


def fim_validate_json(data: Any, json_schema: Mapping[str, Any]) -> list[FimIssue]:
    """Problems of FIM-JSON `data` against `json_schema` (formats checked); [] when valid."""
    validator = jsonschema.Draft202012Validator(
        json_schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        problems.append(
            FimIssue(
                code="fim.json_invalid",
                message=f"Die FIM-Daten an {pointer} entsprechen nicht dem Schema ({error.validator}): {error.message}",
                message_en=f"The FIM data at {pointer} do not match the schema ({error.validator}): {error.message}",
                path=pointer,
            )
        )
    return problems


def fim_validate_xml(xml_bytes: bytes, xsd_bytes: bytes) -> list[FimIssue]:
    """Problems of FIM-XML `xml_bytes` against the XSD `xsd_bytes`; [] when valid. Both are
    read with the safe parser (no DTD, size limits); unreadable input is a problem too."""
    try:
        xsd_root = parse_bytes(xsd_bytes, "XSD")
        xsd = etree.XMLSchema(xsd_root)
    except FimError as exc:
        return [FimIssue(code="fim.xsd_invalid", message=exc.message, message_en=exc.message_en)]
    except etree.XMLSchemaParseError as exc:
        return [
            FimIssue(
                code="fim.xsd_invalid",
                message=f"Das XSD ist ungültig: {str(exc)[:200]}",
                message_en=f"The XSD is invalid: {str(exc)[:200]}",
            )
        ]
    try:
        document = parse_bytes(xml_bytes, "FIM-XML")
    except FimError as exc:
        return [
            FimIssue(
                code=exc.code,
                message=exc.message,
                message_en=exc.message_en,
                path=f"line {exc.line}",
            )
        ]
    if xsd.validate(document):
        return []
    return [
        FimIssue(
            code="fim.xml_invalid",
            message=f"Die FIM-XML-Daten entsprechen nicht dem XSD (Zeile {entry.line}): {entry.message}",
            message_en=f"The FIM XML data do not match the XSD (line {entry.line}): {entry.message}",
            path=f"line {entry.line}",
        )
        for entry in xsd.error_log
    ]
