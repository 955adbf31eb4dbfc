"""`demo`: the `xbezahldienste` client pointed at the engine's own stand-in.

Only usable where `settings.ENABLE_DEMO_BACKENDS` is set (the stand-in answers 404
elsewhere). Options: `originator_id` and `end_point_id`; when an Activation names no
payment backend, the services derive them from the process id and the municipality's ARS
(`demo_binding_options`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..base import PaymentError, registry
from .xbezahldienste import _ID, XBezahldiensteProvider, titled


def demo_originator_id(process_identifier: str) -> str:
    """XBezahldienste ids are at most 36 characters of `[\\w\\d-]`."""
    return process_identifier[:36]


def demo_binding_options(*, process_identifier: str, ars: str) -> dict[str, str]:
    return {"originator_id": demo_originator_id(process_identifier), "end_point_id": ars}


#: The origin of the request being served (set by `standin_origin`), if any.
_request_origin: ContextVar[str | None] = ContextVar("standin_request_origin", default=None)


@contextmanager
def standin_origin(request) -> Iterator[None]:
    """While serving `request`, the stand-in is this engine at the address the citizen used
    (`make run PORT=8201` works without configuring FORMS_SITE_URL)."""
    token = _request_origin.set(request.build_absolute_uri("/").rstrip("/"))
    try:
        yield
    finally:
        _request_origin.reset(token)


def standin_base_url() -> str:
    """Where the stand-in lives: this engine, at the origin of the request being served
    (`standin_origin`), else (background tasks) as `FORMS_SITE_URL` names it."""
    root = reverse("payments:standin-root").rstrip("/")
    return f"{_request_origin.get() or settings.FORMS_SITE_URL}{root}"


@registry("demo")
class DemoPaymentProvider(XBezahldiensteProvider):
    label = _("Demo-Bezahldienst (Stand-in dieser Installation)")
    demo = True
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "originator_id": titled(_ID, "Originator-ID (Bewirtschafter)", "Originator ID"),
            "end_point_id": titled(_ID, "Endpoint-ID", "Endpoint ID"),
        },
    }

    def __init__(self, *, options: dict[str, Any] | None = None, transport=None):
        if not settings.ENABLE_DEMO_BACKENDS:
            raise PaymentError(
                "Der Demo-Bezahldienst ist hier nicht eingeschaltet.",
                "The demo payment service is not enabled here.",
                permanent=True,
                problem_type="FORBIDDEN",
            )
        super().__init__(
            options={**(options or {}), "base_url": standin_base_url()}, transport=transport
        )
