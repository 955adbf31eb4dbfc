"""The case file (Fallakte): the authority's PDF record of a submitted case.

German, tagged (PDF/UA-1), with the stored answers (`antworten.json`) and the composed
data schema of the pinned version (`datenschema.json`) embedded as files. Exactly one per
case (`CaseDocument` kind `casefile`, unique constraint); bytes under CASEFILE_ROOT.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import secrets
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from forms_engine.catalog.selectors import version_definition
from forms_engine.citizen.formatting import i18n, money
from forms_engine.citizen.summary import answer_sections
from forms_engine.core.pdf import html_to_pdf

from .models import Case, CaseDocument

BERLIN = ZoneInfo("Europe/Berlin")
STYLESHEET = Path(settings.BASE_DIR) / "templates" / "pdf" / "casefile.css"
ANSWERS_NAME = "antworten.json"
SCHEMA_NAME = "datenschema.json"


# --- formatting ----------------------------------------------------------------------------------


def datetime_de(moment: dt.datetime | None) -> str:
    """Berlin time in German notation ("17.03.2026, 14:05 Uhr"); "–" for None."""
    if moment is None:
        return "–"
    return timezone.localtime(moment, BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")


def _size_de(size: int) -> str:
    """12345 -> "12.345 Bytes (12,1 KB)": exact for the record, readable as well."""
    exact = f"{size:,}".replace(",", ".") + " Bytes"
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{exact} ({f'{size / factor:.1f}'.replace('.', ',')} {unit})"
    return exact


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


# --- content -------------------------------------------------------------------------------------


def _blocks(rows: list[dict]) -> list[dict]:
    """Consecutive plain rows as one description list; a repeatable group as its own table."""
    blocks: list[dict] = []
    for row in rows:
        if row["kind"] == "group":
            row = {**row, "blocks": _blocks(row["rows"])}
        if row["kind"] == "repeat" and row["entries"]:
            row = {
                **row,
                "entries": [
                    {**entry, "cells": [_cell(cell) for cell in entry["rows"]]}
                    for entry in row["entries"]
                ],
            }
            blocks.append({"table": row})
        elif blocks and "rows" in blocks[-1]:
            blocks[-1]["rows"].append(row)
        else:
            blocks.append({"rows": [row]})
    return blocks


def _cell(row: dict) -> str:
    """A table cell: a plain value, or a nested group/repeat as compact "Label: Wert" lines."""
    if row["kind"] == "group":
        return "\n".join(f"{r['label']}: {_cell(r)}" for r in row["rows"])
    if row["kind"] == "repeat":
        return (
            "\n".join(
                f"{entry['legend']}: "
                + "; ".join(f"{r['label']}: {_cell(r)}" for r in entry["rows"])
                for entry in row["entries"]
            )
            or row["value"]
        )
    return row["value"]


def _upload_field(definition, pointer: str) -> str:
    parts = [p for p in pointer.split("/") if p]
    return definition.label_for(parts, "de") or pointer


def casefile_context(case: Case, *, lang: str = "de") -> dict:
    """Everything the case-file template shows (plain values, already formatted)."""
    definition = version_definition(case.process_version)
    uploads = {u.ref: u for u in case.uploads.all()}
    with translation.override(lang):
        sections = answer_sections(definition, case.answers, lang, uploads)
    for section in sections:
        section["blocks"] = _blocks(section["rows"])
    statuses = dict(Case.Status.choices)
    history = [
        {
            "at": datetime_de(change.changed_at),
            "status": str(statuses.get(change.to_status, change.to_status)),
            "by": change.changed_by.get_username() if change.changed_by else "System",
            "message": change.message,
        }
        for change in case.status_changes.select_related("changed_by")
    ]
    accepted = set(case.declarations or [])
    declarations = [
        i18n(d.get("text"), lang) for d in definition.declarations if d.get("id") in accepted
    ]
    fees = [
        {"label": i18n(f.label, lang), "amount": money(f.amount)}
        for f in definition.fees(case.answers)
    ]
    identity_level = (definition.identity or {}).get("level", "none")
    return {
        "lang": lang,
        "case": case,
        "reference": case.reference,
        "process_title": i18n(definition.title, lang),
        "process_id": definition.id,
        "version": case.process_version.version,
        "definition_sha256": case.definition_sha256,
        "municipality": case.municipality.name,
        "ars": case.municipality.ars,
        "authority": case.authority.name,
        "authority_email": case.authority.email,
        "received": datetime_de(case.submitted_at),
        "applicant": case.applicant_name,
        "language": {"de": "Deutsch", "en": "Englisch"}.get(case.language, case.language),
        "sections": sections,
        "uploads": [
            {
                "name": u.original_name,
                "media_type": u.media_type,
                "size": _size_de(u.size),
                "sha256": u.sha256,
                "field": _upload_field(definition, u.field_pointer),
            }
            for u in sorted(uploads.values(), key=lambda u: (u.field_pointer, u.original_name))
        ],
        "declarations": declarations,
        "identity": (
            "keine (nicht erforderlich)"
            if identity_level == "none"
            else f"gefordert: {identity_level} – Nachweis noch nicht angebunden"
        ),
        "payment": "noch nicht angebunden",
        "fees": fees,
        "fee_total": money(sum((f.amount for f in definition.fees(case.answers)), start=0)),
        "history": history,
        "attachments": [
            {"name": ANSWERS_NAME, "what": "gespeicherte Antworten (JSON)"},
            {"name": SCHEMA_NAME, "what": "Datenschema der Version (JSON Schema 2020-12)"},
        ],
        "created": datetime_de(timezone.now()),
    }


def casefile_html(case: Case, *, lang: str = "de") -> str:
    """The case file as HTML (templates/pdf/casefile.html; styles in casefile.css)."""
    return render_to_string("pdf/casefile.html", casefile_context(case, lang=lang))


def casefile_attachments(case: Case) -> list[tuple[str, bytes, str]]:
    """The embedded files: the stored answers and the pinned version's data schema."""
    definition = version_definition(case.process_version)
    return [
        (ANSWERS_NAME, _json_bytes(case.answers), "application/json"),
        (SCHEMA_NAME, _json_bytes(definition.data_schema), "application/schema+json"),
    ]


