"""A designer builds a two-step process in the studio editor with the keyboard only (no JSON
typed): a yes/no field, a second step shown only when it is ticked, an upload with chosen
file types and size, and a fee with a condition. axe-core (WCAG 2.1 A/AA) reports nothing
on every editor page; the result passes `check_definition` and works in the citizen flow."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from forms_engine.catalog.models import (
    Activation,
    Authority,
    Municipality,
    ProcessVersion,
    Publisher,
)
from forms_engine.catalog.services import process_version_create_draft, process_version_publish
from forms_engine.definitions import check_definition, compile_definition
from tests.citizen.flow import Flow
from tests.studio.conftest import base_doc

from .conftest import assert_accessible


@pytest.fixture
def studio_draft(library):
    publisher = Publisher.objects.create(name="Stadt Teststadt", slug="teststadt")
    designer = get_user_model().objects.create_user(
        username="designerin", password="x", is_staff=True
    )
    publisher.designers.add(designer)
    draft = process_version_create_draft(doc=base_doc(), publisher=publisher, by=designer)
    return draft, designer


def sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def type_into(page, selector, text):
    page.focus(selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def press(page, selector):
    """Enter on a link or button: the next page loads."""
    page.focus(selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def toggle(page, selector, on=True):
    page.focus(selector)
    if page.is_checked(selector) != on:
        page.keyboard.press("Space")
    assert page.is_checked(selector) == on


def choose(page, selector, value):
    """Pick an option of a select with the arrow keys."""
    page.focus(selector)
    values = page.eval_on_selector(selector, "el => Array.from(el.options).map(o => o.value)")
    current = page.eval_on_selector(selector, "el => el.selectedIndex")
    target = values.index(value)
    key = "ArrowDown" if target > current else "ArrowUp"
    for _ in range(abs(target - current)):
        page.keyboard.press(key)
    assert page.eval_on_selector(selector, "el => el.value") == value


def test_a_designer_builds_a_process_keyboard_only(studio_draft, live_server, page):
    draft, designer = studio_draft
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, designer)
    base = f"{live_server.url}/studio/versionen/{draft.pk}/bearbeiten/"

    page.goto(base)
    assert_accessible(page, "overview")

    # Step 1: a yes/no field.
    press(page, "#schritt-0 h2 a")
    assert_accessible(page, "step page")
    choose(page, "#id_new-type", "boolean")
    type_into(page, "#id_new-title", "Gewerbliche Nutzung")
    type_into(page, "#id_new-title_en", "Commercial use")
    press(page, "#field-add")
    assert page.locator("#field-type").inner_text() == "Ja/Nein (Ankreuzfeld)"
    assert_accessible(page, "field page (yes/no)")

    # Step 2 with an upload, shown only for commercial use.
    page.goto(base)
    type_into(page, "#id_title", "Nachweise")
    type_into(page, "#id_title_en", "Evidence")
    press(page, "#step-add")
    assert "Schritt 2: Nachweise" in page.locator("h1").inner_text()
    choose(page, "#id_new-type", "upload")
    type_into(page, "#id_new-title", "Genehmigung")
    toggle(page, "#id_new-required")
    press(page, "#field-add")
    assert_accessible(page, "field page (upload)")
    toggle(page, "#media-3", on=False)  # PNG off
    toggle(page, "#media-2", on=True)  # JPEG stays
    type_into(page, "#id_max_mb", "5")
    type_into(page, "#id_help", "Ein PDF oder Foto der Genehmigung.")
    press(page, "#field-save")
    assert "Gespeichert" in page.locator(".clerk-messages").inner_text()
    assert_accessible(page, "field page after save")

    page.goto(base + "schritte/1/")
    choose(page, "#cond-1-field", "antrag/gewerbliche_nutzung")
    choose(page, "#cond-1-op", "checked")
    press(page, "#condition-save")
    assert "Gewerbliche Nutzung" in page.locator("#condition-text").inner_text()
    assert_accessible(page, "step page with a condition")

    # A fee for commercial use, amount typed the German way.
    page.goto(base + "gebuehren/")
    assert_accessible(page, "fees page")
    press(page, "#fee-new")
    assert_accessible(page, "new fee page")
    type_into(page, "#id_fee_id", "gewerbe")
    type_into(page, "#id_label", "Gebühr für gewerbliche Nutzung")
    type_into(page, "#id_amount", "25,50")
    choose(page, "#cond-1-field", "antrag/gewerbliche_nutzung")
    choose(page, "#cond-1-op", "checked")
    press(page, "#fee-save")
    assert "Gespeichert" in page.locator(".clerk-messages").inner_text()
    assert_accessible(page, "fee page")

    # The JSON view (live validation answers in the live region) and the history.
    page.goto(base + "json/")
    assert "Keine Probleme." in page.locator("#json-problems").inner_text()
    page.focus("#json")
    page.keyboard.press("Control+End")
    page.keyboard.type(" x")
    page.locator("#json-problem-list").wait_for()
    assert "Zeile" in page.locator("#json-problems").inner_text()
    assert_accessible(page, "JSON page with problems")
    page.goto(f"{live_server.url}/studio/versionen/{draft.pk}/verlauf/")
    assert_accessible(page, "history")
    press(page, "#history li:last-child h2 a")
    assert_accessible(page, "one save")
    page.goto(base + "schritte/0/felder/zweck/loeschen/")
    assert_accessible(page, "delete confirmation")

    # The result is a valid process that works for citizens.
    version = ProcessVersion.objects.get(pk=draft.pk)
    doc = version.definition
    assert check_definition(doc) == []
    step = doc["steps"][1]
    assert step["when"] == {
        "properties": {
            "antrag": {
                "properties": {"gewerbliche_nutzung": {"const": True}},
                "required": ["gewerbliche_nutzung"],
            }
        },
        "required": ["antrag"],
    }
    assert step["schema"]["properties"]["genehmigung"]["x-upload"] == {
        "media_types": ["application/pdf", "image/jpeg"],
        "max_bytes": 5 * 1024 * 1024,
    }
    assert doc["payment"]["fees"][0]["amount"] == "25.50"
    definition = compile_definition(doc)
    assert [s.id for s in definition.applicable_steps({"antrag": {"name": "A"}})] == ["antrag"]
    assert (
        str(definition.fee_total({"antrag": {"name": "A", "gewerbliche_nutzung": True}})) == "25.50"
    )

    published = process_version_publish(version=version)
    musterstadt = Municipality.objects.get(slug="musterstadt")
    Activation.objects.create(
        process=published.process,
        municipality=musterstadt,
        authority=Authority.objects.filter(municipality=musterstadt).first(),
    )
    sample = {
        "answers": {
            "antrag": {"name": "Erika Mustermann", "gewerbliche_nutzung": True},
            "nachweise": {"genehmigung": "@file:erlaubnis.pdf"},
        }
    }
    result = Flow(Client(), "sondernutzung").run(sample)
    assert result.pointers == [] and result.case_reference.startswith("SNU-")


def test_read_only_version_pages_are_accessible(studio_draft, live_server, page):
    draft, designer = studio_draft
    version = process_version_publish(version=draft)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, designer)
    base = f"{live_server.url}/studio/versionen/{version.pk}/bearbeiten/"
    for address in ("", "schritte/0/", "schritte/0/felder/name/", "gebuehren/", "json/"):
        page.goto(base + address)
        assert page.locator("#draft-from-version").count() == 1
        assert_accessible(page, "read-only " + address)
