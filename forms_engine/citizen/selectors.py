"""Reads for the citizen pages: what is offered where, and a citizen's own drafts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import F
from django.http import Http404

from forms_engine.catalog.models import Activation, Municipality, Process, ProcessVersion
from forms_engine.catalog.selectors import current_version, current_versions

from .models import Draft
from .services import session_has_draft


@dataclass(frozen=True)
class Offer:
    process: Process
    version: ProcessVersion
    municipalities: list[Municipality]


def offers() -> list[Offer]:
    """Processes with a published version and at least one active activation.

    The version is `catalog.selectors.current_versions()`'s (highest published semantic
    version), the same the API lists.
    """
    result = []
    offered = set(Process.objects.filter(activations__is_active=True).values_list("pk", flat=True))
    for version in current_versions():
        if version.process_id in offered:
            result.append(Offer(version.process, version, municipalities_for(version.process)))
    return result


def offer_get(process_id: str) -> Offer:
    process = Process.objects.filter(identifier=process_id).first()
    if process is None:
        raise Http404
    version = current_version(process)
    municipalities = municipalities_for(process)
    if version is None or not municipalities:
        raise Http404
    return Offer(process, version, municipalities)


def municipalities_for(process: Process) -> list[Municipality]:
    return list(
        Municipality.objects.filter(
            activations__process=process, activations__is_active=True
        ).order_by("name")
    )


def activation_exists(process: Process, municipality: Municipality) -> bool:
    return Activation.objects.filter(
        process=process, municipality=municipality, is_active=True
    ).exists()


def draft_for_session(request, draft_id) -> Draft:
    """The draft if this session created or resumed it; 404 for anything else."""
    if not session_has_draft(request.session, draft_id):
        raise Http404
    draft = (
        # The definition JSON is not read per request: the compiled form is cached by sha256.
        Draft.objects.select_related("process_version__process", "municipality")
        .defer("process_version__definition")
        .filter(pk=draft_id)
        .first()
    )
    if draft is None:
        raise Http404
    return draft


# The step page is the hot path (a GET and a POST per step and citizen). Building the SQL of
# the draft query with its three joins costs the ORM about 0.4 ms per request, several times
# what SQLite needs to run it; the statement never changes, so it is built once per database.
_STEP_DRAFT_SQL: dict[str, str] = {}


def _step_draft_sql(alias: str) -> str:
    sql = _STEP_DRAFT_SQL.get(alias)
    if sql is None:
        query = (
            Draft.objects.using(alias)
            .filter(pk=uuid.UUID(int=0))
            .annotate(
                step_municipality_name=F("municipality__name"),
                step_version_sha256=F("process_version__sha256"),
                step_process_id=F("process_version__process_id"),
                step_process_identifier=F("process_version__process__identifier"),
            )
            .query
        )
        sql, params = query.sql_with_params()
        if len(params) != 1:  # only the primary key may be a parameter
            raise AssertionError(f"unexpected parameters in the draft query: {params!r}")
        _STEP_DRAFT_SQL[alias] = sql
    return sql


def draft_for_step(request, draft_id) -> Draft:
    """`draft_for_session` for the step page: the same access check, one prepared query.

    The draft comes with what the step page reads of its relations: `municipality` (id,
    name) and `process_version` (id, sha256, `process` with id and identifier); their
    other columns are deferred (loaded on access, as `definition` always was).
    """
    if not session_has_draft(request.session, draft_id):
        raise Http404
    alias = router.db_for_read(Draft)
    connection = connections[alias]
    try:
        pk = Draft._meta.pk.get_db_prep_value(uuid.UUID(str(draft_id)), connection)
    except ValueError:
        raise Http404 from None
    draft = next(iter(Draft.objects.using(alias).raw(_step_draft_sql(alias), [pk])), None)
    if draft is None:
        raise Http404
    draft.municipality = Municipality.from_db(
        alias,
        [Municipality._meta.pk.attname, "name"],
        [draft.municipality_id, draft.step_municipality_name],
    )
    version = ProcessVersion.from_db(
        alias,
        [ProcessVersion._meta.pk.attname, "process_id", "sha256"],
        [draft.process_version_id, draft.step_process_id, draft.step_version_sha256],
    )
    version.process = Process.from_db(
        alias,
        [Process._meta.pk.attname, "identifier"],
        [draft.step_process_id, draft.step_process_identifier],
    )
    draft.process_version = version
    return draft


# --- the citizen account: found by bPK2 only (never by name) ------------------------


def account_drafts(bpk2: str) -> list[Draft]:
    """Open drafts signed in with this bPK2, newest first."""
    if not bpk2:
        return []
    return list(
        Draft.objects.filter(identity_bpk2=bpk2, submitted_case__isnull=True)
        .select_related("process_version__process", "municipality")
        .defer("process_version__definition")
        .order_by("-updated_at")[:100]
    )


def account_cases(bpk2: str):
    """Cases submitted with this bPK2, newest first (answers not loaded)."""
    from forms_engine.cases.models import Case

    if not bpk2:
        return []
    return list(
        Case.objects.filter(identity_bpk2=bpk2)
        .select_related("process_version__process", "municipality")
        .defer("answers", "process_version__definition")
        .order_by("-submitted_at")[:100]
    )


def account_draft_get(bpk2: str, draft_id) -> Draft:
    """An open draft of this bPK2; 404 for any other."""
    if not bpk2:
        raise Http404
    draft = Draft.objects.filter(
        pk=draft_id, identity_bpk2=bpk2, submitted_case__isnull=True
    ).first()
    if draft is None:
        raise Http404
    return draft
