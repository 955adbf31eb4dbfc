"""Uploads under attack (issue 7, observation 7): names carry the sniffed type, a PDF must
open as one, and size limits hold while the body streams in, before anything is spooled."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.test import RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from forms_engine.citizen.uploads import (
    LimitedUploadHandler,
    StreamLimits,
    UploadRejected,
    file_name_for_type,
    upload_refusal,
    upload_store,
)
from tests.citizen.flow import error_pointers
from tests.citizen.test_pages import PARK, fill, start, step_url
from tests.conftest import UPLOAD_FIXTURES, stored_files

pytestmark = pytest.mark.django_db

PDF = (UPLOAD_FIXTURES / "sachkunde.pdf").read_bytes()
# A polyglot: starts like a PDF (so it sniffs as one), runs as an HTML application on Windows.
HTA_POLYGLOT = (
    b"%PDF-1.4\n<HTML><HEAD><HTA:APPLICATION ID=x WINDOWSTATE=minimize></HEAD>"
    b'<script language="VBScript">CreateObject("WScript.Shell").Run "calc"</script></HTML>\n'
)
PDF_ONLY = {"media_types": ["application/pdf"], "max_bytes": 1024 * 1024}


class SpoolCounter(TemporaryFileUploadHandler):
    """Stands in for Django's spooling handler and counts every byte it would write."""

    written: list[int] = []

    def receive_data_chunk(self, raw_data, start):
        SpoolCounter.written.append(len(raw_data))
        return super().receive_data_chunk(raw_data, start)


@pytest.fixture
def spool_counter(settings):
    SpoolCounter.written = []
    settings.FILE_UPLOAD_HANDLERS = [
        "forms_engine.citizen.uploads.LimitedUploadHandler",
        "tests.citizen.test_upload_hardening.SpoolCounter",
    ]
    return SpoolCounter


def store(version, name, content, spec=PDF_ONLY):
    return upload_store(
        file=SimpleUploadedFile(name, content),
        process_version=version,
        field_pointer="/sachkunde/nachweis",
        upload_spec=spec,
    )


# --- names and PDF validity ------------------------------------------------------------------


def test_a_pdf_polyglot_named_hta_is_refused_as_not_a_valid_pdf(published_processes, settings):
    version = published_processes["hundesteuer-anmeldung"]

    with pytest.raises(UploadRejected) as info:
        store(version, "Sachkundenachweis.hta", HTA_POLYGLOT)

    assert info.value.code == "pdf_invalid"
    assert info.value.message == "Die Datei ist kein gültiges PDF."
    assert info.value.message_en == "The file is not a valid PDF."
    assert stored_files("uploads") == []


def test_a_file_that_only_starts_like_a_png_is_refused(published_processes):
    pictures = {"media_types": ["image/png"], "max_bytes": 1024 * 1024}

    with pytest.raises(UploadRejected) as info:
        store(
            published_processes["hundesteuer-anmeldung"],
            "foto.hta",
            b"\x89PNG\r\n\x1a\n<script>alert(1)</script>",
            pictures,
        )

    assert info.value.code == "image_invalid"
    assert info.value.message == "Die Datei ist kein gültiges Bild."


def test_a_real_pdf_named_hta_is_kept_under_the_pdf_extension(published_processes):
    upload, _token = store(
        published_processes["hundesteuer-anmeldung"], "Sachkundenachweis.hta", PDF
    )
    assert upload.media_type == "application/pdf"
    assert upload.original_name == "Sachkundenachweis.pdf"


@pytest.mark.parametrize(
    ("name", "media_type", "expected"),
    [
        ("Sachkundenachweis.hta", "application/pdf", "Sachkundenachweis.pdf"),
        ("Sachkundenachweis.pdf", "application/pdf", "Sachkundenachweis.pdf"),
        ("nachweis.PDF", "application/pdf", "nachweis.PDF"),
        ("foto.JPEG", "image/jpeg", "foto.JPEG"),
        ("foto.exe", "image/png", "foto.png"),
        ("Scan 2024.05", "application/pdf", "Scan 2024.05.pdf"),
        ("Nachweis", "application/pdf", "Nachweis.pdf"),
        ("Nachweis.hta.pdf", "application/pdf", "Nachweis.hta.pdf"),
        ("datei", "image/tiff", "datei.tif"),
        ("brief.txt", "application/x-unknown", "brief.txt"),
    ],
)
def test_the_kept_name_carries_the_extension_of_the_sniffed_type(name, media_type, expected):
    assert file_name_for_type(name, media_type) == expected
    assert file_name_for_type(expected, media_type) == expected  # idempotent


def test_files_stored_before_get_the_sniffed_extension_by_the_migration(published_processes):
    from importlib import import_module

    from django.apps import apps

    from forms_engine.citizen.models import Upload

    upload, _token = store(published_processes["hundesteuer-anmeldung"], "ok.pdf", PDF)
    Upload.objects.filter(pk=upload.pk).update(original_name="Sachkundenachweis.hta")
    migration = import_module("forms_engine.citizen.migrations.0003_upload_token_expiry_and_client")

    migration.names_carry_the_sniffed_extension(apps, None)

    upload.refresh_from_db()
    assert upload.original_name == "Sachkundenachweis.pdf"


# --- the streaming limit -----------------------------------------------------------------------


