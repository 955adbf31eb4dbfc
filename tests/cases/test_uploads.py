"""The upload service (forms_engine/citizen/uploads.py), shared by wizard and API."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forms_engine.citizen.uploads import (
    UploadRejected,
    sanitize_file_name,
    upload_open,
    upload_owner_matches,
    upload_store,
)
from tests.conftest import UPLOAD_FIXTURES, stored_files, upload_file

pytestmark = pytest.mark.django_db

PDF_ONLY = {"media_types": ["application/pdf"], "max_bytes": 1024 * 1024}
PICTURES = {"media_types": ["image/jpeg", "image/png"], "max_bytes": 1024 * 1024}


@pytest.fixture
def version(published_processes):
    return published_processes["hundesteuer-anmeldung"]


def store(version, file, spec=PDF_ONLY, draft=None):
    return upload_store(
        file=file,
        process_version=version,
        field_pointer="/sachkunde/nachweis",
        upload_spec=spec,
        draft=draft,
    )


def test_a_pdf_is_stored_with_sniffed_type_hash_and_random_name(version, settings):
    upload, token = store(version, upload_file("sachkunde.pdf", content_type="text/plain"))
    raw = (UPLOAD_FIXTURES / "sachkunde.pdf").read_bytes()
    assert upload.media_type == "application/pdf"
    assert upload.size == len(raw)
    assert upload.sha256 == hashlib.sha256(raw).hexdigest()
    assert upload.storage_name != "sachkunde.pdf" and "sachkunde" not in upload.storage_name
    assert upload.original_name == "sachkunde.pdf"
    assert token and upload_owner_matches(upload, token)
    assert not upload_owner_matches(upload, token + "x")
    assert token not in upload.owner_token_hash
    with upload_open(upload) as handle:
        assert handle.read() == raw
    assert stored_files("uploads") == [upload.storage_name]


def test_a_fake_pdf_is_rejected_whatever_its_name_and_content_type(version, settings):
    with pytest.raises(UploadRejected) as info:
        store(version, upload_file("fake.pdf", content_type="application/pdf"))
    assert info.value.message == "Die Datei ist keine PDF-Datei."
    assert info.value.message_en == "The file is not a PDF file."
    assert info.value.code == "media_type"
    assert stored_files("uploads") == []


def test_a_png_named_pdf_is_stored_as_png_only_where_pictures_are_allowed(version):
    with pytest.raises(UploadRejected):
        store(version, upload_file("fahrzeugschein.png", as_name="scan.pdf"))
    upload, _ = store(version, upload_file("fahrzeugschein.png", as_name="scan.pdf"), PICTURES)
    assert upload.media_type == "image/png"


def test_several_allowed_types_are_named_in_the_message(version):
    with pytest.raises(UploadRejected) as info:
        store(version, upload_file("sachkunde.pdf"), PICTURES)
    assert "JPEG, PNG" in info.value.message


def test_an_oversized_file_is_rejected_by_the_field_limit(version):
    big = b"%PDF-1.4\n" + b"0" * 2048
    with pytest.raises(UploadRejected) as info:
        store(version, SimpleUploadedFile("big.pdf", big), {**PDF_ONLY, "max_bytes": 1024})
    assert info.value.code == "too_large"
    assert "zu groß" in info.value.message


def test_the_global_ceiling_wins_over_a_generous_field(version, settings):
    settings.FORMS_UPLOAD_MAX_BYTES = 100
    with pytest.raises(UploadRejected) as info:
        store(version, upload_file("sachkunde.pdf"), {**PDF_ONLY, "max_bytes": 10**9})
    assert info.value.code == "too_large"


def test_an_empty_file_is_rejected(version):
    with pytest.raises(UploadRejected) as info:
        store(version, SimpleUploadedFile("leer.pdf", b""))
    assert info.value.code == "empty"
    assert info.value.message == "Die Datei ist leer."


def test_a_field_without_x_upload_takes_no_file(version):
    with pytest.raises(UploadRejected) as info:
        store(version, upload_file("sachkunde.pdf"), None)
    assert info.value.code == "not_an_upload_field"


def test_a_draft_upload_gets_no_token(version, musterstadt):
    from forms_engine.citizen.models import Draft

    draft = Draft.objects.create(
        process_version=version, definition_sha256=version.sha256, municipality=musterstadt
    )
    upload, token = store(version, upload_file("sachkunde.pdf"), draft=draft)
    assert token is None
    assert upload.draft_id == draft.pk
    assert upload.owner_token_hash == ""


def test_a_plain_file_object_works_too(version):
    raw = (UPLOAD_FIXTURES / "sachkunde.pdf").read_bytes()
    upload, _ = store(version, io.BytesIO(raw))
    assert upload.size == len(raw)
    assert upload.original_name == "datei.pdf"  # the sniffed type names the extension


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\Nachweis.pdf", "Nachweis.pdf"),
        (".htaccess", "htaccess"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("Ärger über Straße.pdf", "Ärger über Straße.pdf"),
        ("", "datei"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_file_names_are_sanitised(given, expected):
    assert sanitize_file_name(given) == expected


def test_stored_files_are_readable_by_the_service_user_alone(version, settings):
    import stat
    from pathlib import Path

    upload, _token = store(version, upload_file("sachkunde.pdf"))

    root = Path(settings.STORAGES["uploads"]["OPTIONS"]["location"])
    path = root / upload.storage_name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
