"""The case file (cases/casefile.py): content, tagging, embedded files, idempotent storage.

Every valid sample answer file of every shipped process is submitted through `case_submit`
(uploads attached as in the citizen flow) and its case file rendered and read back.
"""

import hashlib
import io
import json
import re
from unittest import mock

import pytest
from pypdf import PdfReader

from forms_engine.cases.casefile import (
    casefile_embedded,
    casefile_html,
    casefile_open,
    casefile_render,
)
from forms_engine.cases.models import Case, CaseDocument
from forms_engine.cases.services import case_submit
from forms_engine.catalog.selectors import bound_definition, version_definition
from forms_engine.citizen.uploads import upload_store
from forms_engine.core.answer_fields import upload_spec_for
from forms_engine.core.formatting import display_value
from forms_engine.definitions import citizen_validator
from tests.conftest import (
    ANSWER_FIXTURES,
    load_sample,
    stored_files,
    substitute_files,
    upload_file,
)

pytestmark = pytest.mark.django_db

VALID = sorted(ANSWER_FIXTURES.glob("*/valid-*.json"))


def submit_sample(published_processes, municipality, path, key="k1"):
    """Submit a sample answer file through case_submit, uploading its "@file:" names."""
    version = published_processes[path.parent.name]
    definition = version_definition(version)
    tokens = {}

    def upload(name, pointer):
        stored, token = upload_store(
            file=upload_file(name),
            process_version=version,
            field_pointer=pointer,
            upload_spec=upload_spec_for(definition, pointer),
        )
        tokens[stored.ref] = token
        return stored.ref

    data = load_sample(path)
    answers = substitute_files(data["answers"], "", upload)
    level = (definition.doc.get("identity") or {}).get("level", "none")
    identity = None
    if level != "none":
        from tests.identity.helpers import sample_identity

        identity = sample_identity(level)
    return case_submit(
        identity=identity,
        process_version=version,
        municipality=municipality,
        answers=answers,
        declarations=data["declarations"],
        submission_key=key,
        upload_owner=tokens,
    )


def squeeze(text: str) -> str:
    """Text without whitespace (line breaks, wrapping and justification differ in PDFs)."""
    return re.sub(r"\s+", "", text.replace("\u00ad", ""))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def expected_pairs(definition, answers, uploads):
    """(label, formatted value) of every answered field, walking answers with the definition."""
    pairs = []

    def walk(fields, data):
        for f in fields:
            if not isinstance(data, dict) or f.name not in data:
                continue
            value = data[f.name]
            if f.type == "group":
                pairs.append((f.label("de"), None))
                walk(f.children, value)
            elif f.type == "repeat":
                pairs.append((f.label("de"), None))
                for entry in value:
                    walk(f.children, entry)
            else:
                pairs.append((f.label("de"), display_value(f, value, "de", uploads)))

    for step in definition.applicable_steps(answers):
        walk(step.fields(), answers.get(step.id))
    return pairs


@pytest.fixture
def case(published_processes, musterstadt):
    path = ANSWER_FIXTURES / "hundesteuer-anmeldung" / "valid-listenhund-mit-lastschrift.json"
    return submit_sample(published_processes, musterstadt, path)


def casefiles_on_disk():
    return stored_files("casefiles")


@pytest.mark.parametrize("path", VALID, ids=[f"{p.parent.name}/{p.stem}" for p in VALID])
def test_the_case_file_shows_every_answer_labelled_and_formatted(
    published_processes, musterstadt, path
):
    case = submit_sample(published_processes, musterstadt, path)
    # The case's own definition: its version with the parameter values it was filed with.
    definition = bound_definition(case.process_version, case.parameter_values)
    document = casefile_render(case_id=case.pk)
    pdf = casefile_open(document)
    text = squeeze(pdf_text(pdf))
    uploads = {u.ref: u for u in case.uploads.all()}
    pairs = expected_pairs(definition, case.answers, uploads)
    assert pairs
    for label, value in pairs:
        assert squeeze(label) in text, label
        if value is not None:
            assert squeeze(value) in text, (label, value)
    assert case.reference in text
    assert squeeze(definition.title["de"]) in text
    assert case.definition_sha256 in text
    assert "Seite1von" in text


@pytest.mark.parametrize("path", VALID, ids=[f"{p.parent.name}/{p.stem}" for p in VALID])
def test_the_case_file_is_tagged_german_and_carries_answers_and_data_schema(
    published_processes, musterstadt, path
):
    case = submit_sample(published_processes, musterstadt, path)
    pdf = casefile_open(casefile_render(case_id=case.pk))
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "de"
    assert bool(root["/MarkInfo"]["/Marked"])
    embedded = casefile_embedded(pdf)
    assert set(embedded) == {"antworten.json", "datenschema.json"}
    answers = json.loads(embedded["antworten.json"].decode("utf-8"))
    schema = json.loads(embedded["datenschema.json"].decode("utf-8"))
    case.refresh_from_db()
    assert answers == case.answers
    assert schema == bound_definition(case.process_version, case.parameter_values).data_schema
    assert citizen_validator(schema).is_valid(answers)


def test_the_case_file_is_stored_with_name_hash_and_size(case):
    document = casefile_render(case_id=case.pk)
    pdf = casefile_open(document)
    assert document.kind == CaseDocument.Kind.CASEFILE
    assert document.file_name == f"{case.reference}-Fallakte.pdf"
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert document.size == len(pdf)
    assert pdf.startswith(b"%PDF-")
    assert case.reference not in document.storage_name
    assert casefiles_on_disk() == [document.storage_name]
    case.refresh_from_db()
    assert case.casefile_rendered_at is not None


