"""The postbox of a case (Postfach): the authority's questions and the citizen's answers.

Contracts:
- `message_send_to_citizen(*, case, author, subject, body, requests_documents=False)`:
  a clerk of the case's authority writes to the applicant. The case moves to "Rückfrage"
  through `workflow.case_transition`: from "In Bearbeitung" directly; from "Eingegangen"
  first to "In Bearbeitung" and then to "Rückfrage" (asking is working on the case); a
  case already in "Rückfrage" stays there (a further question); a closed case refuses
  (`PostboxRefused`, code `closed`). The citizen gets ONE e-mail "Sie haben eine neue
  Nachricht" with the status link, never the text itself (it may be sensitive; the
  status link is the authenticated channel); the status e-mails of the transitions are
  marked as sent so the citizen is not told twice.
- `message_reply_from_citizen(*, case, in_reply_to, body, files)`: the applicant answers
  an open question (a to-citizen message of THIS case without an answer; another case's
  message is `Http404`, an answered one or a closed case `PostboxRefused`) with text and
  files (`REPLY_UPLOAD_SPEC`: PDF, JPEG, PNG, at most 10 MiB each, `REPLY_MAX_FILES`).
  The uploads belong to the case and the answer; a dated supplement PDF ("Nachtrag") is
  appended to the case file (`casefile.supplement_render`); when no question stays open
  the case returns from "Rückfrage" to "In Bearbeitung" through `case_transition`.
- `messages_for_citizen(case)`: the thread of the case (never notes), oldest first.
- `message_mark_read(*, case, direction, reader=None) -> int`: marks the unread messages
  of one direction of the case as read (the citizen reads to-citizen messages on the
  status page, the clerk reads answers on the case page).
- `message_of_case(case, message_id, *, direction=None)`: the message if it belongs to the
  case, else `Http404` (a message never opens through another case).

Every write is audit-logged: `message.sent`, `message.replied`, `message.read`,
`supplement.rendered`. Later a ZBP adapter maps these messages to `message_v6` and the
case status to `status_v6` (`query` → `ACTION_REQUIRED`, see `ZBP_STATUS`).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from forms_engine.core.audit import audit_log
from forms_engine.core.text import text_message, text_problem

from .models import Case, CaseMessage, CaseStatusChange

logger = logging.getLogger(__name__)

S = Case.Status
D = CaseMessage.Direction

SUBJECT_MAX = 200
BODY_MAX = 5000
REPLY_MAX_FILES = 10
REPLY_UPLOAD_SPEC = {
    "media_types": ["application/pdf", "image/jpeg", "image/png"],
    "max_bytes": 10 * 1024 * 1024,
}
CLOSED = frozenset({S.APPROVED, S.REJECTED})

# The ZBP `status_v6` value of each case status (for the later postbox adapter).
ZBP_STATUS = {
    S.RECEIVED: "RECEIVED",
    S.IN_PROGRESS: "PROCESSING",
    S.QUERY: "ACTION_REQUIRED",
    S.APPROVED: "COMPLETED",
    S.REJECTED: "COMPLETED",
}


class PostboxRefused(Exception):
    """A postbox write was refused; nothing changed. German `message`, English `message_en`."""

    def __init__(self, message: str, message_en: str, code: str):
        self.message = message
        self.message_en = message_en
        self.code = code
        super().__init__(f"{message} / {message_en}")


# --- reads ----------------------------------------------------------------------------------------


def message_of_case(case: Case, message_id, *, direction: str | None = None) -> CaseMessage:
    """The message `message_id` of `case` (optionally of one direction), else `Http404`."""
    try:
        pk = int(str(message_id))
    except (TypeError, ValueError):
        raise Http404 from None
    qs = CaseMessage.objects.filter(case_id=case.pk, pk=pk)
    if direction:
        qs = qs.filter(direction=direction)
    message = qs.first()
    if message is None:
        raise Http404
    return message


def messages_for_citizen(case: Case) -> list[CaseMessage]:
    """The messages of `case`, oldest first, with their uploads (never internal notes)."""
    return list(
        CaseMessage.objects.filter(case_id=case.pk)
        .prefetch_related("uploads")
        .order_by("created_at", "pk")
    )


def messages_for_clerk(case: Case) -> list[CaseMessage]:
    """The thread as the clerk sees it (the case came through `access_case_for_clerk`)."""
    return list(
        CaseMessage.objects.filter(case_id=case.pk)
        .select_related("author")
        .prefetch_related("uploads")
        .order_by("created_at", "pk")
    )


def open_questions(case: Case) -> list[CaseMessage]:
    """To-citizen messages of `case` nobody has answered yet, oldest first (none if closed)."""
    if case.status in CLOSED:
        return []
    return list(
        CaseMessage.objects.filter(case_id=case.pk, direction=D.TO_CITIZEN, replies__isnull=True)
        .distinct()
        .order_by("created_at", "pk")
    )


def unread_answer_case_ids(case_ids) -> set:
    """Ids among `case_ids` with an answer of the citizen the clerk has not read yet."""
    return set(
        CaseMessage.objects.filter(
            case_id__in=list(case_ids), direction=D.FROM_CITIZEN, read_at__isnull=True
        )
        .values_list("case_id", flat=True)
        .distinct()
    )


# --- helpers --------------------------------------------------------------------------------------


def _is_clerk_of(user, authority_id: int) -> bool:
    return bool(
        user is not None
        and not isinstance(user, str)
        and user.is_authenticated
        and user.is_active
        and user.authorities.filter(pk=authority_id).exists()
    )


def _quiet(change: CaseStatusChange) -> None:
    """The transition needs no e-mail of its own: the postbox e-mail of the message says
    it (whose own outcome is recorded on the message), or the citizen caused it. Never
    recorded as "notified"."""
    from .models import CitizenNotice

    CaseStatusChange.objects.filter(pk=change.pk).update(citizen_notice=CitizenNotice.COVERED)


def _transition(case: Case, to_status: str, by) -> CaseStatusChange:
    from .workflow import case_transition

    change = case_transition(case=case, to_status=to_status, by=by)
    _quiet(change)
    return change


def _text(value, limit: int, what_de: str, what_en: str) -> str:
    value = (value or "").strip()
    problem = text_problem(value)
    if problem:
        # PostgreSQL cannot store NUL, UTF-8 no lone surrogate: refused, nothing stored.
        raise PostboxRefused(*text_message(problem), problem)
    if len(value) > limit:
        raise PostboxRefused(
            f"{what_de} ist zu lang (höchstens {limit} Zeichen).",
            f"{what_en} is too long (at most {limit} characters).",
            "too_long",
        )
    return value


# --- e-mail ---------------------------------------------------------------------------------------


def _message_mail(message_id: int) -> None:
    """The e-mail telling the citizen a new message waits on the status page (no text)."""
    from .notifications import message_new_send

    try:
        message_new_send(message_id=message_id)
    except Exception:  # noqa: BLE001 - the message is stored; the page shows it anyway
        logger.exception("Could not send the new-message e-mail of message %s", message_id)


# --- writes ---------------------------------------------------------------------------------------


@transaction.atomic
def message_send_to_citizen(
    *, case: Case, author, subject: str, body: str, requests_documents: bool = False
) -> CaseMessage:
    """Send the applicant a message (a question: the case moves to "Rückfrage").

    Raises `PostboxRefused` (nothing changed) when `author` is not an active clerk of the
    case's authority (`not_a_clerk`), the case is closed (`closed`), the text is empty
    (`empty`) or too long (`too_long`). After commit the citizen is e-mailed once.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not _is_clerk_of(author, locked.authority_id):
        raise PostboxRefused(
            "Sie bearbeiten die Anträge dieser Behörde nicht.",
            "You do not work this authority's cases.",
            "not_a_clerk",
        )
    if locked.status in CLOSED:
        raise PostboxRefused(
            "Der Antrag ist abgeschlossen; es können keine Rückfragen mehr gestellt werden.",
            "The case is closed; no more questions can be asked.",
            "closed",
        )
    subject = _text(subject, SUBJECT_MAX, "Der Betreff", "The subject")
    body = _text(body, BODY_MAX, "Die Nachricht", "The message")
    if not body:
        raise PostboxRefused(
            "Bitte geben Sie eine Nachricht ein.", "Please enter a message.", "empty"
        )
    if locked.status == S.RECEIVED:
        _transition(locked, S.IN_PROGRESS, author)
    if locked.status == S.IN_PROGRESS:
        _transition(locked, S.QUERY, author)
    message = CaseMessage.objects.create(
        case=locked,
        direction=D.TO_CITIZEN,
        author=author,
        subject=subject,
        body=body,
        requests_documents=bool(requests_documents),
    )
    audit_log(
        actor=author,
        action="message.sent",
        case_id=locked.pk,
        data={"message_id": message.pk, "requests_documents": bool(requests_documents)},
    )
    case.status = locked.status
    transaction.on_commit(lambda: _message_mail(message.pk))
    return message


