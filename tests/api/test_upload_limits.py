"""API uploads (issue 7, observation 7): refused while streaming when too large, owned by a
token that expires after hours, capped per client, deleted once unused and expired."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone

from forms_engine.cases.models import Case
from forms_engine.cases.retention import retention_purge
from forms_engine.citizen.models import Upload
from forms_engine.core.models import AuditEntry
from tests.api.helpers import api_upload, submission_body, version_url
from tests.citizen.test_upload_hardening import PDF, spool_counter  # noqa: F401 - fixture
from tests.conftest import ANSWER_FIXTURES, load_sample, stored_files

pytestmark = pytest.mark.django_db

HST = "hundesteuer-anmeldung"


def uploads_url() -> str:
    return version_url(HST) + "uploads/"


def sample(name):
    return load_sample(ANSWER_FIXTURES / HST / f"{name}.json")


def post_file(api_client, content, name="nachweis.pdf"):
    return api_client.post(
        uploads_url(),
        {"field": "/sachkunde/nachweis", "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_an_api_body_larger_than_a_file_may_be_is_413_and_never_spooled(
    api_client,
    published_processes,
    settings,
    spool_counter,  # noqa: F811 - the fixture imported above
):
    settings.FORMS_UPLOAD_MAX_BYTES = 128 * 1024

    response = post_file(api_client, b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))

    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["code"] == "too_large"
    assert error["message"].startswith("Die übermittelten Daten sind zu groß")
    assert spool_counter.written == []  # refused by its Content-Length, nothing read
    assert not Upload.objects.exists()


def test_an_api_file_over_the_limit_is_cut_off_while_streaming_with_a_413_on_the_file(
    api_client,
    published_processes,
    settings,
    monkeypatch,
    spool_counter,  # noqa: F811 - the fixture imported above
):
    from forms_engine.api import views

    settings.FORMS_UPLOAD_MAX_BYTES = 128 * 1024
    # A generous envelope lets the body past the Content-Length check: the file's own limit
    # must stop it while it streams in.
    monkeypatch.setattr(views, "UPLOAD_ENVELOPE_BYTES", 10 * 1024 * 1024)

    response = post_file(api_client, b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))

    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["code"] == "too_large"
    assert error["pointer"] == "/file"
    assert error["message"] == "Die Datei ist zu groß (höchstens 128 KB)."
    assert error["message_en"] == "The file is too large (at most 128 KB)."
    assert sum(spool_counter.written) <= 128 * 1024 + 64 * 1024
    assert not Upload.objects.exists()
    assert stored_files("uploads") == []


def test_an_api_body_over_its_content_length_limit_is_413_without_being_read(
    api_client, published_processes
):
    body = encode_multipart(BOUNDARY, {"field": "/sachkunde/nachweis"})

    response = api_client.generic(
        "POST", uploads_url(), body, content_type=MULTIPART_CONTENT, CONTENT_LENGTH=str(10**9)
    )

    # The test client's payload raises if more than its few bytes were read: none were.
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"


def test_a_pdf_polyglot_is_400_not_a_valid_pdf(api_client, published_processes):
    from tests.citizen.test_upload_hardening import HTA_POLYGLOT

    response = post_file(api_client, HTA_POLYGLOT, name="Sachkundenachweis.hta")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "pdf_invalid"
    assert response.json()["errors"][0]["message"] == "Die Datei ist kein gültiges PDF."


def test_the_upload_answer_names_the_file_by_its_type_and_says_when_the_token_expires(
    api_client, published_processes
):
    before = timezone.now()
    response = post_file(api_client, PDF, name="Sachkundenachweis.hta")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["file_name"] == "Sachkundenachweis.pdf"
    expires = datetime.datetime.fromisoformat(body["expires_at"])
    assert (
        before + datetime.timedelta(hours=2)
        <= expires
        <= timezone.now() + datetime.timedelta(hours=2)
    )


def test_an_expired_upload_token_can_no_longer_submit(api_client, published_processes):
    body = submission_body(api_client, HST, sample("valid-listenhund-mit-lastschrift"))
    Upload.objects.update(owner_token_expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = api_client.post(version_url(HST) + "submissions/", body, format="json")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["pointer"], error["code"]) == ("/sachkunde/nachweis", "upload_expired")
    assert Case.objects.count() == 0


def test_a_client_may_keep_only_so_many_unused_uploads(api_client, published_processes, settings):
    settings.FORMS_API_UPLOAD_MAX_PENDING = 2

    assert post_file(api_client, PDF).status_code == 201
    assert post_file(api_client, PDF).status_code == 201
    response = post_file(api_client, PDF)

    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "upload_quota"
    assert Upload.objects.count() == 2
    # Another client is not held back by this one.
    other = api_upload(
        api_client.__class__(REMOTE_ADDR="203.0.113.9"), HST, "/sachkunde/nachweis", "sachkunde.pdf"
    )
    assert other.status_code == 201


def test_a_client_may_keep_only_so_many_unused_bytes(api_client, published_processes, settings):
    settings.FORMS_API_UPLOAD_MAX_PENDING_BYTES = len(PDF) + 10

    assert post_file(api_client, PDF).status_code == 201
    response = post_file(api_client, PDF)

    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "upload_quota"
    assert Upload.objects.count() == 1
    assert len(stored_files("uploads")) == 1


def test_expired_unused_api_uploads_are_deleted_within_hours_and_audited(
    api_client, published_processes, settings, django_capture_on_commit_callbacks
):
    assert post_file(api_client, PDF).status_code == 201
    upload = Upload.objects.get()

    assert retention_purge(now=timezone.now()).uploads_deleted == 0
    with django_capture_on_commit_callbacks(execute=True):
        report = retention_purge(now=timezone.now() + datetime.timedelta(hours=2, minutes=1))

    assert report.uploads_deleted == 1
    assert not Upload.objects.exists()
    assert stored_files("uploads") == []
    entry = AuditEntry.objects.get(action="retention.upload_deleted")
    assert entry.data["upload"] == str(upload.pk)
