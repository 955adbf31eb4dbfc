"""Operational endpoints without business logic."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BARE_PAGE = (
    '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Bench</title></head>'
    "<body><main><h1>Floor</h1><p>A bare Django view: the floor the citizen steps are "
    "compared against.</p></main></body></html>"
)


@never_cache
@require_GET
def healthz(request):
    """Liveness probe for load balancers: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def bench_bare(request):
    """The floor for bench/: only routed when FORMS_BENCH_VIEWS=1."""
    return HttpResponse(BARE_PAGE)
