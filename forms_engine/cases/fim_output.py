"""FIM-conformant data of a case (issue 11): FIM-JSON (FIM ids as keys) and FIM-XML
(elements named by FIM ids), each validated against the schema derived from the FIM
XDatenfelder message the process was imported from (`catalog.FimSource`, re-read from its
exact bytes) and the code lists imported with it.

    data = case_fim_data(case, fmt="fim-json")   # or "fim-xml"
    data.content, data.mime_type, data.schema_uri

`FimOutputRefused` (German `message`, `message_en`, `problems`) when the process was not
imported from FIM or the answers do not fit the source schema (a designer changed the form
in a way the Fachverfahren's schema does not allow): never a silently different payload.
The FIT-Connect transport asks for it through `transports.data_formats` (registered in
`CasesConfig.ready()`), the clerk's case page offers it as a download.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from forms_engine.catalog.models import FimSource
from forms_engine.fim.model import FimCode, FimCodeList, FimError
from forms_engine.fim.output import (
    fim_data,
    fim_json_schema,
    fim_validate_json,
    fim_validate_xml,
    fim_xml,
    fim_xsd,
)
from forms_engine.fim.xdf import parse_xdf
from forms_engine.transports import TransportError, data_formats
from forms_engine.transports.data_formats import DataFormat, DataPayload

FORMATS = {"fim-json": "application/json", "fim-xml": "application/xml"}
_CODELIST_COMMENT = "FIM code list "


class FimOutputRefused(Exception):
    def __init__(self, message: str, message_en: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.message_en = message_en
        self.problems = problems or []


@dataclass(frozen=True)
class FimPayload:
    content: bytes
    mime_type: str
    schema_uri: str
    warnings: list[str] = field(default_factory=list)


def case_fim_source(case) -> FimSource | None:
    """The FIM message the case's process was imported from (the latest import)."""
    return (
        FimSource.objects.filter(process_id=case.process_version.process_id)
        .order_by("-imported_at", "-pk")
        .first()
    )


def _codelists(definition: dict, keys: list[str]) -> dict[str, FimCodeList]:
    """The code lists imported with the source, as embedded in the case's definition: each
    `uses` code list installed from FIM carries `$comment` "FIM code list <key>"."""
    from forms_engine.library.models import SharedItem

    wanted = set(keys)
    pins = [
        (use.get("id"), use.get("version"))
        for use in (definition.get("uses") or {}).values()
        if isinstance(use, dict) and use.get("kind") == "codelist"
    ]
    result: dict[str, FimCodeList] = {}
    for identifier, version in pins:
        item = SharedItem.objects.filter(
            kind=SharedItem.Kind.CODELIST, identifier=identifier, version=version
        ).first()
        comment = str((item.document or {}).get("$comment", "")) if item else ""
        key = (
            comment.removeprefix(_CODELIST_COMMENT) if comment.startswith(_CODELIST_COMMENT) else ""
        )
        if not key or key not in wanted:
            continue
        options = ((item.document or {}).get("schema") or {}).get("oneOf") or []
        entries = tuple(
            FimCode(code=str(o["const"]), name=str(o.get("title", "")))
            for o in options
            if isinstance(o, dict) and "const" in o
        )
        result[key] = FimCodeList(canonical_uri=key, canonical_version_uri=key, entries=entries)
    return result


def case_fim_data(case, *, fmt: str) -> FimPayload:
    """The case's answers as FIM-JSON or FIM-XML, validated against the source schema."""
    if fmt not in FORMATS:
        raise FimOutputRefused(
            f"Unbekanntes FIM-Datenformat „{fmt}“.", f"Unknown FIM data format {fmt!r}."
        )
    source = case_fim_source(case)
    if source is None:
        raise FimOutputRefused(
            "Dieser Prozess wurde nicht aus FIM importiert: FIM-Daten gibt es für ihn nicht.",
            "This process was not imported from FIM: there is no FIM data for it.",
        )
    try:
        schema = parse_xdf(bytes(source.source))
    except FimError as error:
        raise FimOutputRefused(error.message, error.message_en) from error
    definition = case.process_version.definition or {}
    lists = _codelists(definition, list(source.codelists or []))
    data, warnings = fim_data(definition, case.answers or {})
    if fmt == "fim-json":
        json_schema = fim_json_schema(schema, lists)
        problems = fim_validate_json(data, json_schema)
        content = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        schema_uri = json_schema.get("$id", "")
    else:
        try:
            content = fim_xml(schema.id, schema.version, data, schema)
        except FimError as error:
            raise FimOutputRefused(error.message, error.message_en) from error
        problems = fim_validate_xml(content, fim_xsd(schema, lists))
        schema_uri = f"urn:ozg-engine:fim:{schema.id}:{schema.version or '0'}"
    if problems:
        raise FimOutputRefused(
            f"Die Antworten passen nicht zum FIM-Schema {schema.id} V{schema.version}, aus dem "
            "der Prozess importiert wurde; die Daten werden so nicht übergeben.",
            f"The answers do not fit the FIM schema {schema.id} V{schema.version} the process "
            "was imported from; the data are not handed over like this.",
            [p.message for p in problems[:20]],
        )
    return FimPayload(
        content=content,
        mime_type=FORMATS[fmt],
        schema_uri=schema_uri,
        warnings=[w.message for w in warnings],
    )


def _transport_payload(case, fmt: str) -> DataPayload:
    try:
        data = case_fim_data(case, fmt=fmt)
    except FimOutputRefused as refused:
        detail = "; ".join(refused.problems[:5])
        raise TransportError(
            f"{refused.message} / {refused.message_en}" + (f" ({detail})" if detail else ""),
            permanent=True,
        ) from refused
    return DataPayload(data.content, data.mime_type, data.schema_uri)


@data_formats.registry("fim-json")
class FimJson(DataFormat):
    @staticmethod
    def build(case) -> DataPayload:
        return _transport_payload(case, "fim-json")


@data_formats.registry("fim-xml")
class FimXml(DataFormat):
    @staticmethod
    def build(case) -> DataPayload:
        return _transport_payload(case, "fim-xml")
