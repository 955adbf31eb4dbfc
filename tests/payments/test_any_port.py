"""`make run PORT=8201`: the payment flow follows the address the citizen used, not the
configured FORMS_SITE_URL (which only e-mails and background tasks need)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from forms_engine.payments import http

from .conftest import ClientTransport

OTHER = "127.0.0.1:8201"


class OtherPortTransport(ClientTransport):
    """The stand-in reachable only at 127.0.0.1:8201, the address the engine runs on."""

    def __init__(self):
        super().__init__()
        self.client = Client(HTTP_HOST=OTHER)

    def __call__(self, method, url, **kwargs):
        assert urlsplit(url).netloc == OTHER, f"the engine called {url}"
        return super().__call__(method, url.replace(OTHER, "testserver", 1), **kwargs)


@pytest.fixture
def other_port(settings, monkeypatch):
    settings.ENABLE_DEMO_BACKENDS = True
    settings.FORMS_SITE_URL = "http://127.0.0.1:8000"  # the default, not where we run
    routed = OtherPortTransport()
    monkeypatch.setattr(http, "default_transport", routed)
    return routed


def test_paying_on_another_port_sends_the_citizen_to_a_pay_page_on_that_port(other_port, draft):
    citizen = Client(HTTP_HOST=OTHER)
    citizen.cookies = _session_cookies(draft)
    response = citizen.post(f"/zahlung/{draft.pk}/")
    assert response.status_code == 302, response.content[:500]
    pay_url = response["Location"]
    assert pay_url.startswith(f"http://{OTHER}/xbezahldienste-stub/bezahlseite/")
    created = other_port.requests("POST")[0]
    assert created["json"]["redirectUrl"].startswith(
        f"http://{OTHER}/zahlung/{draft.pk}/zurueck/?zahlung="
    )
    paid = other_port.client.post(urlsplit(pay_url).path, {"action": "pay"})
    back = urlsplit(paid["Location"])
    assert back.netloc == OTHER
    response = citizen.get(f"{back.path}?{back.query}")
    assert response["Location"] == f"/antrag/{draft.pk}/absenden/"
    assert 'id="payment-paid"' in citizen.get(f"/zahlung/{draft.pk}/").content.decode()


def _session_cookies(draft):
    """A session that owns `draft`, as cookies for a client on another host."""
    from django.test import Client as Plain

    from forms_engine.citizen.services import session_add_draft

    plain = Plain()
    session = plain.session
    session_add_draft(session, draft)
    session.save()
    return plain.cookies
