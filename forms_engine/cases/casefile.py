"""The case file (Fallakte): the authority's PDF record of a submitted case.

German, tagged (PDF/UA-1), with the stored answers (`antworten.json`) and the composed
data schema of the pinned version (`datenschema.json`) embedded as files. Exactly one per
case (`CaseDocument` kind `casefile`, unique constraint); bytes in the "casefiles" storage
(`core.storage`), so any worker writes it and any web node serves it.

Identity: achieved level and means, the attributes the ID confirmed, and the bPK2 only
as a shortened SHA-256 (the pseudonym itself is a key into the citizen's account and
stays in the database). Payment: status, amount, Kassenzeichen, method, transaction id.

Supplements (Nachträge): `supplement_render(*, case, message)` appends one dated PDF per
answer of the citizen in the postbox (`CaseDocument` kind `supplement`): the question,
the answer and the files sent with it (name, type, size, SHA-256).

Letterhead (both): the case's municipality (`catalog.letterhead.municipality_letterhead`):
its logo (alt text "Logo <name>"), name, the responsible authority and its e-mail, the
address and contact line; from page 2 on the name and authority run in the page header.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from forms_engine.catalog.letterhead import municipality_letterhead
from forms_engine.catalog.selectors import bound_definition
from forms_engine.core.formatting import date_de, i18n, money
from forms_engine.core.pdf import html_to_pdf
from forms_engine.core.storage import CASEFILES, file_delete, file_open, file_read, file_save
from forms_engine.core.summary import answer_sections

from .models import Case, CaseDocument, IdentityLevel, PaymentStatus

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
    definition = bound_definition(case.process_version, case.parameter_values)
    # Files of the application itself; answers in the postbox have their own supplements.
    uploads = {u.ref: u for u in case.uploads.filter(message__isnull=True)}
    with translation.override(lang):
        sections = answer_sections(definition, case.answers, lang, uploads, output=True)
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
    required_level = (getattr(definition, "identity", None) or {}).get("level", "none")
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
        "letterhead": municipality_letterhead(case.municipality, case.authority),
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
        "identity": identity_facts(case, required_level),
        "payment": payment_facts(case),
        "fees": fees,
        "fee_total": money(sum((f.amount for f in definition.fees(case.answers)), start=0)),
        "history": history,
        "attachments": [
            {"name": ANSWERS_NAME, "what": "gespeicherte Antworten (JSON)"},
            {"name": SCHEMA_NAME, "what": "Datenschema der Version (JSON Schema 2020-12)"},
        ],
        "created": datetime_de(timezone.now()),
    }


# Labels of confirmed identity attributes: friendly SAML names, OIDs and our own keys.
ATTRIBUTE_LABELS = {
    "given_name": "Vorname",
    "givenName": "Vorname",
    "urn:oid:2.5.4.42": "Vorname",
    "family_name": "Familienname",
    "familyName": "Familienname",
    "surname": "Familienname",
    "urn:oid:2.5.4.4": "Familienname",
    "birth_name": "Geburtsname",
    "birthName": "Geburtsname",
    "birth_date": "Geburtsdatum",
    "birthDate": "Geburtsdatum",
    "birthdate": "Geburtsdatum",
    "urn:oid:1.2.40.0.10.2.1.1.55": "Geburtsdatum",
    "place_of_birth": "Geburtsort",
    "placeOfBirth": "Geburtsort",
    "street": "Straße und Hausnummer",
    "postalAddress": "Straße und Hausnummer",
    "urn:oid:2.5.4.16": "Straße und Hausnummer",
    "postal_code": "Postleitzahl",
    "postalCode": "Postleitzahl",
    "urn:oid:2.5.4.17": "Postleitzahl",
    "locality": "Ort",
    "city": "Ort",
    "localityName": "Ort",
    "urn:oid:2.5.4.7": "Ort",
    "country": "Staat",
    "nationality": "Staatsangehörigkeit",
    "address": "Anschrift",
    "email": "E-Mail",
    "mail": "E-Mail",
    "phone": "Telefon",
}
# BundID reports a trust level per attribute; these two mean "confirmed by the ID".
CONFIRMED_TRUST = frozenset({"SUBSTANZIELL", "HOCH"})
# Never printed among the attributes: the pseudonym (shown shortened) and technical keys.
HIDDEN_ATTRIBUTES = {"bpk2", "bPK2", "urn:oid:1.3.6.1.4.1.25484.494450.3", "level", "means"}


def _label(choices, value: str) -> str:
    """The German label of a choice (the case file is German whatever the request says)."""
    try:
        with translation.override("de"):
            return str(choices(value).label)
    except ValueError:
        return value or "–"


def identity_attribute_value(value) -> str:
    if isinstance(value, dict) and "value" in value:
        return identity_attribute_value(value["value"])
    if isinstance(value, dict):
        return ", ".join(identity_attribute_value(v) for v in value.values() if v not in (None, ""))
    if isinstance(value, list | tuple):
        return ", ".join(identity_attribute_value(v) for v in value)
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return date_de(text)
    return text


def identity_confirmed_attributes(attributes) -> list[tuple[str, object]]:
    """(name, value) of the attributes the ID confirmed, in the order given.

    The identity plugin stores `{name: {"value", "trust", "oid"}}`; an attribute with a
    trust level below "substanziell" is self-declared (it is in the answers anyway) and
    left out. A plain value (no trust given) counts as confirmed.
    """
    confirmed = []
    for key, value in (attributes or {}).items():
        if key in HIDDEN_ATTRIBUTES or value in (None, "", [], {}):
            continue
        if isinstance(value, dict) and "value" in value:
            if value.get("trust") and value["trust"] not in CONFIRMED_TRUST:
                continue
            if value["value"] in (None, ""):
                continue
        confirmed.append((key, value))
    return confirmed


def bpk2_fingerprint(bpk2: str) -> str:
    """A short, stable fingerprint of the bPK2 pseudonym for the record (never the value)."""
    if not bpk2:
        return ""
    digest = hashlib.sha256(bpk2.encode("utf-8")).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def identity_facts(case: Case, required_level: str = "none") -> dict:
    """The identity of the applicant as the case records it (plain German strings)."""
    achieved = case.identity_level or IdentityLevel.NONE
    summary = _label(IdentityLevel, achieved)
    if achieved == IdentityLevel.NONE:
        summary = (
            "keine (nicht erforderlich)"
            if required_level in ("", "none", None)
            else f"keine (gefordert: {_label(IdentityLevel, required_level)})"
        )
    elif required_level not in ("", "none", None):
        summary = f"{summary} (gefordert: {_label(IdentityLevel, required_level)})"
    attributes = [
        {"label": ATTRIBUTE_LABELS.get(key, key), "value": identity_attribute_value(value)}
        for key, value in identity_confirmed_attributes(case.identity_attributes)
    ]
    return {
        "summary": summary,
        "identified": achieved != IdentityLevel.NONE,
        "means": case.identity_means,
        "pseudonym": bpk2_fingerprint(case.identity_bpk2),
        "attributes": attributes,
    }


def payment_facts(case: Case) -> dict:
    """The payment of the case (status, amount, Kassenzeichen, method, transaction id)."""
    return {
        "status": _label(PaymentStatus, case.payment_status),
        "required": case.payment_status != PaymentStatus.NOT_REQUIRED,
        "amount": money(case.payment_amount) if case.payment_amount is not None else "",
        "reference": case.payment_reference,
        "method": case.payment_method,
        "transaction_id": case.payment_transaction_id,
    }


def casefile_html(case: Case, *, lang: str = "de") -> str:
    """The case file as HTML (templates/pdf/casefile.html; styles in casefile.css)."""
    return render_to_string("pdf/casefile.html", casefile_context(case, lang=lang))


def casefile_attachments(case: Case) -> list[tuple[str, bytes, str]]:
    """The embedded files: the stored answers and the pinned version's data schema."""
    definition = bound_definition(case.process_version, case.parameter_values)
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