def _discard(uploads) -> None:
    from forms_engine.citizen.uploads import upload_file_delete

    for upload in uploads:
        upload_file_delete(upload)  # a storage error is logged there


def message_reply_from_citizen(*, case: Case, in_reply_to, body: str, files=()) -> CaseMessage:
    """Store the applicant's answer to `in_reply_to` (a message or its id) on `case`.

    `in_reply_to` must be a to-citizen message of `case` (else `Http404`, also for another
    case's message) that has no answer yet and the case must not be closed (else
    `PostboxRefused`, codes `answered`, `closed`). `body` or at least one file is required
    (`empty`); files go through `upload_store` with `REPLY_UPLOAD_SPEC` (a rejected file
    raises `UploadRejected` and nothing is kept). The answer, its uploads (linked to the
    message and the case) and the supplement PDF are stored in one transaction; then the
    case returns from "Rückfrage" to "In Bearbeitung" when no question stays open.
    """
    from forms_engine.citizen.uploads import upload_store

    from .casefile import supplement_discard, supplement_render

    question_id = in_reply_to.pk if isinstance(in_reply_to, CaseMessage) else in_reply_to
    files = [f for f in (files or ()) if f is not None]
    body = _text(body, BODY_MAX, "Die Antwort", "The answer")
    stored: list = []
    document = None
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            question = message_of_case(locked, question_id, direction=D.TO_CITIZEN)
            if locked.status in CLOSED:
                raise PostboxRefused(
                    "Der Antrag ist abgeschlossen; Antworten sind nicht mehr möglich.",
                    "The case is closed; answers are no longer possible.",
                    "closed",
                )
            if question.replies.filter(direction=D.FROM_CITIZEN).exists():
                raise PostboxRefused(
                    "Diese Nachricht ist bereits beantwortet.",
                    "This message has already been answered.",
                    "answered",
                )
            if not body and not files:
                raise PostboxRefused(
                    "Bitte geben Sie eine Antwort ein oder fügen Sie eine Datei hinzu.",
                    "Please enter an answer or add a file.",
                    "empty",
                )
            if len(files) > REPLY_MAX_FILES:
                raise PostboxRefused(
                    f"Bitte senden Sie höchstens {REPLY_MAX_FILES} Dateien auf einmal.",
                    f"Please send at most {REPLY_MAX_FILES} files at once.",
                    "too_many_files",
                )
            for file in files:
                upload, _token = upload_store(
                    file=file,
                    process_version=locked.process_version,
                    field_pointer=f"/postfach/{question.pk}",
                    upload_spec=REPLY_UPLOAD_SPEC,
                )
                stored.append(upload)
            reply = CaseMessage.objects.create(
                case=locked,
                direction=D.FROM_CITIZEN,
                author=None,
                subject=_reply_subject(question.subject),
                body=body,
                in_reply_to=question,
            )
            if stored:
                from forms_engine.citizen.models import Upload

                Upload.objects.filter(pk__in=[u.pk for u in stored]).update(
                    case=locked, message=reply, owner_token_hash=""
                )
            audit_log(
                actor="citizen",
                action="message.replied",
                case_id=locked.pk,
                data={
                    "message_id": reply.pk,
                    "in_reply_to": question.pk,
                    "uploads": [u.sha256 for u in stored],
                },
            )
            document = supplement_render(case=locked, message=reply)
            audit_log(
                actor="system",
                action="supplement.rendered",
                case_id=locked.pk,
                data={"document_id": document.pk, "sha256": document.sha256},
            )
            _return_to_work(locked, question)
    except BaseException:
        _discard(stored)
        if document is not None:
            supplement_discard(document)
        raise
    case.status = locked.status
    return reply


