import copy
import json

import pytest
from django.conf import settings

from forms_engine.catalog.exceptions import (
    ImmutableVersionError,
    InvalidTransition,
    PublishRefused,
)
from forms_engine.catalog.models import Process, ProcessVersion
from forms_engine.catalog.selectors import (
    activation_for,
    current_version,
    published_versions,
    semver_key,
)
from forms_engine.catalog.services import (
    process_version_create_draft,
    process_version_publish,
    process_version_retire,
    process_version_update_draft,
)
from forms_engine.definitions import definition_sha256

# These tests load the library themselves, starting from an empty catalog.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_catalog")]


def hundesteuer_doc(version="1.0.0"):
    path = settings.FORMS_PROCESS_LIBRARY / "hundesteuer-anmeldung" / "1.0.0.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["version"] = version
    return doc


def test_create_draft_stores_definition_with_its_hash():
    draft = process_version_create_draft(doc=hundesteuer_doc())
    assert draft.status == ProcessVersion.Status.DRAFT
    assert draft.process.identifier == "hundesteuer-anmeldung"
    assert draft.sha256 == definition_sha256(hundesteuer_doc())
    assert draft.title.startswith("Hund")


def test_update_draft_recomputes_the_hash():
    draft = process_version_create_draft(doc=hundesteuer_doc())
    doc = hundesteuer_doc()
    doc["title"]["de"] = "Hundesteuer anmelden (neu)"
    updated = process_version_update_draft(version=draft, doc=doc)
    assert updated.sha256 == definition_sha256(doc)
    assert updated.title == "Hundesteuer anmelden (neu)"


def test_publish_freezes_the_draft():
    draft = process_version_create_draft(doc=hundesteuer_doc())
    published = process_version_publish(version=draft)
    assert published.status == ProcessVersion.Status.PUBLISHED
    assert published.published_at is not None


def test_publish_refuses_a_broken_definition_in_german_and_english():
    doc = hundesteuer_doc()
    doc["steps"][0]["schema"]["type"] = "wrong"
    draft = process_version_create_draft(doc=doc)
    with pytest.raises(PublishRefused) as info:
        process_version_publish(version=draft)
    assert "nicht veröffentlicht" in info.value.message
    assert "not published" in info.value.message_en
    assert info.value.problems
    draft.refresh_from_db()
    assert draft.status == ProcessVersion.Status.DRAFT


def test_publish_refuses_when_a_designer_test_fails():
    doc = hundesteuer_doc()
    doc["tests"] = [
        {"name": "absichtlich falsch", "answers": {}, "expect": {"valid": True}},
    ]
    draft = process_version_create_draft(doc=doc)
    with pytest.raises(PublishRefused) as info:
        process_version_publish(version=draft)
    assert "absichtlich falsch" in info.value.message
    draft.refresh_from_db()
    assert draft.status == ProcessVersion.Status.DRAFT


def test_retire_keeps_the_definition_and_only_published_can_be_retired():
    draft = process_version_create_draft(doc=hundesteuer_doc())
    with pytest.raises(InvalidTransition):
        process_version_retire(version=draft)
    published = process_version_publish(version=draft)
    retired = process_version_retire(version=published)
    assert retired.status == ProcessVersion.Status.RETIRED
    assert retired.retired_at is not None
    assert retired.sha256 == published.sha256
    with pytest.raises(InvalidTransition):
        process_version_retire(version=retired)
    with pytest.raises(InvalidTransition):
        process_version_publish(version=retired)


def test_a_published_version_number_cannot_be_created_again():
    process_version_publish(version=process_version_create_draft(doc=hundesteuer_doc()))
    with pytest.raises(ImmutableVersionError):
        process_version_create_draft(doc=hundesteuer_doc())


