"""Payment attempts of drafts (engine side) and the transactions of the demo stand-in."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    """XBezahldienste v1.0 status model (STANDARDS §4.3)."""

    INITIAL = "INITIAL", _("begonnen")
    PAYED = "PAYED", _("bezahlt")
    CANCELED = "CANCELED", _("abgebrochen")
    FAILED = "FAILED", _("fehlgeschlagen")


class RefundStatus(models.TextChoices):
    """What staff did about a payment that has no case (see `payment_orphans`)."""

    NONE = "none", _("keine Erstattung")
    PENDING = "pending", _("Erstattung veranlasst")
    REFUNDED = "refunded", _("erstattet")


class PaymentTransaction(models.Model):
    """One attempt to pay a draft's fees with a provider. Written only by `services`.

    The amount is computed by the server from the pinned definition and the draft's
    answers when the attempt starts; nothing the browser sends changes it. The status is
    only ever taken from the provider's GET, never from the redirect back.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    draft = models.ForeignKey(
        "citizen.Draft",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payment_transactions",
    )
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payment_transactions",
    )
    # The plugin id and a snapshot of the binding, so reconciliation can ask the same
    # provider even after the Activation changed (options hold no secrets).
    provider = models.CharField(_("Bezahldienst"), max_length=50)
    provider_options = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=36, unique=True)
    transaction_id = models.CharField(max_length=100, blank=True, db_index=True)
    pay_url = models.URLField(max_length=2082, blank=True)
    amount = models.DecimalField(_("Betrag"), max_digits=11, decimal_places=2)
    status = models.CharField(
        _("Status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.INITIAL
    )
    status_detail = models.CharField(max_length=200, blank=True)
    reference = models.CharField(_("Kassenzeichen"), max_length=100, blank=True)
    method = models.CharField(_("Zahlart"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    # Set by staff through `payment_refund_mark` for a paid attempt that got no case.
    refund_status = models.CharField(
        _("Erstattung"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.NONE
    )
    refund_updated_at = models.DateTimeField(_("Erstattung geändert am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Zahlungsvorgang")
        verbose_name_plural = _("Zahlungsvorgänge")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "last_checked_at"], name="payment_tx_open")]

    def __str__(self) -> str:
        return f"{self.request_id} ({self.status}, {self.amount} EUR)"

    @property
    def is_final(self) -> bool:
        return self.status != PaymentStatus.INITIAL


class StandInTransaction(models.Model):
    """A transaction of the XBezahldienste stand-in (demo backends only)."""

    transaction_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    originator_id = models.CharField(max_length=36)
    end_point_id = models.CharField(max_length=36)
    request_id = models.CharField(max_length=36)
    payment_request = models.JSONField()
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.INITIAL
    )
    status_detail = models.CharField(max_length=100, blank=True)
    reference = models.CharField(max_length=40, blank=True)
    method = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Stand-in-Zahlung")
        verbose_name_plural = _("Stand-in-Zahlungen")
        constraints = [
            models.UniqueConstraint(
                fields=["originator_id", "end_point_id", "request_id"],
                name="standin_request_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id} ({self.status})"
