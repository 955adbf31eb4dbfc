"""The clerk's writes on a case: status transitions, assignment, internal notes.

Workflow: Eingegangen → In Bearbeitung ⇄ Rückfrage; In Bearbeitung → Abgeschlossen
(bewilligt | abgelehnt). Nothing leaves a closed case. Every write locks the case row
(`select_for_update`), checks the actor is a clerk of the case's authority, and is
audit-logged; a refused write raises and changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from forms_engine.core.audit import audit_log

from .models import Case, CaseNote, CaseStatusChange
from .notifications import status_change_enqueue

S = Case.Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.RECEIVED: (S.IN_PROGRESS,),
    S.IN_PROGRESS: (S.QUERY, S.APPROVED, S.REJECTED),
    S.QUERY: (S.IN_PROGRESS,),
    S.APPROVED: (),
    S.REJECTED: (),
}
CLOSED = frozenset({S.APPROVED, S.REJECTED})
MESSAGE_MAX = 5000
NOTE_MAX = 10000


class WorkflowRefused(Exception):
    """A clerk's write was refused; nothing changed. German `message`, English `message_en`."""

    def __init__(self, message: str, message_en: str, code: str):
        self.message = message
        self.message_en = message_en
        self.code = code
        super().__init__(f"{message} / {message_en}")


class TransitionRefused(WorkflowRefused):
    """The requested status change is not allowed from the case's current status."""


class AssignRefused(WorkflowRefused):
    """The assignee is not a clerk of the case's authority."""


class NoteRefused(WorkflowRefused):
    """The note is empty or too long."""


def allowed_transitions(status: str) -> tuple[str, ...]:
    """The statuses a case in `status` may move to (empty for closed cases)."""
    return TRANSITIONS.get(status, ())


def _label(status: str) -> str:
    try:
        return str(S(status).label)
    except ValueError:
        return status


def _is_clerk_of(user, authority_id: int) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.authorities.filter(pk=authority_id).exists()
    )


def _locked(case: Case, by, refusal: type[WorkflowRefused]) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not _is_clerk_of(by, locked.authority_id):
        raise refusal(
            "Sie bearbeiten die Anträge dieser Behörde nicht.",
            "You do not work this authority's cases.",
            "not_a_clerk",
        )
    return locked


@transaction.atomic
def case_transition(*, case: Case, to_status: str, by, message: str = "") -> CaseStatusChange:
    """Move `case` to `to_status`, recording who did it and an optional message to the
    citizen; closing sets `closed_at`. Raises `TransitionRefused` (nothing changed) when
    the transition is not allowed from the stored status or `by` is not a clerk of the
    case's authority. After commit the citizen's e-mail is enqueued."""
    locked = _locked(case, by, TransitionRefused)
    message = (message or "").strip()
    current = locked.status
    if to_status not in allowed_transitions(current):
        if current in CLOSED:
            raise TransitionRefused(
                f"Der Antrag ist abgeschlossen ({_label(current)}); "
                "sein Status kann nicht mehr geändert werden.",
                "The case is closed; its status can no longer be changed.",
                "closed",
            )
        raise TransitionRefused(
            f"Der Wechsel von „{_label(current)}“ zu „{_label(to_status)}“ ist nicht erlaubt.",
            f"Changing the status from '{current}' to '{to_status}' is not allowed.",
            "not_allowed",
        )
    if len(message) > MESSAGE_MAX:
        raise TransitionRefused(
            f"Die Nachricht ist zu lang (höchstens {MESSAGE_MAX} Zeichen).",
            f"The message is too long (at most {MESSAGE_MAX} characters).",
            "message_too_long",
        )
    return _record_transition(locked, case, to_status, by=by, actor=by, message=message)


