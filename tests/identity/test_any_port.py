"""`make run PORT=8201`: the BundID sign-in names the address the citizen used as the
service (audience) and comes back to it, whatever FORMS_SITE_URL says."""

import pytest
from django.test import Client

from forms_engine.identity.services import session_identity
from tests.identity.helpers import post_assertion, start_sign_in, stub_assertion

pytestmark = pytest.mark.django_db


def test_sign_in_on_another_port_names_that_address_and_completes(settings):
    settings.FORMS_SITE_URL = "http://127.0.0.1:8000"
    citizen = Client(HTTP_HOST="127.0.0.1:8201")
    params = start_sign_in(citizen, next_url="/leistungen/")
    assert params["service"] == "http://127.0.0.1:8201/"
    assert params["acs"].startswith("/")  # the assertion comes back to this address
    response = post_assertion(citizen, stub_assertion(citizen, params))
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == "/leistungen/"
    assert session_identity(citizen.session) is not None
