"""The studio's foundation: every save kept, conflicts refused, new drafts from any version,
publish readiness (problems, tests, version number), four-eyes approval, scheduled
publication, roles and the overview pages."""

import datetime as dt

import pytest
from django.utils import timezone

from forms_engine.catalog.exceptions import (
    ApprovalRequired,
    EditConflict,
    InvalidTransition,
    PublishRefused,
)
from forms_engine.catalog.models import ProcessVersion, PublishApproval
from forms_engine.catalog.review import (
    approval_decide,
    approval_request,
    process_audit_trail,
    publish_readiness,
    scheduled_publish_sweep,
    studio_publish,
)
from forms_engine.catalog.services import (
    process_version_new_draft_from,
    process_version_restore_revision,
    process_version_update_draft,
)

from .conftest import base_doc

pytestmark = pytest.mark.django_db


def _renamed(version, label):
    doc = dict(version.definition)
    doc["title"] = {"de": label, "en": label}
    return doc


def test_every_save_is_kept_and_an_earlier_one_comes_back(draft, designer):
    first = draft.definition
    saved = process_version_update_draft(
        version=draft, doc=_renamed(draft, "Zweiter Stand"), by=designer, expected_revision=1
    )
    assert saved.revision == 2
    assert [r.number for r in saved.revisions.all()] == [2, 1]
    again = process_version_update_draft(version=saved, doc=saved.definition, by=designer)
    assert again.revision == 2, "saving the same document again is no new revision"
    restored = process_version_restore_revision(
        version=saved, number=1, by=designer, expected_revision=2
    )
    assert restored.revision == 3
    assert restored.definition == first
    assert restored.revisions.count() == 3, "history is never rewritten"
    actions = [entry.action for entry in process_audit_trail(draft.process)]
    assert actions.count("process.draft_saved") == 2
    assert "process.draft_created" in actions


def test_second_save_on_an_old_revision_is_refused_and_nothing_is_lost(draft, designer, designer2):
    mine = process_version_update_draft(
        version=draft, doc=_renamed(draft, "Meins"), by=designer, expected_revision=1
    )
    with pytest.raises(EditConflict) as refused:
        process_version_update_draft(
            version=draft, doc=_renamed(draft, "Deins"), by=designer2, expected_revision=1
        )
    assert "designerin" in refused.value.message
    assert refused.value.current_revision == 2
    draft.refresh_from_db()
    assert draft.definition == mine.definition
    assert draft.revision == 2


def test_new_draft_from_a_published_version_gets_the_next_number(draft, designer):
    published = studio_publish(version=draft, by=designer)
    new = process_version_new_draft_from(version=published, by=designer)
    assert new.status == ProcessVersion.Status.DRAFT
    assert new.version == "1.1.0" and new.definition["version"] == "1.1.0"
    assert new.based_on_id == published.pk
    with pytest.raises(InvalidTransition):
        process_version_new_draft_from(version=published, by=designer, number="1.1.0")


def test_publish_refused_for_a_problem_a_failing_test_and_a_too_small_version_step(draft, designer):
    broken = base_doc()
    broken["steps"][0]["schema"]["required"] = ["fehlt"]
    process_version_update_draft(version=draft, doc=broken, by=designer)
    with pytest.raises(PublishRefused) as refused:
        studio_publish(version=draft, by=designer)
    assert refused.value.problems and "Problem" in refused.value.message

    failing = base_doc(tests=[{"name": "Name fehlt", "answers": {}, "expect": {"valid": True}}])
    process_version_update_draft(version=draft, doc=failing, by=designer)
    with pytest.raises(PublishRefused) as refused:
        studio_publish(version=draft, by=designer)
    assert "Name fehlt" in refused.value.message

    process_version_update_draft(version=draft, doc=base_doc(), by=designer)
    studio_publish(version=draft, by=designer)
    next_draft = process_version_new_draft_from(version=draft, by=designer, number="1.0.1")
    removed = base_doc(version="1.0.1")
    del removed["steps"][0]["schema"]["properties"]["zweck"]
    next_draft = process_version_update_draft(version=next_draft, doc=removed, by=designer)
    readiness = publish_readiness(next_draft)
    assert readiness.bump == "major" and readiness.step == "patch"
    with pytest.raises(PublishRefused) as refused:
        studio_publish(version=next_draft, by=designer)
    assert "major" in refused.value.message_en
    process_version_update_draft(
        version=next_draft, doc=base_doc(version="2.0.0") | {"steps": removed["steps"]}
    )
    assert studio_publish(version=next_draft, by=designer).status == "published"


