"""Citizen payment pages: the fee overview with "Jetzt bezahlen", and the return endpoint.

Thin: parse, call one service or selector, render. A draft is reachable only from the
session that created or resumed it (404 otherwise), as in the citizen flow.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from forms_engine.citizen.selectors import (
    draft_definition,
    draft_for_session,
    draft_version_context,
    submit_eligibility,
)
from forms_engine.core.formatting import i18n

from . import selectors, services
from .backends.demo import standin_origin
from .base import PaymentError
from .models import PaymentStatus


def _lang() -> str:
    lang = (get_language() or "de")[:2]
    return lang if lang in ("de", "en") else "de"


def _origin(url: str) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def csp_allowing_form_target(url: str) -> str | None:
    """The site's CSP with `url`'s origin added to form-action (a POST that redirects to a
    payment service on another origin is blocked by `form-action 'self'` otherwise)."""
    policy = settings.CONTENT_SECURITY_POLICY
    origin = _origin(url)
    if not origin or "form-action 'self'" not in policy:
        return None
    return policy.replace("form-action 'self'", f"form-action 'self' {origin}", 1)


def _provider_url(binding) -> str:
    if binding is None:
        return ""
    if binding.backend == "demo":
        from .backends.demo import standin_base_url

        return standin_base_url()
    return str(binding.options.get("base_url") or "")


def _at_request_origin(view):
    """Provider calls made while serving the view reach the demo stand-in at the address
    the citizen used, not at FORMS_SITE_URL (any host and port work)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with standin_origin(request):
            return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
@_at_request_origin
def overview(request, draft_id):
    draft = draft_for_session(request, draft_id)
    if draft.submitted_case_id:
        return redirect("citizen:confirmation", draft_id=draft.pk)
    lang = _lang()
    amount = services.payment_required_amount(draft=draft)
    binding = services.payment_binding(draft=draft)
    error = None
    # Checked before any payment starts (again in payment_start): no paying for a refusal.
    eligibility = submit_eligibility(
        process_version=draft.process_version, municipality=draft.municipality, draft=draft
    )
    versioned = draft_version_context(draft=draft, lang=lang, eligibility=eligibility)
    status = 409 if versioned.get("version_refusal") else 200
    if request.method == "POST" and not versioned.get("version_refusal"):
        # Only the draft decides what is paid: any amount in the form is never read.
        return_url = request.build_absolute_uri(reverse("payments:return", args=[draft.pk]))
        try:
            return redirect(services.payment_start(draft=draft, return_url=return_url))
        except PaymentError as exc:
            error = exc.message_en if lang == "en" else exc.message
            status = 409 if exc.problem_type == services.SUBMISSION_REFUSED else 502
    lines, total_text, _total = selectors.payment_fee_lines(draft=draft, lang=lang)
    definition = draft_definition(draft)
    paid = selectors.payment_paid_for(draft=draft, amount=amount)
    response = render(
        request,
        "payments/overview.html",
        {
            "draft": draft,
            "process_title": i18n(definition.title, lang),
            "site_name": draft.municipality.name,
            "policy": definition.payment_policy,
            "fees": lines,
            "fee_total": total_text,
            "owed": amount is not None,
            "paid": paid,
            "online": binding is not None,
            "error": error,
            "submit_url": reverse("citizen:submit", args=[draft.pk]),
            "summary_url": reverse("citizen:summary", args=[draft.pk]),
            **versioned,
        },
        status=status,
    )
    if policy := csp_allowing_form_target(_provider_url(binding)):
        response["Content-Security-Policy"] = policy
    return response


_RESULT_MESSAGES = {
    PaymentStatus.PAYED: (
        messages.SUCCESS,
        gettext_lazy("Vielen Dank, Ihre Zahlung ist eingegangen."),
    ),
    PaymentStatus.CANCELED: (
        messages.WARNING,
        gettext_lazy("Sie haben die Zahlung abgebrochen. Es wurde nichts abgebucht."),
    ),
    PaymentStatus.FAILED: (
        messages.ERROR,
        gettext_lazy(
            "Die Zahlung ist fehlgeschlagen. Es wurde nichts abgebucht. Bitte versuchen Sie es erneut."
        ),
    ),
    PaymentStatus.INITIAL: (
        messages.INFO,
        gettext_lazy(
            "Die Zahlung ist noch nicht abgeschlossen. Wir prüfen den Stand beim Bezahldienst."
        ),
    ),
}


@require_GET
@_at_request_origin
def payment_return(request, draft_id):
    """Back from the pay page. The redirect proves nothing: the service asks the provider."""
    draft = draft_for_session(request, draft_id)
    tx = services.payment_return(draft=draft, transaction_id=request.GET.get("zahlung"))
    if tx is None:
        messages.error(request, _("Dieser Zahlungsvorgang gehört nicht zu Ihrem Antrag."))
    else:
        level, text = _RESULT_MESSAGES[PaymentStatus(tx.status)]
        messages.add_message(request, level, str(text))
    return redirect("citizen:submit", draft_id=draft.pk)
