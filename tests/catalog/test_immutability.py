"""A published version never changes, whichever door is tried. Each attempt must fail AND
leave the stored definition and sha256 exactly as they were."""

import json
import shutil

import pytest
from django.conf import settings
from django.db import transaction

from forms_engine.catalog.exceptions import ImmutableVersionError
from forms_engine.catalog.models import ProcessVersion
from forms_engine.catalog.services import (
    process_sync,
    process_version_create_draft,
    process_version_retire,
    process_version_update_draft,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(published_processes):
    return published_processes["hundesteuer-anmeldung"]


def assert_unchanged(version):
    before_sha, before_definition = version.sha256, json.dumps(version.definition, sort_keys=True)
    fresh = ProcessVersion.objects.get(pk=version.pk)
    assert fresh.sha256 == before_sha
    assert json.dumps(fresh.definition, sort_keys=True) == before_definition
    assert fresh.version == version.version
    assert fresh.process_id == version.process_id
    return fresh


def changed_doc(version):
    doc = json.loads(json.dumps(version.definition))
    doc["title"]["de"] = "Geändert"
    return doc


def test_service_update_of_a_published_version_is_refused(published):
    with pytest.raises(ImmutableVersionError) as info:
        process_version_update_draft(version=published, doc=changed_doc(published))
    assert "unveränderlich" in info.value.message or "nicht mehr" in info.value.message
    assert_unchanged(published)


def test_service_create_with_a_published_number_is_refused(published):
    with pytest.raises(ImmutableVersionError):
        process_version_create_draft(doc=changed_doc(published))
    assert_unchanged(published)


def test_model_save_refuses_a_changed_definition(published):
    stale = ProcessVersion.objects.get(pk=published.pk)
    stale.definition = changed_doc(published)
    with pytest.raises(ImmutableVersionError):
        stale.save()
    assert_unchanged(published)


@pytest.mark.parametrize(
    ("field", "value"),
    [("sha256", "0" * 64), ("version", "9.9.9"), ("title", "anders")],
)
def test_model_save_refuses_any_other_field(published, field, value):
    stale = ProcessVersion.objects.get(pk=published.pk)
    setattr(stale, field, value)
    with pytest.raises(ImmutableVersionError):
        stale.save()
    assert_unchanged(published)


def test_model_save_refuses_going_back_to_draft(published):
    stale = ProcessVersion.objects.get(pk=published.pk)
    stale.status = ProcessVersion.Status.DRAFT
    with pytest.raises(ImmutableVersionError):
        stale.save()
    assert assert_unchanged(published).status == ProcessVersion.Status.PUBLISHED


def test_model_save_refuses_reviving_a_retired_version(published):
    retired = process_version_retire(version=published)
    retired.status = ProcessVersion.Status.PUBLISHED
    with pytest.raises(ImmutableVersionError):
        retired.save()
    assert assert_unchanged(published).status == ProcessVersion.Status.RETIRED


def test_model_save_refuses_the_process_of_a_published_version(published, published_processes):
    stale = ProcessVersion.objects.get(pk=published.pk)
    stale.process = published_processes["gewerbeanmeldung"].process
    with pytest.raises(ImmutableVersionError):
        stale.save()
    assert_unchanged(published)


def test_queryset_update_refuses_frozen_rows(published):
    with pytest.raises(ImmutableVersionError):
        ProcessVersion.objects.filter(pk=published.pk).update(definition={"x": 1})
    with pytest.raises(ImmutableVersionError):
        ProcessVersion.objects.all().update(sha256="0" * 64)
    with pytest.raises(ImmutableVersionError):
        published.process.versions.update(title="x")
    assert_unchanged(published)


def test_queryset_update_never_changes_status(published):
    with pytest.raises(ImmutableVersionError):
        ProcessVersion.objects.filter(pk=published.pk).update(status="draft")
    assert assert_unchanged(published).status == ProcessVersion.Status.PUBLISHED


def test_bulk_update_refuses_frozen_rows(published):
    stale = ProcessVersion.objects.get(pk=published.pk)
    stale.definition = changed_doc(published)
    # bulk_update runs in atomic(savepoint=False); our savepoint keeps the test usable.
    with pytest.raises(ImmutableVersionError), transaction.atomic():
        ProcessVersion.objects.bulk_update([stale], ["definition"])
    assert_unchanged(published)


def test_delete_of_a_published_version_is_refused_everywhere(published):
    with pytest.raises(ImmutableVersionError):
        ProcessVersion.objects.get(pk=published.pk).delete()
    with pytest.raises(ImmutableVersionError):
        ProcessVersion.objects.filter(pk=published.pk).delete()
    with pytest.raises(ImmutableVersionError):
        ProcessVersion.objects.all().delete()
    assert_unchanged(published)


def test_drafts_stay_editable_and_deletable(published):
    doc = changed_doc(published)
    doc["version"] = "1.9.0"
    draft = process_version_create_draft(doc=doc)
    ProcessVersion.objects.filter(pk=draft.pk).update(title="Entwurf")
    draft.delete()
    assert not ProcessVersion.objects.filter(pk=draft.pk).exists()
    assert_unchanged(published)


def test_process_sync_refuses_a_changed_file_for_a_published_number(published, tmp_path):
    library = tmp_path / "library"
    shutil.copytree(settings.FORMS_PROCESS_LIBRARY, library)
    target = library / "hundesteuer-anmeldung" / f"{published.version}.json"
    target.write_text(json.dumps(changed_doc(published), ensure_ascii=False), "utf-8")
    report = process_sync(directory=library)
    assert not report.ok
    assert [e.identifier for e in report.refused] == ["hundesteuer-anmeldung"]
    assert isinstance(report.refused[0].error, ImmutableVersionError)
    assert "weicht" in report.refused[0].message
    with pytest.raises(ImmutableVersionError):
        report.raise_for_refusals()
    assert_unchanged(published)


def test_admin_shows_published_versions_read_only(client, admin_user, published):
    client.force_login(admin_user)
    url = f"/admin/catalog/processversion/{published.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="definition"' not in page.content  # no editable field
    response = client.post(url, {"definition": json.dumps(changed_doc(published))})
    assert response.status_code == 403
    assert_unchanged(published)


def test_admin_cannot_delete_published_versions(client, admin_user, published):
    client.force_login(admin_user)
    response = client.post(f"/admin/catalog/processversion/{published.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    bulk = client.post(
        "/admin/catalog/processversion/",
        {"action": "delete_selected", "_selected_action": [published.pk], "post": "yes"},
    )
    assert bulk.status_code in {200, 302}
    assert_unchanged(published)


def test_api_is_read_only_for_versions(api_client, published):
    url = f"/api/processes/hundesteuer-anmeldung/versions/{published.version}/"
    for method in ("put", "patch", "delete"):
        response = getattr(api_client, method)(
            url, {"definition": changed_doc(published)}, format="json"
        )
        assert response.status_code == 405
    assert_unchanged(published)