def test_rendering_twice_returns_the_same_document_and_keeps_one_file(case):
    first = casefile_render(case_id=case.pk)
    rendered_at = Case.objects.get(pk=case.pk).casefile_rendered_at
    with mock.patch("forms_engine.cases.casefile.casefile_pdf") as render:
        second = casefile_render(case_id=case.pk)
    render.assert_not_called()
    assert second.pk == first.pk
    assert second.sha256 == first.sha256
    assert CaseDocument.objects.filter(case=case).count() == 1
    assert len(casefiles_on_disk()) == 1
    assert Case.objects.get(pk=case.pk).casefile_rendered_at == rendered_at


def test_a_concurrent_duplicate_keeps_one_document_and_leaves_no_orphan_file(case):
    first = casefile_render(case_id=case.pk)
    # Simulate the race: the early lookup misses, the insert hits the unique constraint.
    real_filter = CaseDocument.objects.filter
    calls = {"n": 0}

    def filter_missing_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            return CaseDocument.objects.none()
        return real_filter(*args, **kwargs)

    with mock.patch.object(CaseDocument.objects, "filter", side_effect=filter_missing_once):
        second = casefile_render(case_id=case.pk)
    assert second.pk == first.pk
    assert CaseDocument.objects.filter(case=case).count() == 1
    assert casefiles_on_disk() == [first.storage_name]


def test_uploads_are_listed_with_name_type_size_and_hash(case):
    text = squeeze(pdf_text(casefile_open(casefile_render(case_id=case.pk))))
    uploads = list(case.uploads.all())
    assert uploads
    for upload in uploads:
        assert squeeze(upload.original_name) in text
        assert upload.media_type in text
        assert f"{upload.size:,}".replace(",", ".") + "Bytes" in text
        assert upload.sha256 in text


def test_header_declarations_identity_payment_and_history_are_in_german(case):
    text = squeeze(pdf_text(casefile_open(casefile_render(case_id=case.pk))))
    for expected in (
        "Musterstadt",
        case.authority.name,
        f"Version{case.process_version.version}",
        "Ichversichere",
        "Identifizierungkeine(nichterforderlich)",
        # The dog tax is not paid online: it follows by Steuerbescheid ("Rechnung folgt").
        "ZahlungRechnungfolgt",
        "Verlauf",
        "Eingegangen",
        # Musterstadt's rate for a dangerous dog (its activation's parameter values).
        "600,00€",
    ):
        assert squeeze(expected) in text, expected


def test_the_received_time_is_german_and_in_berlin_time(case):
    import datetime as dt

    Case.objects.filter(pk=case.pk).update(
        submitted_at=dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    )
    case.refresh_from_db()
    assert "02.03.2026, 00:30 Uhr" in casefile_html(case)


def test_the_html_is_accessible_german_with_headings_and_table_headers(
    published_processes, musterstadt
):
    path = ANSWER_FIXTURES / "anwohnerparkausweis" / "valid-drei-fahrzeuge-24-monate.json"
    html = casefile_html(submit_sample(published_processes, musterstadt, path))
    assert '<html lang="de">' in html
    assert html.count("<h1>") == 1
    assert "<h2" in html and "<h3>" in html
    assert '<th scope="col"' in html and '<th scope="row"' in html
    # Images only with alt text (the municipality's logo, where it has one).
    assert all('alt="' in tag for tag in re.findall(r"<img\b[^>]*>", html))
    assert "Einträge" in html


def test_identity_and_payment_come_from_the_case(case):
    from decimal import Decimal

    Case.objects.filter(pk=case.pk).update(
        identity_level="hoch",
        identity_means="Online-Ausweis (eID)",
        identity_bpk2="bPK2-GEHEIM-1234567890",
        identity_attributes={
            "given_name": "Erika",
            "family_name": "Mustermann",
            "birth_date": "1964-08-12",
            "street": "Heidestraße 17",
            "postal_code": "51147",
            "locality": "Köln",
            "bpk2": "bPK2-GEHEIM-1234567890",
        },
        payment_status="PAYED",
        payment_amount=Decimal("96.00"),
        payment_reference="KZ-2026-4711",
        payment_method="Kreditkarte",
        payment_transaction_id="tx-0815",
    )
    case.refresh_from_db()
    text = squeeze(pdf_text(casefile_open(casefile_render(case_id=case.pk))))

    for expected in (
        "Identifizierunghoch",
        "Online-Ausweis(eID)",
        "Vorname(lautNachweis)Erika",
        "FamiliennameMustermann",
        "12.08.1964",
        "Heidestraße17",
        "51147",
        "Köln",
        "Zahlungbezahlt",
        "Betrag96,00€",
        "KassenzeichenKZ-2026-4711",
        "ZahlartKreditkarte",
        "tx-0815",
    ):
        assert squeeze(expected) in text, expected
    assert "GEHEIM" not in text  # the pseudonym only as a shortened hash
    fingerprint = hashlib.sha256(b"bPK2-GEHEIM-1234567890").hexdigest()[:16]
    assert fingerprint in text
    assert "Platzhalter" not in text


def test_identity_attributes_in_the_plugins_format_show_only_confirmed_ones(case):
    Case.objects.filter(pk=case.pk).update(
        identity_level="hoch",
        identity_means="Online-Ausweis",
        identity_attributes={
            "givenName": {"value": "Erika", "trust": "HOCH", "oid": "urn:oid:2.5.4.42"},
            "birthDate": {"value": "1964-08-12", "trust": "HOCH", "oid": "x"},
            "email": {"value": "selbst@example.org", "trust": "NORMAL", "oid": "y"},
        },
    )
    case.refresh_from_db()
    html = casefile_html(case)

    assert "Vorname (laut Nachweis)" in html and "Erika" in html
    assert "12.08.1964" in html
    assert "selbst@example.org" not in html
    assert "urn:oid" not in html