def _store(content: bytes) -> str:
    """Store `content` in the casefiles storage under a random name; returns the name."""
    token = secrets.token_hex(16)
    return file_save(CASEFILES, f"{token[:2]}/{token}.pdf", content)


def _existing(case_id) -> CaseDocument | None:
    return CaseDocument.objects.filter(case_id=case_id, kind=CaseDocument.Kind.CASEFILE).first()


def casefile_render(*, case_id) -> CaseDocument:
    """Render and store the case file of a case; idempotent.

    If the case already has its case file, that document is returned unchanged. Otherwise
    the PDF is rendered (outside any lock: it takes a while), stored in the casefiles
    storage under a random name, recorded as `CaseDocument(kind=casefile)` and
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
        file_delete(CASEFILES, storage_name)
        winner = _existing(case_id)
        if winner is None:
            raise
        return winner
    return document


def casefile_open(document: CaseDocument) -> bytes:
    """The stored bytes of a case document (callers check permissions first).

    Raises `FileNotFoundError` if the storage has no such file.
    """
    return file_read(CASEFILES, document.storage_name)


def document_stream(document: CaseDocument):
    """The stored case document opened for reading (binary), for a streamed download; the
    caller (a `FileResponse`) closes it. Raises `FileNotFoundError` if it is missing.
    Callers check permissions first."""
    return file_open(CASEFILES, document.storage_name)


def document_file_delete(document: CaseDocument) -> bool:
    """Delete the stored bytes of a case document (not its row); True if they were there."""
    return file_delete(CASEFILES, document.storage_name)


def casefile_embedded(pdf_bytes: bytes) -> dict[str, bytes]:
    """The embedded files of a PDF: {file name: bytes} (for tests and the back office)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    return {name: contents[0] for name, contents in reader.attachments.items()}


