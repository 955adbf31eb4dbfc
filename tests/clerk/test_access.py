"""The access matrix: every clerk URL against every persona that must not see the case.

Who may see what (personas in tests/conftest.py):
- `clerk_steuer` works the Steueramt: the Hundesteuer case below is theirs (positive control).
- `clerk_ordnung` works the Ordnungsamt: another authority → 404, nothing leaks or changes.
- anonymous → redirect to the clerk login, nothing leaks or changes.
- the citizen who filed the case (their session, not logged in) → like anonymous.
- a logged-in user who works no authority (`admin_user`, a superuser) → 404.
"""

from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse

from forms_engine.cases.models import Case, CaseNote
from forms_engine.cases.selectors import access_case_for_clerk
from forms_engine.core.models import AuditEntry
from tests.clerk.conftest import logged_in

pytestmark = pytest.mark.django_db


def urls(case) -> list[tuple[str, str, dict]]:
    upload = case.uploads.first()
    args = [case.pk]
    return [
        ("get", reverse("clerk:inbox"), {}),
        # A prefix of the reference: a full one would be echoed in the search field.
        ("get", reverse("clerk:inbox") + f"?q={case.reference[:8].lower()}", {}),
        ("get", reverse("clerk:case", args=args), {}),
        ("get", reverse("clerk:casefile", args=args), {}),
        ("get", reverse("clerk:upload", args=[case.pk, upload.pk]), {}),
        ("post", reverse("clerk:transition", args=args), {"to_status": "in_progress"}),
        ("post", reverse("clerk:assign", args=args), {"assignee": "me"}),
        ("post", reverse("clerk:note", args=args), {"text": "Geheime Notiz"}),
    ]


URL_NAMES = ["inbox", "search", "detail", "casefile", "upload", "transition", "assign", "note"]


def snapshot(case):
    case = Case.objects.get(pk=case.pk)
    return (
        case.status,
        case.assigned_to_id,
        case.closed_at,
        CaseNote.objects.filter(case=case).count(),
        case.status_changes.count(),
        AuditEntry.objects.filter(case_id=case.pk).count(),
    )


def assert_nothing_leaks(response, case):
    body = response.content.decode(errors="replace")
    assert case.reference not in body
    assert case.applicant_name not in body
    assert "Geheime Notiz" not in body
    assert response.get("Content-Disposition") is None


@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
def test_clerk_of_another_authority_gets_404_and_changes_nothing(
    citizen_case, clerk_ordnung, index
):
    method, url, data = urls(citizen_case)[index]
    before = snapshot(citizen_case)
    response = getattr(logged_in(clerk_ordnung), method)(url, data)
    if URL_NAMES[index] in ("inbox", "search"):
        assert response.status_code == 200  # their own (empty) inbox
    else:
        assert response.status_code == 404
    assert_nothing_leaks(response, citizen_case)
    assert snapshot(citizen_case) == before


@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
def test_anonymous_is_sent_to_the_login_and_nothing_changes(citizen_case, index):
    method, url, data = urls(citizen_case)[index]
    before = snapshot(citizen_case)
    response = getattr(Client(), method)(url, data)
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("clerk:login")
    assert_nothing_leaks(response, citizen_case)
    assert snapshot(citizen_case) == before


@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
def test_the_citizen_who_filed_the_case_is_not_a_clerk(client, citizen_case, index):
    method, url, data = urls(citizen_case)[index]
    before = snapshot(citizen_case)
    response = getattr(client, method)(url, data)
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("clerk:login")
    assert_nothing_leaks(response, citizen_case)
    assert snapshot(citizen_case) == before


@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
def test_a_user_without_an_authority_gets_404_even_as_superuser(citizen_case, admin_user, index):
    method, url, data = urls(citizen_case)[index]
    before = snapshot(citizen_case)
    response = getattr(logged_in(admin_user), method)(url, data)
    assert response.status_code == (200 if URL_NAMES[index] in ("inbox", "search") else 404)
    assert_nothing_leaks(response, citizen_case)
    assert snapshot(citizen_case) == before