def _reply_subject(subject: str) -> str:
    subject = (subject or "").strip()
    if not subject:
        return ""
    return subject if subject.lower().startswith("aw:") else f"AW: {subject}"[:SUBJECT_MAX]


def _return_to_work(case: Case, question: CaseMessage) -> None:
    """Back to "In Bearbeitung" once every question is answered (the citizen's doing)."""
    from .workflow import case_return_from_query

    if case.status != S.QUERY:
        return
    still_open = (
        CaseMessage.objects.filter(case_id=case.pk, direction=D.TO_CITIZEN, replies__isnull=True)
        .exclude(pk=question.pk)
        .exists()
    )
    if still_open:
        return
    change = case_return_from_query(case=case)
    if change is not None:
        _quiet(change)


def message_mark_read(*, case: Case, direction: str, reader=None) -> int:
    """Mark the unread messages of `direction` on `case` read; returns how many.

    The citizen's status page marks to-citizen messages, the clerk's case page the
    citizen's answers. Audit-logged (`message.read`) when anything changed.
    """
    ids = list(
        CaseMessage.objects.filter(
            case_id=case.pk, direction=direction, read_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    count = CaseMessage.objects.filter(pk__in=ids, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    audit_log(
        actor=reader if reader is not None else "citizen",
        action="message.read",
        case_id=case.pk,
        data={"message_ids": ids, "direction": direction},
    )
    return count


__all__ = [
    "BODY_MAX",
    "REPLY_MAX_FILES",
    "REPLY_UPLOAD_SPEC",
    "SUBJECT_MAX",
    "ZBP_STATUS",
    "PostboxRefused",
    "message_mark_read",
    "message_of_case",
    "message_reply_from_citizen",
    "message_send_to_citizen",
    "messages_for_citizen",
    "messages_for_clerk",
    "open_questions",
    "unread_answer_case_ids",
]
