"""Every stored file goes through Django's storage API (forms_engine/core/storage.py).

- A case goes from the citizen's upload to the case file, a postbox supplement, the clerk's
  downloads and the retention purge with storages that have no local path at all
  (`NoLocalFilesStorage`: `path()` and `url()` raise, as S3Storage's `path()` does), and
  with django-storages' S3Storage against a local S3 server (moto, on 127.0.0.1).
- Migration citizen 0005 carries upload rows stored before (name without its directory).
- The storage settings: FORMS_STORAGE_BACKEND selects the backend, a wrong one is refused.
"""

import hashlib
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from importlib import import_module

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.urls import reverse
from django.utils import timezone

from forms_engine.cases.models import Case, CaseDocument
from forms_engine.cases.pipeline import pipeline_run
from forms_engine.cases.postbox import message_reply_from_citizen, message_send_to_citizen
from forms_engine.cases.retention import retention_purge
from forms_engine.citizen.models import Upload
from forms_engine.citizen.uploads import upload_open
from forms_engine.core.storage import UPLOADS, file_storage
from tests.citizen.flow import Flow
from tests.clerk.conftest import logged_in, sample
from tests.conftest import UPLOAD_FIXTURES, stored_files, upload_file

pytestmark = pytest.mark.django_db

ROOT = UPLOAD_FIXTURES.parents[1]


class NoLocalFilesStorage(Storage):
    """Bytes in a dict, nowhere else. Like S3Storage it has no local path (`path()` is
    Storage's, which raises NotImplementedError), and it serves no URL: a code path that
    asked for either fails the test."""

    def __init__(self):
        self.files: dict[str, bytes] = {}

    def _save(self, name, content):
        content.seek(0)
        self.files[name] = b"".join(content.chunks())
        return name

    def _open(self, name, mode="rb"):
        if name not in self.files:
            raise FileNotFoundError(name)
        return ContentFile(self.files[name], name=name)

    def exists(self, name):
        return name in self.files

    def delete(self, name):
        self.files.pop(name, None)

    def size(self, name):
        return len(self.files[name])

    def listdir(self, path):
        prefix = f"{path.rstrip('/')}/" if path else ""
        inside = [n[len(prefix) :] for n in self.files if n.startswith(prefix)]
        directories = sorted({n.split("/", 1)[0] for n in inside if "/" in n})
        return directories, sorted(n for n in inside if "/" not in n)

    def url(self, name):
        raise NotImplementedError("stored files are never served by URL")


NO_LOCAL_FILES = {"BACKEND": "tests.cases.test_file_storage.NoLocalFilesStorage"}


def download(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.streaming, "downloads stream from the storage"
    return response, b"".join(response.streaming_content)


def assert_private_attachment(response, file_name: str) -> None:
    assert response["Content-Disposition"] == f'attachment; filename="{file_name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def a_case_through_the_storages(client, clerk, capture_on_commit) -> None:
    """Upload (wizard) → case file (pipeline) → supplement (postbox) → clerk downloads →
    retention; every byte read back through the views equals what went in."""
    raw = (UPLOAD_FIXTURES / "sachkunde.pdf").read_bytes()
    result = Flow(client, "hundesteuer-anmeldung").run(
        sample("hundesteuer-anmeldung", "valid-listenhund-mit-lastschrift")
    )
    case = Case.objects.get(reference=result.case_reference)
    upload = case.uploads.get()
    assert upload.sha256 == hashlib.sha256(raw).hexdigest()
    pipeline_run(case_id=case.pk)
    casefile = CaseDocument.objects.get(case=case, kind=CaseDocument.Kind.CASEFILE)
    assert stored_files("uploads") == [upload.storage_name]
    assert stored_files("casefiles") == [casefile.storage_name]

    clerk_client = logged_in(clerk)
    response, body = download(clerk_client, reverse("clerk:casefile", args=[case.pk]))
    assert body.startswith(b"%PDF-") and len(body) == casefile.size
    assert hashlib.sha256(body).hexdigest() == casefile.sha256
    assert response["Content-Type"] == "application/pdf"
    assert_private_attachment(response, casefile.file_name)
    response, body = download(clerk_client, reverse("clerk:upload", args=[case.pk, upload.pk]))
    assert body == raw
    assert response["Content-Type"] == "application/pdf"
    assert_private_attachment(response, "sachkunde.pdf")

    question = message_send_to_citizen(
        case=case, author=clerk, subject="Nachweis", body="Bitte senden Sie die Erlaubnis."
    )
    message_reply_from_citizen(
        case=case, in_reply_to=question, body="Anbei", files=[upload_file("erlaubnis.pdf")]
    )
    supplement = CaseDocument.objects.get(case=case, kind=CaseDocument.Kind.SUPPLEMENT)
    later = Upload.objects.get(case=case, message__isnull=False)
    with upload_open(later) as handle:
        assert handle.read() == (UPLOAD_FIXTURES / "erlaubnis.pdf").read_bytes()
    response, body = download(
        clerk_client, f"/sachbearbeitung/faelle/{case.pk}/nachtraege/{supplement.pk}/"
    )
    assert hashlib.sha256(body).hexdigest() == supplement.sha256
    assert_private_attachment(response, supplement.file_name)
    assert len(stored_files("uploads")) == 2 and len(stored_files("casefiles")) == 2

    Case.objects.filter(pk=case.pk).update(status=Case.Status.APPROVED, closed_at=timezone.now())
    with capture_on_commit(execute=True):
        report = retention_purge(now=timezone.now() + timedelta(days=3651))
    assert report.cases_reduced == 1 and report.files_deleted == 4
    assert stored_files("uploads") == [] and stored_files("casefiles") == []


def test_no_code_path_needs_a_local_file(
    client, clerk_steuer, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": NO_LOCAL_FILES,
        "casefiles": NO_LOCAL_FILES,
    }
    assert isinstance(file_storage(UPLOADS), NoLocalFilesStorage)

    a_case_through_the_storages(client, clerk_steuer, django_capture_on_commit_callbacks)

    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_file_missing_from_the_storage_is_404_not_500(client, clerk_steuer, settings):
    result = Flow(client, "hundesteuer-anmeldung").run(
        sample("hundesteuer-anmeldung", "valid-listenhund-mit-lastschrift")
    )
    case = Case.objects.get(reference=result.case_reference)
    Case.objects.filter(pk=case.pk).update(routed_at=timezone.now())
    upload = case.uploads.get()
    file_storage(UPLOADS).delete(upload.storage_name)

    response = logged_in(clerk_steuer).get(reverse("clerk:upload", args=[case.pk, upload.pk]))

    assert response.status_code == 404


# --- S3 (django-storages) against a local S3 server -------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint():
    """A moto S3 server in this process, on 127.0.0.1 and a free port."""
    pytest.importorskip("storages.backends.s3", reason="django-storages[s3] is not installed")
    moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storages(s3_endpoint, settings, monkeypatch):
    """The storages as `FORMS_STORAGE_BACKEND=s3` configures them (settings.s3_storage), on
    a fresh bucket of the local server; credentials only from the environment."""
    import boto3

    from forms_engine.settings import s3_storage

    bucket = f"forms-{uuid.uuid4().hex[:16]}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test-access-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",  # never ask a metadata service for credentials
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_LOCATION": "kommune",
    }.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": s3_storage("uploads"),
        "casefiles": s3_storage("casefiles"),
    }
    return s3, bucket


