"""System checks of the deployment configuration."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register

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


#: Where files were kept before the storages (FORMS_UPLOAD_ROOT / FORMS_CASEFILE_ROOT unset).
LEGACY_FILE_DIRECTORIES = {"uploads": "var/uploads", "casefiles": "var/casefiles"}


@register()
def legacy_file_directories_check(app_configs=None, **kwargs) -> list[Warning]:
    """Files left in a directory the engine used before its storages moved elsewhere.

    Earlier versions kept uploads and case files in var/uploads and var/casefiles by default;
    now they are the storages "uploads" and "casefiles" (under DJANGO_MEDIA_ROOT, or a
    bucket). An installation that relied on the old default must move its files (or set
    FORMS_UPLOAD_ROOT / FORMS_CASEFILE_ROOT to the old directories), else downloads 404.
    """
    from pathlib import Path

    warnings = []
    for alias, relative in LEGACY_FILE_DIRECTORIES.items():
        legacy = Path(settings.BASE_DIR) / relative
        config = settings.STORAGES.get(alias, {})
        location = config.get("OPTIONS", {}).get("location")
        if location and Path(location).resolve() == legacy.resolve():
            continue
        if not legacy.is_dir() or not any(p.is_file() for p in legacy.rglob("*")):
            continue
        warnings.append(
            Warning(
                f"{relative} enthält noch Dateien, die Ablage „{alias}“ liegt aber woanders; "
                f"sie werden nicht mehr gelesen. / {relative} still holds files, but the "
                f"'{alias}' storage is elsewhere; they are no longer read.",
                hint=(
                    f"Move the contents of {relative} into the '{alias}' storage (same "
                    "relative names), or point the storage at it "
                    f"(FORMS_{'UPLOAD' if alias == 'uploads' else 'CASEFILE'}_ROOT)."
                ),
                obj=f"STORAGES['{alias}']",
                id="forms_engine.core.W001",
            )
        )
    return warnings
