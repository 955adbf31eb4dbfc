"""The citizen's unguessable status link `/status/<token>/`.

The token is derived, never stored: base64url(HMAC-SHA256(case id)) under a key derived
from settings.SECRET_KEY (`salted_hmac` with a salt of its own), so the e-mails and the
confirmation page can re-derive it at any time. The case stores only sha256(token)
(`Case.status_token_hash`, set by `case_submit`); a lookup hashes the presented token,
finds the case by that hash and compares the re-derived token in constant time.
Rotating SECRET_KEY invalidates every status link (the hash no longer matches).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from django.urls import reverse
from django.utils.crypto import salted_hmac

from .models import Case, CaseStatusChange

_SALT = "forms_engine.cases.status.token"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def case_status_token(case_id) -> str:
    """The status token of the case with `case_id` (43 characters, base64url, no padding)."""
    digest = salted_hmac(_SALT, str(case_id), algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def status_token_hash(token: str) -> str:
    """What `Case.status_token_hash` stores for `token`: its sha256, hex."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def case_status_token_hash(case_id) -> str:
    return status_token_hash(case_status_token(case_id))


def case_status_url(case: Case) -> str:
    """The path of the case's status page (prefix the site's origin for e-mails)."""
    return reverse("citizen:status", args=[case_status_token(case.pk)])


def case_for_status_token(token: str) -> Case | None:
    """The case the token belongs to, or None for anything else (the view answers 404)."""
    if not isinstance(token, str) or not _TOKEN_RE.match(token):
        return None
    case = (
        Case.objects.select_related("process_version", "municipality", "authority")
        .filter(status_token_hash=status_token_hash(token))
        .first()
    )
    if case is None or not hmac.compare_digest(case_status_token(case.pk), token):
        return None
    return case


def case_status_history(case: Case) -> list[CaseStatusChange]:
    """What the citizen may see of the workflow: status, date and the message to them.

    Only CaseStatusChange rows; internal notes (CaseNote) and who changed what never
    reach the citizen.
    """
    return list(
        CaseStatusChange.objects.filter(case=case)
        .only("to_status", "changed_at", "message", "case_id")
        .order_by("changed_at", "pk")
    )
