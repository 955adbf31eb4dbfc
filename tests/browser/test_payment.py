"""A citizen pays a draft's fees with the XBezahldienste stand-in in Chromium and comes back:
zero axe-core violations on the engine's pay overview, the stand-in's pay page and the page
the return lands on. The draft is made with the citizen services and handed to the
browser's session."""

from importlib import import_module

import pytest
from django.conf import settings as django_settings

from forms_engine.payments.models import PaymentStatus, PaymentTransaction
from tests.conftest import ANSWER_FIXTURES, MUSTERSTADT_ARS, load_sample

from .conftest import assert_accessible


@pytest.fixture
def demo_payments(settings, live_server):
    settings.ENABLE_DEMO_BACKENDS = True
    # The engine reaches its stand-in over real HTTP at the live server's address.
    settings.FORMS_SITE_URL = live_server.url


@pytest.fixture
def browser_draft(library, live_server, page):
    from forms_engine.catalog.models import Municipality, ProcessVersion
    from forms_engine.citizen.models import Draft
    from forms_engine.citizen.services import draft_start, session_add_draft

    # Dog tax 1.0.0 takes the fee online (policy required); the current 1.1.0 defers it.
    version = ProcessVersion.objects.get(
        process__identifier="hundesteuer-anmeldung", version="1.0.0"
    )
    draft = draft_start(
        process_version=version, municipality=Municipality.objects.get(ars=MUSTERSTADT_ARS)
    )
    answers = load_sample(ANSWER_FIXTURES / "hundesteuer-anmeldung" / "valid-normaler-hund.json")
    Draft.objects.filter(pk=draft.pk).update(answers=answers["answers"])
    session = import_module(django_settings.SESSION_ENGINE).SessionStore()
    session_add_draft(session, draft)
    session.save()
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    return draft


def test_citizen_pays_with_the_stand_in_and_comes_back(
    demo_payments, browser_draft, live_server, page
):
    draft = browser_draft
    page.goto(f"{live_server.url}/zahlung/{draft.pk}/")
    assert page.locator("#payment-total").inner_text() == "96,00 €"
    assert_accessible(page, "pay overview")

    page.click("#btn-pay")
    page.wait_for_url("**/xbezahldienste-stub/bezahlseite/**")
    assert page.locator("#standin-amount").inner_text() == "96,00 EUR"
    assert_accessible(page, "stand-in pay page")

    page.click("#btn-standin-pay")
    page.wait_for_url(f"**/antrag/{draft.pk}/absenden/")
    assert_accessible(page, "return result (submit page)")
    tx = PaymentTransaction.objects.get(draft=draft)
    assert tx.status == PaymentStatus.PAYED
    assert tx.reference.startswith("KZ-")

    page.goto(f"{live_server.url}/zahlung/{draft.pk}/")
    assert "Kassenzeichen: KZ-" in page.locator("#payment-paid").inner_text()
    assert_accessible(page, "pay overview, paid")


def test_citizen_cancels_on_the_stand_in_and_can_pay_again(
    demo_payments, browser_draft, live_server, page
):
    draft = browser_draft
    page.goto(f"{live_server.url}/zahlung/{draft.pk}/")
    page.click("#btn-pay")
    page.wait_for_url("**/xbezahldienste-stub/bezahlseite/**")
    page.click("#btn-standin-cancel")
    # Unpaid, the submit page sends the citizen back to the pay overview (fee "required").
    page.wait_for_url(f"**/zahlung/{draft.pk}/")
    assert PaymentTransaction.objects.get(draft=draft).status == PaymentStatus.CANCELED
    assert page.locator("#btn-pay").is_visible()
    assert_accessible(page, "pay overview after cancelling")