def _record_transition(
    locked: Case, case: Case, to_status: str, *, by, actor, message: str
) -> CaseStatusChange:
    """Store an allowed transition of the row-locked case: history, closing, audit, e-mail."""
    current = locked.status
    now = timezone.now()
    change = CaseStatusChange.objects.create(
        case=locked,
        from_status=current,
        to_status=to_status,
        changed_by=by,
        message=message,
        changed_at=now,
    )
    locked.status = to_status
    fields = ["status", "updated_at"]
    if to_status in CLOSED:
        locked.closed_at = now
        fields.append("closed_at")
    locked.save(update_fields=fields)
    audit_log(
        actor=actor,
        action="case.status_changed",
        case_id=locked.pk,
        data={
            "from": current,
            "to": to_status,
            "change_id": change.pk,
            "message": bool(message),
        },
    )
    status_change_enqueue(change_id=change.pk)
    case.status, case.closed_at = locked.status, locked.closed_at
    return change


@transaction.atomic
def case_transition_by_system(
    *, case_id, from_status: str, to_status: str, message: str = ""
) -> CaseStatusChange | None:
    """`from_status` → `to_status` because another system said so (FIT-Connect: the
    recipient accepted the case): no person (`changed_by` None, audit actor "system"), the
    citizen's e-mail as for any change. Returns None, changing nothing, when the case is no
    longer in `from_status` or the transition is not allowed."""
    locked = Case.objects.select_for_update().get(pk=case_id)
    if locked.status != from_status or to_status not in allowed_transitions(from_status):
        return None
    return _record_transition(locked, locked, to_status, by=None, actor="system", message=message)


@transaction.atomic
def case_return_from_query(*, case: Case) -> CaseStatusChange | None:
    """Rückfrage → In Bearbeitung because the citizen answered: no clerk acts, so the
    history records no person (`changed_by` None) and the audit log "citizen". Returns
    None, changing nothing, when the case is not in Rückfrage."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status != Case.Status.QUERY:
        return None
    return _record_transition(
        locked, case, Case.Status.IN_PROGRESS, by=None, actor="citizen", message=""
    )


@transaction.atomic
def case_assign(*, case: Case, assignee, by) -> Case:
    """Assign `case` to `assignee` (a clerk of the same authority) or unassign (None).
    Raises `AssignRefused` otherwise; an unchanged assignment writes nothing."""
    locked = _locked(case, by, AssignRefused)
    if assignee is not None and not _is_clerk_of(assignee, locked.authority_id):
        raise AssignRefused(
            "Anträge können nur Sachbearbeiterinnen und Sachbearbeitern derselben Behörde "
            "zugewiesen werden.",
            "Cases can only be assigned to clerks of the same authority.",
            "not_a_colleague",
        )
    previous_id = locked.assigned_to_id
    new_id = assignee.pk if assignee is not None else None
    if previous_id != new_id:
        previous = locked.assigned_to
        locked.assigned_to = assignee
        locked.save(update_fields=["assigned_to", "updated_at"])
        audit_log(
            actor=by,
            action="case.assigned",
            case_id=locked.pk,
            data={
                "from": previous.get_username() if previous else None,
                "to": assignee.get_username() if assignee else None,
            },
        )
    case.assigned_to = locked.assigned_to
    return locked


@transaction.atomic
def case_note_add(*, case: Case, author, text: str) -> CaseNote:
    """Add an internal note (never shown to the citizen). Raises `NoteRefused` for an
    empty or too long text and when `author` is not a clerk of the case's authority."""
    locked = _locked(case, author, NoteRefused)
    text = (text or "").strip()
    if not text:
        raise NoteRefused("Bitte geben Sie einen Text ein.", "Please enter a text.", "empty")
    if len(text) > NOTE_MAX:
        raise NoteRefused(
            f"Die Notiz ist zu lang (höchstens {NOTE_MAX} Zeichen).",
            f"The note is too long (at most {NOTE_MAX} characters).",
            "too_long",
        )
    note = CaseNote.objects.create(case=locked, author=author, text=text)
    audit_log(actor=author, action="case.note_added", case_id=locked.pk, data={"note_id": note.pk})
    return note
