"""System checks of the deployment configuration."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

#: Cache backends whose state lives in one process: counters kept there (API throttles,
#: lockouts) multiply with the number of worker processes.
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register()
def shared_cache_check(app_configs=None, **kwargs) -> list[Error]:
    """Outside debug and the tests the default cache must be shared by all processes."""
    if getattr(settings, "FORMS_PROCESS_LOCAL_CACHE_ALLOWED", settings.DEBUG):
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Error(
            "Der Standard-Cache gilt nur für einen Prozess; Drosselungen und Sperren zählen "
            "dann je Worker. / The default cache is process-local, so throttles and lockouts "
            "count per worker process.",
            hint="Set REDIS_CACHE_URL, or use the default DatabaseCache (run `migrate`).",
            obj="CACHES['default']",
            id="forms_engine.core.E001",
        )
    ]