@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
def test_the_clerk_of_the_authority_gets_every_url(citizen_case, clerk_steuer, index):
    """Positive control: the same requests succeed for the case's own clerk."""
    method, url, data = urls(citizen_case)[index]
    response = getattr(logged_in(clerk_steuer), method)(url, data)
    if method == "post":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("clerk:case", args=[citizen_case.pk]))
    else:
        assert response.status_code == 200
        if URL_NAMES[index] in ("inbox", "search", "detail"):
            assert citizen_case.reference in response.content.decode()


def test_an_unrouted_case_is_404_even_for_its_own_clerk(citizen_case, clerk_steuer):
    Case.objects.filter(pk=citizen_case.pk).update(routed_at=None)
    client = logged_in(clerk_steuer)
    for method, url, data in urls(citizen_case)[2:]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, url
    assert citizen_case.reference not in client.get(reverse("clerk:inbox")).content.decode()


def test_an_upload_of_another_case_is_404_through_this_case(citizen_case, hund_case, clerk_steuer):
    upload = citizen_case.uploads.first()
    url = reverse("clerk:upload", args=[hund_case.pk, upload.pk])
    assert logged_in(clerk_steuer).get(url).status_code == 404


def test_missing_and_malformed_ids_are_404(clerk_steuer):
    client = logged_in(clerk_steuer)
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/sachbearbeitung/faelle/{missing}/").status_code == 404
    assert client.get("/sachbearbeitung/faelle/kein-uuid/").status_code == 404


@pytest.mark.parametrize("case_id", ["", "kein-uuid", None, 42, "00000000-0000-4000-8000-0000000"])
def test_access_case_for_clerk_raises_404_for_malformed_ids(clerk_steuer, case_id):
    from django.http import Http404

    with pytest.raises(Http404):
        access_case_for_clerk(clerk_steuer, case_id)


def test_access_case_for_clerk_refuses_inactive_and_anonymous_users(hund_case, clerk_steuer):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    assert access_case_for_clerk(clerk_steuer, hund_case.pk) == hund_case
    assert access_case_for_clerk(clerk_steuer, str(hund_case.pk)) == hund_case
    with pytest.raises(Http404):
        access_case_for_clerk(AnonymousUser(), hund_case.pk)
    with pytest.raises(Http404):
        access_case_for_clerk(None, hund_case.pk)
    clerk_steuer.is_active = False
    clerk_steuer.save()
    with pytest.raises(Http404):
        access_case_for_clerk(clerk_steuer, hund_case.pk)


def test_the_workflow_refuses_a_clerk_of_another_authority(hund_case, clerk_ordnung):
    """Defence in depth: the services check the actor too, not only the views."""
    from forms_engine.cases.workflow import (
        AssignRefused,
        NoteRefused,
        TransitionRefused,
        case_assign,
        case_note_add,
        case_transition,
    )

    before = snapshot(hund_case)
    with pytest.raises(TransitionRefused):
        case_transition(case=hund_case, to_status="in_progress", by=clerk_ordnung)
    with pytest.raises(AssignRefused):
        case_assign(case=hund_case, assignee=clerk_ordnung, by=clerk_ordnung)
    with pytest.raises(NoteRefused):
        case_note_add(case=hund_case, author=clerk_ordnung, text="x")
    assert snapshot(hund_case) == before


def test_get_is_not_allowed_on_the_action_urls(hund_case, clerk_steuer):
    client = logged_in(clerk_steuer)
    for name in ("transition", "assign", "note"):
        assert client.get(reverse(f"clerk:{name}", args=[hund_case.pk])).status_code == 405


def test_actions_need_the_csrf_token(hund_case, clerk_steuer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk_steuer)
    response = client.post(
        reverse("clerk:transition", args=[hund_case.pk]), {"to_status": "in_progress"}
    )
    assert response.status_code == 403
    hund_case.refresh_from_db()
    assert hund_case.status == Case.Status.RECEIVED