def handler_for(limit: int, request_bytes: int = 10**9):
    request = RequestFactory().post("/")
    request._forms_stream_limits = StreamLimits(
        file_limit=lambda name: limit if name == "file" else None, request_bytes=request_bytes
    )
    return request, LimitedUploadHandler(request)


def test_the_handler_stops_reading_at_the_first_chunk_over_the_field_limit():
    request, handler = handler_for(100)
    assert handler.handle_raw_input(None, {}, 10_000, b"x") is None
    handler.new_file("file", "a.pdf", "application/pdf", None)

    assert handler.receive_data_chunk(b"x" * 60, 0) == b"x" * 60
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 60, 60)

    refusal = upload_refusal(request)
    assert (refusal.code, refusal.field_name) == ("too_large", "file")
    assert refusal.message.startswith("Die Datei ist zu groß")


def test_the_handler_refuses_a_body_by_its_content_length_without_reading_it():
    request, handler = handler_for(100, request_bytes=1000)

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body must not be read")

    post, files = handler.handle_raw_input(Unreadable(), {}, 5000, b"x")

    assert not post and not files
    assert upload_refusal(request).code == "too_large"


def test_the_handler_does_not_accept_files_for_fields_that_take_none():
    from django.core.files.uploadhandler import SkipFile

    _request, handler = handler_for(100)
    handler.handle_raw_input(None, {}, 10_000, b"x")
    with pytest.raises(SkipFile):
        handler.new_file("anything_else", "a.pdf", "application/pdf", None)


def test_a_body_over_the_limit_is_cut_off_before_the_spooling_handler_writes_it(spool_counter):
    limit = 100 * 1024
    body = encode_multipart(
        BOUNDARY, {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (3 * 1024 * 1024))}
    )
    request = RequestFactory().generic("POST", "/", body, content_type=MULTIPART_CONTENT)
    request._forms_stream_limits = StreamLimits(file_limit=lambda name: limit, request_bytes=10**9)

    assert not request.FILES
    assert upload_refusal(request).code == "too_large"
    # At most the limit plus the one chunk that went over it reached the spooling handler.
    assert sum(spool_counter.written) <= limit + 64 * 1024
    assert sum(spool_counter.written) < 3 * 1024 * 1024


# --- the wizard over HTTP ----------------------------------------------------------------------


def test_the_wizard_refuses_a_file_over_the_limit_with_a_field_error_and_saves_nothing(
    client, published_processes, settings, spool_counter
):
    settings.FORMS_UPLOAD_MAX_BYTES = 64 * 1024  # under the field's 10 MiB: the ceiling wins
    draft, _url = start(client, "anwohnerparkausweis")
    for step_id in ("antragsteller", "wohnsitz"):
        assert fill(client, draft, step_id, PARK["answers"][step_id]).status_code == 302
    big = SimpleUploadedFile("schein.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024))
    data = {
        "fahrzeuge._count": "1",
        "fahrzeuge.0.kennzeichen": "MS-AB 1234",
        "fahrzeuge.0.fahrzeugart": "pkw",
        "fahrzeuge.0.halter_ist_antragsteller": "false",
        "fahrzeuge.0.nutzungsberechtigung": big,
        "_fields": "fahrzeuge",
        "_action": "next",
    }

    response = client.post(step_url(draft, "fahrzeuge"), data)

    content = response.content.decode()
    assert response.status_code == 413
    assert "/fahrzeuge/fahrzeuge/0/nutzungsberechtigung" in error_pointers(content)
    assert re.search(r"Die Datei ist zu groß \(höchstens 64 KB\)", content)
    assert sum(spool_counter.written) <= 2 * 64 * 1024
    draft.refresh_from_db()
    assert "fahrzeuge" not in (draft.answers or {})
    assert draft.uploads.count() == 0


def test_the_wizard_answers_413_to_a_body_over_the_request_limit_without_reading_it(
    client, published_processes, settings
):
    draft, _url = start(client, "anwohnerparkausweis")
    body = encode_multipart(BOUNDARY, {"_action": "next"})

    response = client.generic(
        "POST",
        step_url(draft, "fahrzeuge"),
        body,
        content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(settings.FORMS_UPLOAD_MAX_REQUEST_BYTES + 1),
    )

    # The test client's payload raises if more than its few bytes were read: none were.
    assert response.status_code == 413
    assert "Die übermittelten Daten sind zu groß" in response.content.decode()


def test_a_small_file_still_goes_through_the_wizard(client, published_processes, spool_counter):
    draft, _url = start(client, "anwohnerparkausweis")
    for step_id in ("antragsteller", "wohnsitz"):
        assert fill(client, draft, step_id, PARK["answers"][step_id]).status_code == 302
    data = {
        "fahrzeuge._count": "1",
        "fahrzeuge.0.kennzeichen": "MS-AB 1234",
        "fahrzeuge.0.fahrzeugart": "pkw",
        "fahrzeuge.0.halter_ist_antragsteller": "false",
        "fahrzeuge.0.nutzungsberechtigung": SimpleUploadedFile(
            "schein.hta", io.BytesIO(PDF).read()
        ),
        "_fields": "fahrzeuge",
        "_action": "save",
    }

    response = client.post(step_url(draft, "fahrzeuge"), data)

    assert response.status_code == 200
    assert [u.original_name for u in draft.uploads.all()] == ["schein.pdf"]
