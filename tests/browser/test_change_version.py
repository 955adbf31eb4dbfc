"""The admin page "Version wechseln" in Chromium: the diff in words, the parameter values
for the new version, a refusal at the field, the move; axe-core reports nothing."""

import copy

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from forms_engine.catalog.models import Activation, Authority, Municipality
from tests.catalog.test_activation_versions import (
    HAFEN_ARS,
    HAFEN_VALUES,
    _doc,
    _minor_doc,
    _publish,
)

from .conftest import assert_accessible


@pytest.fixture
def offering(transactional_db):
    v1 = _publish(_doc("1.0.0"))
    municipality = Municipality.objects.create(name="Hafenstadt", ars=HAFEN_ARS, slug="hafenstadt")
    authority = Authority.objects.create(
        municipality=municipality, name="Ordnungsamt Hafenstadt", slug="ordnungsamt"
    )
    activation = Activation.objects.create(
        process=v1.process,
        municipality=municipality,
        authority=authority,
        parameter_values=copy.deepcopy(HAFEN_VALUES),
    )
    _publish(_minor_doc())
    return activation


def signed_in(page, live_server):
    user = get_user_model().objects.create_superuser("chef", "chef@example.org", "x-chef-pw")
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_an_administrator_reads_the_changes_and_moves_accessibly(offering, live_server, page):
    signed_in(page, live_server)
    page.goto(f"{live_server.url}/admin/catalog/activation/{offering.pk}/version/")

    assert (
        "Parameter „amt“ neu (Pflicht, ohne Vorgabe)"
        in page.locator("#version-changes").inner_text()
    )
    assert_accessible(page, "change version: preview")

    page.get_by_label("Jahresgebühr (gebuehr)").fill("150,00")
    page.get_by_role("button", name="Auf Version 1.1.0 umstellen").click()
    assert page.locator("#version-errors").is_visible()
    assert_accessible(page, "change version: refused")

    page.get_by_label("Zuständiges Amt (amt)").fill("Ordnungsamt Hafenstadt")
    page.get_by_role("button", name="Auf Version 1.1.0 umstellen").click()
    page.wait_for_url(f"**/admin/catalog/activation/{offering.pk}/change/")
    offering.refresh_from_db()
    assert offering.version.version == "1.1.0"
    assert offering.parameter_values["gebuehr"] == "150.00"
