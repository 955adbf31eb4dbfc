"""Draft services: everything the citizen wizard writes goes through here.

Views parse the request and call one of these; the answers live server side in `Draft`
from the first step on, so nothing a citizen typed is lost when the session ends.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from forms_engine.catalog.letterhead import municipality_email
from forms_engine.catalog.models import Municipality, ProcessVersion
from forms_engine.catalog.selectors import (
    activation_for,
    bound_definition,
    version_definition,
)
from forms_engine.core.text import json_text_problems
from forms_engine.identity.base import level_rank, level_satisfies
from forms_engine.identity.services import enforce_confirmed, prefill_answers

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


def draft_start(
    *,
    process_version: ProcessVersion,
    municipality: Municipality,
    identity: dict | None = None,
) -> Draft:
    """Create a draft pinned to `process_version` (foreign key + content hash).

    `identity` (the session's {level, means, bpk2, attributes}, or None) is recorded on the
    draft and the definition's `identity.prefill` fields are filled from its attributes.
    The caller checks the level before (`identity_level_refusal`); `case_submit` again.
    """
    answers: dict = {}
    values: dict = {}
    # The activation's parameter values and minimum identity level now: later changes of
    # the offering do not reach this draft.
    activation = activation_for(process_version.process, municipality)
    values_now = activation.parameter_values if activation is not None else None
    parameter_values = dict(values_now) if isinstance(values_now, dict) else {}
    min_level = activation.identity_min_level if activation is not None else ""
    if identity and identity.get("bpk2"):
        attributes = identity.get("attributes") or {}
        answers = prefill_answers(bound_definition(process_version, parameter_values), attributes)
        values = {
            "identity_level": identity.get("level") or "none",
            "identity_means": (identity.get("means") or "")[:50],
            "identity_bpk2": identity["bpk2"][:200],
            "identity_attributes": attributes,
        }
    return Draft.objects.create(
        process_version=process_version,
        definition_sha256=process_version.sha256,
        municipality=municipality,
        answers=answers,
        parameter_values=parameter_values,
        identity_min_level=min_level or "",
        **values,
    )


def draft_identity_update(*, draft: Draft, identity: dict | None) -> Draft:
    """Record a higher sign-in of the same person (or a first one) on the draft.

    A different person (other bPK2) never replaces the draft's identity; a lower or equal
    level changes nothing. Confirmed prefilled fields take the ID's values.
    """
    if not identity or not identity.get("bpk2"):
        return draft
    if draft.identity_bpk2 and draft.identity_bpk2 != identity["bpk2"]:
        return draft
    if level_rank(identity.get("level")) <= level_rank(draft.identity_level):
        return draft
    attributes = identity.get("attributes") or {}
    definition = bound_definition(draft.process_version, draft.parameter_values)
    draft.identity_level = identity["level"]
    draft.identity_means = (identity.get("means") or "")[:50]
    draft.identity_bpk2 = identity["bpk2"][:200]
    draft.identity_attributes = attributes
    draft.answers = enforce_confirmed(definition, attributes, draft.answers or {})
    draft.save(
        update_fields=[
            "identity_level",
            "identity_means",
            "identity_bpk2",
            "identity_attributes",
            "answers",
            "updated_at",
        ]
    )
    return draft


def identity_required_level(definition, minimum: str = "") -> str:
    """The level a process needs: its `identity.level` ("hoch" for Schriftform), raised to
    the municipality's `minimum` (`Activation.identity_min_level`, kept on the draft)."""
    required = (
        "hoch" if definition.schriftform else (definition.identity or {}).get("level") or "none"
    )
    return minimum if level_rank(minimum) > level_rank(required) else required


def identity_level_refusal(definition, identity: dict | None, minimum: str = "") -> str | None:
    """None if `identity` meets the process's level (and `minimum`); else the required level."""
    required = identity_required_level(definition, minimum)
    achieved = (identity or {}).get("level") if (identity or {}).get("bpk2") else "none"
    return None if level_satisfies(achieved, required) else required


# Every step POST saves its answers. The ORM spends about 0.25 ms building the SQL of the
# locked read and the update, several times what the database needs to run them; both
# statements are the same every time, so they are built once per database.
_SAVE_STEP_SQL: dict[str, tuple[str, str]] = {}


def _save_step_sql(alias: str) -> tuple[str, str]:
    """(locked read of id and answers, update of answers/current_step/updated_at by id)."""
    statements = _SAVE_STEP_SQL.get(alias)
    if statements is None:
        # Built inside the caller's transaction: SELECT … FOR UPDATE may only compile there.
        locked, params = (
            Draft.objects.using(alias)
            .select_for_update()
            .filter(pk=uuid.UUID(int=0))
            .only("answers")
            .query.sql_with_params()
        )
        if len(params) != 1:  # only the primary key may be a parameter
            raise AssertionError(f"unexpected parameters in the draft query: {params!r}")
        quote = connections[alias].ops.quote_name
        columns = ", ".join(
            f"{quote(Draft._meta.get_field(name).column)} = %s" for name in _SAVE_STEP_FIELDS
        )
        # Only the model's own table and column names are formatted in; values are parameters.
        update = (
            f"UPDATE {quote(Draft._meta.db_table)} SET {columns}"  # noqa: S608
            f" WHERE {quote(Draft._meta.pk.column)} = %s"
        )
        statements = _SAVE_STEP_SQL[alias] = (locked, update)
    return statements


_SAVE_STEP_FIELDS = ("answers", "current_step", "updated_at")


def draft_save_step(*, draft: Draft, step_id: str, step_data: dict[str, Any]) -> Draft:
    """Store one step's data (valid or not: Zwischenspeichern saves partial data too).

    The other steps' answers are read under a row lock (a concurrent save of another step
    is kept), like `select_for_update()` + `save(update_fields=…)`, without model signals.
    Text no database can hold (NUL, lone surrogates) raises `ValueError`, nothing stored:
    the wizard's parser reports it as a field error before it gets here.
    """
    problems = json_text_problems(step_data, f"/{step_id}")
    if problems:
        raise ValueError(f"unstorable text in the step data at {[p for p, _ in problems]}")
    alias = router.db_for_write(Draft)
    connection = connections[alias]
    pk = Draft._meta.pk.get_db_prep_value(draft.pk, connection)
    with transaction.atomic(using=alias):
        locked_sql, update_sql = _save_step_sql(alias)
        locked = next(iter(Draft.objects.using(alias).raw(locked_sql, [pk])), None)
        if locked is None:
            raise Draft.DoesNotExist
        answers = locked.answers if isinstance(locked.answers, dict) else {}
        answers[step_id] = step_data
        values = {"answers": answers, "current_step": step_id, "updated_at": timezone.now()}
        params = [
            Draft._meta.get_field(name).get_db_prep_save(values[name], connection)
            for name in _SAVE_STEP_FIELDS
        ]
        with connection.cursor() as cursor:
            cursor.execute(update_sql, [*params, pk])
    draft.answers = answers
    draft.current_step = step_id
    draft.updated_at = values["updated_at"]
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
    """Mail the resume link to the citizen (console backend unless configured), in the
    name of the draft's municipality (`catalog.letterhead.municipality_email`)."""
    draft.email = email
    draft.save(update_fields=["email", "updated_at"])
    subject = _("Ihr zwischengespeicherter Antrag: %(title)s") % {"title": title}
    body = _(
        "Guten Tag,\n\nSie haben Ihren Antrag „%(title)s“ zwischengespeichert. "
        "Mit diesem Link setzen Sie ihn fort:\n\n%(url)s\n\n"
        "Bitte geben Sie den Link nicht weiter: Wer ihn kennt, kann Ihre Angaben sehen."
    ) % {"title": title, "url": url}
    activation = activation_for(draft.process_version.process, draft.municipality)
    municipality_email(
        municipality=draft.municipality,
        authority=activation.authority if activation is not None else None,
        subject=subject,
        body=body,
        to=[email],
        english=(translation.get_language() or "de").startswith("en"),
    ).send()


def draft_set_declarations(*, draft: Draft, declarations: list[str]) -> Draft:
    draft.declarations = declarations
    draft.save(update_fields=["declarations", "updated_at"])
    return draft


def draft_submission_key(draft: Draft) -> str:
    return f"draft:{draft.pk}"


# --- session access ---------------------------------------------------------------------


def session_add_draft(session, draft: Draft) -> None:
    ids = list(session.get(SESSION_KEY, []))
    key = str(draft.pk)
    if key not in ids:
        ids.append(key)
        # Bounded, so a long session cannot grow without limit.
        session[SESSION_KEY] = ids[-50:]


def session_remove_drafts(session, draft_ids) -> None:
    remove = {str(d) for d in draft_ids}
    session[SESSION_KEY] = [d for d in session.get(SESSION_KEY, []) if d not in remove]


def session_has_draft(session, draft_id) -> bool:
    return str(draft_id) in session.get(SESSION_KEY, [])
