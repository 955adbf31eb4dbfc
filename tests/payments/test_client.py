"""The `xbezahldienste` client against any endpoint: requests it sends, answers and
problems it reads, credentials by environment variable name, options schema."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal

import pytest

from forms_engine.payments import http, registry
from forms_engine.payments.base import PaymentError
from forms_engine.payments.payment_request import payment_request_build

OPTIONS = {
    "base_url": "https://pay.example/api/v1/",
    "originator_id": "12002312",
    "end_point_id": "MELD-ANT-FORM-4711",
}


class Canned:
    def __init__(self, status, body, content_type="application/json"):
        self.response = http.HttpResponse(
            status,
            {"Content-Type": content_type},
            body if isinstance(body, bytes) else json.dumps(body).encode(),
        )
        self.seen = []

    def __call__(self, method, url, *, headers, body=None, timeout=10.0):
        self.seen.append((method, url, dict(headers), body, timeout))
        return self.response


def _provider(transport, **options):
    return registry.get("xbezahldienste")(options={**OPTIONS, **options}, transport=transport)


def _payload():
    return payment_request_build(
        request_id="ozg-1",
        fees=[("grund", "Hundesteuer", Decimal("96.00"))],
        purpose="Hundesteuer 1",
        description="Hundesteuer",
        redirect_url="https://portal.example/zahlung/1/zurueck/",
        now=dt.datetime(2026, 5, 1, 10, 15, tzinfo=dt.UTC),
    )


def _answer(status="INITIAL", **info):
    return {
        "paymentRequest": _payload(),
        "paymentInformation": {
            "transactionId": "9xxd-432x",
            "transactionUrl": "https://pay.example/api/v1/paymenttransaction/a/b/9xxd-432x",
            "transactionRedirectUrl": "https://pay.example/paypage/9xxd-432x",
            "status": status,
            **info,
        },
    }


def test_create_posts_the_payment_request_to_the_standard_path():
    canned = Canned(201, _answer())
    answer = _provider(canned, timeout=5).create(request_payload=_payload())
    method, url, headers, body, timeout = canned.seen[0]
    assert (method, url, timeout) == (
        "POST",
        "https://pay.example/api/v1/paymenttransaction/12002312/MELD-ANT-FORM-4711",
        5.0,
    )
    assert headers["Content-Type"] == "application/json"
    assert "Authorization" not in headers
    assert json.loads(body) == _payload()
    assert (answer.transaction_id, answer.status) == ("9xxd-432x", "INITIAL")
    assert answer.redirect_url == "https://pay.example/paypage/9xxd-432x"


def test_status_gets_the_transaction_and_maps_booked_to_payed():
    canned = Canned(
        200, _answer("BOOKED", transactionReference="KZ-2026-7", paymentMethod="GIROPAY")
    )
    answer = _provider(canned).status(transaction_id="9xxd-432x")
    assert canned.seen[0][:2] == (
        "GET",
        "https://pay.example/api/v1/paymenttransaction/12002312/MELD-ANT-FORM-4711/9xxd-432x",
    )
    assert (answer.status, answer.reference, answer.method) == ("PAYED", "KZ-2026-7", "GIROPAY")


def test_an_unknown_status_is_treated_as_still_open():
    answer = _provider(Canned(200, _answer("PENDING"))).status(transaction_id="t")
    assert (answer.status, answer.status_detail) == ("INITIAL", "PENDING")


@pytest.mark.parametrize(
    ("status", "problem", "expected", "permanent"),
    [
        (
            404,
            {"functionalCode": "NO_VALID_ORIGINATOR_OR_ENDPOINT"},
            "NO_VALID_ORIGINATOR_OR_ENDPOINT",
            True,
        ),
        (
            400,
            {"functionalCode": "NO_VALID_ORIGINATOR_OR_DESTINATION"},
            "NO_VALID_ORIGINATOR_OR_ENDPOINT",
            True,
        ),
        (409, {"type": "https://x.example/problems/PAYMENT_EXISTS"}, "PAYMENT_EXISTS", True),
        (
            400,
            {"functionalCode": "CALCULATION_ERROR", "functionalText": "Summe"},
            "CALCULATION_ERROR",
            True,
        ),
        (400, {"functionalCode": "BOOKING_DATA_MISSING"}, "BOOKING_DATA_MISSING", True),
        (400, {"functionalCode": "VALIDATION_ERROR"}, "VALIDATION_ERROR", True),
        (403, {}, "FORBIDDEN", True),
        (500, {"functionalCode": "UNSPECIFIED"}, "UNSPECIFIED", False),
        (503, {}, "UNSPECIFIED", False),
    ],
)
def test_problems_become_payment_errors(status, problem, expected, permanent):
    canned = Canned(status, problem, "application/problem+json")
    with pytest.raises(PaymentError) as caught:
        _provider(canned).create(request_payload=_payload())
    assert (caught.value.problem_type, caught.value.permanent) == (expected, permanent)
    assert caught.value.message.startswith("Der Bezahldienst")
    assert caught.value.message_en.startswith("The payment service")


def test_an_unreadable_answer_is_a_transient_error():
    with pytest.raises(PaymentError) as caught:
        _provider(Canned(200, b"<html>", "text/html")).status(transaction_id="t")
    assert not caught.value.permanent


def test_a_network_error_is_a_transient_error():
    def refused(*args, **kwargs):
        raise OSError("refused")

    with pytest.raises(PaymentError) as caught:
        _provider(refused).status(transaction_id="t")
    assert not caught.value.permanent


def test_urllib_transport_only_speaks_http():
    with pytest.raises(OSError):
        http.urllib_transport("GET", "file:///etc/passwd", headers={})


def test_credentials_come_from_the_named_environment_variables(monkeypatch):
    monkeypatch.setenv("PAY_ID", "client")
    monkeypatch.setenv("PAY_SECRET", "s3cret")
    canned = Canned(200, _answer())
    _provider(canned, client_id_env="PAY_ID", client_secret_env="PAY_SECRET").status(
        transaction_id="t"
    )
    expected = base64.b64encode(b"client:s3cret").decode()
    assert canned.seen[0][2]["Authorization"] == f"Basic {expected}"


def test_missing_credentials_are_a_permanent_error(monkeypatch):
    monkeypatch.delenv("PAY_SECRET", raising=False)
    with pytest.raises(PaymentError) as caught:
        _provider(
            Canned(200, _answer()), client_id_env="PAY_ID", client_secret_env="PAY_SECRET"
        ).status(transaction_id="t")
    assert (caught.value.problem_type, caught.value.permanent) == ("FORBIDDEN", True)


def test_booking_data_from_the_options_goes_into_the_items():
    canned = Canned(201, _answer())
    booking = {"grund": {"Haushaltsstelle": "1.2.3", "Objektnummer": "42"}}
    _provider(canned, booking_data=booking).create(request_payload=_payload())
    assert json.loads(canned.seen[0][3])["items"][0]["bookingData"] == booking["grund"]


def test_options_are_checked_against_the_schema():
    assert registry.validate_options("xbezahldienste", OPTIONS) == []
    assert registry.validate_options("xbezahldienste", {**OPTIONS, "client_secret": "x"})
    assert registry.validate_options("xbezahldienste", {**OPTIONS, "originator_id": "a b"})
    assert registry.validate_options("xbezahldienste", {"base_url": "ftp://x"})
    assert registry.validate_options("demo", {"originator_id": "x", "end_point_id": "1"}) == []
    assert registry.validate_options("demo", {"base_url": "https://elsewhere.example"})
    assert set(registry) >= {"demo", "xbezahldienste"}
