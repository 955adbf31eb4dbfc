"""A municipality administrator in Chromium: signs in, opens the admin index, the
activation list, adds an offering of a parameterised process in two steps (with an error
state first) and opens its change form; axe-core (WCAG 2.1 A/AA) reports nothing."""

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from forms_engine.catalog.admin_access import MUNICIPAL_ADMIN_GROUP
from forms_engine.catalog.models import Activation, Municipality
from forms_engine.catalog.services import process_version_create_draft, process_version_publish
from forms_engine.core.staff_auth import staff_password_link_send

from .conftest import _new_page, assert_accessible

PASSWORD = "ein-gutes-testpasswort-42"
EXAMPLE = Path(__file__).parents[1] / "definitions" / "examples" / "parkausweis-parameter.json"


@pytest.fixture
def admin_page(chromium_browser):
    context, page = _new_page(chromium_browser, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def municipal_admin(library):
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    doc["id"] = "parkausweis-efa"
    version = process_version_publish(version=process_version_create_draft(doc=doc))
    user = get_user_model().objects.create_user("kommune", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=MUNICIPAL_ADMIN_GROUP))
    musterstadt = Municipality.objects.get(slug="musterstadt")
    musterstadt.administrators.add(user)
    return user, musterstadt, version


def test_a_municipality_administrator_works_accessibly(municipal_admin, live_server, admin_page):
    _user, musterstadt, version = municipal_admin
    page, base = admin_page, live_server.url

    page.goto(base + "/admin/")
    assert "/sachbearbeitung/anmelden/" in page.url
    page.get_by_label("Benutzername").fill("kommune")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url("**/admin/")
    assert page.locator("#content").get_by_text("Freischaltungen").first.is_visible()
    assert_accessible(page, "admin index")

    page.goto(base + "/admin/catalog/activation/")
    assert "hundesteuer-anmeldung" in page.content()
    assert_accessible(page, "activation list")

    page.goto(base + "/admin/catalog/activation/add/")
    assert_accessible(page, "add: choose the process")
    page.get_by_label("Verwaltungsleistung").select_option(str(version.process_id))
    page.locator("#choose-process-form input[type=submit]").click()
    page.wait_for_url("**/add/?process=*")
    assert page.get_by_label("Name der Kommune").is_visible()
    assert_accessible(page, "add: the typed form")

    page.get_by_label("Jahresgebühr").fill("500,00")
    page.locator("input[name=_save]").click()
    page.locator(".errornote").wait_for()
    assert_accessible(page, "add: errors")

    page.get_by_label("Name der Kommune").fill("Musterstadt")
    page.get_by_label("Jahresgebühr").fill("120,00")
    page.get_by_label("Zuständige Behörde").select_option(index=1)
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/catalog/activation/")
    activation = Activation.objects.get(municipality=musterstadt, process=version.process)
    assert activation.parameter_values["gebuehr"] == "120.00"

    page.goto(base + f"/admin/catalog/activation/{activation.pk}/change/")
    assert "Version wechseln" in page.content()
    assert_accessible(page, "change form")


def test_the_password_link_page_is_accessible(library, live_server, admin_page, mailoutbox):
    clerk = get_user_model().objects.get(username="steuer")
    clerk.email = "steuer@musterstadt.example"
    clerk.save()
    staff_password_link_send(user=clerk, by="test", base_url=live_server.url)
    link = next(w for w in mailoutbox[0].body.split() if "/sachbearbeitung/passwort/" in w)

    admin_page.goto(link)
    admin_page.locator("#id_new_password1").wait_for()
    assert_accessible(admin_page, "set password")
