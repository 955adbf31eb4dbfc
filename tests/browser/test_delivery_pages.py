"""FIT-Connect answers in Chromium with axe-core: after a case went through the stand-in
Zustelldienst, a rejection is shown to the clerk (case page, "Zustellung") and to the
citizen (status page), an acceptance on the citizen's status page; 0 violations on each."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from forms_engine.cases.pipeline import pipeline_run
from forms_engine.cases.status import case_status_url
from forms_engine.cases.tasks import fitconnect_events_poll
from forms_engine.catalog.models import Activation, Municipality
from forms_engine.transports.fitconnect import problem
from tests.transports import test_fitconnect_plugin as fc

from .conftest import assert_accessible
from .test_clerk import PASSWORD, log_in

standin = fc.standin  # the stand-in fixture: a loopback Zustelldienst with one destination


@pytest.fixture
def delivered_cases(library, standin, monkeypatch):
    from forms_engine.cases import tasks

    monkeypatch.setattr(tasks.case_process, "delay", lambda *args, **kwargs: None)
    musterstadt = Municipality.objects.get(slug="musterstadt")
    version = Activation.objects.get(
        process__identifier="hundesteuer-anmeldung", municipality=musterstadt
    ).version
    cases = [
        fc.file_case({"hundesteuer-anmeldung": version}, musterstadt, standin, key=key)
        for key in ("browser-reject", "browser-accept")
    ]
    for case in cases:
        pipeline_run(case_id=case.pk)
    received = {
        got["metadata"]["additionalReferenceInfo"]["senderReference"]: got
        for got in fc.receive(standin)
    }
    rejected, accepted = cases
    fc.decide(
        standin,
        received[rejected.reference],
        "reject",
        problems=[problem("hash-mismatch", "Prüfsumme falsch", "Anlage 2 passt nicht", "data")],
    )
    fc.decide(standin, received[accepted.reference], "accept")
    fitconnect_events_poll()
    clerk = get_user_model().objects.get(username="steuer")
    clerk.set_password(PASSWORD)
    clerk.save()
    return rejected, accepted


def test_delivery_answers_are_shown_accessibly(delivered_cases, live_server, page):
    rejected, accepted = delivered_cases

    page.goto(live_server.url + case_status_url(rejected))
    assert "Ihr Antrag konnte nicht zugestellt werden" in page.content()
    assert_accessible(page, "status page, delivery rejected")

    page.goto(live_server.url + case_status_url(accepted))
    assert "Ihr Antrag wurde vom Fachverfahren angenommen." in page.content()
    assert_accessible(page, "status page, delivery accepted")

    log_in(page, live_server.url)
    page.wait_for_url("**/sachbearbeitung/")
    page.goto(f"{live_server.url}/sachbearbeitung/faelle/{rejected.pk}/")
    assert "Prüfsumme falsch: Anlage 2 passt nicht" in page.content()
    assert_accessible(page, "clerk case page, delivery rejected")
    page.goto(f"{live_server.url}/sachbearbeitung/faelle/{accepted.pk}/")
    assert_accessible(page, "clerk case page, delivery accepted")
