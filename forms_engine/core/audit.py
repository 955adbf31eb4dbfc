"""The audit log: every view and change of a case is written here and shown on the case."""

from __future__ import annotations

import uuid

from .models import AuditEntry


def audit_log(
    *, actor, action: str, case_id: uuid.UUID | str | None = None, data=None
) -> AuditEntry:
    """Append one entry. `actor` is a user, or a label such as "system" or "citizen".

    Actions are dotted verbs: `case.viewed`, `case.status_changed`, `case.assigned`,
    `case.note_added`, `casefile.downloaded`, `pipeline.routed`, `retention.case_reduced`, …
    """
    if actor is None or isinstance(actor, str):
        user, label = None, actor or "system"
    else:
        user, label = actor, actor.get_username()
    return AuditEntry.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        case_id=uuid.UUID(str(case_id)) if case_id else None,
        data=data or {},
    )


def audit_log_many(*, actor, action: str, data: list[dict]) -> list[AuditEntry]:
    """Append one entry per item of `data` (same actor and action) in one insert, in order."""
    if actor is None or isinstance(actor, str):
        user, label = None, actor or "system"
    else:
        user, label = actor, actor.get_username()
    return AuditEntry.objects.bulk_create(
        [AuditEntry(actor=user, actor_label=label, action=action, data=item) for item in data]
    )


def audit_trail(case_id) -> list[AuditEntry]:
    """All entries of a case, oldest first."""
    return list(AuditEntry.objects.filter(case_id=case_id).select_related("actor"))
