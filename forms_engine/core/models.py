"""Cross-cutting records without business logic: the audit log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Who did what to which case, when. Append-only; written by `core.audit.audit_log`.

    `case_id` is a plain UUID, not a foreign key, so the record of a deletion outlives the
    case it speaks of (retention).
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # "system", "citizen" or the username at the time, kept even if the user is deleted.
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=60)
    case_id = models.UUIDField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokoll")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
