"""FIM XDatenfelder import into a new draft (issue 11; docs/fim.md, "Importing in the studio
and CLI").

`fim_import(xml=…, codelists=[…], publisher=…, by=…)` reads the message (`fim.xdf`), the
genericode lists supplied with it (`fim.genericode`), converts it (`fim.convert`) and, in
ONE transaction: creates the process with its first draft, installs each code list as a
versioned shared item (`library.services.shared_item_install`: same id, version and content
reused, other content refused), stores the XML as it came (`catalog.FimSource`) with the
warnings and the designer's to-do list, and writes the audit entry. Every refusal
(`FimImportRefused`: broken or hostile XML, a code list that does not read, the process id
taken, no designer role) changes nothing. The management command `fim_import` and the
studio page `studio:fim-import` are thin callers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from forms_engine.catalog.exceptions import CatalogError
from forms_engine.catalog.models import FimSource, Process, ProcessVersion, Publisher
from forms_engine.catalog.review import can_design
from forms_engine.catalog.services import process_version_create_draft
from forms_engine.core.audit import audit_log
from forms_engine.definitions import check_definition
from forms_engine.fim.genericode import parse_genericode
from forms_engine.fim.model import FimCodeList, FimError, FimSchema
from forms_engine.fim.xdf import parse_xdf
from forms_engine.library.services import shared_item_install

__all__ = ["FimImportRefused", "FimImportResult", "fim_import", "MAX_CODELISTS"]

#: At most this many genericode files with one message.
MAX_CODELISTS = 50
#: A process id given for the import (the same rule as the studio's "new process").
PROCESS_ID_RE = re.compile(r"[a-z][a-z0-9-]{2,63}")


class FimImportRefused(CatalogError):
    """The import was refused; nothing was written. `code` is stable (`fim.xml_malformed`,
    `fim.process_taken`, `fim.forbidden`, …), `line` the XML line when known, `file` the
    name of the file concerned when known."""

    def __init__(
        self, code: str, message: str, message_en: str, *, line: int | None = None, file=""
    ):
        super().__init__(message, message_en)
        self.code = code
        self.line = line
        self.file = file


@dataclass
class FimImportResult:
    """What an import made (or, with `dry_run`, would make: then `version`, `process` and
    `source` are None)."""

    schema: FimSchema
    definition: dict
    warnings: list[dict]
    todo: list[dict]
    codelists_installed: list[dict] = field(default_factory=list)
    version: ProcessVersion | None = None
    process: Process | None = None
    source: FimSource | None = None
    dry_run: bool = False

    @property
    def process_id(self) -> str:
        return str(self.definition.get("id", ""))

    def warnings_by_code(self) -> list[tuple[str, list[dict]]]:
        """The warnings grouped by their code, in order of first appearance."""
        groups: dict[str, list[dict]] = {}
        for warning in self.warnings:
            groups.setdefault(warning.get("code", ""), []).append(warning)
        return list(groups.items())


def _issue(obj: Any) -> dict:
    """A warning or to-do entry (converter or parser object, or dict) as a JSON object with
    at least code, message, message_en, fim_id and pointer."""
    if isinstance(obj, Mapping):
        data = dict(obj)
    elif hasattr(obj, "as_dict"):
        data = dict(obj.as_dict())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        data = dataclasses.asdict(obj)
    else:
        data = {"message": str(obj), "message_en": str(obj)}
    out = {
        "code": str(data.get("code") or ""),
        "message": str(data.get("message") or ""),
        "message_en": str(data.get("message_en") or data.get("message") or ""),
        "fim_id": str(data.get("fim_id") or ""),
        "pointer": str(data.get("pointer") or data.get("path") or ""),
    }
    for key, value in data.items():
        if key not in out and isinstance(value, str | int | float | bool | type(None)):
            out[key] = value
        elif key not in out and isinstance(value, list | tuple):
            out[key] = [v if isinstance(v, str | int | float | bool) else str(v) for v in value]
    return out


def _unique(entries: Iterable[dict]) -> list[dict]:
    seen, out = set(), []
    for entry in entries:
        key = (entry["code"], entry["fim_id"], entry["pointer"], entry["message"])
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


def _refusal_from(exc: FimError, file: str = "") -> FimImportRefused:
    where_de = f" (Zeile {exc.line})" if exc.line else ""
    where_en = f" (line {exc.line})" if exc.line else ""
    prefix_de = f"{file}: " if file else ""
    return FimImportRefused(
        exc.code,
        f"{prefix_de}{exc.message}{where_de}",
        f"{prefix_de}{exc.message_en}{where_en}",
        line=exc.line,
        file=file,
    )


def _read_codelists(codelists: Sequence[bytes | tuple[str, bytes]]) -> list[FimCodeList]:
    if len(codelists) > MAX_CODELISTS:
        raise FimImportRefused(
            "fim.too_many_codelists",
            f"Höchstens {MAX_CODELISTS} Codelisten auf einmal.",
            f"At most {MAX_CODELISTS} code lists at once.",
        )
    lists: list[FimCodeList] = []
    for index, entry in enumerate(codelists, start=1):
        name, data = entry if isinstance(entry, tuple) else (f"Codeliste {index}", entry)
        try:
            lists.append(parse_genericode(data))
        except FimError as exc:
            raise _refusal_from(exc, name) from None
    return lists


def _codelist_map(lists: Sequence[FimCodeList]) -> dict[str, FimCodeList]:
    """The code lists by canonical version URI (what a field's reference names)."""
    by_key: dict[str, FimCodeList] = {}
    for code_list in lists:
        if code_list.key:
            by_key.setdefault(code_list.key, code_list)
    return by_key


def _convert(schema: FimSchema, codelists: Mapping[str, FimCodeList], process_id):
    from forms_engine.fim.convert import fim_to_definition

    return fim_to_definition(schema, codelists=codelists, process_id=process_id)


def _check_permission(by, publisher: Publisher) -> None:
    if by is None or isinstance(by, str):
        return  # the command line (operator) or a system task
    if not can_design(by, publisher):
        raise FimImportRefused(
            "fim.forbidden",
            "Für den Import brauchen Sie die Design-Rolle dieses Herausgebers.",
            "Importing needs the designer role of this publisher.",
        )


def fim_import(
    *,
    xml: bytes,
    codelists: Sequence[bytes | tuple[str, bytes]] = (),
    publisher: Publisher,
    by=None,
    process_id: str | None = None,
    dry_run: bool = False,
) -> FimImportResult:
    """Import one XDatenfelder message (with its genericode lists) into a new draft.

    `codelists`: the genericode files' bytes, or `(file name, bytes)` pairs (the name is
    used in refusals). `by`: the user (needs the designer role of `publisher`), or None /
    a label for the command line. `process_id`: the new process's id (default: derived
    from the FIM id by the converter). `dry_run`: everything is checked, nothing kept.
    Raises `FimImportRefused`; then nothing was written."""
    _check_permission(by, publisher)
    if process_id and not PROCESS_ID_RE.fullmatch(process_id):
        raise FimImportRefused(
            "fim.process_id_invalid",
            "Die Kennung des Prozesses besteht aus Kleinbuchstaben, Ziffern und Bindestrichen "
            "(3 bis 64 Zeichen, zuerst ein Buchstabe).",
            "The process id consists of lower-case letters, digits and hyphens (3 to 64 "
            "characters, a letter first).",
        )
    if not isinstance(xml, bytes | bytearray):
        raise FimImportRefused(
            "fim.not_bytes", "Keine XML-Datei erhalten.", "No XML file was received."
        )
    xml = bytes(xml)
    try:
        schema = parse_xdf(xml)
    except FimError as exc:
        raise _refusal_from(exc) from None
    lists = _read_codelists(codelists)
    try:
        conversion = _convert(schema, _codelist_map(lists), process_id or None)
    except FimError as exc:
        raise _refusal_from(exc) from None
    definition = conversion.definition
    identifier = str(definition.get("id", ""))
    if Process.objects.filter(publisher=publisher, identifier=identifier).exists():
        raise FimImportRefused(
            "fim.process_taken",
            f"Der Herausgeber hat schon einen Prozess mit der Kennung „{identifier}“. "
            "Wählen Sie eine andere Kennung (Kommandozeile: --process-id).",
            f"The publisher already has a process with the id '{identifier}'. "
            "Choose another id (command line: --process-id).",
        )
    # The converter's warnings begin with the parser's (docs/fim.md); the code lists' own
    # come first.
    warnings = []
    for code_list in lists:
        warnings += [_issue(w) for w in code_list.warnings]
    warnings += [_issue(w) for w in conversion.warnings]
    problems = check_definition(definition)
    warnings += [
        {
            "code": "fim.definition_problem",
            "message": f"Der Entwurf ist noch nicht gültig: {p.message}",
            "message_en": f"The draft is not valid yet: {p.message_en}",
            "fim_id": "",
            "pointer": p.pointer,
        }
        for p in problems
    ]
    warnings = _unique(warnings)
    todo = _unique(_issue(t) for t in conversion.todo)
    result = FimImportResult(
        schema=schema, definition=definition, warnings=warnings, todo=todo, dry_run=dry_run
    )
    try:
        with transaction.atomic():
            _write(result, xml=xml, lists=lists, conversion=conversion, publisher=publisher, by=by)
            if dry_run:
                transaction.set_rollback(True)
    except CatalogError as exc:
        if isinstance(exc, FimImportRefused):
            raise
        raise FimImportRefused("fim.import_refused", exc.message, exc.message_en) from None
    if dry_run:
        result.version = result.process = result.source = None
    return result


def _write(result: FimImportResult, *, xml: bytes, lists, conversion, publisher, by) -> None:
    schema = result.schema
    version = process_version_create_draft(
        doc=result.definition,
        publisher=publisher,
        by=by,
        note=f"FIM-Import {schema.id} {schema.version}".strip()[:200],
    )
    installed = []
    for doc in conversion.codelist_items:
        item, created = shared_item_install(publisher=publisher, doc=doc)
        installed.append(
            {"id": item.identifier, "version": item.version, "title": item.title, "new": created}
        )
    result.codelists_installed = installed
    source = FimSource.objects.create(
        process=version.process,
        version=version,
        fim_id=schema.id[:64],
        fim_version=schema.version[:40],
        xdf_version=schema.xdf_version,
        name=(schema.name or schema.label)[:300],
        legal_basis="\n".join(schema.bezug),
        source=xml,
        sha256=hashlib.sha256(xml).hexdigest(),
        codelists=[c.key for c in lists],
        warnings=result.warnings,
        todo=result.todo,
        imported_by=by if getattr(by, "pk", None) else None,
    )
    audit_log(
        actor=by if getattr(by, "pk", None) else (by or "system"),
        action="process.fim_imported",
        data={
            "process": str(version.process),
            "process_id": version.process_id,
            "version": version.version,
            "version_id": version.pk,
            "fim_id": schema.id,
            "fim_version": schema.version,
            "xdf_version": schema.xdf_version,
            "sha256": source.sha256,
            "warnings": len(result.warnings),
            "todo": len(result.todo),
            "codelists": [f"{c['id']} {c['version']}" for c in installed],
        },
    )
    result.version, result.process, result.source = version, version.process, source
