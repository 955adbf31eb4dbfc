"""The case page and the inbox show identity (level, means, confirmed data) and payment."""

from decimal import Decimal

import pytest

from forms_engine.cases.models import Case
from forms_engine.cases.postbox import message_send_to_citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def identified_case(hund_case):
    Case.objects.filter(pk=hund_case.pk).update(
        identity_level="substanziell",
        identity_means="ELSTER-Zertifikat",
        identity_bpk2="bPK2-SEHR-GEHEIM",
        identity_attributes={"given_name": "Erika", "birth_date": "1964-08-12"},
        payment_status="PAYED",
        payment_amount=Decimal("96.00"),
        payment_reference="KZ-4711",
        payment_method="giropay",
        payment_transaction_id="tx-42",
    )
    hund_case.refresh_from_db()
    return hund_case


def test_the_case_page_shows_identity_and_payment(identified_case, steuer_client):
    page = steuer_client.get(f"/sachbearbeitung/faelle/{identified_case.pk}/").content.decode()

    for expected in (
        "substanziell",
        "ELSTER-Zertifikat",
        "Erika",
        "12.08.1964",
        "bezahlt",
        "96,00",
        "KZ-4711",
        "giropay",
        "tx-42",
    ):
        assert expected in page, expected
    assert "SEHR-GEHEIM" not in page


def test_an_unidentified_unpaid_case_says_so(hund_case, steuer_client):
    page = steuer_client.get(f"/sachbearbeitung/faelle/{hund_case.pk}/").content.decode()

    assert 'id="identity-level">keine' in page
    # Hundesteuer requires payment; a case filed without the online payment is invoiced.
    assert "Rechnung folgt" in page
    assert 'id="payment-reference">–<' in page  # no Kassenzeichen before the invoice


def test_the_inbox_shows_the_payment_status(identified_case, steuer_client):
    page = steuer_client.get("/sachbearbeitung/").content.decode()
    assert 'data-payment="PAYED">bezahlt' in page


def test_the_case_page_has_the_message_form_until_the_case_is_closed(
    hund_case, clerk_steuer, steuer_client
):
    url = f"/sachbearbeitung/faelle/{hund_case.pk}/"
    assert 'id="message-form"' in steuer_client.get(url).content.decode()
    message_send_to_citizen(case=hund_case, author=clerk_steuer, subject="", body="Frage")
    page = steuer_client.get(url).content.decode()
    assert "Frage" in page and "noch nicht gelesen" in page

    Case.objects.filter(pk=hund_case.pk).update(status=Case.Status.APPROVED)
    assert 'id="message-form"' not in steuer_client.get(url).content.decode()
