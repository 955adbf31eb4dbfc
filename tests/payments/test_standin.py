"""The XBezahldienste stand-in: its validation problems (application/problem+json), its
status resource, and that it does not exist without ENABLE_DEMO_BACKENDS."""

from __future__ import annotations

import copy
import json
import uuid

import pytest

from forms_engine.payments.models import StandInTransaction

from .conftest import DOG

ARS = "099990000000"
URL = f"/xbezahldienste-stub/paymenttransaction/{DOG}/{ARS}"

REQUEST = {
    "requestId": "ozg-test-1",
    "requestTimestamp": "2026-05-01T10:15:00Z",
    "currency": "EUR",
    "grosAmount": 37.00,
    "purpose": "Hundesteuer 42",
    "description": "Gebühr",
    "redirectUrl": "http://testserver/zahlung/x/zurueck/",
    "items": [
        {
            "id": "1",
            "reference": "grund",
            "description": "Hundesteuer",
            "taxRate": 0,
            "quantity": 1,
            "singleNetAmount": 37.00,
            "singleTaxAmount": 0,
            "totalNetAmount": 37.00,
            "totalTaxAmount": 0,
        }
    ],
}


def _post(client, body, url=URL):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json")


def _problem(response) -> str:
    assert response["Content-Type"] == "application/problem+json"
    document = response.json()
    assert document["status"] == response.status_code
    assert document["detail"]
    return document["functionalCode"]


@pytest.fixture
def stub(settings, published_processes):
    settings.ENABLE_DEMO_BACKENDS = True


def test_a_valid_request_creates_an_initial_transaction(stub, client):
    response = _post(client, REQUEST)
    assert response.status_code == 201
    info = response.json()["paymentInformation"]
    assert info["status"] == "INITIAL"
    assert info["transactionRedirectUrl"].startswith("http://testserver/xbezahldienste-stub/")
    assert info["transactionUrl"] == f"http://testserver{URL}/{info['transactionId']}"
    assert response["Location"] == info["transactionUrl"]
    assert response.json()["paymentRequest"]["requestId"] == "ozg-test-1"
    status = client.get(f"{URL}/{info['transactionId']}")
    assert status.status_code == 200
    assert status.json()["paymentInformation"]["status"] == "INITIAL"


def test_unknown_originator_or_endpoint(stub, client):
    for url in (
        f"/xbezahldienste-stub/paymenttransaction/unbekannt/{ARS}",
        f"/xbezahldienste-stub/paymenttransaction/{DOG}/000000000000",
        f"/xbezahldienste-stub/paymenttransaction/{DOG}/{'x' * 37}",
    ):
        response = _post(client, REQUEST, url)
        assert response.status_code == 404
        assert _problem(response) == "NO_VALID_ORIGINATOR_OR_ENDPOINT"
    health = client.get(f"/xbezahldienste-stub/status/unbekannt/{ARS}")
    assert _problem(health) == "NO_VALID_ORIGINATOR_OR_ENDPOINT"
    assert client.get(f"/xbezahldienste-stub/status/{DOG}/{ARS}").json() == {"status": "UP"}


def test_a_request_id_twice_is_payment_exists(stub, client):
    assert _post(client, REQUEST).status_code == 201
    again = _post(client, REQUEST)
    assert again.status_code == 409
    assert _problem(again) == "PAYMENT_EXISTS"
    assert StandInTransaction.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"grosAmount": 38.00},
        {"grosAmount": 36.99},
        {"items": [{**REQUEST["items"][0], "totalNetAmount": 36.00}]},
        {"items": [{**REQUEST["items"][0], "quantity": 2}]},
    ],
)
def test_amounts_that_do_not_add_up_are_a_calculation_error(stub, client, change):
    response = _post(client, {**REQUEST, **change})
    assert response.status_code == 400
    assert _problem(response) == "CALCULATION_ERROR"


