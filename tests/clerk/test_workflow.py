"""The workflow: every allowed transition works and is recorded; every other one is refused
and changes nothing. Assignment and internal notes."""

import itertools
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from forms_engine.cases.models import Case, CaseNote, CaseStatusChange
from forms_engine.cases.workflow import (
    CLOSED,
    TRANSITIONS,
    AssignRefused,
    NoteRefused,
    TransitionRefused,
    allowed_transitions,
    case_assign,
    case_note_add,
    case_transition,
)
from forms_engine.core.models import AuditEntry

pytestmark = pytest.mark.django_db

S = Case.Status
ALLOWED = {
    (S.RECEIVED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.QUERY),
    (S.QUERY, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.APPROVED),
    (S.IN_PROGRESS, S.REJECTED),
}
PAIRS = list(itertools.product(S.values, S.values))


def _pair_id(pair):
    return f"{pair[0]}->{pair[1]}"


def put_in(case, status):
    """Put `case` in `status` directly (set-up only; the workflow is what is tested)."""
    closed_at = timezone.now() if status in CLOSED else None
    Case.objects.filter(pk=case.pk).update(status=status, closed_at=closed_at)
    case.refresh_from_db()
    return case


def state(case):
    case = Case.objects.get(pk=case.pk)
    return (
        case.status,
        case.closed_at,
        case.status_changes.count(),
        AuditEntry.objects.filter(case_id=case.pk, action="case.status_changed").count(),
    )


def test_the_transition_table_is_the_documented_workflow():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED
    assert allowed_transitions(S.APPROVED) == allowed_transitions(S.REJECTED) == ()


@pytest.mark.parametrize("pair", PAIRS, ids=[_pair_id(p) for p in PAIRS])
def test_every_status_pair_is_allowed_or_refused_as_documented(
    hund_case, clerk_steuer, django_capture_on_commit_callbacks, pair
):
    start, target = pair
    case = put_in(hund_case, start)
    before = state(case)
    with mock.patch("forms_engine.cases.workflow.status_change_enqueue") as enqueue:
        if pair in ALLOWED:
            change = case_transition(
                case=case, to_status=target, by=clerk_steuer, message="Bitte Nachweis senden."
            )
            case.refresh_from_db()
            assert case.status == target
            assert (change.from_status, change.to_status) == (start, target)
            assert change.changed_by == clerk_steuer and change.message == "Bitte Nachweis senden."
            assert (case.closed_at is not None) == (target in CLOSED)
            enqueue.assert_called_once_with(change_id=change.pk)
            entry = AuditEntry.objects.get(case_id=case.pk, action="case.status_changed")
            assert entry.actor == clerk_steuer
            assert entry.data["from"] == start and entry.data["to"] == target
        else:
            with pytest.raises(TransitionRefused) as info:
                case_transition(case=case, to_status=target, by=clerk_steuer)
            assert info.value.message and info.value.message_en
            assert info.value.message != info.value.message_en
            enqueue.assert_not_called()
            assert state(case) == before


@pytest.mark.parametrize("pair", PAIRS, ids=[_pair_id(p) for p in PAIRS])
def test_every_status_pair_through_the_case_page(hund_case, steuer_client, pair):
    start, target = pair
    case = put_in(hund_case, start)
    before = state(case)
    response = steuer_client.post(
        reverse("clerk:transition", args=[case.pk]), {"to_status": target, "message": ""}
    )
    assert response.status_code == 302
    levels = [m.level_tag for m in get_messages(response.wsgi_request)]
    if pair in ALLOWED:
        assert levels == ["success"]
        assert state(case)[0] == target
    else:
        assert levels == ["error"]
        assert state(case) == before


def test_the_page_offers_buttons_only_for_allowed_transitions(hund_case, steuer_client):
    for status in S.values:
        case = put_in(hund_case, status)
        content = steuer_client.get(reverse("clerk:case", args=[case.pk])).content.decode()
        offered = {s for s in S.values if f'name="to_status" value="{s}"' in content}
        assert offered == set(allowed_transitions(status)), status
        assert ('id="no-transitions"' in content) == (status in CLOSED)


def test_a_refusal_is_shown_in_german(hund_case, steuer_client):
    response = steuer_client.post(
        reverse("clerk:transition", args=[hund_case.pk]), {"to_status": "approved"}, follow=True
    )
    content = response.content.decode()
    assert "ist nicht erlaubt" in content
    assert "Eingegangen" in content and "Abgeschlossen: bewilligt" in content


def test_closing_then_reopening_is_refused_with_a_closed_message(hund_case, clerk_steuer):
    put_in(hund_case, S.IN_PROGRESS)
    case_transition(case=hund_case, to_status=S.REJECTED, by=clerk_steuer)
    with pytest.raises(TransitionRefused) as info:
        case_transition(case=hund_case, to_status=S.IN_PROGRESS, by=clerk_steuer)
    assert info.value.code == "closed"
    assert "abgeschlossen" in info.value.message


