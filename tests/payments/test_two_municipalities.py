"""Issue 8's first acceptance point, paid online: two municipalities offer one shared
version at different fees; a citizen of each pays its own amount on the payment stand-in,
and the case lands in its own authority with that payment.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from forms_engine.catalog.services import process_version_create_draft, process_version_publish
from forms_engine.payments.models import PaymentStatus, PaymentTransaction, StandInTransaction
from tests.catalog.test_activation_parameters import EXAMPLE, PROCESS_ID, SAMPLES, _activate
from tests.catalog.test_activation_parameters import _municipality as municipality_with_authority
from tests.citizen.flow import Flow

pytestmark = pytest.mark.django_db

FEES = {"hafenstadt": "120.00", "bergdorf": "45.50"}


@pytest.fixture
def paid_towns(published_processes):
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    doc["id"] = PROCESS_ID
    doc["payment"]["policy"] = "required"
    process_version_publish(version=process_version_create_draft(doc=doc))
    hafen, hafen_amt = municipality_with_authority("hafenstadt", "Hafenstadt", "099990000101")
    berg, berg_amt = municipality_with_authority("bergdorf", "Bergdorf", "099990000102")
    zones = [{"value": "d", "label": {"de": "Zone D – Hafen"}}]
    return {
        "hafenstadt": _activate(
            hafen, hafen_amt, {"ort": "Hafenstadt", "gebuehr": FEES["hafenstadt"], "zonen": zones}
        ),
        "bergdorf": _activate(berg, berg_amt, {"ort": "Bergdorf", "gebuehr": FEES["bergdorf"]}),
    }


def test_a_citizen_of_each_municipality_pays_its_own_amount(client, demo, paid_towns):
    for slug, fee in FEES.items():
        result = Flow(client, PROCESS_ID, municipality_slug=slug).run(SAMPLES[slug])
        assert result.case_reference, result.pointers
        case = result.draft.submitted_case

        assert case.municipality == paid_towns[slug].municipality
        assert case.authority == paid_towns[slug].authority
        assert case.payment_status == PaymentStatus.PAYED
        assert case.payment_amount == Decimal(fee)
        [payment] = PaymentTransaction.objects.filter(case=case)
        assert payment.amount == Decimal(fee)
        assert payment.status == PaymentStatus.PAYED
        # What the payment provider was asked to collect: this municipality's fee.
        request = StandInTransaction.objects.get(request_id=payment.request_id).payment_request
        assert Decimal(str(request["grosAmount"])) == Decimal(fee)
    amounts = set(PaymentTransaction.objects.values_list("amount", flat=True))
    assert amounts == {Decimal(fee) for fee in FEES.values()}
