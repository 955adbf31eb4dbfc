"""A NUL (or a lone surrogate's bytes) in any path, query or form parameter never gives a
500 (issue 7, observation 4); meant for PostgreSQL, where such text reaching a query
used to crash. Each URL below reaches a database lookup with the parameter."""

import pytest
from django.test import Client
from django.urls import reverse

from forms_engine.cases.status import case_status_url
from forms_engine.citizen.models import Draft
from tests.clerk.conftest import file_case, sample

pytestmark = pytest.mark.django_db

HST = "hundesteuer-anmeldung"
NUL = "%00"


@pytest.fixture
def world(published_processes, musterstadt):
    client = Client(raise_request_exception=False)
    client.post(reverse("citizen:start", args=[HST]), {"municipality": "musterstadt"})
    draft = Draft.objects.get()
    case = file_case(published_processes[HST], musterstadt, sample(HST, "valid-normaler-hund"))
    return client, draft, case


def test_a_nul_in_any_url_or_parameter_is_never_a_server_error(world, clerk_steuer):
    client, draft, case = world
    status = case_status_url(case)
    gets = [
        f"/api/processes/{HST}/versions/1.0.0{NUL}/",
        f"/api/processes/{HST}/versions/{NUL}/data-schema/",
        f"/api/status/a{NUL}b/",
        f"/api/sachbearbeitung/faelle/a{NUL}/",
        f"/status/a{NUL}b/",
        f"/fortsetzen/a{NUL}b/",
        f"{status}?antworten={NUL}",
        f"/zahlung/{draft.pk}/zurueck/?zahlung={NUL}",
        f"/antrag/{draft.pk}/halter/?return={NUL}",
        f"/leistungen/{HST}/?x={NUL}",
        f"/seite/impressum{NUL}/",
        f"/?q={NUL}",
        f"/xbezahldienste-stub/bezahlseite/{NUL}/",
        f"/xbezahldienste-stub/paymenttransaction/a{NUL}/b/c",
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code != 500, (url, response.status_code)
    posts = [
        (status, {"in_reply_to": "\x00", "body": "x"}),
        (f"/antrag/{draft.pk}/absenden/", {"declaration": "\x00"}),
        (f"/antrag/{draft.pk}/zwischenspeichern/", {"token": "\x00", "email": "a\x00@b.de"}),
        (reverse("citizen:start", args=[HST]), {"municipality": "\x00"}),
        ("/anmelden/", {"level": "\x00", "next": "/\x00"}),
        ("/anmelden/bundid/acs/", {"assertion": "\x00", "SAMLResponse": "\x00"}),
        (reverse("clerk:login"), {"username": "\x00", "password": "\x00"}),
        ("/i18n/setlang/", {"language": "\x00", "next": "/\x00"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code != 500, (url, response.status_code)
    client.force_login(clerk_steuer)
    clerk_gets = [
        f"/sachbearbeitung/?q=a{NUL}&process={NUL}&status={NUL}",
        f"/sachbearbeitung/faelle/{case.pk}/?x={NUL}",
    ]
    for url in clerk_gets:
        response = client.get(url)
        assert response.status_code != 500, (url, response.status_code)
    clerk_posts = [
        (f"/sachbearbeitung/faelle/{case.pk}/notizen/", {"text": "a\x00"}),
        (f"/sachbearbeitung/faelle/{case.pk}/zuweisung/", {"assignee": "\x00"}),
        (f"/sachbearbeitung/faelle/{case.pk}/status/", {"to_status": "\x00", "message": "\x00"}),
        (f"/sachbearbeitung/faelle/{case.pk}/nachrichten/", {"subject": "\x00", "body": "a\x00"}),
    ]
    for url, data in clerk_posts:
        response = client.post(url, data)
        assert response.status_code != 500, (url, response.status_code)


def test_a_nul_in_the_session_cookie_is_ignored(published_processes):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abc\x00def"
    response = client.post(reverse("citizen:start", args=[HST]), {"municipality": "musterstadt"})
    assert response.status_code == 302
