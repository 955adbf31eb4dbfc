"""`xbezahldienste`: a client for any XBezahldienste v1.0 endpoint (STANDARDS §4.2).

Options (the municipality's binding, `Activation.payment_options`):
`base_url` (up to, not including, `/paymenttransaction`), `originator_id`, `end_point_id`,
optionally `client_id_env` / `client_secret_env` (names of environment variables with the
client credentials, sent as HTTP Basic auth), `timeout` (seconds) and `booking_data`
(`{fee id: {key: value}}`, e.g. Haushaltsstelle/Objektnummer, copied into the items).
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any
from urllib.parse import quote

from django.utils.translation import gettext_lazy as _

from .. import http
from ..base import (
    CANCELED,
    FAILED,
    INITIAL,
    PAYED,
    PROBLEM_TYPES,
    PaymentError,
    PaymentProvider,
    ProviderTransaction,
    registry,
)

_ID = {"type": "string", "minLength": 1, "maxLength": 36, "pattern": "^[\\w\\d-]+$"}
_ENV = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "maxLength": 100}


def titled(schema: dict, title: str, title_en: str) -> dict:
    """`schema` with the label the admin form shows (German `title`, English `x-en`)."""
    return {**schema, "title": title, "x-en": {"title": title_en}}


# The problem type's name before v1.0.
_ALIASES = {"NO_VALID_ORIGINATOR_OR_DESTINATION": "NO_VALID_ORIGINATOR_OR_ENDPOINT"}

# Statuses other wordings use for the same states (FIT-Connect metadata 1.0.0 says BOOKED).
_STATUS = {
    "INITIAL": INITIAL,
    "PAYED": PAYED,
    "PAID": PAYED,
    "BOOKED": PAYED,
    "CANCELED": CANCELED,
    "CANCELLED": CANCELED,
    "FAILED": FAILED,
}


@registry("xbezahldienste")
class XBezahldiensteProvider(PaymentProvider):
    label = _("XBezahldienste (z. B. ePayBL, pmPayment)")
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["base_url", "originator_id", "end_point_id"],
        "properties": {
            "base_url": titled(
                {"type": "string", "pattern": "^https?://[^\\s]+$", "maxLength": 500},
                "Basis-URL (bis vor /paymenttransaction)",
                "Base URL (up to /paymenttransaction)",
            ),
            "originator_id": titled(_ID, "Originator-ID (Bewirtschafter)", "Originator ID"),
            "end_point_id": titled(_ID, "Endpoint-ID", "Endpoint ID"),
            "client_id_env": titled(
                _ENV,
                "Umgebungsvariable mit der Client-ID",
                "Environment variable holding the client id",
            ),
            "client_secret_env": titled(
                _ENV,
                "Umgebungsvariable mit dem Client-Secret",
                "Environment variable holding the client secret",
            ),
            "timeout": titled(
                {"type": "number", "minimum": 1, "maximum": 60},
                "Zeitlimit (Sekunden)",
                "Timeout (seconds)",
            ),
            "booking_data": titled(
                {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                    },
                },
                "Buchungsdaten je Gebühr (JSON: Gebühren-ID → Schlüssel → Wert)",
                "Booking data per fee (JSON: fee id → key → value)",
            ),
        },
    }

    # --- hooks ---------------------------------------------------------------------------

    def create(self, *, request_payload: dict[str, Any]) -> ProviderTransaction:
        """POST the PaymentRequest to `/paymenttransaction/{originatorId}/{endPointId}`."""
        payload = self._with_booking_data(request_payload)
        response = self._send(
            "POST",
            self._collection_url(),
            body=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        )
        if response.status not in (200, 201):
            raise self._problem(response)
        return self._transaction(response)

    def status(self, *, transaction_id: str) -> ProviderTransaction:
        """GET `/paymenttransaction/{originatorId}/{endPointId}/{transactionId}`."""
        url = f"{self._collection_url()}/{quote(transaction_id, safe='')}"
        response = self._send("GET", url)
        if response.status != 200:
            raise self._problem(response)
        return self._transaction(response)

    # --- helpers -------------------------------------------------------------------------

    def _base_url(self) -> str:
        return str(self.options["base_url"]).rstrip("/")

    def _collection_url(self) -> str:
        originator = quote(str(self.options["originator_id"]), safe="")
        end_point = quote(str(self.options["end_point_id"]), safe="")
        return f"{self._base_url()}/paymenttransaction/{originator}/{end_point}"

    def _with_booking_data(self, payload: dict[str, Any]) -> dict[str, Any]:
        booking = self.options.get("booking_data") or {}
        if not booking:
            return payload
        items = []
        for item in payload.get("items", []):
            data = booking.get(item.get("reference"))
            items.append({**item, "bookingData": dict(data)} if data else item)
        return {**payload, "items": items}

    def _headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/json, application/problem+json",
            "Content-Type": "application/json",
        }
        id_env, secret_env = (
            self.options.get("client_id_env"),
            self.options.get("client_secret_env"),
        )
        if id_env or secret_env:
            client_id, secret = os.environ.get(id_env or ""), os.environ.get(secret_env or "")
            if not client_id or not secret:
                raise PaymentError(
                    "Die Zugangsdaten des Bezahldienstes sind nicht eingerichtet.",
                    "The payment service's client credentials are not configured.",
                    permanent=True,
                    problem_type="FORBIDDEN",
                )
            token = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        return headers

    def _send(self, method: str, url: str, *, body: bytes | None = None) -> http.HttpResponse:
        try:
            return http.send(
                method,
                url,
                headers=self._headers(),
                body=body,
                timeout=float(self.options.get("timeout", 10)),
                transport=self.transport,
            )
        except OSError as error:
            raise PaymentError(
                "Der Bezahldienst ist gerade nicht erreichbar.",
                "The payment service cannot be reached right now.",
                permanent=False,
            ) from error

    def _transaction(self, response: http.HttpResponse) -> ProviderTransaction:
        try:
            document = response.json()
            info = document["paymentInformation"]
            transaction_id = str(info["transactionId"])
        except (ValueError, KeyError, TypeError) as error:
            raise PaymentError(
                "Der Bezahldienst hat unverständlich geantwortet.",
                "The payment service sent an answer that cannot be read.",
                permanent=False,
            ) from error
        raw_status = str(info.get("status") or "").upper()
        status = _STATUS.get(raw_status, INITIAL)
        return ProviderTransaction(
            transaction_id=transaction_id,
            status=status,
            redirect_url=str(info.get("transactionRedirectUrl") or ""),
            status_url=str(info.get("transactionUrl") or ""),
            reference=str(info.get("transactionReference") or ""),
            method=str(info.get("paymentMethod") or ""),
            status_detail=str(
                info.get("statusDetail") or ("" if raw_status in _STATUS else raw_status)
            ),
            raw=document,
        )

    def _problem(self, response: http.HttpResponse) -> PaymentError:
        problem: dict[str, Any] = {}
        if response.content_type in ("application/problem+json", "application/json"):
            try:
                loaded = response.json()
                problem = loaded if isinstance(loaded, dict) else {}
            except ValueError:
                problem = {}
        code = _ALIASES.get(c := str(problem.get("functionalCode") or "").upper(), c)
        if code not in PROBLEM_TYPES:
            tail = str(problem.get("type") or "").rstrip("/").rsplit("/", 1)[-1].upper()
            tail = _ALIASES.get(tail.rsplit(":", 1)[-1], tail.rsplit(":", 1)[-1])
            code = tail if tail in PROBLEM_TYPES else ""
        if not code:
            code = "FORBIDDEN" if response.status in (401, 403) else "UNSPECIFIED"
        detail = str(problem.get("functionalText") or problem.get("detail") or "").strip()
        transient = response.status >= 500 or response.status in (408, 429)
        return PaymentError(
            f"Der Bezahldienst hat die Anfrage abgelehnt ({code}, HTTP {response.status})"
            + (f": {detail}" if detail else "."),
            f"The payment service refused the request ({code}, HTTP {response.status})"
            + (f": {detail}" if detail else "."),
            permanent=not transient,
            problem_type=code,
        )
