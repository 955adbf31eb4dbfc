"""The studio's tests, checks, diff, publish and approval pages in Chromium, keyboard only
where it acts: a designer writes a designer test, looks at the checks and the diff, asks
for approval; a reviewer approves; the designer publishes. axe-core (WCAG 2.1 A/AA)
reports nothing on any of the pages, including their error states."""

import pytest
from django.contrib.auth import get_user_model

from forms_engine.catalog.models import ProcessVersion, PublishApproval, Publisher
from forms_engine.catalog.services import process_version_create_draft, process_version_publish

from ..studio.publish_docs import rich_doc
from .conftest import _new_page, assert_accessible

PASSWORD = "ein-gutes-testpasswort-42"


@pytest.fixture
def wide(chromium_browser):
    pages = []

    def make():
        context, page = _new_page(chromium_browser, viewport={"width": 1280, "height": 900})
        pages.append(context)
        return page

    yield make
    for context in pages:
        context.close()


@pytest.fixture
def studio(transactional_db, settings):
    settings.FORMS_STAFF_2FA_REQUIRED = False
    publisher = Publisher.objects.create(name="Stadt Teststadt", slug="teststadt", four_eyes=True)
    users = {}
    for name in ("designerin", "pruefer"):
        users[name] = get_user_model().objects.create_user(name, password=PASSWORD, is_staff=True)
    publisher.designers.add(users["designerin"])
    publisher.reviewers.add(users["pruefer"])
    first = process_version_publish(
        version=process_version_create_draft(doc=rich_doc(), publisher=publisher)
    )
    doc = rich_doc(version="1.1.0")
    doc["steps"][0]["schema"]["properties"]["telefon"] = {
        "type": "string",
        "format": "phone",
        "title": "Telefon",
        "x-en": {"title": "Phone"},
    }
    draft = process_version_create_draft(
        doc=doc, publisher=publisher, by=users["designerin"], based_on=first
    )
    return {"first": first, "draft": draft, **users}


def sign_in(page, base, username):
    page.goto(base + "/studio/")
    assert "/sachbearbeitung/anmelden/" in page.url
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url("**/studio/")


def press(page, selector, key="Enter"):
    page.locator(selector).focus()
    page.keyboard.press(key)


def type_into(page, selector, text):
    page.locator(selector).focus()
    page.keyboard.type(text)


def test_designer_and_reviewer_publish_keyboard_only_and_accessibly(studio, live_server, wide):
    base, draft = live_server.url, studio["draft"]
    page = wide()
    sign_in(page, base, "designerin")

    # designer tests: list, a new test written without JSON (first an error state)
    page.goto(f"{base}/studio/versionen/{draft.pk}/tests/")
    assert (
        page.locator('[data-test="Listenhund zahlt Zuschlag"]').get_attribute("data-passed")
        == "yes"
    )
    assert_accessible(page, "tests page")
    press(page, "#test-new")
    page.wait_for_url("**/tests/neu/")
    assert_accessible(page, "new test form")
    type_into(page, "#id_name", "Listenhund zahlt Zuschlag")  # taken: an error
    type_into(page, "#id_fee_total", "12,345")
    press(page, "#test-save")
    page.locator("#error-summary").wait_for()
    assert_accessible(page, "new test form with errors")
    page.locator("#id_name").fill("")
    type_into(page, "#id_name", "Pudel ohne Halter")
    page.locator("#id_fee_total").fill("")
    type_into(page, "#id_fee_total", "30,00")
    page.locator("#id_a4").focus()  # Rasse: a select, chosen with the keyboard
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    press(page, "#id_expect_errors_0", "Space")  # the step "Halterin oder Halter" is missing
    press(page, "#test-save")
    page.wait_for_url("**/tests/")
    assert page.locator('[data-test="Pudel ohne Halter"]').get_attribute("data-passed") == "yes"
    assert_accessible(page, "tests page after saving")

    # checks and diff
    page.goto(f"{base}/studio/versionen/{draft.pk}/hinweise/")
    assert page.locator("#findings-barrierefreiheit").is_visible()
    assert_accessible(page, "checks page")
    page.goto(f"{base}/studio/versionen/{draft.pk}/vergleich/")
    assert "Nebenversion" in page.locator("#diff-advice").inner_text()
    assert_accessible(page, "diff page")
    press(page, "#diff-submit")
    page.wait_for_url("**/vergleich/?alt=*")
    assert_accessible(page, "diff page after choosing")

    # publish page: refused without approval, then ask for it
    page.goto(f"{base}/studio/versionen/{draft.pk}/veroeffentlichen/")
    assert_accessible(page, "publish page")
    press(page, "#publish-now")
    page.locator("#refusal").wait_for()
    assert_accessible(page, "publish refused")
    type_into(page, "#id_comment", "Neues Telefonfeld, bitte prüfen")
    press(page, "#approval-request")
    page.locator("#approval-status").wait_for()
    assert "Freigabe angefragt" in page.locator("#approval-status").inner_text()
    assert_accessible(page, "publish page with an open request")

    # the reviewer approves
    reviewer = wide()
    sign_in(reviewer, base, "pruefer")
    assert reviewer.locator("#open-approvals").is_visible()
    assert_accessible(reviewer, "studio start with open approvals")
    approval = PublishApproval.objects.get(version=draft)
    press(reviewer, f'#open-approvals a[href="/studio/freigaben/{approval.pk}/"]')
    reviewer.wait_for_url(f"**/studio/freigaben/{approval.pk}/")
    assert_accessible(reviewer, "approval page")
    press(reviewer, "#reject")  # without a reason: refused
    reviewer.locator("#refusal").wait_for()
    assert_accessible(reviewer, "approval refused")
    press(reviewer, "#approve")
    reviewer.locator('#approval-state[data-status="approved"]').wait_for()

    # the designer publishes
    page.goto(f"{base}/studio/versionen/{draft.pk}/veroeffentlichen/")
    press(page, "#publish-now")
    page.locator("#published-info").wait_for()
    assert ProcessVersion.objects.get(pk=draft.pk).status == "published"
    assert_accessible(page, "published version: retire form")
