"""Sign-in pages: the engine's side (start, ACS) and the BundID stand-in IdP.

The stand-in answers 404 unless settings.ENABLE_DEMO_BACKENDS is on (checked per request).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import services, stub_idp
from .base import LEVEL_BY_STORK, LEVELS, IdentityError, level_label, level_satisfies


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return "/"


def _error_page(request, error: IdentityError, *, status=400, retry_url="/"):
    return render(
        request,
        "identity/error.html",
        {"message": error.text(_lang()), "code": error.code, "retry_url": retry_url},
        status=status,
    )


def _german_date(iso: str) -> str:
    parts = iso.split("-")
    return ".".join(reversed(parts)) if len(parts) == 3 else iso


# --- the engine's side ------------------------------------------------------------------


@require_POST
def sign_in(request):
    """Start a sign-in at the posted level and redirect to the identity provider."""
    level = request.POST.get("level", "basis")
    if level not in LEVELS or level == "none":
        level = "basis"
    next_url = _safe_next(request, request.POST.get("next", ""))
    try:
        provider = services.provider_get()
        return provider.start(request, level=level, return_url=next_url)
    except IdentityError as exc:
        return _error_page(request, exc, status=503, retry_url=next_url)


@csrf_exempt  # An IdP posts here from its own origin (SAML HTTP-POST binding); the
# assertion is bound to this session's pending request id instead of a CSRF token.
@require_POST
def acs(request):
    """Assertion consumer: verify the IdP's answer and keep the identity in the session."""
    try:
        provider = services.provider_get()
        result, return_url = provider.complete(request)
        services.identity_result_check(result)
    except IdentityError as exc:
        return _error_page(request, exc)
    services.session_sign_in(request.session, result)
    return redirect(_safe_next(request, return_url))


# --- the BundID stand-in IdP (demo only) ----------------------------------------------


def _stub_enabled() -> None:
    if not settings.ENABLE_DEMO_BACKENDS:
        raise Http404


def _stub_params(source) -> dict | None:
    params = {k: source.get(k, "") for k in ("service", "acs", "request_id", "level")}
    acs_url = params["acs"]
    if (
        not all(params.values())
        or not acs_url.startswith("/")
        or acs_url.startswith("//")
        or "\\" in acs_url
        or params["level"] not in LEVEL_BY_STORK
        or len(params["request_id"]) > 100
        or len(params["service"]) > 300
    ):
        return None
    return params


@require_http_methods(["GET", "POST"])
def bundid_stub(request):
    """The stand-in's sign-in page: pick a persona and a means; POST answers the engine."""
    _stub_enabled()
    lang = _lang()
    source = request.POST if request.method == "POST" else request.GET
    params = _stub_params(source)
    if params is None:
        return render(
            request,
            "identity/stub_invalid.html",
            {"site_name": "BundID", "municipality": None},
            status=400,
        )
    requested = LEVEL_BY_STORK[params["level"]]
    means_list = [
        {
            "id": m.id,
            "label": m.label_en if lang == "en" else m.label,
            "level": level_label(m.level, lang),
            "stork": m.stork,
            "enough": level_satisfies(m.level, requested),
        }
        for m in stub_idp.MEANS.values()
    ]
    errors = []
    chosen_persona = source.get("persona", "")
    chosen_means = source.get("means", "")
    if request.method == "POST":
        persona = stub_idp.persona_get(chosen_persona)
        means = stub_idp.MEANS.get(chosen_means)
        if persona is None:
            errors.append(("persona-0", _("Bitte wählen Sie eine Testperson aus.")))
        if means is None:
            errors.append(("means-0", _("Bitte wählen Sie ein Identifizierungsmittel aus.")))
        if not errors:
            assertion = stub_idp.assertion_issue(
                persona=persona,
                means=means,
                service_id=params["service"],
                in_response_to=params["request_id"],
            )
            return render(
                request,
                "identity/stub_post.html",
                {
                    "acs": params["acs"],
                    "assertion": assertion,
                    "site_name": "BundID",
                    "municipality": None,
                },
            )
    return render(
        request,
        "identity/stub_login.html",
        {
            "params": params,
            "personas": [
                {**p, "birth_display": _german_date(p.get("birthDate", ""))}
                for p in stub_idp.personas()
            ],
            "means_list": means_list,
            "requested_label": level_label(requested, lang),
            "chosen_persona": chosen_persona,
            "chosen_means": chosen_means,
            "errors": errors,
            "persona_error": next((m for a, m in errors if a == "persona-0"), ""),
            "means_error": next((m for a, m in errors if a == "means-0"), ""),
            "site_name": "BundID",
            "municipality": None,
        },
        status=400 if errors else 200,
    )
