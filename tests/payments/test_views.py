"""The citizen's pay pages: fee overview, "Jetzt bezahlen", the return endpoint."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages

from forms_engine.payments import services
from forms_engine.payments.models import PaymentStatus, PaymentTransaction

from .conftest import pay_on_standin


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_overview_lists_the_fees_of_the_answers(demo, client, session_draft):
    response = client.get(f"/zahlung/{session_draft.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Hundesteuer (erstes Jahr)" in page
    assert (
        '<td class="kern-table__cell kern-table__cell--numeric" id="payment-total">96,00 €' in page
    )
    assert "Jetzt bezahlen" in page
    # The form may post to the payment service's origin (a redirect to it after the POST).
    assert "form-action 'self' http://testserver;" in response["Content-Security-Policy"]


def test_pages_of_a_draft_of_another_session_are_404(demo, other_client, session_draft):
    assert other_client.get(f"/zahlung/{session_draft.pk}/").status_code == 404
    assert other_client.post(f"/zahlung/{session_draft.pk}/").status_code == 404
    assert other_client.get(f"/zahlung/{session_draft.pk}/zurueck/").status_code == 404
    assert not PaymentTransaction.objects.exists()


def test_a_crafted_amount_in_the_request_is_ignored(demo, client, session_draft):
    response = client.post(
        f"/zahlung/{session_draft.pk}/",
        {"amount": "0.01", "grosAmount": "0.01", "betrag": "1"},
    )
    assert response.status_code == 302
    assert "/xbezahldienste-stub/bezahlseite/" in response["Location"]
    tx = PaymentTransaction.objects.get(draft=session_draft)
    assert tx.amount == Decimal("96.00")
    assert demo.requests("POST")[0]["json"]["grosAmount"] == 96.0


def test_paying_and_coming_back_lands_on_the_submit_page(demo, client, session_draft):
    pay_url = client.post(f"/zahlung/{session_draft.pk}/")["Location"]
    back = pay_on_standin(demo, pay_url, "pay")
    response = client.get(urlsplit(back).path + "?" + urlsplit(back).query)
    assert response.status_code == 302
    assert response["Location"] == f"/antrag/{session_draft.pk}/absenden/"
    assert _messages(response) == ["Vielen Dank, Ihre Zahlung ist eingegangen."]
    overview = client.get(f"/zahlung/{session_draft.pk}/").content.decode()
    assert 'id="payment-paid"' in overview
    assert "Kassenzeichen: KZ-" in overview
    assert "Jetzt bezahlen" not in overview


def test_cancelling_says_so_and_offers_paying_again(demo, client, session_draft):
    pay_url = client.post(f"/zahlung/{session_draft.pk}/")["Location"]
    back = pay_on_standin(demo, pay_url, "cancel")
    response = client.get(urlsplit(back).path + "?" + urlsplit(back).query)
    assert _messages(response) == ["Sie haben die Zahlung abgebrochen. Es wurde nichts abgebucht."]
    assert PaymentTransaction.objects.get().status == PaymentStatus.CANCELED
    assert "Jetzt bezahlen" in client.get(f"/zahlung/{session_draft.pk}/").content.decode()


def test_failing_says_so(demo, client, session_draft):
    pay_url = client.post(f"/zahlung/{session_draft.pk}/")["Location"]
    back = pay_on_standin(demo, pay_url, "fail")
    response = client.get(urlsplit(back).path + "?" + urlsplit(back).query)
    assert _messages(response)[0].startswith("Die Zahlung ist fehlgeschlagen.")


def test_messages_show_on_the_overview(demo, client, session_draft):
    client.get(f"/zahlung/{session_draft.pk}/zurueck/?zahlung=00000000-0000-0000-0000-000000000000")
    page = client.get(f"/zahlung/{session_draft.pk}/").content.decode()
    assert "Dieser Zahlungsvorgang gehört nicht zu Ihrem Antrag." in page


def test_without_online_payment_the_overview_says_invoice(client, session_draft):
    page = client.get(f"/zahlung/{session_draft.pk}/").content.decode()
    assert 'id="payment-offline"' in page
    assert "Jetzt bezahlen" not in page
    response = client.post(f"/zahlung/{session_draft.pk}/")
    assert response.status_code == 502
    assert 'id="payment-error"' in response.content.decode()


def pay(demo, draft):
    from urllib.parse import parse_qs, urlsplit

    pay_url = services.payment_start(draft=draft, return_url="http://testserver/zurueck/")
    back = pay_on_standin(demo, pay_url, "pay")
    transaction_id = parse_qs(urlsplit(back).query)["zahlung"][0]
    return services.payment_return(draft=draft, transaction_id=transaction_id)


def test_a_submitted_draft_goes_to_its_confirmation(demo, client, session_draft):
    from forms_engine.cases.services import draft_submit

    pay(demo, session_draft)
    draft_submit(draft=session_draft, declarations=["wahrheit", "datenschutz"])
    response = client.get(f"/zahlung/{session_draft.pk}/")
    assert response["Location"] == f"/antrag/{session_draft.pk}/bestaetigung/"


def test_the_overview_in_english(demo, client, session_draft):
    client.cookies["django_language"] = "en"
    page = client.get(f"/zahlung/{session_draft.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Pay fees" in page
    assert "Pay now" in page
    assert "Dog tax (first year)" in page
    assert "€96.00" in page


def test_an_unpaid_required_fee_sends_the_citizen_to_pay_and_blocks_submitting(
    demo, client, session_draft
):
    from forms_engine.cases.exceptions import SubmissionRefused
    from forms_engine.cases.models import Case
    from forms_engine.cases.services import draft_submit

    page = client.get(f"/antrag/{session_draft.pk}/absenden/")
    with pytest.raises(SubmissionRefused) as refused:
        draft_submit(draft=session_draft, declarations=["wahrheit", "datenschutz"])

    assert page.status_code == 302 and page["Location"] == f"/zahlung/{session_draft.pk}/"
    assert refused.value.code == "payment_required"
    assert Case.objects.count() == 0


def test_a_paid_fee_is_recorded_on_the_case(demo, client, session_draft):
    from forms_engine.cases.models import PaymentStatus as CasePaymentStatus
    from forms_engine.cases.services import draft_submit

    paid = pay(demo, session_draft)
    case = draft_submit(draft=session_draft, declarations=["wahrheit", "datenschutz"])

    case.refresh_from_db()
    assert case.payment_status == CasePaymentStatus.PAYED
    assert case.payment_reference == paid.reference and case.payment_amount == paid.amount
