"""Studio API: publish refusals with every reason, four-eyes approval across two users,
scheduling and retiring."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.api.studio_helpers import STUDIO, errors_of, send, version_url
from tests.studio.conftest import base_doc

pytestmark = pytest.mark.django_db


def _draft(publisher, by, **changes):
    from forms_engine.catalog.services import process_version_create_draft

    return process_version_create_draft(doc=base_doc(**changes), publisher=publisher, by=by)


def test_publish_a_draft_now(client_for, designer, draft):
    body = send(client_for(designer), "post", version_url(draft.pk, "publish/")).json()
    assert body["status"] == "published" and body["scheduled"] is False
    assert body["published_at"]
    assert body["warnings"] and body["warnings"][0]["message_en"]
    draft.refresh_from_db()
    assert draft.status == "published"
    again = send(client_for(designer), "post", version_url(draft.pk, "publish/"))
    errors_of(again, 409, "invalid_transition")


def test_a_broken_definition_is_refused_with_every_problem(client_for, designer, studio_publisher):
    doc_changes = {"reference_prefix": "zu lang und klein"}
    version = _draft(studio_publisher, designer, **doc_changes)
    errors = errors_of(
        send(client_for(designer), "post", version_url(version.pk, "publish/")),
        422,
        "publish_refused",
    )
    problems = [e for e in errors if e["code"] == "definition_problem"]
    assert problems and all(e["pointer"] for e in problems), errors
    assert "/reference_prefix" in [e["pointer"] for e in problems]
    version.refresh_from_db()
    assert version.status == "draft"


def test_failing_designer_tests_are_reasons_with_their_place(
    client_for, designer, studio_publisher
):
    tests = [
        {"name": "Gut", "answers": {"antrag": {"name": "A"}}, "expect": {"valid": True}},
        {"name": "Schlecht", "answers": {}, "expect": {"valid": True}},
    ]
    version = _draft(studio_publisher, designer, tests=tests)
    errors = errors_of(
        send(client_for(designer), "post", version_url(version.pk, "publish/")), 422, "test_failed"
    )
    failed = [e for e in errors if e["code"] == "test_failed"]
    assert [e["pointer"] for e in failed] == ["/tests/1"]
    assert "Schlecht" in failed[0]["message"] and "Schlecht" in failed[0]["message_en"]


def test_a_version_number_too_low_for_the_changes_is_a_reason(client_for, designer, draft):
    from forms_engine.catalog.services import process_version_publish

    process_version_publish(version=draft)
    doc = base_doc(version="1.0.1")
    del doc["steps"][0]["schema"]["properties"]["zweck"]  # a removed field: major
    version = _draft(draft.process.publisher, designer, **{k: doc[k] for k in ("version", "steps")})
    errors = errors_of(
        send(client_for(designer), "post", version_url(version.pk, "publish/")),
        422,
        "publish_refused",
    )
    assert "/version" in [e["pointer"] for e in errors if e["code"] == "definition_problem"]


def test_four_eyes_approval_across_two_users(client_for, designer, designer2, reviewer, draft):
    from django.test import Client

    publisher = draft.process.publisher
    publisher.four_eyes = True
    publisher.save()
    design = client_for(designer)
    errors_of(send(design, "post", version_url(draft.pk, "publish/")), 409, "approval_required")

    requested = send(
        design, "post", version_url(draft.pk, "approval-requests/"), {"comment": "Bitte prüfen"}
    )
    assert requested.status_code == 201, requested.content[:300]
    approval = requested.json()
    assert approval["status"] == "open" and approval["requested_by"] == "designerin"
    assert approval["current"] is True and approval["sha256"] == draft.sha256
    decide = f"{STUDIO}approvals/{approval['id']}/decision/"

    other = Client()
    other.force_login(designer2)  # a designer is no reviewer
    errors_of(send(other, "post", decide, {"approve": True}), 403, "reviewer_role_required")

    review = Client()
    review.force_login(reviewer)
    errors_of(send(review, "post", decide, {"approve": False}), 400, "reason_required")
    errors_of(send(review, "post", decide, {"approve": "vielleicht"}), 400, "invalid")
    errors_of(send(review, "post", decide, {}), 400, "required")
    decided = send(review, "post", decide, {"approve": True, "comment": "passt"})
    assert decided.status_code == 200, decided.content[:300]
    assert decided.json()["status"] == "approved" and decided.json()["decided_by"] == "pruefer"
    errors_of(send(review, "post", decide, {"approve": True}), 409, "invalid_transition")

    listed = review.get(version_url(draft.pk, "approval-requests/")).json()
    assert [a["status"] for a in listed] == ["approved"]
    published = send(design, "post", version_url(draft.pk, "publish/"))
    assert published.status_code == 200, published.content[:300]
    assert published.json()["status"] == "published"


def test_a_change_after_the_approval_needs_a_new_one(client_for, designer, reviewer, draft):
    from django.test import Client

    from forms_engine.catalog.review import approval_decide, approval_request

    publisher = draft.process.publisher
    publisher.four_eyes = True
    publisher.save()
    approval_decide(
        approval=approval_request(version=draft, by=designer), by=reviewer, approve=True
    )
    design = client_for(designer)
    changed = send(
        design, "put", version_url(draft.pk), base_doc(summary={"de": "neu"}), HTTP_IF_MATCH='"1"'
    )
    assert changed.status_code == 200
    errors_of(send(design, "post", version_url(draft.pk, "publish/")), 409, "approval_required")
    # an open request for the older state cannot be decided any more
    stale = approval_request(version=draft, by=designer)
    send(
        design, "put", version_url(draft.pk), base_doc(summary={"de": "neuer"}), HTTP_IF_MATCH='"2"'
    )
    review = Client()
    review.force_login(reviewer)
    response = send(review, "post", f"{STUDIO}approvals/{stale.pk}/decision/", {"approve": True})
    errors_of(response, 409, "invalid_transition")


def test_nobody_decides_their_own_request(client_for, designer, studio_publisher, draft):
    both = get_user_model().objects.create_user(username="beides", password="x", is_staff=True)
    studio_publisher.designers.add(both)
    studio_publisher.reviewers.add(both)
    client = client_for(both)
    approval = send(client, "post", version_url(draft.pk, "approval-requests/")).json()
    response = send(
        client, "post", f"{STUDIO}approvals/{approval['id']}/decision/", {"approve": True}
    )
    errors_of(response, 403, "own_request")


def test_schedule_and_unschedule_a_publication(client_for, designer, draft):
    client = client_for(designer)
    url = version_url(draft.pk, "publish/")
    at = timezone.now() + dt.timedelta(days=2)
    body = send(client, "post", url, {"at": at.isoformat()}).json()
    assert body["scheduled"] is True and body["status"] == "draft"
    draft.refresh_from_db()
    assert draft.publish_at == at.replace(microsecond=at.microsecond)
    unscheduled = client.delete(url)
    assert unscheduled.status_code == 200 and unscheduled.json()["publish_at"] is None
    errors_of(send(client, "post", url, {"at": "morgen"}), 400, "invalid")
    errors_of(send(client, "post", url, {"at": "99999-01-01T00:00:00"}), 400)
    errors_of(send(client, "post", url, "[1]"), 400, "not_a_dict")


def test_retire_a_published_version(client_for, designer, draft):
    from forms_engine.catalog.services import process_version_publish

    client = client_for(designer)
    url = version_url(draft.pk, "retire/")
    errors_of(send(client, "post", url), 409, "invalid_transition")  # still a draft
    process_version_publish(version=draft)
    errors_of(send(client, "post", url, {"grace_days": 999}), 400, "max_value")
    errors_of(send(client, "post", url, {"grace_days": -1}), 400, "min_value")
    errors_of(send(client, "post", url, {"grace_days": "x"}), 400, "invalid")
    body = send(client, "post", url, {"grace_days": 3}).json()
    assert body["status"] == "retired" and body["retired_at"]
    draft.refresh_from_db()
    assert (draft.submit_until - draft.retired_at).days == 3
