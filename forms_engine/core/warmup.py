"""Start-up work done once in gunicorn's preloaded master instead of lazily in each worker.

Without it the first request a freshly forked worker serves pays for compiling the
published definitions, loading and compiling the templates, building the URL resolver and
reading the translation catalogs (0.5–0.9 s measured). Everything warmed here is immutable
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


def warm_up() -> dict:
    """Compile the published definitions, load the templates, build the URL resolver, read
    the translations; close the database connections (never share a socket across fork).
    Returns {"definitions", "templates", "seconds"}."""
    from django.db import connections
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.urls import get_resolver, reverse
    from django.utils import translation

    from forms_engine.catalog.models import ProcessVersion
    from forms_engine.catalog.selectors import version_definition

    started = time.perf_counter()
    definitions = 0
    try:
        for version in ProcessVersion.objects.filter(status=ProcessVersion.Status.PUBLISHED):
            version_definition(version)
            definitions += 1
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
    return {
        "definitions": definitions,
        "templates": templates,
        "seconds": time.perf_counter() - started,
    }
