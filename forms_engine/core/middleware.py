"""Security headers that Django does not set by itself."""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404
from django.utils.cache import add_never_cache_headers, patch_cache_control

from .text import text_problem


class ContentSecurityPolicyMiddleware:
    """Sets a strict Content-Security-Policy (no inline script or style) on every response.

    The API docs page (Swagger UI, served from our own static files) sets inline styles,
    so it alone may use them; every citizen and clerk page stays strict.
    """

    relaxed_prefixes = ("/api/docs/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        policy = settings.CONTENT_SECURITY_POLICY
        if request.path.startswith(self.relaxed_prefixes):
            policy = (
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
            )
        response["Content-Security-Policy"] = policy
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class PrivateNoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response that is not public.

    One rule for the whole site instead of decorators view by view. Public (left
    cacheable) are only successful GET/HEAD answers of
    - `PUBLIC_READS`: the read-only catalog API and its OpenAPI document, whose content
      never depends on the visitor (DRF reads the session, so they always `Vary: Cookie`);
    - `PUBLIC_PAGES` (catalog, start and legal pages, shared or a municipality's, the
      finder, a municipality's theme stylesheet and logo) when they did not depend on the
      visitor either: no `Vary: Cookie`, i.e. neither the session nor a CSRF token was used.
    Everything else (drafts, steps, summary, payment, status, account, clerk pages, admin,
    the status and clerk case APIs, error answers) must never be kept by a browser or
    proxy. Placed before SessionMiddleware and CsrfViewMiddleware so it sees their `Vary`.
    """

    PUBLIC_READS = frozenset(
        {"api:schema", "api:docs", "api:process-list", "api:process-version", "api:data-schema"}
    )
    PUBLIC_PAGES = frozenset(
        {
            "citizen:catalog",
            "citizen:start",
            "citizen:page",
            "citizen:finder",
            "citizen:municipality_catalog",
            "citizen:municipality_start",
            "citizen:municipality_legal",
            "citizen:municipality_theme",
            "citizen:municipality_logo",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" in response.get("Cache-Control", ""):
            return response  # the view already said so (e.g. the status page's own header)
        if not self.is_public(request, response):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response

    def is_public(self, request, response) -> bool:
        if request.method not in ("GET", "HEAD") or response.status_code >= 400:
            return False
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match is not None else ""
        if name in self.PUBLIC_READS:
            return True
        if name in self.PUBLIC_PAGES:
            vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
            return "cookie" not in vary
        return False


class InputHygieneMiddleware:
    """No NUL or lone surrogate from the URL, the query string or a cookie reaches a view.

    PostgreSQL refuses NUL in every text parameter of a query, so `/versions/1.0%00/` used
    to be a 500. A path holding one names nothing (404), a query parameter holding one is
    a bad request (400), a cookie holding one is ignored. Form and JSON bodies are checked
    where they are parsed, with a field error (wizard, API parser, postbox, Django forms).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if text_problem(request.path_info):
            raise Http404("unusable characters in the path")
        for key, values in request.GET.lists():
            if text_problem(key) or any(text_problem(value) for value in values):
                raise BadRequest("unusable characters in the query string")
        for name in [n for n, v in request.COOKIES.items() if text_problem(n + v)]:
            del request.COOKIES[name]
        return self.get_response(request)
