"""Retiring a version with a grace period: drafts already started on it can be finished
until the date chosen at retiring, the citizen pages say so, new starts go to the current
version, and after the grace period the pages (and `case_submit`) refuse."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
from django.utils import timezone

from forms_engine.catalog.models import ProcessVersion
from forms_engine.catalog.services import (
    process_version_create_draft,
    process_version_publish,
    process_version_retire,
)
from forms_engine.citizen.models import Draft
from forms_engine.citizen.services import draft_start, session_add_draft
from tests.conftest import ANSWER_FIXTURES, load_sample

pytestmark = pytest.mark.django_db

HST = "hundesteuer-anmeldung"


@pytest.fixture
def version(published_processes):
    return published_processes[HST]


@pytest.fixture
def draft(client, version, musterstadt):
    """A complete dog tax draft, reachable from `client`'s session."""
    made = draft_start(process_version=version, municipality=musterstadt)
    answers = load_sample(ANSWER_FIXTURES / HST / "valid-normaler-hund.json")["answers"]
    Draft.objects.filter(pk=made.pk).update(answers=answers)
    made.refresh_from_db()
    session = client.session
    session_add_draft(session, made)
    session.save()
    return made


def test_retiring_sets_the_grace_deadline_fourteen_days_ahead_by_default(version):
    now = timezone.now()
    retired = process_version_retire(version=version, now=now)
    assert retired.status == ProcessVersion.Status.RETIRED
    assert retired.retired_at == now
    assert retired.submit_until == now + dt.timedelta(days=14)


def test_the_grace_period_is_chosen_at_retiring(version):
    now = timezone.now()
    assert process_version_retire(version=version, grace_days=3, now=now).submit_until == (
        now + dt.timedelta(days=3)
    )


@pytest.mark.parametrize("grace_days", [-1, 10_000, "14", 1.5, True])
def test_a_nonsensical_grace_period_is_refused(version, grace_days):
    from forms_engine.catalog.exceptions import InvalidTransition

    with pytest.raises(InvalidTransition):
        process_version_retire(version=version, grace_days=grace_days)
    version.refresh_from_db()
    assert version.status == ProcessVersion.Status.PUBLISHED


def test_the_admin_retires_with_the_grace_period_it_is_given(client, admin_user, version):
    client.force_login(admin_user)
    response = client.post(
        "/admin/catalog/processversion/",
        {"action": "retire", "_selected_action": [version.pk], "grace_days": "30"},
        follow=True,
    )
    assert response.status_code == 200
    version.refresh_from_db()
    assert version.status == ProcessVersion.Status.RETIRED
    assert version.submit_until - version.retired_at == dt.timedelta(days=30)
    assert "begonnene Anträge bis" in response.content.decode()


def test_the_pages_of_a_draft_in_its_grace_period_say_until_when_it_can_be_finished(
    client, draft, version
):
    retired = process_version_retire(version=version, grace_days=14)
    deadline = timezone.localtime(retired.submit_until).strftime("%d.%m.%Y")
    expected = (
        f"Diese Version des Antrags wurde zurückgezogen. Sie können Ihren Antrag bis zum {deadline}"
    )
    for path in (f"/antrag/{draft.pk}/halter/", f"/antrag/{draft.pk}/zusammenfassung/"):
        response = client.get(path)
        page = response.content.decode()
        assert response.status_code == 200, path
        assert expected in page, path
        assert 'id="version-notice"' in page
    summary = client.get(f"/antrag/{draft.pk}/zusammenfassung/").content.decode()
    assert 'id="link-to-submit"' in summary


def test_the_notice_is_in_english_too(client, draft, version):
    process_version_retire(version=version)
    client.cookies["django_language"] = "en"
    page = client.get(f"/antrag/{draft.pk}/zusammenfassung/").content.decode()
    assert "You can finish and submit your application until" in page


def test_a_published_version_shows_no_notice(client, draft):
    page = client.get(f"/antrag/{draft.pk}/zusammenfassung/").content.decode()
    assert 'id="version-notice"' not in page
    assert 'id="version-refusal"' not in page


def test_after_the_grace_period_the_summary_refuses_and_offers_a_new_start(client, draft, version):
    process_version_retire(version=version, grace_days=1, now=timezone.now() - dt.timedelta(days=2))
    response = client.get(f"/antrag/{draft.pk}/zusammenfassung/")
    page = response.content.decode()
    assert response.status_code == 409
    assert 'id="version-refusal"' in page
    assert 'id="link-to-submit"' not in page
    # A new start in the draft's own municipality (its path, no need to find it again).
    assert f'href="/{draft.municipality.slug}/leistungen/{HST}/"' in page
    step = client.get(f"/antrag/{draft.pk}/halter/").content.decode()
    assert 'id="version-refusal"' in step


def test_new_starts_go_to_the_current_version_while_old_drafts_keep_theirs(client, draft, version):
    doc = copy.deepcopy(version.definition)
    major, minor, _ = (int(part) for part in version.version.split("."))
    doc["version"] = f"{major}.{minor + 1}.0"  # above the shipped ones: the current version
    newer = process_version_publish(version=process_version_create_draft(doc=doc))
    process_version_retire(version=version)
    response = client.post(f"/leistungen/{HST}/", {"municipality": "musterstadt"})
    new_id = re.search(r"/antrag/([0-9a-f-]+)/", response["Location"]).group(1)
    assert Draft.objects.get(pk=new_id).process_version == newer
    draft.refresh_from_db()
    assert draft.process_version == version
    assert client.get(f"/antrag/{draft.pk}/zusammenfassung/").status_code == 200
