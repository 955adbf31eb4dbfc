"""The studio's settings pages in Chromium, with the keyboard alone: a designer sets the
identity level, adds a money parameter, a declaration and the date rule "Ende nach Beginn"
from its form; axe-core reports nothing on any of the pages."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from forms_engine.catalog.models import ProcessVersion, Publisher
from forms_engine.catalog.services import process_version_create_draft
from forms_engine.definitions import check_definition

from .conftest import assert_accessible

DOC = {
    "$schema": "urn:ozg-engine:process-format:1",
    "id": "sondernutzung-test",
    "version": "1.0.0",
    "title": {"de": "Sondernutzung", "en": "Special use"},
    "reference_prefix": "SNT",
    "steps": [
        {
            "id": "nutzung",
            "title": {"de": "Nutzung", "en": "Use"},
            "schema": {
                "type": "object",
                "required": ["name", "beginn", "ende"],
                "properties": {
                    "name": {"type": "string", "title": "Name"},
                    "beginn": {"type": "string", "format": "date", "title": "Beginn"},
                    "ende": {"type": "string", "format": "date", "title": "Ende"},
                },
            },
        }
    ],
}


@pytest.fixture
def draft(transactional_db):
    publisher = Publisher.objects.create(name="Stadt Tastatur", slug="tastatur")
    user = get_user_model().objects.create_user("gestalterin", password="x", is_staff=True)
    publisher.designers.add(user)
    return process_version_create_draft(doc=DOC, publisher=publisher, by=user), user


def _sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until the element `selector` has the focus (fails if it never gets it)."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def _definition(version) -> dict:
    return ProcessVersion.objects.get(pk=version.pk).definition


def test_a_designer_edits_settings_parameters_and_rules_with_the_keyboard(
    draft, live_server, chromium_browser
):
    version, user = draft
    context = chromium_browser.new_context(
        bypass_csp=True, locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    _sign_in(page, live_server, user)
    base = f"{live_server.url}/studio/versionen/{version.pk}"

    # settings: the identity level "Hoch" with the arrow keys, then save
    page.goto(f"{base}/einstellungen/")
    assert_accessible(page, "settings")
    tab_to(page, "#id_identity_level-none")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert page.locator("#id_identity_level-hoch").is_checked()
    tab_to(page, "#settings-save")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "gespeichert" in page.locator(".clerk-messages").inner_text()
    assert _definition(version)["identity"] == {"level": "hoch"}
    assert_accessible(page, "settings saved")

    # parameters: a money parameter with a default
    page.goto(f"{base}/parameter/")
    assert_accessible(page, "parameters")
    _type_into(page, "#id_p-name", "satz")
    assert page.locator("#id_p-type").input_value() == "money"
    _type_into(page, "#id_p-label_de", "Gebührensatz je Tag")
    _type_into(page, "#id_p-default", "1,50")
    _type_into(page, "#id_p-maximum", "100")
    assert page.locator("#param-options").is_hidden(), "options only for a choices parameter"
    tab_to(page, "#param-save")
    page.keyboard.press("Enter")
    page.wait_for_url("**/parameter/#param-satz")
    assert _definition(version)["parameters"]["satz"] == {
        "type": "money",
        "label": {"de": "Gebührensatz je Tag"},
        "maximum": "100.00",
        "default": "1.50",
    }
    assert page.locator("#param-satz").is_visible()
    assert_accessible(page, "parameters with one")

    # a refused parameter shows its error at the field, accessibly
    _type_into(page, "#id_p-name", "satz")
    tab_to(page, "#param-save")
    page.keyboard.press("Enter")
    page.locator("#id_p-name-error").wait_for()
    assert_accessible(page, "parameter refused")

    # declarations
    page.goto(f"{base}/erklaerungen/")
    assert_accessible(page, "declarations")
    _type_into(page, "#id_neu-ident", "wahrheit")
    _type_into(page, "#id_neu-text_de", "Meine Angaben sind wahr.")
    tab_to(page, "#decl-add")
    page.keyboard.press("Enter")
    page.wait_for_url("**/erklaerungen/#decl-wahrheit")
    assert _definition(version)["declarations"] == [
        {"id": "wahrheit", "text": {"de": "Meine Angaben sind wahr."}}
    ]
    assert_accessible(page, "declarations with one")

    # rules: "Ende nach Beginn" from the form "Zwei Felder vergleichen"
    page.goto(f"{base}/regeln/")
    assert_accessible(page, "rules")
    tab_to(page, "#rule-new a[href='?neu=compare_fields#rule-form']")
    page.keyboard.press("Enter")
    page.locator("#rule-edit-form").wait_for()
    assert_accessible(page, "new rule form")
    _type_into(page, "#id_r-id", "ende-nach-beginn")
    tab_to(page, "#id_r-left")
    page.keyboard.press("ArrowDown")  # Beginn → Ende
    assert page.locator("#id_r-left").input_value() == "/nutzung/ende"
    tab_to(page, "#id_r-op")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # "<" → "<=" → ">"
    assert page.locator("#id_r-op").input_value() == ">"
    assert page.locator("#id_r-right").input_value() == "/nutzung/beginn"
    _type_into(page, "#id_r-message_de", "Das Ende muss nach dem Beginn liegen.")
    _type_into(page, "#id_r-message_en", "The end must be after the start.")
    tab_to(page, "#rule-save")
    page.keyboard.press("Enter")
    page.wait_for_url("**/regeln/#rule-ende-nach-beginn")
    doc = _definition(version)
    assert doc["rules"] == [
        {
            "id": "ende-nach-beginn",
            "check": "answers.nutzung.ende > answers.nutzung.beginn",
            "pointer": "/nutzung/ende",
            "message": {
                "de": "Das Ende muss nach dem Beginn liegen.",
                "en": "The end must be after the start.",
            },
        }
    ]
    assert check_definition(doc) == []
    assert "„Ende“ liegt nach" in page.locator("#rule-ende-nach-beginn").inner_text()
    assert_accessible(page, "rules with one")
    context.close()
