"""Build and check XBezahldienste PaymentRequests (STANDARDS §4.2).

Pure functions: no ORM, no HTTP. The JSON Schema in `schemas/payment-request.schema.json`
holds the field limits; the client's requests are built to pass it and the stand-in uses
it to refuse requests that do not (VALIDATION_ERROR).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).parent / "schemas" / "payment-request.schema.json"
PURPOSE_MAX = 27
DESCRIPTION_MAX = 250
_NOT_IN_PURPOSE = re.compile(r"[^A-Za-z0-9\s-]+")
_TRANSLIT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


@cache
def payment_request_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = payment_request_schema()
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def payment_request_problems(payload: Any) -> list[str]:
    """Violations of the PaymentRequest schema, as "<pointer>: <message>" ([] when valid)."""
    problems = []
    for error in sorted(_validator().iter_errors(payload), key=lambda e: list(e.absolute_path)):
        pointer = "/" + "/".join(str(p) for p in error.absolute_path)
        problems.append(f"{pointer}: {error.message}")
    return problems


def ascii_text(text: str) -> str:
    """German text in the characters every payment service accepts (ä → ae, é → e)."""
    text = text.translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text


def purpose_text(title: str, suffix: str) -> str:
    """Verwendungszweck: `<title> <suffix>`, ≤27 chars of `^[\\w\\d\\s-]+$`; suffix kept whole."""
    suffix = _NOT_IN_PURPOSE.sub("", ascii_text(suffix))[:PURPOSE_MAX]
    room = PURPOSE_MAX - len(suffix) - 1
    head = " ".join(_NOT_IN_PURPOSE.sub(" ", ascii_text(title)).split())[: max(room, 0)].strip()
    return f"{head} {suffix}".strip() if head else suffix or "Gebuehr"


def _truncate(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _amount(value: Decimal) -> float:
    # JSON numbers: two decimals, exact for every amount below 999999.
    return float(Decimal(value).quantize(Decimal("0.01")))


def payment_request_build(
    *,
    request_id: str,
    fees: list[tuple[str, str, Decimal]],
    purpose: str,
    description: str,
    redirect_url: str,
    requestor: dict | None = None,
    booking_data: dict[str, dict[str, str]] | None = None,
    now: dt.datetime,
) -> dict:
    """A PaymentRequest for `fees` [(reference, description, amount)]; grosAmount = Σ items."""
    items = []
    for index, (reference, text, amount) in enumerate(fees, start=1):
        item = {
            "id": str(index),
            "reference": _truncate(reference, 100),
            "description": _truncate(text, 250),
            "taxRate": 0,
            "quantity": 1,
            "singleNetAmount": _amount(amount),
            "singleTaxAmount": 0,
            "totalNetAmount": _amount(amount),
            "totalTaxAmount": 0,
        }
        if booking_data and reference in booking_data:
            item["bookingData"] = dict(booking_data[reference])
        items.append(item)
    total = sum((Decimal(a).quantize(Decimal("0.01")) for _r, _t, a in fees), Decimal("0"))
    payload = {
        "requestId": request_id,
        "requestTimestamp": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "currency": "EUR",
        "grosAmount": _amount(total),
        "purpose": purpose,
        "description": _truncate(description, DESCRIPTION_MAX),
        "redirectUrl": redirect_url,
        "items": items,
    }
    requestor = _requestor(requestor or {})
    if requestor:
        payload["requestor"] = requestor
    return payload


def _requestor(data: dict) -> dict:
    out: dict[str, Any] = {}
    if data.get("name"):
        out["name"] = _truncate(data["name"], 200)
    if data.get("email") and len(data["email"]) <= 254:
        out["email"] = data["email"]
    address = {
        key: _truncate(value, limit)
        for key, limit in (
            ("street", 100),
            ("houseNumber", 20),
            ("postalCode", 10),
            ("city", 100),
        )
        if isinstance(value := (data.get("address") or {}).get(key), str) and value.strip()
    }
    if address:
        address["country"] = "DE"
        out["address"] = address
    return out
