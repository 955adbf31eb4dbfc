"""The postbox services (cases/postbox.py): questions, answers, supplements, isolation."""

import io

import pytest
from django.core import mail
from django.http import Http404
from pypdf import PdfReader

from forms_engine.cases.casefile import casefile_open
from forms_engine.cases.models import Case, CaseDocument, CaseMessage
from forms_engine.cases.postbox import (
    PostboxRefused,
    message_mark_read,
    message_of_case,
    message_reply_from_citizen,
    message_send_to_citizen,
    messages_for_citizen,
    open_questions,
    unread_answer_case_ids,
)
from forms_engine.cases.status import case_status_url
from forms_engine.citizen.uploads import UploadRejected
from forms_engine.core.models import AuditEntry
from tests.conftest import stored_files, upload_file

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeeze(text: str) -> str:
    return "".join(text.split())


def ask(case, clerk, **kwargs):
    kwargs.setdefault("subject", "Nachweis der Haftpflicht")
    kwargs.setdefault("body", "Bitte senden Sie uns den Versicherungsnachweis.")
    return message_send_to_citizen(case=case, author=clerk, **kwargs)


def actions(case) -> list[str]:
    return list(AuditEntry.objects.filter(case_id=case.pk).values_list("action", flat=True))


def test_a_question_moves_the_case_to_query_and_mails_the_link_not_the_text(
    case, clerk_steuer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = ask(case, clerk_steuer, requests_documents=True)

    case.refresh_from_db()
    assert case.status == Case.Status.QUERY
    assert message.direction == CaseMessage.Direction.TO_CITIZEN
    assert message.requests_documents
    assert "message.sent" in actions(case)
    assert "case.status_changed" in actions(case)
    assert len(mail.outbox) == 1  # one e-mail: the status change is not mailed twice
    sent = mail.outbox[0]
    assert sent.to == ["erika@example.org"]
    assert "Neue Nachricht" in sent.subject
    assert case_status_url(case) in sent.body
    assert "Versicherungsnachweis" not in sent.body
    assert "Unterlagen" in sent.body


def test_a_question_on_a_received_case_first_starts_work(case, clerk_steuer):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.RECEIVED)
    case.refresh_from_db()

    ask(case, clerk_steuer)

    steps = list(case.status_changes.values_list("from_status", "to_status"))
    assert steps[-2:] == [("received", "in_progress"), ("in_progress", "query")]


def test_a_second_question_keeps_the_case_in_query(case, clerk_steuer):
    ask(case, clerk_steuer)
    ask(case, clerk_steuer, subject="Noch etwas")

    case.refresh_from_db()
    assert case.status == Case.Status.QUERY
    assert len(open_questions(case)) == 2


@pytest.mark.parametrize("status", [Case.Status.APPROVED, Case.Status.REJECTED])
def test_no_question_on_a_closed_case(case, clerk_steuer, status):
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()

    with pytest.raises(PostboxRefused) as refused:
        ask(case, clerk_steuer)
    assert refused.value.code == "closed"
    assert not CaseMessage.objects.exists()


def test_only_a_clerk_of_the_authority_may_send(case, clerk_ordnung, admin_user):
    for user in (clerk_ordnung, admin_user):
        with pytest.raises(PostboxRefused) as refused:
            ask(case, user)
        assert refused.value.code == "not_a_clerk"
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS
    assert not CaseMessage.objects.exists()


def test_an_empty_question_is_refused(case, clerk_steuer):
    with pytest.raises(PostboxRefused) as refused:
        ask(case, clerk_steuer, body="   ")
    assert refused.value.code == "empty"


def test_the_answer_with_files_becomes_a_supplement_and_work_resumes(
    case, clerk_steuer, django_capture_on_commit_callbacks
):
    question = ask(case, clerk_steuer, requests_documents=True)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        reply = message_reply_from_citizen(
            case=case,
            in_reply_to=question.pk,
            body="Anbei der Nachweis der Versicherung.",
            files=[upload_file("sachkunde.pdf"), upload_file("fahrzeugschein.png")],
        )

    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS
    assert mail.outbox == []  # the citizen sees the confirmation on the page
    last = case.status_changes.last()
    assert (last.from_status, last.to_status, last.changed_by) == ("query", "in_progress", None)
    assert reply.in_reply_to == question
    uploads = list(reply.uploads.order_by("original_name"))
    assert [u.original_name for u in uploads] == ["fahrzeugschein.png", "sachkunde.pdf"]
    assert all(u.case_id == case.pk for u in uploads)
    assert {u.media_type for u in uploads} == {"application/pdf", "image/png"}

    supplement = CaseDocument.objects.get(case=case, kind=CaseDocument.Kind.SUPPLEMENT)
    text = squeeze(pdf_text(casefile_open(supplement)))
    assert squeeze(f"zu {case.reference}") in text
    assert "Nachtragvom" in text
    assert squeeze("Bitte senden Sie uns den Versicherungsnachweis.") in text
    assert squeeze("Anbei der Nachweis der Versicherung.") in text
    for upload in uploads:
        assert squeeze(upload.original_name) in text
        assert upload.sha256 in text
        assert upload.media_type in text
    assert {"message.replied", "supplement.rendered"} <= set(actions(case))
    assert open_questions(case) == []
    # The citizen's answer moved the case on: the audit log names the citizen, no clerk.
    resumed = AuditEntry.objects.filter(case_id=case.pk, action="case.status_changed").last()
    assert (resumed.actor, resumed.actor_label) == (None, "citizen")


def test_the_answer_stays_off_the_original_case_file(case, clerk_steuer):
    from forms_engine.cases.casefile import casefile_context

    question = ask(case, clerk_steuer)
    message_reply_from_citizen(
        case=case, in_reply_to=question, body="x", files=[upload_file("sachkunde.pdf")]
    )

    assert casefile_context(case)["uploads"] == []


def test_a_message_of_another_case_cannot_be_answered(case, other_case, clerk_steuer):
    foreign = ask(other_case, clerk_steuer)
    ask(case, clerk_steuer)

    with pytest.raises(Http404):
        message_reply_from_citizen(case=case, in_reply_to=foreign.pk, body="Hallo")
    with pytest.raises(Http404):
        message_of_case(case, foreign.pk)
    assert not CaseMessage.objects.filter(direction="from_citizen").exists()
    assert not CaseDocument.objects.filter(kind="supplement").exists()


def test_an_answer_cannot_answer_an_answer(case, clerk_steuer):
    question = ask(case, clerk_steuer)
    reply = message_reply_from_citizen(case=case, in_reply_to=question, body="Erste Antwort")

    with pytest.raises(Http404):
        message_reply_from_citizen(case=case, in_reply_to=reply.pk, body="noch mal")


def test_a_question_is_answered_once(case, clerk_steuer):
    question = ask(case, clerk_steuer)
    message_reply_from_citizen(case=case, in_reply_to=question, body="Erste Antwort")

    with pytest.raises(PostboxRefused) as refused:
        message_reply_from_citizen(case=case, in_reply_to=question, body="Zweite Antwort")
    assert refused.value.code == "answered"
    assert CaseMessage.objects.filter(direction="from_citizen").count() == 1


def test_no_answer_on_a_closed_case(case, clerk_steuer):
    question = ask(case, clerk_steuer)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.APPROVED)

    with pytest.raises(PostboxRefused) as refused:
        message_reply_from_citizen(case=case, in_reply_to=question, body="zu spät")
    assert refused.value.code == "closed"


def test_an_empty_answer_is_refused(case, clerk_steuer):
    question = ask(case, clerk_steuer)

    with pytest.raises(PostboxRefused) as refused:
        message_reply_from_citizen(case=case, in_reply_to=question, body=" ", files=[])
    assert refused.value.code == "empty"


def test_a_rejected_file_keeps_nothing(case, clerk_steuer, settings):
    question = ask(case, clerk_steuer)

    with pytest.raises(UploadRejected):
        message_reply_from_citizen(
            case=case,
            in_reply_to=question,
            body="Anbei",
            files=[upload_file("sachkunde.pdf"), upload_file("fake.pdf")],
        )

    case.refresh_from_db()
    assert case.status == Case.Status.QUERY
    assert not CaseMessage.objects.filter(direction="from_citizen").exists()
    assert not CaseDocument.objects.filter(kind="supplement").exists()
    assert stored_files("uploads") == []
    assert stored_files("casefiles") == []


def test_messages_for_citizen_are_only_this_cases(case, other_case, clerk_steuer):
    mine = ask(case, clerk_steuer)
    ask(other_case, clerk_steuer, body="Nur für Otto")

    assert messages_for_citizen(case) == [mine]


def test_mark_read_per_direction_and_unread_answers(case, other_case, clerk_steuer):
    question = ask(case, clerk_steuer)
    ask(other_case, clerk_steuer)

    assert message_mark_read(case=case, direction="to_citizen") == 1
    assert message_mark_read(case=case, direction="to_citizen") == 0
    question.refresh_from_db()
    assert question.read_at is not None
    assert CaseMessage.objects.get(case=other_case).read_at is None

    message_reply_from_citizen(case=case, in_reply_to=question, body="Antwort")
    assert unread_answer_case_ids([case.pk, other_case.pk]) == {case.pk}
    assert message_mark_read(case=case, direction="from_citizen", reader=clerk_steuer) == 1
    assert unread_answer_case_ids([case.pk, other_case.pk]) == set()
    assert "message.read" in actions(case)