def test_a_case_goes_through_s3_storage(
    client, clerk_steuer, s3_storages, tmp_path, django_capture_on_commit_callbacks
):
    from storages.backends.s3 import S3Storage

    s3, bucket = s3_storages
    assert isinstance(file_storage(UPLOADS), S3Storage)
    with pytest.raises(NotImplementedError):
        file_storage(UPLOADS).path("x")  # no local path: nothing can read around the storage

    # stored_files() lists the bucket through the storage API while the case runs.
    a_case_through_the_storages(client, clerk_steuer, django_capture_on_commit_callbacks)

    assert s3.list_objects_v2(Bucket=bucket).get("Contents", []) == []  # the purge emptied it
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_s3_objects_are_kept_under_the_configured_prefix(s3_storages):
    from forms_engine.citizen.uploads import upload_storage_name
    from forms_engine.core.storage import CASEFILES, file_read, file_save

    s3, bucket = s3_storages
    upload_name = file_save(UPLOADS, upload_storage_name(), b"%PDF-1.7 upload")
    casefile_name = file_save(CASEFILES, "ab/abc.pdf", b"%PDF-1.7 case file")

    listed = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert listed == [f"kommune/casefiles/{casefile_name}", f"kommune/uploads/{upload_name}"]
    assert file_read(CASEFILES, casefile_name) == b"%PDF-1.7 case file"
    head = s3.head_object(Bucket=bucket, Key=f"kommune/uploads/{upload_name}")
    assert "x-amz-acl" not in head["ResponseMetadata"]["HTTPHeaders"]


# --- migration and settings ---------------------------------------------------------------------


def test_upload_rows_stored_before_are_carried_over_by_the_migration(published_processes):
    from django.apps import apps

    from tests.citizen.test_upload_hardening import PDF, store

    upload, _token = store(published_processes["hundesteuer-anmeldung"], "ok.pdf", PDF)
    directory, bare = upload.storage_name.split("/")
    assert directory == bare[:2]
    Upload.objects.filter(pk=upload.pk).update(storage_name=bare)  # as stored before
    migration = import_module(
        "forms_engine.citizen.migrations.0005_upload_storage_name_is_the_storage_key"
    )

    migration.names_with_their_directory(apps, None)
    upload.refresh_from_db()
    assert upload.storage_name == f"{directory}/{bare}"
    with upload_open(upload) as handle:
        assert handle.read() == PDF
    migration.names_with_their_directory(apps, None)  # twice changes nothing
    upload.refresh_from_db()
    assert upload.storage_name == f"{directory}/{bare}"

    migration.names_without_their_directory(apps, None)
    upload.refresh_from_db()
    assert upload.storage_name == bare


def settings_in_a_process(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(DJANGO_TESTING="1", **env)
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [
            sys.executable,
            "-c",
            "from forms_engine import settings as s; "
            "print(s.STORAGES['uploads']['BACKEND'], s.STORAGES['uploads']['OPTIONS'].get('location'))",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_storage_backend_is_chosen_by_the_environment(tmp_path):
    default = settings_in_a_process(DJANGO_MEDIA_ROOT=str(tmp_path / "media"))
    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == [
        "django.core.files.storage.FileSystemStorage",
        str(tmp_path / "media" / "uploads"),
    ]
    s3 = settings_in_a_process(
        FORMS_STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="akten", AWS_LOCATION="musterstadt"
    )
    assert s3.returncode == 0, s3.stderr
    assert s3.stdout.split() == ["storages.backends.s3.S3Storage", "musterstadt/uploads"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FORMS_STORAGE_BACKEND": "s3"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"FORMS_STORAGE_BACKEND": "ftp"}, "'filesystem' and 's3'"),
    ],
)
def test_a_wrong_storage_configuration_is_refused_at_start(env, message):
    result = settings_in_a_process(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
