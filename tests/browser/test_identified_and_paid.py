"""A paid, identified application end to end in Chromium: sign in with the Online-Ausweis
at the BundID stand-in, fill the Meldebescheinigung (prefilled, locked fields), pay the fee
at the XBezahldienste stand-in, submit, and find identity and payment on the case; axe-core
on the pages this adds (pay overview, stand-in pay page, submit after paying)."""

import re

import pytest

from forms_engine.cases.models import Case, PaymentStatus
from tests.browser.conftest import assert_accessible
from tests.browser.driver import start_application
from tests.browser.test_identity import SAMPLE, SignedInFlow, sign_in_at_stand_in
from tests.conftest import load_sample


@pytest.fixture(autouse=True)
def _demo_backends(settings, live_server):
    settings.ENABLE_DEMO_BACKENDS = True
    # The payment client reaches the stand-in over HTTP, here: the live test server.
    settings.FORMS_SITE_URL = live_server.url


def test_an_identified_citizen_pays_and_submits_the_meldebescheinigung(library, live_server, page):
    base = live_server.url
    sample = load_sample(SAMPLE)

    def check(label):
        assert_accessible(page, label)

    page.goto(base + "/leistungen/meldebescheinigung/")
    sign_in_at_stand_in(page)
    page.wait_for_selector("#identity-current")
    start_application(page)
    page.wait_for_load_state()
    flow = SignedInFlow(page, base, "meldebescheinigung", lambda label: None)
    while (step_id := flow.current_step()) is not None:
        flow.fill_step(sample["answers"].get(step_id, {}))

    page.click("#link-to-submit")  # the fee is "required": the engine asks for it first
    page.wait_for_load_state()
    assert "/zahlung/" in page.url
    check("pay overview")
    page.click("main form [type=submit]")
    page.wait_for_selector("#btn-standin-pay")
    check("stand-in pay page")
    page.click("#btn-standin-pay")
    page.wait_for_selector("#btn-submit")
    check("submit after paying")
    for declaration in sample["declarations"]:
        page.check(f'input[name="declaration"][value="{declaration}"]')
    page.click("#btn-submit")
    page.wait_for_selector("#case-reference")
    check("confirmation")

    case = Case.objects.get(reference=page.inner_text("#case-reference").strip())
    assert case.identity_level == "hoch" and case.identity_means == "Online-Ausweis"
    assert case.payment_status == PaymentStatus.PAYED
    assert re.fullmatch(r"KZ-\d{4}-\d{6}", case.payment_reference)
    assert case.payment_amount is not None and case.payment_amount > 0