def test_current_version_is_the_highest_published_semver_not_retired():
    for number in ["1.2.0", "1.10.0", "1.9.1"]:
        process_version_publish(version=process_version_create_draft(doc=hundesteuer_doc(number)))
    process_version_create_draft(doc=hundesteuer_doc("2.0.0"))  # a draft is never current
    process = Process.objects.get(identifier="hundesteuer-anmeldung")
    assert current_version(process).version == "1.10.0"
    process_version_retire(version=current_version(process))
    assert current_version(process).version == "1.9.1"
    assert sorted(v.version for v in published_versions()) == ["1.2.0", "1.9.1"]


def test_semver_sorts_numerically():
    assert semver_key("1.10.0") > semver_key("1.9.9")
    assert semver_key("garbage") < semver_key("0.0.1")


def test_activation_for_finds_only_active_offers(published_processes, musterstadt):
    process = published_processes["hundesteuer-anmeldung"].process
    activation = activation_for(process, musterstadt)
    assert activation.authority.slug == "steueramt"
    activation.is_active = False
    activation.save()
    assert activation_for(process, musterstadt) is None


def test_update_draft_cannot_change_the_process_id():
    draft = process_version_create_draft(doc=hundesteuer_doc())
    doc = copy.deepcopy(hundesteuer_doc())
    doc["id"] = "etwas-anderes"
    with pytest.raises(InvalidTransition):
        process_version_update_draft(version=draft, doc=doc)


# --- many new versions at once (a library import) -------------------------------------------


def _many(*versions, identifier="hundesteuer-anmeldung"):
    docs = []
    for version in versions:
        doc = hundesteuer_doc(version)
        doc["id"] = identifier
        docs.append(doc)
    return docs


def test_publish_new_at_once_is_what_draft_and_publish_one_by_one_leave():
    from forms_engine.catalog.services import default_publisher, process_versions_publish_new
    from forms_engine.core.models import AuditEntry

    publisher = default_publisher()
    created = process_versions_publish_new(
        docs=_many("1.0.0", "1.1.0") + _many("1.0.0", identifier="hundesteuer-zwei"),
        publisher=publisher,
        note="Import",
    )
    assert [(v.process.identifier, v.version) for v in created] == [
        ("hundesteuer-anmeldung", "1.0.0"),
        ("hundesteuer-anmeldung", "1.1.0"),
        ("hundesteuer-zwei", "1.0.0"),
    ]
    for version in created:
        stored = ProcessVersion.objects.get(pk=version.pk)
        assert stored.status == ProcessVersion.Status.PUBLISHED
        assert stored.published_at is not None
        assert stored.sha256 == definition_sha256(stored.definition)
        assert stored.title.startswith("Hund")
        assert [(r.number, r.note, r.sha256) for r in stored.revisions.all()] == [
            (1, "Import", stored.sha256)
        ]
        assert version.offering_moves == []
    entries = AuditEntry.objects.filter(action="process.draft_created")
    assert sorted(e.data["version_id"] for e in entries) == sorted(v.pk for v in created)
    assert Process.objects.filter(publisher=publisher).count() == 2
    assert current_version(created[0].process).version == "1.1.0"


def test_publish_new_at_once_refuses_everything_for_one_failing_test_or_taken_number():
    from forms_engine.catalog.services import default_publisher, process_versions_publish_new

    publisher = default_publisher()
    broken = _many("1.1.0")[0]
    broken["tests"] = [{"name": "absichtlich falsch", "answers": {}, "expect": {"valid": True}}]
    with pytest.raises(PublishRefused) as info:
        process_versions_publish_new(docs=[*_many("1.0.0"), broken], publisher=publisher)
    assert "absichtlich falsch" in info.value.message
    assert not ProcessVersion.objects.exists() and not Process.objects.exists()
    process_versions_publish_new(docs=_many("1.0.0"), publisher=publisher)
    with pytest.raises(ImmutableVersionError):
        process_versions_publish_new(docs=_many("1.2.0", "1.0.0"), publisher=publisher)
    with pytest.raises(InvalidTransition):
        process_versions_publish_new(docs=_many("1.3.0", "1.3.0"), publisher=publisher)
    assert list(ProcessVersion.objects.values_list("version", flat=True)) == ["1.0.0"]
