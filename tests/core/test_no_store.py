"""Private pages and answers are never kept by browsers or proxies (issue 7, observation 9):
every private URL answers `Cache-Control: no-store, private`; public pages may be cached."""

import pytest
from django.test import Client
from django.urls import reverse

from forms_engine.cases.status import case_status_token, case_status_url
from forms_engine.citizen.models import Draft
from forms_engine.citizen.services import draft_create_resume_link
from tests.clerk.conftest import file_case, sample

pytestmark = pytest.mark.django_db

HST = "hundesteuer-anmeldung"


def assert_no_store(response, url):
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control, (url, response.status_code, cache_control)
    assert "private" in cache_control, (url, cache_control)


@pytest.fixture
def draft_client(published_processes):
    """A citizen's session with a fresh Hundesteuer draft."""
    client = Client()
    response = client.post(reverse("citizen:start", args=[HST]), {"municipality": "musterstadt"})
    assert response.status_code == 302
    draft = Draft.objects.get()
    return client, draft


@pytest.fixture
def hund_case(published_processes, musterstadt):
    return file_case(published_processes[HST], musterstadt, sample(HST, "valid-normaler-hund"))


def test_every_citizen_page_of_a_draft_says_no_store(draft_client):
    client, draft = draft_client
    first_step = draft.process_version.definition["steps"][0]["id"]
    token = draft_create_resume_link(draft=draft)
    urls = [
        reverse("citizen:step", args=[draft.pk, first_step]),
        reverse("citizen:summary", args=[draft.pk]),
        reverse("citizen:submit", args=[draft.pk]),
        reverse("citizen:confirmation", args=[draft.pk]),
        reverse("citizen:send_link", args=[draft.pk]),
        reverse("payments:overview", args=[draft.pk]),
        reverse("payments:return", args=[draft.pk]),
        reverse("citizen:account"),
        reverse("citizen:resume", args=[token]),
    ]
    for url in urls:
        assert_no_store(client.get(url), url)
    step_url = reverse("citizen:step", args=[draft.pk, first_step])
    assert_no_store(client.post(step_url, {"_action": "save"}), step_url)


def test_the_start_post_and_a_strangers_draft_url_say_no_store(draft_client):
    client, draft = draft_client
    response = Client().get(reverse("citizen:summary", args=[draft.pk]))
    assert response.status_code == 404
    assert_no_store(response, "foreign draft")
    response = client.post(reverse("citizen:start", args=[HST]), {"municipality": "musterstadt"})
    assert_no_store(response, "start POST")


def test_the_status_page_and_the_status_api_say_no_store(client, hund_case):
    url = case_status_url(hund_case)
    assert_no_store(client.get(url), url)
    api = f"/api/status/{case_status_token(hund_case.pk)}/"
    response = client.get(api)
    assert response.status_code == 200
    assert_no_store(response, api)
    assert_no_store(client.get("/api/status/unbekannt/"), "unknown status token")


def test_clerk_pages_and_the_clerk_case_api_say_no_store(client, hund_case, clerk_steuer):
    client.force_login(clerk_steuer)
    urls = [
        reverse("clerk:inbox"),
        reverse("clerk:case", args=[hund_case.pk]),
        f"/api/sachbearbeitung/faelle/{hund_case.pk}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_store(response, url)
    assert_no_store(Client().get(reverse("clerk:login")), "clerk login")


def test_the_admin_says_no_store(client, admin_user):
    client.force_login(admin_user)
    assert_no_store(client.get("/admin/"), "/admin/")


def test_public_reads_may_be_cached(client, published_processes):
    # The catalog page carries a CSRF token (language switch), so it is personal: no-store.
    version = published_processes[HST].version
    for url in ("/api/processes/", f"/api/processes/{HST}/versions/{version}/", "/api/schema/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.get("Cache-Control", ""), url
