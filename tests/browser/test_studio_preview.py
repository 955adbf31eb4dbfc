"""A designer previews a draft at phone width in Chromium: the studio page and the framed
citizen pages (test banner, steps) have no axe-core (WCAG 2.1 A/AA) violations, and the
frame is a phone's 375 px wide."""

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from forms_engine.catalog.models import Publisher
from forms_engine.catalog.services import process_version_create_draft
from tests.citizen.flow import post_data
from tests.conftest import ANSWER_FIXTURES, load_sample

from .conftest import assert_accessible

HUND_DOC = json.loads(
    (Path(settings.BASE_DIR) / "processes" / "hundesteuer-anmeldung" / "1.2.0.json").read_text()
)
SAMPLE = load_sample(
    ANSWER_FIXTURES / "hundesteuer-anmeldung" / "valid-listenhund-mit-lastschrift.json"
)
BANNER = "Vorschau – Testlauf"


@pytest.fixture
def designer_draft(transactional_db):
    publisher = Publisher.objects.create(name="Stadt Teststadt", slug="teststadt")
    designer = get_user_model().objects.create_user("designerin", password="x", is_staff=True)
    publisher.designers.add(designer)
    version = process_version_create_draft(
        doc=copy.deepcopy(HUND_DOC), publisher=publisher, by=designer
    )
    return designer, version


def _sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_a_designer_previews_a_draft_at_phone_width_accessibly(designer_draft, live_server, page):
    designer, version = designer_draft
    _sign_in(page, live_server, designer)
    page.goto(f"{live_server.url}/studio/versionen/{version.pk}/vorschau/")
    assert_accessible(page, "preview launcher")

    page.get_by_label("Antworten und Parameter aus einem Test übernehmen").select_option("1")
    page.locator("#preview-start").click()
    page.wait_for_url("**/studio/vorschau/*/?schritt=*")
    page.locator("#width-telefon").click()
    page.wait_for_url("**breite=telefon**")
    assert BANNER in page.locator("#preview-banner").inner_text()

    frame = page.frame(name="preview-frame")
    frame.wait_for_load_state()
    frame.wait_for_selector("#preview-banner")
    assert frame.evaluate("window.innerWidth") == 375
    assert_accessible(page, "preview shell at phone width")
    assert_accessible(frame, "preview step halter at phone width")

    step = version.definition["steps"][0]
    assert step["id"] == "halter"
    from forms_engine.definitions import compile_definition

    fields = compile_definition(version.definition).step("halter").fields()
    for key, value in post_data(fields, SAMPLE["answers"]["halter"], []).items():
        frame.locator(f'[name="{key}"]').fill(str(value))
    frame.locator("#btn-next").click()
    frame.wait_for_url("**/schritte/hund/")
    frame.wait_for_selector("#preview-banner")
    assert_accessible(frame, "preview step hund at phone width")

    # start at any step: the step list loads a step into the frame
    page.locator("#preview-step-summary").click()
    frame.wait_for_url("**/zusammenfassung/")
    frame.wait_for_selector("#fee-total")
    assert "600,00" in frame.locator("#fee-total").inner_text()
    assert_accessible(frame, "preview summary at phone width")
