"""The base class of payment plugins, what they answer, and the one error they raise.

The engine speaks XBezahldienste (STANDARDS §4) with every provider: the service builds a
PaymentRequest (see `payment_request.py`), a plugin POSTs it to its provider and GETs the
status of the transaction later. The redirect back from the provider's pay page never
carries a trustworthy result, so a plugin has no hook for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from forms_engine.core.registry import Registry

registry = Registry("payments")

#: XBezahldienste v1.0 status model (STANDARDS §4.3).
INITIAL, PAYED, CANCELED, FAILED = "INITIAL", "PAYED", "CANCELED", "FAILED"
FINAL_STATUSES = frozenset({PAYED, CANCELED, FAILED})

#: XBezahldienste problem types (`application/problem+json`).
PROBLEM_TYPES = (
    "NO_VALID_ORIGINATOR_OR_ENDPOINT",
    "PAYMENT_EXISTS",
    "CALCULATION_ERROR",
    "BOOKING_DATA_MISSING",
    "VALIDATION_ERROR",
    "UNSPECIFIED",
    "FORBIDDEN",
)


class PaymentError(Exception):
    """The provider refused or could not be reached.

    `permanent=True`: asking again with the same request cannot help (a problem such as
    CALCULATION_ERROR or NO_VALID_ORIGINATOR_OR_ENDPOINT, misconfigured options).
    `permanent=False`: try again later (timeout, connection refused, 5xx).
    `problem_type` is the XBezahldienste problem type when the provider sent one.
    """

    def __init__(
        self,
        message: str,
        message_en: str = "",
        *,
        permanent: bool = False,
        problem_type: str = "UNSPECIFIED",
    ):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        self.permanent = permanent
        self.problem_type = problem_type


@dataclass(frozen=True)
class ProviderTransaction:
    """A provider's view of one transaction (XBezahldienste `paymentInformation`)."""

    transaction_id: str
    status: str
    #: The pay page for the citizen (`transactionRedirectUrl`); empty once settled.
    redirect_url: str = ""
    #: The REST status URL (`transactionUrl`).
    status_url: str = ""
    #: Kassenzeichen (`transactionReference`), assigned on success.
    reference: str = ""
    method: str = ""
    status_detail: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


class PaymentProvider:
    """A payment service. Subclass and register with `@registry("id")`.

    One instance per call, built with the binding's options (the Activation's
    `payment_options`, validated against `options_schema`) and an HTTP transport
    (`forms_engine.payments.http`; tests inject one that routes to the test server).
    """

    plugin_id: ClassVar[str]
    #: What an administrator chooses (German msgid, translated); the id if empty.
    label: ClassVar[Any] = ""
    #: Only offered for new bindings where settings.ENABLE_DEMO_BACKENDS is on.
    demo: ClassVar[bool] = False
    #: JSON Schema of `Activation.payment_options` for this plugin. Secrets never appear
    #: in options, only the names of environment variables holding them. Each property
    #: may carry `title` (German) and `x-en.title`: the admin form's field labels.
    options_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False}

    def __init__(self, *, options: dict[str, Any] | None = None, transport=None):
        self.options = options or {}
        self.transport = transport

    def create(self, *, request_payload: dict[str, Any]) -> ProviderTransaction:
        """Create a transaction for `request_payload` (an XBezahldienste PaymentRequest).

        Contract:
        - Return the provider's transaction, normally INITIAL with a `redirect_url` (the
          pay page the citizen is sent to).
        - The payload's `requestId` is unique per attempt; a provider that answers
          PAYMENT_EXISTS has seen it before.
        - Raise `PaymentError` (with `problem_type`) when the provider refuses or cannot be
          reached; never return a half-created transaction.
        """
        raise NotImplementedError

    def status(self, *, transaction_id: str) -> ProviderTransaction:
        """The authoritative current state of `transaction_id` (XBezahldienste GET).

        Called after the citizen comes back from the pay page (the redirect itself proves
        nothing) and by reconciliation for transactions left INITIAL. Must not change
        anything at the provider. Raise `PaymentError` when the state cannot be read.
        """
        raise NotImplementedError
