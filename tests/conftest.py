"""Shared fixtures: the shipped library in the test database, demo data, personas, uploads.

Personas (after `published_processes`, which runs process_sync + demo_setup):
- anonymous citizen (`client`, `api_client`): may read published processes, upload files
  and submit; sees only its own uploads (by owner token or draft), never a case list.
- `clerk_steuer` (Musterstadt, Steueramt): may see only Steueramt cases (Hundesteuer).
- `clerk_ordnung` (Musterstadt, Bürger- und Ordnungsamt): only Ordnungsamt cases
  (Bewohnerparkausweis, Gewerbeanmeldung).
- `admin_user` (superuser `admin`): the admin site; published versions read-only there.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
UPLOAD_FIXTURES = FIXTURES / "uploads"
ANSWER_FIXTURES = FIXTURES / "answers"
MUSTERSTADT_ARS = "099990000000"


def storages_in(directory: Path) -> dict:
    """`settings.STORAGES` with the "uploads" and "casefiles" storages (core.storage) as
    directories `uploads/` and `casefiles/` in `directory` (the default storage, logos, is
    the session's media directory: `_media_in_tmp`)."""
    from forms_engine.settings import filesystem_storage

    return {
        **settings.STORAGES,
        "uploads": filesystem_storage(directory / "uploads"),
        "casefiles": filesystem_storage(directory / "casefiles"),
    }


def stored_files(alias: str) -> list[str]:
    """Every file name in the storage `alias` ("uploads", "casefiles"), through the storage
    API (works for any backend), sorted."""
    from forms_engine.core.storage import file_storage

    storage = file_storage(alias)

    def walk(directory: str) -> list[str]:
        try:
            directories, files = storage.listdir(directory)
        except FileNotFoundError:
            return []
        names = [f"{directory}/{f}" if directory else f for f in files]
        for sub in directories:
            names += walk(f"{directory}/{sub}" if directory else sub)
        return names

    return sorted(walk(""))


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Uploaded bytes and case files go to a per-test directory, never into var/."""
    settings.STORAGES = storages_in(tmp_path)


def _library_load() -> None:
    """process_sync of processes/, the starter library and demo_setup: the shipped library as
    `make run` has it."""
    from forms_engine.catalog.services import demo_setup, process_sync

    report = process_sync(directory=settings.FORMS_PROCESS_LIBRARY)
    assert report.ok, "\n".join(report.lines())
    # the starter library, as a signed bundle of its demo publisher (key for this run only)
    from forms_engine.library.starter import starter_library_install

    starter_library_install()
    demo_setup(path=FIXTURES / "demo.json")


@pytest.fixture(scope="session", autouse=True)
def _media_in_tmp(tmp_path_factory):
    """The default storage (municipality logos from demo_setup) writes to a directory of
    this test session, never into var/media."""
    from django.test import override_settings

    from forms_engine.settings import filesystem_storage

    directory = tmp_path_factory.mktemp("media")
    media = override_settings(
        MEDIA_ROOT=directory,
        STORAGES={**settings.STORAGES, "default": filesystem_storage(directory)},
    )
    media.enable()
    yield
    media.disable()


@pytest.fixture(scope="session")
def django_db_setup(_media_in_tmp, django_db_setup, django_db_blocker):
    """The test database, with the shipped library loaded once for the whole session.

    Every test runs in a transaction that is rolled back, so it sees the library as loaded
    here. Transactional tests (browser, live worker) flush the database afterwards; the
    `published_processes` fixture then loads the library again for the test that needs it.
    """
    with django_db_blocker.unblock():
        _library_load()


@pytest.fixture
def published_processes(db):
    """The shipped library (processes/ synced and published, demo_setup run).

    Returns {process id: current ProcessVersion} of the installation's own publisher (the one
    new drafts get; a process may have older published versions too, e.g.
    hundesteuer-anmeldung 1.0.0).
    """
    from forms_engine.catalog.models import Municipality
    from forms_engine.catalog.selectors import current_versions

    if not Municipality.objects.filter(ars=MUSTERSTADT_ARS).exists():
        _library_load()
    # The installation's own library (processes/); the starter library's processes are
    # installed too (another publisher's bundle) but offered by no demo municipality.
    own = settings.FORMS_DEFAULT_PUBLISHER[0]
    return {v.process.identifier: v for v in current_versions() if v.process.publisher.slug == own}


@pytest.fixture
def empty_catalog(db):
    """A database without the session's library: no processes, municipalities, cases or users.

    For tests of loading the library from scratch. Rows are removed with raw deletes (the
    immutability guards of published versions are the ORM's, not the database's); the test's
    transaction rolls them back, so later tests see the library again.
    """
    from django.apps import apps
    from django.db import connection

    for model in apps.get_models(include_auto_created=True):
        label = model._meta.app_label
        if model.__module__.startswith("forms_engine.") or label == "auth":
            model._base_manager.all()._raw_delete(connection.alias)


@pytest.fixture
def musterstadt(published_processes):
    from forms_engine.catalog.models import Municipality

    return Municipality.objects.get(ars=MUSTERSTADT_ARS)


@pytest.fixture
def clerk_steuer(published_processes):
    """Clerk of Musterstadt's Steueramt: sees Hundesteuer cases of Musterstadt only."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="steuer")


@pytest.fixture
def clerk_ordnung(published_processes):
    """Clerk of Musterstadt's Ordnungsamt: sees parking permit and trade cases only."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="ordnung")


@pytest.fixture
def admin_user(db):
    """Superuser `admin`: uses the admin site."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("admin", "admin@example.org", "x-admin-pw")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def upload_file(name: str, *, content_type: str = "application/octet-stream", as_name=None):
    """A fixture file from fixtures/uploads/ as an uploaded file (the client's type is ignored)."""
    return SimpleUploadedFile(
        as_name or name, (UPLOAD_FIXTURES / name).read_bytes(), content_type=content_type
    )


@pytest.fixture(name="upload_file")
def upload_file_fixture():
    return upload_file


def sample_answer_files() -> list[Path]:
    """Every fixtures/answers/<process id>/{valid,invalid}-*.json."""
    return sorted(ANSWER_FIXTURES.glob("*/*.json"))


def substitute_files(value, pointer, upload):
    """Replace every "@file:<name>" in `value` by `upload(name, pointer)` (a reference)."""
    if isinstance(value, dict):
        return {k: substitute_files(v, f"{pointer}/{k}", upload) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_files(v, f"{pointer}/{i}", upload) for i, v in enumerate(value)]
    if isinstance(value, str) and value.startswith("@file:"):
        return upload(value[len("@file:") :], pointer)
    return value


def load_sample(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


@pytest.fixture
def eager_celery():
    """Run tasks in-process for this test, also when a real broker is configured (.ci/run)."""
    from forms_engine.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous
