"""The postbox over HTTP: the clerk's message form, the citizen's status page and answer."""

import pytest
from django.core import mail

from forms_engine.cases.models import Case, CaseDocument, CaseMessage
from forms_engine.cases.postbox import message_reply_from_citizen, message_send_to_citizen
from forms_engine.cases.status import case_status_url
from forms_engine.core.models import AuditEntry
from tests.conftest import upload_file

pytestmark = pytest.mark.django_db


def ask(case, clerk, body="Bitte senden Sie den Versicherungsnachweis.", **kwargs):
    kwargs.setdefault("subject", "Haftpflicht")
    return message_send_to_citizen(case=case, author=clerk, body=body, **kwargs)


# --- clerk ----------------------------------------------------------------------------------------


def test_the_clerk_sends_a_question_from_the_case_page(
    case, steuer_client, django_capture_on_commit_callbacks
):
    url = f"/sachbearbeitung/faelle/{case.pk}/nachrichten/"
    with django_capture_on_commit_callbacks(execute=True):
        response = steuer_client.post(
            url,
            {"subject": "Haftpflicht", "body": "Bitte Nachweis senden.", "requests_documents": "1"},
        )

    assert response.status_code == 302
    assert response["Location"].endswith(f"/sachbearbeitung/faelle/{case.pk}/#postfach")
    message = CaseMessage.objects.get(case=case)
    assert (message.subject, message.requests_documents) == ("Haftpflicht", True)
    case.refresh_from_db()
    assert case.status == Case.Status.QUERY
    assert len(mail.outbox) == 1
    page = steuer_client.get(f"/sachbearbeitung/faelle/{case.pk}/").content.decode()
    assert "Bitte Nachweis senden." in page
    assert "Unterlagen angefordert" in page
    assert "Die Nachricht ist gesendet" in page


def test_the_message_form_needs_csrf_and_post(case, clerk_steuer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk_steuer)
    url = f"/sachbearbeitung/faelle/{case.pk}/nachrichten/"

    assert client.post(url, {"body": "x"}).status_code == 403
    assert client.get(url).status_code == 405
    assert not CaseMessage.objects.exists()


def test_an_empty_message_is_refused_with_a_message(case, steuer_client):
    response = steuer_client.post(
        f"/sachbearbeitung/faelle/{case.pk}/nachrichten/", {"body": " "}, follow=True
    )
    assert "Bitte geben Sie eine Nachricht ein." in response.content.decode()
    assert not CaseMessage.objects.exists()


def test_another_authority_cannot_send_or_read(case, ordnung_client, clerk_steuer):
    ask(case, clerk_steuer)
    url = f"/sachbearbeitung/faelle/{case.pk}/nachrichten/"

    assert ordnung_client.post(url, {"body": "Hallo"}).status_code == 404
    assert ordnung_client.get(f"/sachbearbeitung/faelle/{case.pk}/").status_code == 404
    assert CaseMessage.objects.count() == 1


def test_anonymous_users_are_sent_to_the_login(case, client):
    response = client.post(f"/sachbearbeitung/faelle/{case.pk}/nachrichten/", {"body": "x"})
    assert response.status_code == 302
    assert "/sachbearbeitung/anmelden/" in response["Location"]
    assert not CaseMessage.objects.exists()


def test_the_clerk_sees_the_answer_files_and_supplement(case, clerk_steuer, steuer_client):
    question = ask(case, clerk_steuer, requests_documents=True)
    reply = message_reply_from_citizen(
        case=case,
        in_reply_to=question,
        body="Anbei der Nachweis.",
        files=[upload_file("sachkunde.pdf", as_name="nachweis.pdf")],
    )
    upload = reply.uploads.get()
    supplement = CaseDocument.objects.get(case=case, kind="supplement")

    inbox = steuer_client.get("/sachbearbeitung/").content.decode()
    assert "data-unread-answer" in inbox

    page = steuer_client.get(f"/sachbearbeitung/faelle/{case.pk}/").content.decode()
    assert "Anbei der Nachweis." in page
    assert "data-unread" in page
    assert f"/sachbearbeitung/faelle/{case.pk}/dateien/{upload.pk}/" in page
    assert f"/sachbearbeitung/faelle/{case.pk}/nachtraege/{supplement.pk}/" in page
    reply.refresh_from_db()
    assert reply.read_at is not None
    assert "data-unread-answer" not in steuer_client.get("/sachbearbeitung/").content.decode()

    download = steuer_client.get(f"/sachbearbeitung/faelle/{case.pk}/dateien/{upload.pk}/")
    assert download.status_code == 200
    pdf = steuer_client.get(f"/sachbearbeitung/faelle/{case.pk}/nachtraege/{supplement.pk}/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")
    assert AuditEntry.objects.filter(case_id=case.pk, action="supplement.downloaded").exists()


def test_a_supplement_of_another_case_is_not_found(case, other_case, clerk_steuer, steuer_client):
    question = ask(other_case, clerk_steuer)
    message_reply_from_citizen(case=other_case, in_reply_to=question, body="Antwort")
    foreign = CaseDocument.objects.get(case=other_case, kind="supplement")

    response = steuer_client.get(f"/sachbearbeitung/faelle/{case.pk}/nachtraege/{foreign.pk}/")
    assert response.status_code == 404


# --- citizen --------------------------------------------------------------------------------------


