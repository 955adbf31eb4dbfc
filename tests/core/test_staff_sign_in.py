"""Staff sign-in (clerks and admin): django-axes locks one user name from one address only,
the client address comes from a proxy header only when configured, and with the second
factor required nobody reaches the inbox, the clerk API or the admin on a password alone."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

LOGIN = "/sachbearbeitung/anmelden/"
CODE = "/sachbearbeitung/anmelden/code/"
PASSWORD = "richtig-und-lang-1"
STRANGER = "203.0.113.66"
OFFICE = "198.51.100.20"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Many sign-ins per test: a cheap hasher keeps them quick (what is tested is the counting).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(db):
    """Two clerks and the admin with known passwords (no authority needed to sign in)."""
    users = get_user_model().objects
    staff = {}
    for username in ("steuer", "ordnung"):
        # The demo library may have created the clerk already (without a usable password).
        user, _ = users.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.save()
        staff[username] = user
    staff["admin"] = users.create_superuser("admin", "admin@example.org", PASSWORD)
    return staff


@pytest.fixture
def second_factor_required(settings):
    settings.FORMS_STAFF_2FA_REQUIRED = True


def sign_in(client, username, password=PASSWORD, **meta):
    return client.post(LOGIN, {"username": username, "password": password}, **meta)


def fail_five_times(client, username, **meta):
    for _ in range(5):
        sign_in(client, username, "falsch", **meta)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="App", confirmed=True)


def test_five_wrong_passwords_lock_that_user_from_that_address_with_an_explanation(client, staff):
    fail_five_times(client, "steuer", REMOTE_ADDR=STRANGER)

    locked = sign_in(client, "steuer", REMOTE_ADDR=STRANGER)

    assert locked.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in locked.content.decode()
    assert "15 Minuten" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_explained_in_english_too(client, staff):
    fail_five_times(client, "steuer", REMOTE_ADDR=STRANGER)

    locked = sign_in(client, "steuer", REMOTE_ADDR=STRANGER, HTTP_ACCEPT_LANGUAGE="en")

    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()


def test_a_strangers_failures_on_steuer_lock_neither_ordnung_nor_steuer_from_another_address(
    client, staff
):
    fail_five_times(client, "steuer", REMOTE_ADDR=STRANGER)

    assert sign_in(client, "ordnung", REMOTE_ADDR=STRANGER).status_code == 302
    client.logout()
    assert sign_in(client, "admin", REMOTE_ADDR=STRANGER).status_code == 302
    client.logout()
    assert sign_in(client, "steuer", REMOTE_ADDR=OFFICE).status_code == 302


def test_the_admin_signs_in_through_the_staff_sign_in_page(client, staff):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN + "?next=/admin/"
    assert (
        client.post("/admin/login/", {"username": "admin", "password": PASSWORD}).status_code == 302
    )
    assert "_auth_user_id" not in client.session

    signed_in = client.post(LOGIN, {"username": "admin", "password": PASSWORD, "next": "/admin/"})

    assert signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_without_a_configured_proxy_a_forwarded_header_is_ignored(client, staff):
    for n in range(5):
        sign_in(
            client, "steuer", "falsch", REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        )

    locked = sign_in(client, "steuer", REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert locked.status_code == 429


def test_behind_a_configured_proxy_the_address_it_saw_decides(client, staff, settings):
    settings.FORMS_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        # A forged left entry does not help: the proxy appends what it saw, and that counts.
        sign_in(client, "steuer", "falsch", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {STRANGER}", **proxy)

    locked = sign_in(client, "steuer", HTTP_X_FORWARDED_FOR=f"5.6.7.8, {STRANGER}", **proxy)
    colleague = sign_in(client, "steuer", HTTP_X_FORWARDED_FOR=OFFICE, **proxy)

    assert locked.status_code == 429
    assert colleague.status_code == 302


def test_with_the_second_factor_required_a_password_alone_reaches_neither_inbox_nor_api(
    client, clerk_steuer, second_factor_required
):
    clerk_steuer.set_password(PASSWORD)
    clerk_steuer.save()

    after_password = sign_in(client, "steuer")

    assert after_password.status_code == 302
    assert after_password["Location"].startswith(CODE)
    inbox = client.get("/sachbearbeitung/")
    assert inbox.status_code == 302 and inbox["Location"].startswith(LOGIN)
    assert client.get(LOGIN)["Location"].startswith(CODE)
    api = client.get("/api/sachbearbeitung/faelle/00000000-0000-0000-0000-000000000000/")
    assert api.status_code in (401, 403)


def test_a_clerk_without_a_device_sets_one_up_and_then_reaches_the_inbox(
    client, clerk_steuer, second_factor_required
):
    clerk_steuer.set_password(PASSWORD)
    clerk_steuer.save()
    sign_in(client, "steuer")

    setup = client.get(CODE)

    assert setup.status_code == 200
    assert 'id="totp-qr"' in setup.content.decode()
    device = TOTPDevice.objects.get(user=clerk_steuer, confirmed=False)
    done = client.post(CODE, {"code": current_code(device)})
    assert done.status_code == 302 and done["Location"] == "/sachbearbeitung/"
    assert client.get("/sachbearbeitung/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_with_a_valid_code_the_clerk_reaches_inbox_and_api(
    client, clerk_steuer, second_factor_required
):
    device = confirmed_device(clerk_steuer)
    client.force_login(clerk_steuer)

    assert client.post(CODE, {"code": current_code(device)}).status_code == 302

    assert client.get("/sachbearbeitung/").status_code == 200
    api = client.get("/api/sachbearbeitung/faelle/00000000-0000-0000-0000-000000000000/")
    assert api.status_code == 404


def test_the_admin_site_requires_the_code_too(client, staff, second_factor_required):
    device = confirmed_device(staff["admin"])
    client.force_login(staff["admin"])

    assert client.get("/admin/")["Location"].startswith("/admin/login/")

    client.post(CODE, {"code": current_code(device)})
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_and_throttles_the_next_try(
    client, staff, second_factor_required, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600
    device = confirmed_device(staff["steuer"])
    client.force_login(staff["steuer"])

    wrong = client.post(CODE, {"code": "000000" if current_code(device) != "000000" else "111111"})
    right_but_too_soon = client.post(CODE, {"code": current_code(device)})

    assert "Der Code stimmt nicht" in wrong.content.decode()
    assert "Zu viele falsche Codes" in right_but_too_soon.content.decode()
    assert client.get("/sachbearbeitung/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_wrong_codes_count_as_failed_sign_ins_for_that_user_and_address(
    client, staff, second_factor_required, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = confirmed_device(staff["steuer"])
    sign_in(client, "steuer", REMOTE_ADDR=STRANGER)
    wrong = "000000" if current_code(device) != "000000" else "111111"

    answers = [client.post(CODE, {"code": wrong}, REMOTE_ADDR=STRANGER) for _ in range(5)]

    assert answers[-1].status_code == 429
    assert (
        client.post(CODE, {"code": current_code(device)}, REMOTE_ADDR=STRANGER).status_code == 429
    )
    client.logout()
    assert sign_in(client, "steuer", REMOTE_ADDR=STRANGER).status_code == 429
    assert sign_in(client, "steuer", REMOTE_ADDR=OFFICE).status_code == 302


def test_after_a_reset_the_next_sign_in_sets_up_a_new_device(client, staff, second_factor_required):
    old = confirmed_device(staff["steuer"])

    call_command("staff_second_factor_reset", "steuer", stdout=StringIO())
    sign_in(client, "steuer")
    setup = client.get(CODE)

    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert 'id="totp-qr"' in setup.content.decode()


def test_a_completed_sign_in_clears_the_failures_of_that_user_and_address(client, staff):
    for _ in range(4):
        sign_in(client, "steuer", "falsch", REMOTE_ADDR=OFFICE)
    assert sign_in(client, "steuer", REMOTE_ADDR=OFFICE).status_code == 302
    client.logout()

    for _ in range(4):
        sign_in(client, "steuer", "falsch", REMOTE_ADDR=OFFICE)

    assert sign_in(client, "steuer", REMOTE_ADDR=OFFICE).status_code == 302


def test_the_right_password_does_not_clear_the_count_of_wrong_codes(
    client, staff, second_factor_required, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = confirmed_device(staff["steuer"])
    wrong = "000000" if current_code(device) != "000000" else "111111"
    sign_in(client, "steuer", REMOTE_ADDR=STRANGER)
    for _ in range(4):
        client.post(CODE, {"code": wrong}, REMOTE_ADDR=STRANGER)

    client.logout()
    sign_in(client, "steuer", REMOTE_ADDR=STRANGER)

    assert client.post(CODE, {"code": wrong}, REMOTE_ADDR=STRANGER).status_code == 429
