"""The PaymentRequest the client sends against the JSON Schema of STANDARDS §4.2 — both
directions: what the engine builds passes, what breaks a limit fails."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from forms_engine.payments.payment_request import (
    payment_request_build,
    payment_request_problems,
    purpose_text,
)
from forms_engine.payments.services import payment_start

from .conftest import make_draft, sample_answers

RETURN = "http://testserver/zahlung/return/"


def test_the_request_the_engine_sends_is_valid(demo, draft):
    payment_start(draft=draft, return_url=RETURN)
    sent = demo.requests("POST")[0]["json"]
    assert payment_request_problems(sent) == []
    assert sent["currency"] == "EUR"
    assert sent["grosAmount"] == 96.0 == sum(i["totalNetAmount"] for i in sent["items"])
    assert len(sent["requestId"]) <= 36
    assert len(sent["purpose"]) <= 27
    assert sent["items"][0] | {"bookingData": None} == {
        "id": "1",
        "reference": "grund",
        "description": "Hundesteuer (erstes Jahr)",
        "taxRate": 0,
        "quantity": 1,
        "singleNetAmount": 96.0,
        "singleTaxAmount": 0,
        "totalNetAmount": 96.0,
        "totalTaxAmount": 0,
        "bookingData": None,
    }
    assert sent["redirectUrl"].startswith(RETURN + "?zahlung=")
    assert sent["requestor"] == {
        "name": "Erika Mustermann",
        "email": "erika.mustermann@example.org",
        "address": {
            "street": "Hauptstraße",
            "houseNumber": "12a",
            "postalCode": "99999",
            "city": "Musterstadt",
            "country": "DE",
        },
    }


def test_every_shipped_process_builds_a_valid_request(demo, published_processes, musterstadt):
    from forms_engine.payments.models import PaymentTransaction
    from forms_engine.payments.services import payment_required_amount
    from tests.conftest import ANSWER_FIXTURES, load_sample

    sent_count = 0
    for version in published_processes.values():
        for path in sorted((ANSWER_FIXTURES / version.process.identifier).glob("valid-*.json")):
            draft = make_draft(version, musterstadt, load_sample(path)["answers"])
            # Signed in as the start page demands (processes with identity.level "hoch").
            draft.identity_level, draft.identity_bpk2 = "hoch", "bpk2-test"
            draft.save(update_fields=["identity_level", "identity_bpk2"])
            if payment_required_amount(draft=draft) is None:
                continue  # e.g. a fee exemption
            payment_start(draft=draft, return_url=RETURN)
            sent_count += 1
            assert payment_request_problems(demo.requests("POST")[-1]["json"]) == [], path.name
            assert demo.requests("POST")[-1]["status"] == 201, path.name
    assert sent_count >= 5
    assert PaymentTransaction.objects.filter(status="FAILED").count() == 0


def test_a_listenhund_request_has_two_items_that_add_up(demo, dog_version, musterstadt):
    draft = make_draft(dog_version, musterstadt, sample_answers("valid-listenhund-mit-lastschrift"))
    payment_start(draft=draft, return_url=RETURN)
    sent = demo.requests("POST")[0]["json"]
    assert [i["totalNetAmount"] for i in sent["items"]] == [96.0, 504.0]
    assert sent["grosAmount"] == 600.0


def _built(**overrides):
    payload = payment_request_build(
        request_id="ozg-1",
        fees=[("grund", "Hundesteuer", Decimal("96.00"))],
        purpose="Hundesteuer 1",
        description="Hundesteuer",
        redirect_url="https://portal.example/r",
        now=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
    )
    return {**payload, **overrides}


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"requestId": "x" * 37}, "/requestId"),
        ({"requestId": "ozg 1"}, "/requestId"),
        ({"purpose": "x" * 28}, "/purpose"),
        ({"purpose": "Gebühr: 1/2"}, "/purpose"),
        ({"currency": "EURO"}, "/currency"),
        ({"grosAmount": 1000000}, "/grosAmount"),
        ({"description": "x" * 251}, "/description"),
        ({"redirectUrl": "x" * 2083}, "/redirectUrl"),
        ({"items": []}, "/items"),
        ({"items": [_built()["items"][0]] * 100}, "/items"),
        ({"requestor": {"email": "kein-at"}}, "/requestor/email"),
    ],
)
def test_the_schema_refuses_what_breaks_a_limit(change, pointer):
    problems = payment_request_problems(_built(**change))
    assert problems and problems[0].startswith(pointer), problems


def test_the_purpose_is_at_most_27_plain_characters():
    purpose = purpose_text("Anmeldung eines Hundes zur Hundesteuer (Gemeinde Süd)", "AB12CD34")
    assert len(purpose) <= 27
    assert purpose.endswith(" AB12CD34")
    assert purpose == "Anmeldung eines Hu AB12CD34"
    assert payment_request_problems(_built(purpose=purpose)) == []
    assert purpose_text("Übergröße", "1") == "Uebergroesse 1"
