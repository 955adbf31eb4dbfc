"""The case page, its downloads, the audit trail, login/logout and English."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forms_engine.cases.models import Case, CaseDocument
from forms_engine.core.models import AuditEntry
from tests.citizen.flow import Flow
from tests.clerk.conftest import PDF, logged_in, sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_with_upload(client, published_processes):
    result = Flow(client, "hundesteuer-anmeldung").run(
        sample("hundesteuer-anmeldung", "valid-listenhund-mit-lastschrift")
    )
    case = Case.objects.get(reference=result.case_reference)
    Case.objects.filter(pk=case.pk).update(routed_at=timezone.now())
    case.refresh_from_db()
    return case


def actions(case):
    return list(AuditEntry.objects.filter(case_id=case.pk).values_list("action", flat=True))


def test_the_case_page_shows_the_labelled_answers_and_the_facts(hund_case, steuer_client):
    content = steuer_client.get(reverse("clerk:case", args=[hund_case.pk])).content.decode()
    assert hund_case.reference in content
    assert "Erika Mustermann" in content
    assert "Hund zur Hundesteuer anmelden" in content
    assert "Angaben im Antrag" in content
    assert "kern-description-list-item__key" in content
    assert "Steueramt" in content
    assert 'id="casefile-pending"' in content  # no case file yet: "wird erstellt"


def test_every_view_of_the_case_is_audit_logged_and_shown(hund_case, clerk_steuer, steuer_client):
    url = reverse("clerk:case", args=[hund_case.pk])
    steuer_client.get(url)
    content = steuer_client.get(url).content.decode()
    assert actions(hund_case).count("case.viewed") == 2
    entry = AuditEntry.objects.filter(case_id=hund_case.pk).last()
    assert entry.actor == clerk_steuer
    assert 'id="audit-trail"' in content
    assert content.count("Antrag angesehen") == 2


def test_the_status_history_is_shown(hund_case, steuer_client):
    steuer_client.post(
        reverse("clerk:transition", args=[hund_case.pk]),
        {"to_status": "in_progress", "message": "Wir prüfen Ihre Angaben."},
    )
    content = steuer_client.get(reverse("clerk:case", args=[hund_case.pk])).content.decode()
    history = content.split('id="status-history"')[1].split("</table>")[0]
    assert "Eingegangen → In Bearbeitung" in history
    assert "Wir prüfen Ihre Angaben." in history


def test_an_upload_downloads_as_an_attachment_with_its_type_and_is_logged(
    case_with_upload, clerk_steuer
):
    client = logged_in(clerk_steuer)
    upload = case_with_upload.uploads.first()
    page = client.get(reverse("clerk:case", args=[case_with_upload.pk])).content.decode()
    url = reverse("clerk:upload", args=[case_with_upload.pk, upload.pk])
    assert url in page and upload.original_name in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == upload.media_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert len(body) == upload.size
    entry = AuditEntry.objects.get(case_id=case_with_upload.pk, action="upload.downloaded")
    assert entry.data["upload_id"] == str(upload.pk) and entry.actor == clerk_steuer


def test_the_case_file_downloads_as_an_attachment_and_is_logged(hund_case, clerk_steuer):
    from forms_engine.core.storage import CASEFILES, file_save

    CaseDocument.objects.create(
        case=hund_case,
        kind=CaseDocument.Kind.CASEFILE,
        storage_name=file_save(CASEFILES, "xx/x.pdf", PDF),
        file_name=f"{hund_case.reference}-Fallakte.pdf",
        sha256="a" * 64,
        size=len(PDF),
    )
    client = logged_in(clerk_steuer)
    page = client.get(reverse("clerk:case", args=[hund_case.pk])).content.decode()
    url = reverse("clerk:casefile", args=[hund_case.pk])
    assert url == f"/sachbearbeitung/faelle/{hund_case.pk}/fallakte.pdf"
    assert f'href="{url}"' in page and 'id="casefile-pending"' not in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(PDF))
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="{hund_case.reference}-Fallakte.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "casefile.downloaded" in actions(hund_case)


def test_the_real_case_file_is_served(hund_case, clerk_steuer):
    """With the casefile service: render, then download the same bytes."""
    from forms_engine.cases.casefile import casefile_render

    document = casefile_render(case_id=hund_case.pk)
    response = logged_in(clerk_steuer).get(reverse("clerk:casefile", args=[hund_case.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    assert len(content) == document.size


def test_a_case_file_missing_from_the_storage_is_404(hund_case, clerk_steuer):
    CaseDocument.objects.create(
        case=hund_case,
        kind=CaseDocument.Kind.CASEFILE,
        storage_name="ab/missing.pdf",
        file_name=f"{hund_case.reference}-Fallakte.pdf",
        sha256="a" * 64,
        size=1,
    )
    response = logged_in(clerk_steuer).get(reverse("clerk:casefile", args=[hund_case.pk]))
    assert response.status_code == 404
    assert "casefile.downloaded" not in actions(hund_case)


def test_no_case_file_yet_is_404_on_the_pdf_url(hund_case, steuer_client):
    assert steuer_client.get(reverse("clerk:casefile", args=[hund_case.pk])).status_code == 404


def test_login_page_logs_a_clerk_in_and_logout_is_a_post(clerk_steuer):
    clerk_steuer.set_password("richtig-gutes-passwort")
    clerk_steuer.save()
    client = Client()
    page = client.get(reverse("clerk:login"))
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.content.decode()
    wrong = client.post(reverse("clerk:login"), {"username": "steuer", "password": "falsch"})
    assert "Die Anmeldung ist fehlgeschlagen." in wrong.content.decode()
    response = client.post(
        reverse("clerk:login"), {"username": "steuer", "password": "richtig-gutes-passwort"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("clerk:inbox")
    assert client.get(reverse("clerk:inbox")).status_code == 200
    assert client.get(reverse("clerk:logout")).status_code == 405
    response = client.post(reverse("clerk:logout"))
    assert response["Location"] == reverse("clerk:login")
    assert client.get(reverse("clerk:inbox")).status_code == 302


def test_login_returns_to_the_page_asked_for(hund_case, clerk_steuer):
    clerk_steuer.set_password("richtig-gutes-passwort")
    clerk_steuer.save()
    client = Client()
    url = reverse("clerk:case", args=[hund_case.pk])
    login = client.get(url)
    assert login["Location"] == f"{reverse('clerk:login')}?next={url}"
    response = client.post(
        login["Location"],
        {"username": "steuer", "password": "richtig-gutes-passwort", "next": url},
    )
    assert response["Location"] == url


def test_clerk_pages_are_not_cached(hund_case, steuer_client):
    for url in (reverse("clerk:inbox"), reverse("clerk:case", args=[hund_case.pk])):
        assert "no-store" in steuer_client.get(url)["Cache-Control"]


def test_the_pages_render_in_english(hund_case, steuer_client):
    steuer_client.post(reverse("set_language"), {"language": "en", "next": "/sachbearbeitung/"})
    inbox = steuer_client.get(reverse("clerk:inbox")).content.decode()
    assert '<html lang="en">' in inbox
    assert "Inbox" in inbox and "Posteingang" not in inbox
    page = steuer_client.get(reverse("clerk:case", args=[hund_case.pk])).content.decode()
    assert "Start processing" in page and "Internal notes" in page
    response = steuer_client.post(
        reverse("clerk:transition", args=[hund_case.pk]), {"to_status": "approved"}, follow=True
    )
    assert "is not allowed" in response.content.decode()
