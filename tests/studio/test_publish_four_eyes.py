"""Four-eyes publishing across two people: the designer asks for approval, a reviewer
approves (not their own request), the designer publishes; a change after the approval
needs a new one; a rejection needs a reason; the reviewer's list of open requests."""

import pytest
from django.test import Client

from forms_engine.catalog.models import ProcessVersion, PublishApproval
from forms_engine.catalog.services import process_version_update_draft

from .conftest import base_doc


@pytest.fixture
def four_eyes(studio_publisher):
    studio_publisher.four_eyes = True
    studio_publisher.save()
    return studio_publisher


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _reload(version):
    return ProcessVersion.objects.get(pk=version.pk)


def _request(client, version, comment="Bitte prüfen"):
    return client.post(f"/studio/versionen/{version.pk}/freigabe-anfragen/", {"comment": comment})


def test_designer_requests_reviewer_approves_designer_publishes(
    four_eyes, draft, designer, reviewer
):
    designer_client, reviewer_client = _client(designer), _client(reviewer)
    publish_url = f"/studio/versionen/{draft.pk}/veroeffentlichen/"

    page = designer_client.get(publish_url).content.decode()
    assert "verlangt vor dem Veröffentlichen die Freigabe durch eine zweite Person" in page
    refused = designer_client.post(publish_url + "jetzt/")
    assert refused.status_code == 400
    assert "Vier-Augen-Prinzip" in refused.content.decode()

    assert _request(designer_client, draft).status_code == 302
    approval = PublishApproval.objects.get(version=draft)
    assert approval.status == "open" and approval.comment == "Bitte prüfen"
    assert "Freigabe angefragt von designerin" in designer_client.get(publish_url).content.decode()

    start = reviewer_client.get("/studio/").content.decode()
    assert 'id="open-approvals"' in start
    assert f'href="/studio/freigaben/{approval.pk}/"' in start
    listing = reviewer_client.get("/studio/freigaben/").content.decode()
    assert f'href="/studio/freigaben/{approval.pk}/"' in listing

    page = reviewer_client.get(f"/studio/freigaben/{approval.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bitte prüfen" in html and 'id="approve"' in html
    assert "Bereit zum Veröffentlichen?" in html
    assert "Es ist noch keine Version veröffentlicht" in html

    # the requester has no reviewer role here: 403 on the approval page
    assert designer_client.get(f"/studio/freigaben/{approval.pk}/").status_code == 403
    assert (
        designer_client.post(f"/studio/freigaben/{approval.pk}/", {"decision": "approve"})
    ).status_code == 403

    decided = reviewer_client.post(f"/studio/freigaben/{approval.pk}/", {"decision": "approve"})
    assert decided.status_code == 302
    approval.refresh_from_db()
    assert approval.status == "approved" and approval.decided_by == reviewer
    assert "Freigegeben von pruefer" in designer_client.get(publish_url).content.decode()

    assert designer_client.post(publish_url + "jetzt/").status_code == 302
    assert _reload(draft).status == "published"


def test_the_requester_cannot_approve_their_own_request(four_eyes, draft, designer):
    four_eyes.reviewers.add(designer)  # designer and reviewer at once
    client = _client(designer)
    _request(client, draft)
    approval = PublishApproval.objects.get(version=draft)
    page = client.get(f"/studio/freigaben/{approval.pk}/").content.decode()
    assert 'id="own-request"' in page and 'id="approve"' not in page
    assert f"/studio/freigaben/{approval.pk}/" not in client.get("/studio/").content.decode()
    response = client.post(f"/studio/freigaben/{approval.pk}/", {"decision": "approve"})
    assert response.status_code == 400
    assert "Ihre eigene Anfrage können Sie nicht freigeben" in response.content.decode()
    approval.refresh_from_db()
    assert approval.status == "open"


def test_a_change_after_the_approval_needs_a_new_one(four_eyes, draft, designer, reviewer):
    designer_client = _client(designer)
    _request(designer_client, draft)
    approval = PublishApproval.objects.get(version=draft)
    _client(reviewer).post(f"/studio/freigaben/{approval.pk}/", {"decision": "approve"})
    process_version_update_draft(
        version=draft, doc=base_doc(title={"de": "Geändert", "en": "Changed"}), by=designer
    )
    publish_url = f"/studio/versionen/{draft.pk}/veroeffentlichen/"
    page = designer_client.get(publish_url).content.decode()
    assert "Der Entwurf wurde nach der letzten Anfrage geändert" in page
    assert 'id="approval-request"' in page
    refused = designer_client.post(publish_url + "jetzt/")
    assert refused.status_code == 400
    assert _reload(draft).status == "draft"
    # the new request withdraws nothing decided; a second approval lets it through
    _request(designer_client, draft, "Titel geändert")
    second = PublishApproval.objects.filter(version=draft, status="open").get()
    assert (
        _client(reviewer)
        .post(f"/studio/freigaben/{second.pk}/", {"decision": "approve"})
        .status_code
        == 302
    )
    assert designer_client.post(publish_url + "jetzt/").status_code == 302
    assert _reload(draft).status == "published"


def test_an_open_request_for_an_older_state_cannot_be_approved(
    four_eyes, draft, designer, reviewer
):
    _request(_client(designer), draft)
    approval = PublishApproval.objects.get(version=draft)
    process_version_update_draft(
        version=draft, doc=base_doc(title={"de": "Neu", "en": "New"}), by=designer
    )
    reviewer_client = _client(reviewer)
    page = reviewer_client.get(f"/studio/freigaben/{approval.pk}/").content.decode()
    assert 'id="changed-since"' in page and 'id="approve"' not in page
    response = reviewer_client.post(f"/studio/freigaben/{approval.pk}/", {"decision": "approve"})
    assert response.status_code == 400
    assert "nach der Anfrage geändert" in response.content.decode()


def test_a_rejection_needs_a_reason(four_eyes, draft, designer, reviewer):
    _request(_client(designer), draft)
    approval = PublishApproval.objects.get(version=draft)
    reviewer_client = _client(reviewer)
    response = reviewer_client.post(f"/studio/freigaben/{approval.pk}/", {"decision": "reject"})
    assert response.status_code == 400
    assert "Bitte begründen Sie die Ablehnung." in response.content.decode()
    assert (
        reviewer_client.post(
            f"/studio/freigaben/{approval.pk}/", {"decision": "vielleicht"}
        ).status_code
        == 400
    )
    response = reviewer_client.post(
        f"/studio/freigaben/{approval.pk}/",
        {"decision": "reject", "comment": "Gebühr fehlt noch"},
    )
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.status == "rejected"
    page = _client(designer).get(f"/studio/versionen/{draft.pk}/veroeffentlichen/")
    assert "Abgelehnt von pruefer: „Gebühr fehlt noch“" in page.content.decode()


def test_approval_access(four_eyes, draft, designer, reviewer, outsider, other_designer):
    _request(_client(designer), draft)
    approval = PublishApproval.objects.get(version=draft)
    url = f"/studio/freigaben/{approval.pk}/"
    assert _client(reviewer).get(url).status_code == 200
    assert _client(designer).get(url).status_code == 403
    assert _client(outsider).get(url).status_code == 403
    assert _client(other_designer).get(url).status_code == 404
    assert _client(other_designer).post(url, {"decision": "approve"}).status_code == 404
    assert _client(reviewer).get("/studio/freigaben/999999/").status_code == 404
    assert (
        "Keine offenen Freigaben"
        in _client(other_designer).get("/studio/freigaben/").content.decode()
    )
    approval.refresh_from_db()
    assert approval.status == "open"
