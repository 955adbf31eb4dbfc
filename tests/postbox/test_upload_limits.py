"""Postbox answers (issue 7, observation 7): files over the limit are cut off while the
answer streams in, named by their sniffed type, and a polyglot PDF is refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forms_engine.cases.models import CaseMessage
from forms_engine.cases.postbox import message_send_to_citizen
from forms_engine.cases.status import case_status_url
from tests.citizen.test_upload_hardening import (  # noqa: F401 - fixture
    HTA_POLYGLOT,
    PDF,
    spool_counter,
)

pytestmark = pytest.mark.django_db


def ask(case, clerk):
    return message_send_to_citizen(
        case=case, author=clerk, subject="Nachweis", body="Bitte senden.", requests_documents=True
    )


def test_an_answer_file_over_the_limit_is_413_cut_off_and_nothing_is_kept(
    case,
    clerk_steuer,
    client,
    settings,
    spool_counter,  # noqa: F811 - the fixture imported above
):
    settings.FORMS_UPLOAD_MAX_BYTES = 64 * 1024
    question = ask(case, clerk_steuer)
    big = SimpleUploadedFile("nachweis.pdf", b"%PDF-1.4\n" + b"0" * (300 * 1024))

    response = client.post(
        case_status_url(case), {"in_reply_to": question.pk, "body": "Anbei", "files": [big]}
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "Die Datei ist zu groß (höchstens 64 KB)." in page
    assert 'href="#f-reply-files"' in page
    assert sum(spool_counter.written) <= 2 * 64 * 1024
    assert not CaseMessage.objects.filter(direction="from_citizen").exists()


def test_an_answer_file_is_kept_under_its_sniffed_extension(case, clerk_steuer, client):
    question = ask(case, clerk_steuer)

    response = client.post(
        case_status_url(case),
        {
            "in_reply_to": question.pk,
            "body": "Anbei",
            "files": [SimpleUploadedFile("Nachweis.hta", PDF)],
        },
    )

    assert response.status_code == 302
    reply = CaseMessage.objects.get(direction="from_citizen")
    assert [u.original_name for u in reply.uploads.all()] == ["Nachweis.pdf"]


def test_a_polyglot_pdf_answer_is_refused(case, clerk_steuer, client):
    question = ask(case, clerk_steuer)

    response = client.post(
        case_status_url(case),
        {
            "in_reply_to": question.pk,
            "body": "Anbei",
            "files": [SimpleUploadedFile("Nachweis.hta", HTA_POLYGLOT)],
        },
    )

    assert response.status_code == 400
    assert "Die Datei ist kein gültiges PDF." in response.content.decode()
    assert not CaseMessage.objects.filter(direction="from_citizen").exists()