def test_four_eyes_needs_a_second_person_for_the_draft_as_it_is(
    draft, designer, designer2, reviewer, studio_publisher
):
    studio_publisher.four_eyes = True
    studio_publisher.save()
    with pytest.raises(ApprovalRequired):
        studio_publish(version=draft, by=designer)
    request = approval_request(version=draft, by=designer)
    with pytest.raises(InvalidTransition):  # a designer is no reviewer
        approval_decide(approval=request, by=designer2, approve=True)
    studio_publisher.reviewers.add(designer)
    with pytest.raises(InvalidTransition):  # never one's own request
        approval_decide(approval=request, by=designer, approve=True)
    with pytest.raises(InvalidTransition):  # a rejection needs a reason
        approval_decide(approval=request, by=reviewer, approve=False)
    approval_decide(approval=request, by=reviewer, approve=True)
    # A change after the approval needs a new one.
    process_version_update_draft(version=draft, doc=_renamed(draft, "Geändert"), by=designer)
    draft.refresh_from_db()
    with pytest.raises(ApprovalRequired):
        studio_publish(version=draft, by=designer)
    second = approval_request(version=draft, by=designer)
    approval_decide(approval=second, by=reviewer, approve=True, comment="passt")
    assert studio_publish(version=draft, by=designer).status == "published"
    assert PublishApproval.objects.filter(version=draft, status="approved").count() == 2


def test_scheduled_publication_happens_when_its_time_comes(draft, designer):
    later = timezone.now() + dt.timedelta(hours=2)
    scheduled = studio_publish(version=draft, by=designer, at=later)
    assert scheduled.status == "draft" and scheduled.publish_at == later
    assert scheduled_publish_sweep() == []
    published = scheduled_publish_sweep(now=later + dt.timedelta(minutes=1))
    assert [v.pk for v in published] == [draft.pk]
    draft.refresh_from_db()
    assert draft.status == "published"


def test_scheduled_publication_that_no_longer_passes_stays_a_draft(draft, designer):
    later = timezone.now() + dt.timedelta(hours=2)
    studio_publish(version=draft, by=designer, at=later)
    broken = base_doc()
    broken["steps"] = []
    process_version_update_draft(version=draft, doc=broken, by=designer)
    assert scheduled_publish_sweep(now=later + dt.timedelta(minutes=1)) == []
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.publish_at is None
    assert "process.publish_failed" in [e.action for e in process_audit_trail(draft.process)]


def test_studio_pages_show_only_own_publishers_processes(
    client_for, draft, designer, outsider, other_designer
):
    page = client_for(designer).get("/studio/")
    assert page.status_code == 200
    assert b"sondernutzung" in page.content
    assert client_for(designer).get(f"/studio/versionen/{draft.pk}/").status_code == 200
    other = client_for(other_designer)
    assert b"sondernutzung" not in other.get("/studio/").content
    assert other.get(f"/studio/versionen/{draft.pk}/").status_code == 404
    assert other.get(f"/studio/prozesse/{draft.process_id}/").status_code == 404
    assert other.post(f"/studio/versionen/{draft.pk}/neuer-entwurf/").status_code == 404
    assert client_for(outsider).get("/studio/").status_code == 403


def test_anonymous_is_sent_to_the_staff_sign_in(client):
    response = client.get("/studio/")
    assert response.status_code == 302 and "/sachbearbeitung/anmelden/" in response["Location"]


def test_a_designer_creates_a_process_without_json(client_for, designer, studio_publisher):
    client = client_for(designer)
    response = client.post(
        "/studio/prozesse/neu/",
        {
            "publisher": studio_publisher.pk,
            "title_de": "Raumbuchung im Bürgerhaus",
            "title_en": "Booking a room",
            "identifier": "raumbuchung",
            "reference_prefix": "RBU",
        },
    )
    assert response.status_code == 302
    version = ProcessVersion.objects.get(process__identifier="raumbuchung")
    assert version.definition["title"]["de"] == "Raumbuchung im Bürgerhaus"
    assert publish_readiness(version).problems == []
    again = client.post(
        "/studio/prozesse/neu/",
        {
            "publisher": studio_publisher.pk,
            "title_de": "Noch einmal",
            "identifier": "raumbuchung",
            "reference_prefix": "RBU",
        },
    )
    assert again.status_code == 400
    assert "schon vergeben" in again.content.decode()
    bad = client.post("/studio/prozesse/neu/", {"publisher": studio_publisher.pk, "title_de": ""})
    assert bad.status_code == 400
