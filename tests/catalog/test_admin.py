import json

import pytest
from django.conf import settings

from forms_engine.catalog.models import ProcessVersion

pytestmark = pytest.mark.django_db


def draft_doc(version):
    path = settings.FORMS_PROCESS_LIBRARY / "hundesteuer-anmeldung" / "1.0.0.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["version"] = version
    return doc


def test_admin_creates_edits_and_publishes_a_draft_through_the_services(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/catalog/processversion/add/", {"definition": json.dumps(draft_doc("2.0.0"))}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = ProcessVersion.objects.get(version="2.0.0")
    assert draft.status == ProcessVersion.Status.DRAFT

    doc = draft_doc("2.0.0")
    doc["title"]["de"] = "Hundesteuer (Entwurf)"
    response = client.post(
        f"/admin/catalog/processversion/{draft.pk}/change/", {"definition": json.dumps(doc)}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Hundesteuer (Entwurf)"

    client.post(
        "/admin/catalog/processversion/",
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == ProcessVersion.Status.PUBLISHED

    client.post(
        "/admin/catalog/processversion/",
        {"action": "retire", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == ProcessVersion.Status.RETIRED


def test_admin_publish_of_a_broken_draft_shows_an_error_and_keeps_the_draft(client, admin_user):
    client.force_login(admin_user)
    doc = draft_doc("3.0.0")
    doc["steps"] = []
    client.post("/admin/catalog/processversion/add/", {"definition": json.dumps(doc)})
    draft = ProcessVersion.objects.get(version="3.0.0")
    response = client.post(
        "/admin/catalog/processversion/",
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "nicht veröffentlicht" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ProcessVersion.Status.DRAFT


def test_admin_case_list_is_read_only(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/cases/case/").status_code == 200
    assert client.get("/admin/cases/case/add/").status_code == 403