def casefile_pdf(case: Case, *, lang: str = "de") -> bytes:
    """Build the case file's HTML and render it to PDF bytes (nothing is stored)."""
    html = casefile_html(case, lang=lang)
    return html_to_pdf(
        html,
        attachments=casefile_attachments(case),
        lang=lang,
        title=f"Fallakte {case.reference}",
        stylesheets=[STYLESHEET],
    )


# --- storage and service -------------------------------------------------------------------------


def _path(storage_name: str) -> Path:
    root = Path(settings.CASEFILE_ROOT).resolve()
    path = (root / storage_name).resolve()
    if not path.is_relative_to(root):
        raise ValueError("storage name leaves CASEFILE_ROOT")
    return path


def _store(content: bytes) -> str:
    """Write `content` under a random name (atomically: temp file, then rename)."""
    token = secrets.token_hex(16)
    storage_name = f"{token[:2]}/{token}.pdf"
    path = _path(storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return storage_name


def _existing(case_id) -> CaseDocument | None:
    return CaseDocument.objects.filter(case_id=case_id, kind=CaseDocument.Kind.CASEFILE).first()


def casefile_render(*, case_id) -> CaseDocument:
    """Render and store the case file of a case; idempotent.

    If the case already has its case file, that document is returned unchanged. Otherwise
    the PDF is rendered (outside any lock: it takes a while), written under CASEFILE_ROOT
    with a random name, recorded as `CaseDocument(kind=casefile)` and
    `Case.casefile_rendered_at` is set. A concurrent render that loses the race on the
    unique constraint deletes its own file and returns the winner's document.
    Raises `Case.DoesNotExist` for an unknown case.
    """
    existing = _existing(case_id)
    if existing is not None:
        return existing
    case = Case.objects.select_related("process_version", "municipality", "authority").get(
        pk=case_id
    )
    content = casefile_pdf(case)
    storage_name = _store(content)
    try:
        with transaction.atomic():
            document = CaseDocument.objects.create(
                case=case,
                kind=CaseDocument.Kind.CASEFILE,
                storage_name=storage_name,
                file_name=f"{case.reference}-Fallakte.pdf",
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
            )
            Case.objects.filter(pk=case.pk).update(
                casefile_rendered_at=timezone.now(), updated_at=timezone.now()
            )
    except IntegrityError:
        _path(storage_name).unlink(missing_ok=True)
        winner = _existing(case_id)
        if winner is None:
            raise
        return winner
    return document


def casefile_open(document: CaseDocument) -> bytes:
    """The stored bytes of a case document (callers check permissions first)."""
    return _path(document.storage_name).read_bytes()


def casefile_embedded(pdf_bytes: bytes) -> dict[str, bytes]:
    """The embedded files of a PDF: {file name: bytes} (for tests and the back office)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    return {name: contents[0] for name, contents in reader.attachments.items()}
