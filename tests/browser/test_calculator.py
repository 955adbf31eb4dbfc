"""A calculator in Chromium: the citizen answers the steps and sees "Ihr Ergebnis" with the
computed values and "Neu berechnen"; the result page has zero axe-core violations."""

from importlib import import_module

from django.conf import settings as django_settings

from forms_engine.cases.models import Case
from forms_engine.catalog.models import Municipality
from forms_engine.citizen.services import draft_start, session_add_draft
from tests.citizen.calculator import publish_calculator
from tests.conftest import MUSTERSTADT_ARS

from .conftest import assert_accessible


def test_the_calculator_result_page_is_accessible(library, live_server, page):
    musterstadt = Municipality.objects.get(ars=MUSTERSTADT_ARS)
    version = publish_calculator(musterstadt)
    draft = draft_start(process_version=version, municipality=musterstadt)
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
    page.goto(f"{live_server.url}/antrag/{draft.pk}/haushalt/")
    page.fill('[name="personen"]', "1")
    page.select_option('[name="mietstufe"]', "3")
    page.click("#btn-next")
    page.fill('[name="miete"]', "500,00")
    page.fill('[name="einkommen"]', "1500,00")
    page.check('[name="abzuege"][value="30"]')
    page.click("#btn-next")
    page.wait_for_url(f"**/antrag/{draft.pk}/zusammenfassung/")
    assert page.locator("h1").inner_text() == "Ihr Ergebnis"
    assert "213,64 €" in page.locator("#result-wohngeld").inner_text()
    assert "kein Antrag" in page.locator("#calculator-note").inner_text()
    assert_accessible(page, "calculator result")
    page.click("#link-restart")
    page.wait_for_url(f"**/antrag/{draft.pk}/haushalt/")
    assert page.locator('[name="personen"]').input_value() == "1"
    assert Case.objects.count() == 0
