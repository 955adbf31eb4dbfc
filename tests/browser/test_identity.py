"""BundID stand-in in Chromium: sign in with the Online-Ausweis, fill the Meldebescheinigung
up to the summary (payment is a separate part), the account page; axe-core on every page."""

import pytest

from forms_engine.citizen.models import Draft
from tests.browser.conftest import assert_accessible
from tests.browser.driver import BrowserFlow, start_application
from tests.conftest import ANSWER_FIXTURES, load_sample

SAMPLE = ANSWER_FIXTURES / "meldebescheinigung" / "valid-arbeitgeber-post.json"


@pytest.fixture(autouse=True)
def _demo_backends(settings):
    settings.ENABLE_DEMO_BACKENDS = True


class SignedInFlow(BrowserFlow):
    """The shared driver, except that fields confirmed by the ID are not typed into."""

    def _fill(self, data: dict) -> None:
        editable = {}
        for key, value in data.items():
            locator = self.page.locator(f'[name="{key}"]')
            if locator.count() and locator.first.get_attribute("readonly") is not None:
                continue
            editable[key] = value
        super()._fill(editable)


def sign_in_at_stand_in(page, *, persona_index=0, means="eid", check=None):
    """On the engine's page with the sign-in offer: through the stand-in and back."""
    page.click("#btn-sign-in")
    page.wait_for_selector("#btn-stub-sign-in")
    if check:
        check("stand-in sign-in")
    page.check(f"#persona-{persona_index}")
    page.check(f'input[name="means"][value="{means}"]')
    page.click("#btn-stub-sign-in")
    page.wait_for_load_state()


def test_sign_in_with_the_online_id_and_fill_the_meldebescheinigung(library, live_server, page):
    base = live_server.url

    def check(label):
        assert_accessible(page, label)

    page.goto(base + "/leistungen/meldebescheinigung/")
    assert page.locator("#identity-offer").count() == 1
    assert page.locator("#btn-start").count() == 0
    check("start page with the sign-in offer")

    sign_in_at_stand_in(page, check=check)
    # The stand-in posted its assertion back (auto-submit) and the start page greets Erika.
    page.wait_for_selector("#identity-current")
    assert "Erika Mustermann" in page.inner_text("#identity-current")
    check("start page signed in")
    start_application(page)
    page.wait_for_load_state()

    flow = SignedInFlow(page, base, "meldebescheinigung", check)
    assert flow.current_step() == "person"
    assert page.locator("#f-vorname").get_attribute("readonly") is not None
    assert page.input_value("#f-vorname") == "Erika"
    assert "aus Ihrem Ausweis übernommen" in page.inner_text("main")
    answers = load_sample(SAMPLE)["answers"]
    while (step_id := flow.current_step()) is not None:
        flow.fill_step(answers.get(step_id, {}))
    assert "/zusammenfassung/" in page.url
    check("summary")
    draft = Draft.objects.get()
    assert draft.identity_level == "hoch"
    assert draft.answers["person"]["familienname"] == "Mustermann"

    page.goto(base + "/konto/")
    assert page.locator("#account-drafts").count() == 1
    check("account")
    page.click("#btn-sign-out")
    page.wait_for_selector("#signed-out")
    check("account signed out")


def test_stand_in_pages_and_errors_are_accessible(library, live_server, page):
    base = live_server.url
    # Without its script the answer page waits for "Weiter": look at it, then go on.
    page.route("**/identity/autosubmit.js", lambda route: route.abort())
    page.goto(base + "/konto/")
    check = lambda label: assert_accessible(page, label)  # noqa: E731
    check("account, not signed in")
    page.click("#btn-sign-in")
    page.wait_for_selector("#btn-stub-sign-in")
    page.click("#btn-stub-sign-in")  # nothing chosen: the error state
    page.wait_for_selector("#error-summary")
    check("stand-in errors")
    page.check("#persona-1")
    page.check('input[name="means"][value="benutzername"]')
    page.click("#btn-stub-sign-in")
    page.wait_for_selector("#btn-stub-continue")
    check("stand-in answer page")
    page.click("#btn-stub-continue")
    page.wait_for_selector("#account-identity")
    assert "Albrecht-Yıldız" in page.inner_text("#account-identity")


def test_too_low_a_level_is_refused_with_an_offer(library, live_server, page):
    page.goto(live_server.url + "/leistungen/meldebescheinigung/")
    sign_in_at_stand_in(page, means="elster")
    page.wait_for_selector("#identity-too-low")
    assert page.locator("#btn-start").count() == 0
    assert page.locator("#btn-sign-in").count() == 1
    assert_accessible(page, "start page, level too low")


def test_the_sign_in_works_without_javascript(library, live_server, nojs_page):
    page = nojs_page
    page.goto(live_server.url + "/leistungen/auskunftssperre/")
    sign_in_at_stand_in(page, persona_index=2)
    page.click("#btn-stub-continue")
    page.wait_for_selector("#identity-current")
    assert "Leonie Schmitt" in page.inner_text("#identity-current")
    start_application(page)
    page.wait_for_load_state()
    assert "/antrag/" in page.url
