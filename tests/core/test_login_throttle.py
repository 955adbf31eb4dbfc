"""Staff logins refuse further attempts after repeated failures (clerk login and admin)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.LOGIN_MAX_FAILURES = 3
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clerk():
    return get_user_model().objects.create_user("sachbearbeiterin", password="richtig-und-lang-1")


@pytest.mark.parametrize("url", ["/sachbearbeitung/anmelden/", "/admin/login/"])
def test_after_three_failures_even_the_right_password_is_refused_for_a_while(client, clerk, url):
    for _ in range(3):
        wrong = client.post(url, {"username": "sachbearbeiterin", "password": "falsch"})
        assert wrong.status_code == 200

    blocked = client.post(url, {"username": "sachbearbeiterin", "password": "richtig-und-lang-1"})

    assert blocked.status_code == 200
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_clears_the_count_for_the_user(client, clerk):
    url = "/sachbearbeitung/anmelden/"
    for _ in range(2):
        client.post(url, {"username": "sachbearbeiterin", "password": "falsch"})

    ok = client.post(url, {"username": "sachbearbeiterin", "password": "richtig-und-lang-1"})

    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(clerk.pk)
