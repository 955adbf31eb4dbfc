"""Cases: what a citizen filed, pinned to the exact process version."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from forms_engine.catalog.models import Authority, Municipality, ProcessVersion


class Case(models.Model):
    """A submitted application. Created only by `cases.services.case_submit`."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Eingegangen")
        IN_PROGRESS = "in_progress", _("In Bearbeitung")
        QUERY = "query", _("Rückfrage")
        APPROVED = "approved", _("Abgeschlossen: bewilligt")
        REJECTED = "rejected", _("Abgeschlossen: abgelehnt")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("Aktenzeichen"), max_length=32, unique=True)
    process_version = models.ForeignKey(
        ProcessVersion, on_delete=models.PROTECT, related_name="cases"
    )
    # The content hash the case was validated against; equals process_version.sha256
    # forever, because published versions are immutable. Kept so the case proves it alone.
    definition_sha256 = models.CharField(max_length=64)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="cases")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="cases")
    answers = models.JSONField(_("Antworten"))
    declarations = models.JSONField(_("Erklärungen"), default=list)
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    # Idempotency: a second submit with the same key returns the first case.
    submission_key = models.CharField(max_length=100, unique=True)
    language = models.CharField(max_length=8, default="de")
    submitted_at = models.DateTimeField(_("Eingegangen am"))
    # Set by the task `cases.tasks.case_process` once the intake pipeline has run;
    # None means the case still waits for it (the pipeline issue extends that task).
    received_processed_at = models.DateTimeField(_("Eingang verarbeitet am"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Antrag")
        verbose_name_plural = _("Anträge")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["authority", "status", "-submitted_at"])]

    def __str__(self) -> str:
        return self.reference


class ReferenceCounter(models.Model):
    """Gap-tolerant, race-free counter for reference numbers per prefix and year."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"
