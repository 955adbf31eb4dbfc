"""Security defaults: headers on every page, no secret outside debug, no CDN for API docs."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_citizen_pages_send_a_strict_content_security_policy(client):
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_api_docs_load_nothing_from_other_hosts(client):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert page.status_code == 200
    assert "https://" not in page.content.decode()
    assert script.status_code == 200
    policy = page["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "https:" not in policy


def run_settings(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)",
        ],
        env={**clean, "DJANGO_SETTINGS_MODULE": "forms_engine.settings"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_a_secret_key_outside_debug_the_engine_refuses_to_start():
    result = run_settings({})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_default_to_no_debug_and_secure_cookies():
    result = run_settings({"DJANGO_SECRET_KEY": "x" * 50})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]