def test_empty_booking_data_is_booking_data_missing(stub, client):
    items = [{**REQUEST["items"][0], "bookingData": {"Haushaltsstelle": " "}}]
    response = _post(client, {**REQUEST, "items": items})
    assert _problem(response) == "BOOKING_DATA_MISSING"
    items = [{**REQUEST["items"][0], "bookingData": {"Haushaltsstelle": "1.2.3"}}]
    assert _post(client, {**REQUEST, "items": items}).status_code == 201


@pytest.mark.parametrize(
    "change",
    [
        {"purpose": "x" * 28},
        {"purpose": "Hundesteuer (2026)"},
        {"currency": "USD"},
        {"requestId": "a b"},
        {"requestId": "x" * 37},
        {"description": "x" * 251},
        {"grosAmount": 1000000},
        {"items": []},
        {"redirectUrl": "javascript:alert(1)"},
        {"unknown": 1},
    ],
)
def test_requests_outside_the_limits_are_a_validation_error(stub, client, change):
    response = _post(client, {**REQUEST, **change})
    assert response.status_code == 400
    assert _problem(response) == "VALIDATION_ERROR"


def test_a_body_that_is_not_json_is_a_validation_error(stub, client):
    assert _problem(_post(client, b"{nope")) == "VALIDATION_ERROR"


def test_a_transaction_under_another_originator_is_forbidden(stub, client):
    info = _post(client, REQUEST).json()["paymentInformation"]
    other = f"/xbezahldienste-stub/paymenttransaction/anwohnerparkausweis/{ARS}"
    response = client.get(f"{other}/{info['transactionId']}")
    assert response.status_code == 403
    assert _problem(response) == "FORBIDDEN"
    assert _problem(client.get(f"{URL}/{uuid.uuid4()}")) == "VALIDATION_ERROR"


def test_the_pay_page_redirects_back_without_a_status(stub, client):
    info = _post(client, REQUEST).json()["paymentInformation"]
    page = client.get(info["transactionRedirectUrl"])
    for label in ("Bezahlen (Kreditkarte)", "Abbrechen", "Fehler", "Timeout"):
        assert label in page.content.decode()
    response = client.post(info["transactionRedirectUrl"], {"action": "pay"})
    assert response["Location"] == REQUEST["redirectUrl"]
    done = client.get(info["transactionUrl"]).json()["paymentInformation"]
    assert done["status"] == "PAYED"
    assert done["transactionReference"].startswith("KZ-")
    assert done["paymentMethod"] == "CREDITCARD"
    assert "transactionRedirectUrl" not in done
    # Pressing another button afterwards changes nothing.
    client.post(info["transactionRedirectUrl"], {"action": "cancel"})
    assert client.get(info["transactionUrl"]).json()["paymentInformation"]["status"] == "PAYED"


def test_an_open_transaction_expires_to_failed(stub, client, settings):
    info = _post(client, REQUEST).json()["paymentInformation"]
    settings.PAYMENTS_STANDIN_TIMEOUT = 0
    done = client.get(info["transactionUrl"]).json()["paymentInformation"]
    assert (done["status"], done["statusDetail"]) == ("FAILED", "TIMEOUT")


def test_the_stand_in_is_not_there_without_demo_backends(client, published_processes):
    settings_off = copy.deepcopy(REQUEST)
    assert _post(client, settings_off).status_code == 404
    assert client.get(f"{URL}/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/xbezahldienste-stub/status/{DOG}/{ARS}").status_code == 404
    assert client.get(f"/xbezahldienste-stub/bezahlseite/{uuid.uuid4()}/").status_code == 404
    assert client.get("/xbezahldienste-stub/").status_code == 404
    assert StandInTransaction.objects.count() == 0


def test_the_demo_backend_refuses_without_demo_backends(published_processes):
    from forms_engine.payments import registry
    from forms_engine.payments.base import PaymentError

    with pytest.raises(PaymentError) as caught:
        registry.get("demo")(options={"originator_id": DOG, "end_point_id": ARS})
    assert caught.value.permanent