def test_the_status_page_shows_the_question_and_marks_it_read(case, clerk_steuer, client):
    question = ask(case, clerk_steuer, requests_documents=True)

    page = client.get(case_status_url(case)).content.decode()

    assert "Bitte senden Sie den Versicherungsnachweis." in page
    assert 'enctype="multipart/form-data"' in page
    assert f'name="in_reply_to" value="{question.pk}"' in page
    assert "Rückfrage" in page
    question.refresh_from_db()
    assert question.read_at is not None


def test_the_citizen_answers_with_a_file(case, clerk_steuer, client):
    question = ask(case, clerk_steuer, requests_documents=True)
    url = case_status_url(case)

    response = client.post(
        url,
        {
            "in_reply_to": question.pk,
            "body": "Hier ist der Nachweis.",
            "files": [upload_file("sachkunde.pdf"), upload_file("fahrzeugschein.png")],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{url}?antwort=gesendet#postfach"
    assert response["Cache-Control"] == "private, no-store"
    reply = CaseMessage.objects.get(direction="from_citizen")
    assert reply.uploads.count() == 2
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS
    page = client.get(response["Location"]).content.decode()
    assert "Ihre Antwort ist bei der Behörde eingegangen" in page
    assert "Hier ist der Nachweis." in page
    assert 'id="antwort"' not in page  # nothing left to answer
    assert CaseDocument.objects.filter(case=case, kind="supplement").count() == 1


def test_a_wrong_file_type_is_shown_as_an_error(case, clerk_steuer, client):
    question = ask(case, clerk_steuer, requests_documents=True)

    response = client.post(
        case_status_url(case),
        {"in_reply_to": question.pk, "body": "Anbei", "files": [upload_file("fake.pdf")]},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "error-summary" in page and 'href="#f-reply-files"' in page
    assert "Anbei" in page  # the text is kept
    assert not CaseMessage.objects.filter(direction="from_citizen").exists()


def test_an_empty_answer_is_an_error(case, clerk_steuer, client):
    question = ask(case, clerk_steuer)

    response = client.post(case_status_url(case), {"in_reply_to": question.pk, "body": ""})

    assert response.status_code == 400
    assert 'href="#f-reply-body"' in response.content.decode()


def test_the_status_page_never_shows_another_cases_messages(case, other_case, clerk_steuer, client):
    ask(case, clerk_steuer, body="Frage an Erika")
    foreign = ask(other_case, clerk_steuer, body="GEHEIM: Frage an Otto")

    page = client.get(case_status_url(case)).content.decode()
    assert "Frage an Erika" in page
    assert "GEHEIM" not in page

    # Reading or answering the other case's message through this case's link: 404.
    assert client.get(f"{case_status_url(case)}?antworten={foreign.pk}").status_code == 404
    response = client.post(
        case_status_url(case), {"in_reply_to": foreign.pk, "body": "Ich antworte fremd"}
    )
    assert response.status_code == 404
    assert not CaseMessage.objects.filter(direction="from_citizen").exists()
    foreign.refresh_from_db()
    assert foreign.read_at is None


@pytest.mark.parametrize("value", ["", "abc", "-1", "999999"])
def test_a_bad_message_id_is_not_found(case, clerk_steuer, client, value):
    ask(case, clerk_steuer)
    response = client.post(case_status_url(case), {"in_reply_to": value, "body": "x"})
    assert response.status_code == 404


def test_no_answer_form_without_an_open_question(case, client):
    page = client.get(case_status_url(case)).content.decode()
    assert 'id="antwort"' not in page
    assert "noch keine Nachrichten" in page


def test_the_status_page_shows_no_notes_and_no_clerk_names(case, clerk_steuer, client):
    from forms_engine.cases.workflow import case_note_add

    clerk_steuer.first_name, clerk_steuer.last_name = "Sabine", "Sachbearbeiterin"
    clerk_steuer.save()
    case_note_add(case=case, author=clerk_steuer, text="INTERN: nicht zeigen")
    ask(case, clerk_steuer)

    page = client.get(case_status_url(case)).content.decode()
    assert "INTERN" not in page
    assert "Sachbearbeiterin" not in page


def test_an_older_open_question_can_be_chosen(case, clerk_steuer, client):
    first = ask(case, clerk_steuer, subject="Erste Frage")
    ask(case, clerk_steuer, subject="Zweite Frage")

    page = client.get(case_status_url(case)).content.decode()
    assert f"?antworten={first.pk}" in page
    chosen = client.get(f"{case_status_url(case)}?antworten={first.pk}").content.decode()
    assert f'name="in_reply_to" value="{first.pk}"' in chosen


def test_the_postbox_speaks_english(case, clerk_steuer, client, steuer_client):
    ask(case, clerk_steuer, requests_documents=True)
    client.cookies["django_language"] = "en"
    steuer_client.cookies["django_language"] = "en"

    page = client.get(case_status_url(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Messages" in page and "Send answer" in page and "Add files" in page
    assert "The authority asks for documents." in page

    clerk_page = steuer_client.get(
        f"/sachbearbeitung/faelle/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Postbox" in clerk_page and "Send message" in clerk_page
    # Hundesteuer requires payment; submitted without the online payment it is invoiced.
    assert "Identity and payment" in clerk_page and "invoice to follow" in clerk_page
