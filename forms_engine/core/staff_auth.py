"""Staff sign-in: the client address, the second factor (TOTP) and its gate.

Password failures are counted by django-axes (settings `AXES_*`), per user name and client
address; `client_address` is the address it counts. The second factor is django-otp's
TOTP device. While `FORMS_STAFF_2FA_REQUIRED` is on, `SecondFactorMiddleware` lets a user
who has given the password but not yet a code count as anonymous everywhere: the clerk
pages, the clerk API and the admin all refuse such a session as they refuse a stranger,
and only the sign-in pages see the user, through `pending_staff_user`.
"""

from __future__ import annotations

import ipaddress
from base64 import b32encode, b64encode
from dataclasses import dataclass
from datetime import datetime

import django_otp
import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils.functional import SimpleLazyObject
from django_otp.plugins.otp_totp.models import TOTPDevice


def client_address(request) -> str:
    """The client's address as this deployment can trust it (django-axes' callable).

    Contract: `REMOTE_ADDR` unless `FORMS_TRUSTED_PROXY_COUNT` is above 0; then the entry
    that many places from the right of `FORMS_TRUSTED_PROXY_HEADER` (each trusted proxy
    appends the address it saw), falling back to `REMOTE_ADDR` when the header is missing
    or not an address.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.FORMS_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    key = "HTTP_" + settings.FORMS_TRUSTED_PROXY_HEADER.upper().replace("-", "_")
    entries = [e.strip() for e in (request.META.get(key) or "").split(",") if e.strip()]
    if not entries:
        return remote
    candidate = entries[-min(count, len(entries))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def second_factor_required() -> bool:
    return bool(settings.FORMS_STAFF_2FA_REQUIRED)


class SecondFactorMiddleware:
    """After django-otp's middleware: without a verified code the user counts as anonymous.

    The real user stays reachable for the sign-in pages via `pending_staff_user(request)`.
    Lazy, like Django's own: a request that never looks at the user costs nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if second_factor_required():
            real = request.user
            request.staff_user_before_second_factor = real
            request.user = SimpleLazyObject(lambda: _gate(real))
        return self.get_response(request)


def _gate(user):
    if user.is_authenticated and not user.is_verified():
        return AnonymousUser()
    return user


def pending_staff_user(request):
    """The user who gave the right password but no code yet in this session, else None."""
    real = getattr(request, "staff_user_before_second_factor", None)
    if real is None or not real.is_authenticated or real.is_verified():
        return None
    return real


def confirmed_totp_device(*, user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_device_for_enrollment(*, user) -> TOTPDevice:
    """The unconfirmed TOTP device `user` is setting up (created on first call, then kept)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator-App", confirmed=False)
    return device


def second_factor_reset(*, user) -> int:
    """Remove all of `user`'s TOTP devices (lost phone); returns how many.

    Contract: the next sign-in of `user` leads to setting up a new device. Operators do the
    same in the admin (OTP_TOTP › TOTP devices).
    """
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    return count


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as a QR code (SVG data URI, drawn locally, no network)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return "data:image/svg+xml;base64," + b64encode(image.to_string()).decode()


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret in base32 groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def sign_in_locked(*, request, user) -> bool:
    """Whether django-axes refuses sign-ins for `user` from this request's address now."""
    field = get_user_model().USERNAME_FIELD
    return AxesProxyHandler.is_locked(request, {field: user.get_username()})


def sign_in_completed(*, request, user) -> None:
    """Clear the failure count of `user` from this request's address (whole sign-in done).

    Contract: called after the password when no second factor is required, else only after
    the right code, so a known password does not reset the count of wrong codes.
    """
    address = client_address(request)
    if address:  # an empty address would make axes clear the user's counts everywhere
        AxesProxyHandler.reset_attempts(ip_address=address, username=user.get_username())


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    retry_after: datetime | None = None  # set when the device refuses tries for now


@transaction.atomic
def second_factor_verify(*, request, device: TOTPDevice, code: str) -> CodeCheck:
    """Check a TOTP code for the pending user of `request`; on success mark the session.

    Contract: a wrong code is counted twice: by the device's own throttle (django-otp:
    each failure doubles the wait before the next try) and as a failed sign-in for
    django-axes (user name + address), so guessing codes leads to the same lockout as
    guessing passwords. A device not yet confirmed becomes confirmed by its first right
    code (enrollment).
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return CodeCheck(ok=False, retry_after=(info or {}).get("locked_until"))
    token = "".join(ch for ch in (code or "") if not ch.isspace())
    if not (token.isascii() and token.isdigit() and len(token) == device.digits):
        device.throttle_increment()
        _count_failed_sign_in(request, device.user)
        return CodeCheck(ok=False)
    if not device.verify_token(token):
        _count_failed_sign_in(request, device.user)
        return CodeCheck(ok=False)
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    real = request.staff_user_before_second_factor
    request.user = real
    django_otp.login(request, device)
    sign_in_completed(request=request, user=device.user)
    return CodeCheck(ok=True)


def _count_failed_sign_in(request, user) -> None:
    field = get_user_model().USERNAME_FIELD
    user_login_failed.send(
        sender=__name__, credentials={field: user.get_username()}, request=request
    )


def staff_password_link_send(*, user, by, base_url: str) -> bool:
    """E-mail `user` a one-time link to set a new password (`/sachbearbeitung/passwort/…`).

    Django's password-reset token: valid for `PASSWORD_RESET_TIMEOUT`, void once the
    password (or the last sign-in) changed. Nothing is sent to an inactive user or one
    without an e-mail address (returns False). Audit-logged as `staff.password_link_sent`.
    """
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from .audit import audit_log

    if not user.is_active or not user.email:
        return False
    path = reverse(
        "clerk:password-set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    link = base_url.rstrip("/") + path
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    send_mail(
        "Passwort für die Sachbearbeitung festlegen / Set your password",
        f"Guten Tag,\n\nüber diesen Link legen Sie Ihr Passwort für das Konto "
        f"„{user.get_username()}“ fest (gültig {hours} Stunden, nur einmal):\n\n{link}\n\n"
        "Wenn Sie das nicht erwartet haben, ignorieren Sie diese Nachricht.\n\n---\n\n"
        f"Use this link to set the password of the account “{user.get_username()}” "
        f"(valid for {hours} hours, once):\n\n{link}\n",
        None,
        [user.email],
    )
    audit_log(actor=by, action="staff.password_link_sent", data={"user": user.get_username()})
    return True
