"""The pages of a draft whose version was retired: the grace notice and, after the grace
period, the refusal on the pay page are accessible (axe-core, zero violations)."""

import datetime as dt

from django.utils import timezone

from forms_engine.catalog.services import process_version_retire

from .conftest import assert_accessible
from .test_payment import browser_draft, demo_payments  # noqa: F401 - fixtures


def test_grace_notice_and_refusal_pages_are_accessible(
    demo_payments,  # noqa: F811 - fixture
    browser_draft,  # noqa: F811 - fixture
    live_server,
    page,
):
    draft = browser_draft
    version = draft.process_version
    process_version_retire(version=version)
    page.goto(f"{live_server.url}/antrag/{draft.pk}/zusammenfassung/")
    assert "bis zum" in page.locator("#version-notice").inner_text()
    assert_accessible(page, "summary with grace notice")

    # A retired row is frozen (no second retire): end the grace by a raw update (test only).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_processversion SET submit_until = %s WHERE id = %s",
            [timezone.now() - dt.timedelta(days=1), version.pk],
        )
    page.goto(f"{live_server.url}/zahlung/{draft.pk}/")
    assert page.locator("#btn-pay").count() == 0
    assert "zurückgezogen" in page.locator("#version-refusal").inner_text()
    assert_accessible(page, "pay overview refused")
