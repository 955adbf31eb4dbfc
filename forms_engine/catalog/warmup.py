"""Start-up work done once in gunicorn's preloaded master instead of lazily in each worker.

Without it the first request a freshly forked worker serves pays for compiling the
published definitions, loading and compiling the templates, building the URL resolver and
reading the translation catalogs, and for the first pass through the request path
(0.5–0.9 s measured). The catalog and each start page are requested once here. Everything warmed here is immutable
or process-wide and is inherited by the workers through fork (copy-on-write).
`gunicorn.conf.py` calls `warm_up()` in `when_ready` (after `preload_app`, before forking).
"""

from __future__ import annotations

import time
from pathlib import Path


def _template_names() -> list[str]:
    """Every `.html` template in the project and app template directories."""
    from django.template import engines

    names: set[str] = set()
    for engine in engines.all():
        for directory in engine.template_dirs:
            root = Path(directory)
            if root.is_dir():
                names.update(str(p.relative_to(root)) for p in root.rglob("*.html"))
    return sorted(names)


def _warm_requests(paths: list[str]) -> int:
    """GET `paths` through the whole middleware stack in this process (read-only pages: the
    catalog and the start pages), so regular expressions, ORM query compilers and lazy
    imports on the request path are ready too. Returns how many answered 200."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h and h != "*"]
    factory = RequestFactory(HTTP_HOST=hosts[0] if hosts else "localhost")
    handler = WSGIHandler()
    ok = 0
    for path in paths:
        try:
            ok += handler.get_response(factory.get(path)).status_code == 200
        except Exception:  # noqa: BLE001, S112 - warming is best effort
            continue
    return ok


def warm_up() -> dict:
    """Compile the published definitions, load the templates, build the URL resolver, read
    the translations, GET the catalog and each start page once; close the database
    connections (never share a socket across fork).
    Returns {"definitions", "templates", "pages", "seconds"}."""
    from django.db import connections
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.urls import get_resolver, reverse
    from django.utils import translation

    from forms_engine.catalog.models import Activation, ProcessVersion
    from forms_engine.catalog.selectors import version_definition

    started = time.perf_counter()
    definitions = 0
    paths = ["/"]
    try:
        for version in ProcessVersion.objects.filter(
            status=ProcessVersion.Status.PUBLISHED
        ).select_related("process"):
            version_definition(version)
            definitions += 1
        # the start page of every offered process (a library may hold many more that no
        # municipality offers: they have no citizen page)
        offered = (
            Activation.objects.filter(is_active=True)
            .values_list("process__identifier", flat=True)
            .distinct()
        )
        paths += [reverse("citizen:start", args=[identifier]) for identifier in sorted(offered)]
    finally:
        connections.close_all()
    templates = 0
    for name in _template_names():
        try:
            get_template(name)
            templates += 1
        except (TemplateDoesNotExist, TemplateSyntaxError):
            continue  # partials of admin/third-party apps that need a context to resolve
    get_resolver().url_patterns  # noqa: B018 - builds and caches the resolver
    reverse("healthz")
    for language in ("de", "en"):
        with translation.override(language):
            translation.gettext("Antrag")
    try:
        pages = _warm_requests(paths)
    finally:
        connections.close_all()
    return {
        "definitions": definitions,
        "templates": templates,
        "pages": pages,
        "seconds": time.perf_counter() - started,
    }
