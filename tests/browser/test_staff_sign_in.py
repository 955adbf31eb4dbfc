"""A clerk signs in with the second factor in Chromium: sets up the authenticator app from
the QR page, enters a code, reaches the inbox; axe-core reports nothing on the code pages
and on the lockout page."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import assert_accessible

PASSWORD = "ein-gutes-testpasswort-42"


@pytest.fixture
def clerk(transactional_db, settings):
    settings.FORMS_STAFF_2FA_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the right code right after a wrong one counts
    # The test database may hold the demo library's clerk already (without a usable password).
    user, _ = get_user_model().objects.get_or_create(username="steuer")
    user.set_password(PASSWORD)
    user.save()
    return user


def password_step(page, base_url, password=PASSWORD):
    page.goto(base_url + "/sachbearbeitung/anmelden/")
    page.get_by_label("Benutzername").fill("steuer")
    page.get_by_label("Passwort").fill(password)
    page.locator("#login-submit").click()


def test_a_clerk_sets_up_the_app_and_signs_in_with_a_code_accessibly(clerk, live_server, page):
    password_step(page, live_server.url)
    page.wait_for_url("**/sachbearbeitung/anmelden/code/")
    assert page.locator("#totp-qr").is_visible()
    assert_accessible(page, "second factor set-up")

    page.get_by_label("Sicherheitscode").fill("12345")
    page.locator("#code-submit").click()
    page.locator("#error-summary").wait_for()  # visible after the reload (no race)
    assert_accessible(page, "second factor error")

    device = TOTPDevice.objects.get(user=clerk)
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.get_by_label("Sicherheitscode").fill(f"{code:06d}")
    page.locator("#code-submit").click()
    page.wait_for_url("**/sachbearbeitung/")
    assert page.locator("#current-user").inner_text() == "steuer"


def test_the_lockout_page_explains_itself_accessibly(clerk, live_server, page):
    for _ in range(5):
        password_step(page, live_server.url, password="falsch")

    assert "Anmeldung vorübergehend gesperrt" in page.locator("#error-summary").inner_text()
    assert_accessible(page, "lockout")
