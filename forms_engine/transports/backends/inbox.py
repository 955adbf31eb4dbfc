"""`inbox`: the built-in transport; the case appears in its authority's clerk inbox."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forms_engine.transports import registry
from forms_engine.transports.base import Transport


@registry("inbox")
class InboxTransport(Transport):
    """Marks the case as routed (`Case.routed_at`); the clerk inbox lists routed cases.

    The case already belongs to its authority (`Case.authority`, fixed at submit time),
    so there is nothing to send. Idempotent: a second call keeps the first timestamp.
    """

    label = _("Postfach der Sachbearbeitung (in dieser Installation)")
    options_schema = {"type": "object", "additionalProperties": False}

    def deliver(self, *, case, casefile) -> None:
        now = timezone.now()
        type(case).objects.filter(pk=case.pk, routed_at__isnull=True).update(
            routed_at=now, updated_at=now
        )
        if case.routed_at is None:
            case.routed_at = type(case).objects.values_list("routed_at", flat=True).get(pk=case.pk)
