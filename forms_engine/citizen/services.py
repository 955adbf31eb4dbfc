"""Draft services: everything the citizen wizard writes goes through here.

Views parse the request and call one of these; the answers live server side in `Draft`
from the first step on, so nothing a citizen typed is lost when the session ends.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from forms_engine.catalog.models import Municipality, ProcessVersion
from forms_engine.catalog.selectors import version_definition

from .models import Draft

SESSION_KEY = "citizen_drafts"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def definition_for(process_version: ProcessVersion):
    """The compiled definition of a version, cached by its stored sha256.

    The definition JSON is only read on a cache miss, so callers may load the version with
    `.defer("definition")`.
    """
    return version_definition(process_version)


def draft_start(*, process_version: ProcessVersion, municipality: Municipality) -> Draft:
    """Create a draft pinned to `process_version` (foreign key + content hash)."""
    return Draft.objects.create(
        process_version=process_version,
        definition_sha256=process_version.sha256,
        municipality=municipality,
        answers={},
    )


@transaction.atomic
def draft_save_step(*, draft: Draft, step_id: str, step_data: dict[str, Any]) -> Draft:
    """Store one step's data (valid or not: Zwischenspeichern saves partial data too)."""
    locked = Draft.objects.select_for_update().get(pk=draft.pk)
    answers = copy.deepcopy(locked.answers or {})
    answers[step_id] = step_data
    locked.answers = answers
    locked.current_step = step_id
    locked.save(update_fields=["answers", "current_step", "updated_at"])
    draft.answers = locked.answers
    draft.current_step = locked.current_step
    return draft


def draft_set_current_step(*, draft: Draft, step_id: str) -> Draft:
    if draft.current_step != step_id:
        draft.current_step = step_id
        draft.save(update_fields=["current_step", "updated_at"])
    return draft


def draft_create_resume_link(*, draft: Draft) -> str:
    """A fresh resume token; only its sha256 is stored. Older links stop working."""
    token = secrets.token_urlsafe(32)
    draft.resume_token_hash = token_hash(token)
    draft.save(update_fields=["resume_token_hash", "updated_at"])
    return token


def draft_resume(*, token: str) -> Draft | None:
    """The draft a resume token belongs to, or None."""
    if not token or len(token) > 200:
        return None
    return (
        Draft.objects.select_related("process_version", "municipality")
        .filter(resume_token_hash=token_hash(token))
        .first()
    )


def draft_send_resume_link(*, draft: Draft, email: str, url: str, title: str) -> None:
    """Mail the resume link to the citizen (console backend unless configured)."""
    draft.email = email
    draft.save(update_fields=["email", "updated_at"])
    subject = _("Ihr zwischengespeicherter Antrag: %(title)s") % {"title": title}
    body = _(
        "Guten Tag,\n\nSie haben Ihren Antrag „%(title)s“ zwischengespeichert. "
        "Mit diesem Link setzen Sie ihn fort:\n\n%(url)s\n\n"
        "Bitte geben Sie den Link nicht weiter: Wer ihn kennt, kann Ihre Angaben sehen."
    ) % {"title": title, "url": url}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])


def draft_set_declarations(*, draft: Draft, declarations: list[str]) -> Draft:
    draft.declarations = declarations
    draft.save(update_fields=["declarations", "updated_at"])
    return draft


def draft_submission_key(draft: Draft) -> str:
    return f"draft:{draft.pk}"


def draft_submit(*, draft: Draft, declarations: list[str], language: str = "de"):
    """Submit the draft as a case (idempotent: the key is derived from the draft id).

    Raises `cases.services.AnswersInvalid` when the whole answer set does not validate.
    """
    from forms_engine.cases.services import case_submit

    draft = draft_set_declarations(draft=draft, declarations=declarations)
    case = case_submit(
        process_version=draft.process_version,
        municipality=draft.municipality,
        answers=draft.answers,
        declarations=declarations,
        submission_key=draft_submission_key(draft),
        upload_owner=draft,
        language=language,
    )
    if draft.submitted_case_id != case.pk:
        Draft.objects.filter(pk=draft.pk).update(submitted_case=case)
        draft.submitted_case = case
    return case


# --- session access ---------------------------------------------------------------------


def session_add_draft(session, draft: Draft) -> None:
    ids = list(session.get(SESSION_KEY, []))
    key = str(draft.pk)
    if key not in ids:
        ids.append(key)
        # Bounded, so a long session cannot grow without limit.
        session[SESSION_KEY] = ids[-50:]


def session_has_draft(session, draft_id) -> bool:
    return str(draft_id) in session.get(SESSION_KEY, [])
