"""The XBezahldienste stand-in over HTTP (ENABLE_DEMO_BACKENDS only, else 404).

REST endpoints answer JSON and `application/problem+json`; the pay page is HTML with the
buttons "Bezahlen (Kreditkarte)", "Abbrechen", "Fehler" and "Timeout".
"""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import standin
from .models import PaymentStatus
from .views import csp_allowing_form_target


def demo_only(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.ENABLE_DEMO_BACKENDS:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _problem(problem: standin.StandInProblem, request) -> HttpResponse:
    return HttpResponse(
        json.dumps(problem.document(request.path), ensure_ascii=False),
        status=problem.status,
        content_type="application/problem+json",
    )


def _document(request, tx) -> dict:
    status_url = request.build_absolute_uri(
        reverse(
            "payments:standin-transaction",
            args=[tx.originator_id, tx.end_point_id, str(tx.transaction_id)],
        )
    )
    pay_url = request.build_absolute_uri(
        reverse("payments:standin-paypage", args=[str(tx.transaction_id)])
    )
    return standin.standin_document(tx, status_url=status_url, pay_url=pay_url)


@demo_only
@require_GET
def root(request):
    return JsonResponse({"service": "XBezahldienste v1.0 stand-in (demo)"})


@csrf_exempt
@demo_only
@require_POST
def collection(request, originator_id, end_point_id):
    """POST /paymenttransaction/{originatorId}/{endPointId}"""
    try:
        tx = standin.standin_create(
            originator_id=originator_id, end_point_id=end_point_id, body=request.body
        )
    except standin.StandInProblem as problem:
        return _problem(problem, request)
    document = _document(request, tx)
    response = JsonResponse(document, status=201)
    response["Location"] = document["paymentInformation"]["transactionUrl"]
    return response


@demo_only
@require_GET
def transaction(request, originator_id, end_point_id, transaction_id):
    """GET /paymenttransaction/{originatorId}/{endPointId}/{transactionId}"""
    try:
        tx = standin.standin_get(
            originator_id=originator_id,
            end_point_id=end_point_id,
            transaction_id=transaction_id,
        )
    except standin.StandInProblem as problem:
        return _problem(problem, request)
    return JsonResponse(_document(request, tx))


@demo_only
@require_GET
def health(request, originator_id, end_point_id):
    """GET /status/{originatorId}/{endPointId}"""
    if not standin.standin_endpoint_known(originator_id, end_point_id):
        return _problem(
            standin.StandInProblem("NO_VALID_ORIGINATOR_OR_ENDPOINT", "Unbekannter Endpunkt."),
            request,
        )
    return JsonResponse({"status": "UP"})


@demo_only
@require_http_methods(["GET", "POST"])
def paypage(request, transaction_id):
    """The citizen's pay page (`transactionRedirectUrl`)."""
    if request.method == "POST":
        tx = standin.standin_act(transaction_id=transaction_id, action=request.POST.get("action"))
    else:
        tx = standin.standin_for_page(transaction_id=transaction_id)
    if tx is None:
        raise Http404
    back = tx.payment_request.get("redirectUrl", "")
    if request.method == "POST" and tx.status != PaymentStatus.INITIAL:
        # Back to the online service, deliberately without any status: it must ask (GET).
        return HttpResponseRedirect(back)
    request_data = tx.payment_request
    response = render(
        request,
        "payments/standin_paypage.html",
        {
            "tx": tx,
            "open": tx.status == PaymentStatus.INITIAL,
            "purpose": request_data.get("purpose", ""),
            "description": request_data.get("description", ""),
            "amount": request_data.get("grosAmount"),
            "items": request_data.get("items", []),
            "back_url": back,
            "timeout_minutes": max(standin.standin_timeout() // 60, 1),
            "site_name": "Demo-Bezahldienst",
            "municipality": None,  # another provider's page: no municipality branding
        },
    )
    if policy := csp_allowing_form_target(back):
        response["Content-Security-Policy"] = policy
    return response
