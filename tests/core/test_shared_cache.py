"""Throttles and lockouts count in the default cache: outside debug it must be shared by
all worker processes, never process-local (else the limits multiply with the workers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]


def _cache_backend(**env) -> str:
    """The default cache backend the settings choose in a fresh process with `env`."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.CACHES['default']['BACKEND']))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    clean.update(DJANGO_SETTINGS_MODULE="forms_engine.settings", DJANGO_SECRET_KEY="x" * 50)
    clean.update(env)
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_outside_debug_the_default_cache_is_shared_by_all_workers():
    backend = _cache_backend()
    assert "LocMem" not in backend
    assert backend == "django.core.cache.backends.db.DatabaseCache"


def test_with_a_redis_url_the_default_cache_is_redis():
    backend = _cache_backend(REDIS_CACHE_URL="redis://127.0.0.1:6379/6")
    assert backend == "django.core.cache.backends.redis.RedisCache"


def test_a_process_local_cache_outside_debug_fails_the_system_check(settings):
    settings.FORMS_PROCESS_LOCAL_CACHE_ALLOWED = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ids = [message.id for message in run_checks()]
    assert "forms_engine.core.E001" in ids


@pytest.mark.django_db
def test_the_cache_table_migration_makes_the_database_cache_work(settings):
    import importlib

    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache
    from django.db import connection

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }
    migration = importlib.import_module("forms_engine.core.migrations.0002_cache_table")
    migration.create(None, SimpleNamespace(connection=connection))
    cache = caches.create_connection("default")
    assert isinstance(cache, DatabaseCache)
    cache.set("throttle_probe", 3)
    assert cache.get("throttle_probe") == 3
