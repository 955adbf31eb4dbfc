"""Brute-force protection for staff logins (clerk login and admin).

After `LOGIN_MAX_FAILURES` failed attempts for one user name, or from one client address,
within `LOGIN_FAILURE_WINDOW` seconds, further attempts are refused without checking the
password until the window has passed. Counts live in Django's cache: with several worker
processes configure a shared cache (`REDIS_CACHE_URL`), or each process counts alone.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def _keys(request, username: str) -> list[str]:
    address = (request.META.get("REMOTE_ADDR", "") if request else "") or "unknown"
    name = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:user:{name}", f"login-fail:addr:{address}"]


def login_blocked(request, username: str) -> bool:
    limit = settings.LOGIN_MAX_FAILURES
    return any((cache.get(key) or 0) >= limit for key in _keys(request, username))


def login_failed(request, username: str) -> None:
    for key in _keys(request, username):
        if cache.add(key, 1, settings.LOGIN_FAILURE_WINDOW):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, settings.LOGIN_FAILURE_WINDOW)


def login_succeeded(request, username: str) -> None:
    cache.delete_many(_keys(request, username)[:1])  # the address keeps its count


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing further attempts after too many failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _(
            "Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es in "
            "%(minutes)s Minuten erneut."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if login_blocked(self.request, username):
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, settings.LOGIN_FAILURE_WINDOW // 60)},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            login_failed(self.request, username)
            raise
        login_succeeded(self.request, username)
        return cleaned