def test_the_whole_way_is_recorded_in_order_and_the_message_reaches_the_citizen(
    hund_case, clerk_steuer, django_capture_on_commit_callbacks
):
    steps = [S.IN_PROGRESS, S.QUERY, S.IN_PROGRESS, S.APPROVED]
    with django_capture_on_commit_callbacks() as callbacks:
        for step in steps:
            case_transition(case=hund_case, to_status=step, by=clerk_steuer, message=f"zu {step}")
    assert len(callbacks) == len(steps)  # one status e-mail enqueued per change
    changes = list(
        CaseStatusChange.objects.filter(case=hund_case, changed_by=clerk_steuer).values_list(
            "from_status", "to_status", "message"
        )
    )
    assert changes == [
        (S.RECEIVED, S.IN_PROGRESS, "zu in_progress"),
        (S.IN_PROGRESS, S.QUERY, "zu query"),
        (S.QUERY, S.IN_PROGRESS, "zu in_progress"),
        (S.IN_PROGRESS, S.APPROVED, "zu approved"),
    ]
    assert hund_case.status == S.APPROVED and hund_case.closed_at is not None


def test_the_transition_reads_the_stored_status_not_a_stale_object(hund_case, clerk_steuer):
    stale = Case.objects.get(pk=hund_case.pk)
    case_transition(case=hund_case, to_status=S.IN_PROGRESS, by=clerk_steuer)
    # `stale` still says "received"; the locked row says "in_progress".
    with pytest.raises(TransitionRefused):
        case_transition(case=stale, to_status=S.IN_PROGRESS, by=clerk_steuer)
    assert CaseStatusChange.objects.filter(case=hund_case, changed_by=clerk_steuer).count() == 1


def test_a_too_long_message_is_refused(hund_case, clerk_steuer):
    with pytest.raises(TransitionRefused):
        case_transition(
            case=hund_case, to_status=S.IN_PROGRESS, by=clerk_steuer, message="x" * 6000
        )
    assert state(hund_case)[0] == S.RECEIVED


# Assignment


def test_a_case_is_assigned_to_a_colleague_and_back_to_nobody(
    hund_case, clerk_steuer, colleague_steuer, steuer_client
):
    url = reverse("clerk:assign", args=[hund_case.pk])
    steuer_client.post(url, {"assignee": str(colleague_steuer.pk)})
    hund_case.refresh_from_db()
    assert hund_case.assigned_to == colleague_steuer
    page = steuer_client.get(reverse("clerk:case", args=[hund_case.pk])).content.decode()
    assert "Jana Kollegin" in page
    steuer_client.post(url, {"assignee": ""})
    hund_case.refresh_from_db()
    assert hund_case.assigned_to is None
    entries = AuditEntry.objects.filter(case_id=hund_case.pk, action="case.assigned")
    assert [(e.data["from"], e.data["to"]) for e in entries] == [
        (None, "steuer2"),
        ("steuer2", None),
    ]


def test_mir_zuweisen_assigns_the_current_clerk(hund_case, clerk_steuer, steuer_client):
    response = steuer_client.post(
        reverse("clerk:assign", args=[hund_case.pk]), {"assignee": "me"}, follow=True
    )
    hund_case.refresh_from_db()
    assert hund_case.assigned_to == clerk_steuer
    assert 'id="assign-me"' not in response.content.decode()


def test_a_clerk_of_another_authority_cannot_be_assigned(
    hund_case, clerk_steuer, clerk_ordnung, steuer_client
):
    response = steuer_client.post(
        reverse("clerk:assign", args=[hund_case.pk]), {"assignee": str(clerk_ordnung.pk)}
    )
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    hund_case.refresh_from_db()
    assert hund_case.assigned_to is None
    with pytest.raises(AssignRefused):
        case_assign(case=hund_case, assignee=clerk_ordnung, by=clerk_steuer)
    assert not AuditEntry.objects.filter(case_id=hund_case.pk, action="case.assigned").exists()


def test_an_unknown_assignee_is_refused(hund_case, steuer_client):
    for value in ("999999", "abc"):
        response = steuer_client.post(
            reverse("clerk:assign", args=[hund_case.pk]), {"assignee": value}, follow=True
        )
        assert "Bitte wählen Sie eine Person aus." in response.content.decode()
    hund_case.refresh_from_db()
    assert hund_case.assigned_to is None


def test_the_assign_select_lists_only_colleagues(
    hund_case, colleague_steuer, clerk_ordnung, steuer_client
):
    page = steuer_client.get(reverse("clerk:case", args=[hund_case.pk])).content.decode()
    assert f'<option value="{colleague_steuer.pk}"' in page
    assert f'<option value="{clerk_ordnung.pk}"' not in page


# Notes


def test_a_note_is_added_shown_and_audit_logged(hund_case, clerk_steuer, steuer_client):
    response = steuer_client.post(
        reverse("clerk:note", args=[hund_case.pk]),
        {"text": "  Rückruf am Montag.  "},
        follow=True,
    )
    assert "Rückruf am Montag." in response.content.decode()
    note = CaseNote.objects.get(case=hund_case)
    assert note.text == "Rückruf am Montag." and note.author == clerk_steuer
    entry = AuditEntry.objects.get(case_id=hund_case.pk, action="case.note_added")
    assert entry.data == {"note_id": note.pk}


def test_an_empty_note_is_refused(hund_case, clerk_steuer, steuer_client):
    response = steuer_client.post(reverse("clerk:note", args=[hund_case.pk]), {"text": "   "})
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    with pytest.raises(NoteRefused):
        case_note_add(case=hund_case, author=clerk_steuer, text="")
    assert not CaseNote.objects.exists()