# --- supplements (Nachträge) ---------------------------------------------------------------------


def supplement_context(case: Case, message) -> dict:
    """What a supplement shows: the question, the citizen's answer and its files."""
    definition = bound_definition(case.process_version, case.parameter_values)
    question = message.in_reply_to
    now = timezone.now()
    return {
        "reference": case.reference,
        "process_title": i18n(definition.title, "de"),
        "authority": case.authority.name,
        "municipality": case.municipality.name,
        "letterhead": municipality_letterhead(case.municipality, case.authority),
        "applicant": case.applicant_name,
        "created_date": timezone.localtime(now, BERLIN).strftime("%d.%m.%Y"),
        "created": datetime_de(now),
        "question": {
            "sent": datetime_de(question.created_at) if question else "–",
            "subject": question.subject if question else "",
            "body": question.body if question else "",
            "requests_documents": bool(question and question.requests_documents),
        },
        "answer": {"received": datetime_de(message.created_at), "body": message.body},
        "uploads": [
            {
                "name": u.original_name,
                "media_type": u.media_type,
                "size": _size_de(u.size),
                "sha256": u.sha256,
            }
            for u in message.uploads.order_by("created_at", "pk")
        ],
    }


def supplement_pdf(case: Case, message) -> bytes:
    context = supplement_context(case, message)
    return html_to_pdf(
        render_to_string("pdf/supplement.html", context),
        lang="de",
        title=f"Nachtrag vom {context['created_date']} zu {case.reference}",
        stylesheets=[STYLESHEET],
    )


def supplement_render(*, case: Case, message) -> CaseDocument:
    """Render, store and record the supplement PDF for the citizen's answer `message`.

    Called inside the postbox transaction: if it rolls back, the caller deletes the file
    with `supplement_discard`. One document per call (one answer, one supplement).
    """
    content = supplement_pdf(case, message)
    storage_name = _store(content)
    stamp = timezone.localtime(timezone.now(), BERLIN).strftime("%Y%m%d-%H%M")
    return CaseDocument.objects.create(
        case=case,
        kind=CaseDocument.Kind.SUPPLEMENT,
        storage_name=storage_name,
        file_name=f"{case.reference}-Nachtrag-{stamp}-{message.pk}.pdf",
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )


def supplement_discard(document: CaseDocument) -> None:
    """Delete the bytes of a supplement whose transaction did not commit."""
    document_file_delete(document)
