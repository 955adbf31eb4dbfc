"""Writes of cases. `case_submit` is the one door through which a case comes to exist.

Where Celery comes in: `case_submit` is synchronous and complete on its own (the citizen
gets the reference number in the same request, and the case is stored even when no
worker runs). After the transaction commits it enqueues `cases.tasks.case_process`
(`transaction.on_commit`), which runs the pipeline (`cases.pipeline`: case file PDF,
routing to the authority, receipt e-mail). Without a broker Celery runs eagerly, so the
pipeline still runs right after commit; a case the broker never got is re-enqueued by
`pipeline_sweep`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from forms_engine.catalog.models import Municipality, ProcessVersion
from forms_engine.catalog.selectors import activation_for, bound_definition
from forms_engine.citizen.models import Draft, Upload
from forms_engine.citizen.selectors import submit_eligibility
from forms_engine.citizen.services import draft_set_declarations, draft_submission_key
from forms_engine.citizen.uploads import upload_owner_matches, upload_token_expired
from forms_engine.core.answer_fields import field_shape, upload_spec_for
from forms_engine.definitions import FieldError
from forms_engine.identity.base import LEVELS
from forms_engine.identity.services import enforce_confirmed

from .exceptions import AnswersInvalid, SubmissionRefused
from .hooks import payment_gate, payment_record_on_case
from .models import Case, CaseStatusChange, PaymentStatus, ReferenceCounter
from .status import case_status_token_hash

UPLOAD_PREFIX = "upload:"
logger = logging.getLogger(__name__)


def reference_next(*, prefix: str, year: int) -> str:
    """The next reference number `<PREFIX>-<YEAR>-<NNNNNN>` for prefix and year.

    Must run inside a transaction: the counter row is locked (`select_for_update`), so
    concurrent submissions on PostgreSQL wait for each other and never share a number;
    SQLite serialises writers anyway. A rolled-back submission may leave a gap, never a
    duplicate.
    """
    try:
        with transaction.atomic():
            ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
    except IntegrityError:
        pass  # created concurrently by another submission: fine, it exists now
    counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{year}-{counter.last:06d}"


def _declaration_ids(definition) -> list[str]:
    ids = []
    for declaration in definition.declarations or ():
        ident = declaration.get("id") if isinstance(declaration, Mapping) else declaration.id
        ids.append(ident)
    return ids


def _walk_strings(value, pointer=""):
    if isinstance(value, Mapping):
        for key, child in value.items():
            escaped = str(key).replace("~", "~0").replace("/", "~1")
            yield from _walk_strings(child, f"{pointer}/{escaped}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk_strings(child, f"{pointer}/{index}")
    elif isinstance(value, str):
        yield pointer, value


def _upload_error(pointer: str, message: str, message_en: str, code: str) -> FieldError:
    return FieldError(pointer=pointer, message=message, message_en=message_en, code=code)


def _owner_allows(upload: Upload, ref: str, upload_owner) -> bool:
    if isinstance(upload_owner, Draft):
        return upload.draft_id == upload_owner.pk
    if isinstance(upload_owner, str):
        return upload_owner_matches(upload, upload_owner)
    if isinstance(upload_owner, Mapping):
        return upload_owner_matches(upload, upload_owner.get(ref))
    return False


def _resolve_uploads(*, definition, process_version, answers, upload_owner):
    """Check every upload reference in the (pruned) answers; lock and return the uploads.

    Returns `(uploads, errors)`. A reference must exist, belong to the submitter (same
    Draft or the owner token), be made for this version and this field (array indices
    aside), not be attached to a case yet, and satisfy the field's `x-upload`. An upload
    owned by an API token must be used before the token expires (`upload_expired`).
    """
    refs = []
    for pointer, value in _walk_strings(answers):
        spec = upload_spec_for(definition, pointer)
        if spec is not None:
            refs.append((pointer, value, spec))
    if not refs:
        return [], []
    ids = {}
    for _pointer, value, _spec in refs:
        try:
            ids[value] = uuid.UUID(value[len(UPLOAD_PREFIX) :])
        except ValueError:
            ids[value] = None
    uploads = {
        upload.ref: upload
        for upload in Upload.objects.select_for_update().filter(
            pk__in=[i for i in ids.values() if i is not None]
        )
    }
    errors, found, seen = [], [], set()
    for pointer, value, spec in refs:
        upload = uploads.get(value) if value.startswith(UPLOAD_PREFIX) else None
        if upload is None or not _owner_allows(upload, value, upload_owner):
            # Unknown and foreign references look the same: nothing leaks about others' files.
            errors.append(
                _upload_error(
                    pointer,
                    "Die hochgeladene Datei wurde nicht gefunden. Bitte laden Sie sie erneut hoch.",
                    "The uploaded file was not found. Please upload it again.",
                    "upload_unknown",
                )
            )
            continue
        if value in seen:
            errors.append(
                _upload_error(
                    pointer,
                    "Dieselbe Datei ist mehrfach angegeben.",
                    "The same file is given more than once.",
                    "upload_duplicate",
                )
            )
            continue
        seen.add(value)
        if not isinstance(upload_owner, Draft) and upload_token_expired(upload):
            errors.append(
                _upload_error(
                    pointer,
                    "Die hochgeladene Datei ist abgelaufen. Bitte laden Sie sie erneut hoch.",
                    "The uploaded file has expired. Please upload it again.",
                    "upload_expired",
                )
            )
            continue
        if upload.process_version_id != process_version.pk or field_shape(
            upload.field_pointer
        ) != field_shape(pointer):
            errors.append(
                _upload_error(
                    pointer,
                    "Die Datei wurde für ein anderes Feld hochgeladen.",
                    "The file was uploaded for another field.",
                    "upload_wrong_field",
                )
            )
            continue
        if upload.case_id is not None:
            errors.append(
                _upload_error(
                    pointer,
                    "Die Datei gehört bereits zu einem eingereichten Antrag.",
                    "The file already belongs to a submitted application.",
                    "upload_used",
                )
            )
            continue
        allowed = spec.get("media_types") or []
        max_bytes = spec.get("max_bytes")
        if upload.media_type not in allowed or (max_bytes and upload.size > int(max_bytes)):
            errors.append(
                _upload_error(
                    pointer,
                    "Die Datei passt nicht zu den erlaubten Dateitypen oder -größen dieses Felds.",
                    "The file does not match the allowed file types or sizes of this field.",
                    "upload_type",
                )
            )
            continue
        found.append(upload)
    return found, errors


def case_submit(
    *,
    process_version: ProcessVersion,
    municipality: Municipality,
    answers: dict,
    declarations: list[str],
    submission_key: str,
    upload_owner: Draft | str | Mapping[str, str] | None = None,
    language: str = "de",
    identity: Mapping | None = None,
) -> Case:
    """Submit an application; returns the new (or, for a repeated key, the first) Case.

    Contract:
    - One transaction; on any error nothing is stored.
    - `citizen.selectors.submit_eligibility` must allow it (else `SubmissionRefused` with
      its code): the version published (a retired one only for a Draft within the
      version's `submit_until`, or already paid), the process active in `municipality`
      (`not_offered`), a Draft of this version and municipality; the case goes to the
      Activation's authority.
    - Validates `answers` with the pinned version's `validate_answers`, requires every
      declaration of the definition in `declarations` (`/declarations/<id>`) and checks
      every `upload:<uuid>` in the pruned answers → `AnswersInvalid(errors)`.
    - Parameter values: the Draft's (kept since it started), else the Activation's; the
      definition is bound to them (fees, texts, option lists) and the case stores them.
    - Stores the pruned answers, the accepted declarations, attaches the uploads, numbers
      the case `<PREFIX>-<YEAR>-<NNNNNN>`.
    - `upload_owner`: the Draft (wizard; its `submitted_case` is set), an API owner token,
      or a mapping `{"upload:<uuid>": token}`; None allows no uploads.
    - Identity: the pinned version's `identity.level` (`schriftform` ⇒ "hoch") must be met
      by the identity achieved: the Draft's (read under its row lock) when `upload_owner`
      is a Draft, else `identity` ({level, means, bpk2, attributes}); otherwise
      `SubmissionRefused` code `identity_level`. Fields the ID confirmed
      (`identity.prefill`) take the ID's values whatever the answers say. Level, means,
      bPK2 and attributes are stored on the case.
    - Idempotent: the same `submission_key` returns the existing case (also under a
      concurrent duplicate); a Draft already submitted returns its case.
    - After commit, enqueues `cases.tasks.case_process(case_id)`.
    """
    existing = Case.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return _same_submission(existing, process_version)
    if isinstance(upload_owner, Draft) and upload_owner.submitted_case_id is not None:
        return upload_owner.submitted_case
    try:
        with transaction.atomic():
            case = _case_create(
                process_version=process_version,
                municipality=municipality,
                answers=answers,
                declarations=declarations,
                submission_key=submission_key,
                upload_owner=upload_owner,
                language=language,
                identity=identity,
            )
    except IntegrityError:
        # A concurrent submit with the same key (or of the same draft) won the race.
        existing = Case.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return _same_submission(existing, process_version)
        if isinstance(upload_owner, Draft):
            upload_owner.refresh_from_db()
            if upload_owner.submitted_case_id is not None:
                return upload_owner.submitted_case
        raise
    case_id = str(case.pk)
    transaction.on_commit(lambda: case_enqueue_processing(case_id=case_id))
    return case


def case_enqueue_processing(*, case_id: str) -> bool:
    """Hand a committed case to the pipeline; never fails the citizen's request.

    See `cases.pipeline.pipeline_enqueue`: on a broker error the case stays unfinished and
    the sweeper enqueues it again; the citizen still gets the reference number.
    """
    from .pipeline import pipeline_enqueue

    return pipeline_enqueue(case_id=case_id)


def _same_submission(case: Case, process_version: ProcessVersion) -> Case:
    if case.process_version_id != process_version.pk:
        raise SubmissionRefused(
            "Dieser Einreichungsschlüssel wurde bereits für einen anderen Antrag verwendet.",
            "This submission key was already used for another application.",
            "key_reused",
        )
    return case


def _case_create(
    *,
    process_version,
    municipality,
    answers,
    declarations,
    submission_key,
    upload_owner,
    language,
    identity=None,
) -> Case:
    version = ProcessVersion.objects.select_related("process").get(pk=process_version.pk)
    locked_draft = None
    if isinstance(upload_owner, Draft):
        locked_draft = Draft.objects.select_for_update().get(pk=upload_owner.pk)
        if locked_draft.submitted_case_id is not None:
            return locked_draft.submitted_case  # submitted meanwhile (double click)
        identity = {
            "level": locked_draft.identity_level,
            "means": locked_draft.identity_means,
            "bpk2": locked_draft.identity_bpk2,
            "attributes": locked_draft.identity_attributes,
        }
    # The same checks the summary and pay pages make before any payment starts.
    eligibility = submit_eligibility(
        process_version=version, municipality=municipality, draft=locked_draft, identity=identity
    )
    identity_refusal = None
    if eligibility.code == "identity_level":
        # Raised after the answers are validated, so answer errors come first.
        identity_refusal = SubmissionRefused(
            eligibility.message, eligibility.message_en, eligibility.code
        )
    elif not eligibility.allowed:
        if (
            locked_draft is not None
            and locked_draft.payment_transactions.filter(
                status=PaymentStatus.PAYED, case__isnull=True
            ).exists()
        ):
            # Paid, yet no case can be made: staff find it in the reconciliation list.
            logger.warning(
                "paid draft %s refused (%s): see payments reconciliation",
                locked_draft.pk,
                eligibility.code,
            )
        raise SubmissionRefused(eligibility.message, eligibility.message_en, eligibility.code)
    activation = activation_for(version.process, municipality)
    # The draft's parameter values (kept since it started), else the activation's now.
    if locked_draft is not None:
        parameter_values = locked_draft.parameter_values or {}
    else:
        parameter_values = (activation.parameter_values if activation else None) or {}
    definition = bound_definition(version, parameter_values)
    identity = _identity_stored(identity)
    answers = answers if isinstance(answers, dict) else {}
    if identity["attributes"]:
        answers = enforce_confirmed(definition, identity["attributes"], answers)
    errors = list(definition.validate_answers(answers))
    given = {d for d in (declarations or []) if isinstance(d, str)}
    required = _declaration_ids(definition)
    errors.extend(
        FieldError(
            pointer=f"/declarations/{ident}",
            message="Bitte bestätigen Sie diese Erklärung.",
            message_en="Please confirm this declaration.",
            code="declaration_required",
        )
        for ident in required
        if ident not in given
    )
    if errors:
        raise AnswersInvalid(errors)
    if identity_refusal is not None:
        raise identity_refusal
    if locked_draft is not None and payment_gate(draft=locked_draft) is not None:
        raise SubmissionRefused(
            "Bitte bezahlen Sie zuerst die Gebühr; danach können Sie den Antrag absenden.",
            "Please pay the fee first; then you can submit the application.",
            "payment_required",
        )

    pruned = definition.prune(answers)
    uploads, upload_errors = _resolve_uploads(
        definition=definition,
        process_version=version,
        answers=pruned,
        upload_owner=upload_owner,
    )
    if upload_errors:
        raise AnswersInvalid(upload_errors)

    now = timezone.now()
    prefix = definition.reference_prefix or settings.FORMS_REFERENCE_PREFIX
    reference = reference_next(prefix=prefix, year=timezone.localtime(now).year)
    applicant_name, applicant_email = definition.applicant_of(pruned)
    case_id = uuid.uuid4()
    case = Case.objects.create(
        id=case_id,
        status_token_hash=case_status_token_hash(case_id),
        reference=reference,
        applicant_name=applicant_name[:300],
        applicant_email=applicant_email[:254],
        process_version=version,
        definition_sha256=version.sha256,
        municipality=municipality,
        authority=activation.authority,
        answers=pruned,
        parameter_values=parameter_values,
        declarations=[ident for ident in required if ident in given],
        submission_key=submission_key,
        language=language if language in {"de", "en"} else "de",
        submitted_at=now,
        identity_level=identity["level"],
        identity_means=identity["means"],
        identity_bpk2=identity["bpk2"],
        identity_attributes=identity["attributes"],
    )
    CaseStatusChange.objects.create(
        case=case, from_status="", to_status=Case.Status.RECEIVED, changed_at=now
    )
    if uploads:
        attached = Upload.objects.filter(pk__in=[u.pk for u in uploads], case__isnull=True).update(
            case=case
        )
        if attached != len(uploads):
            raise IntegrityError("upload attached concurrently")
    if isinstance(upload_owner, Draft):
        # A second submit of the same draft hits the OneToOne constraint → IntegrityError.
        Draft.objects.filter(pk=upload_owner.pk).update(submitted_case=case)
        upload_owner.submitted_case = case
        payment_record_on_case(draft=locked_draft, case=case)
    else:
        _payment_record_without_draft(case=case, definition=definition, answers=pruned)
    return case


def _payment_record_without_draft(*, case, definition, answers) -> None:
    """API submissions take no online payment (yet): a fee that is owed is invoiced."""
    amount = definition.fee_total(answers)
    if amount > 0 and definition.payment_policy in ("required", "deferred"):
        case.payment_status, case.payment_amount = PaymentStatus.INVOICE, amount
        case.save(update_fields=["payment_status", "payment_amount"])


def _identity_stored(identity: Mapping | None) -> dict:
    """The identity to store on the case; a level without a bPK2 counts as none.

    Whether it is enough for the version is `submit_eligibility`'s question.
    """
    identity = identity if isinstance(identity, Mapping) else {}
    level = identity.get("level") or "none"
    if level not in LEVELS or not identity.get("bpk2"):
        return {"level": "none", "means": "", "bpk2": "", "attributes": {}}
    attributes = identity.get("attributes")
    return {
        "level": level,
        "means": str(identity.get("means") or "")[:50],
        "bpk2": str(identity["bpk2"])[:200],
        "attributes": dict(attributes) if isinstance(attributes, Mapping) else {},
    }


def case_intake_complete(*, case_id) -> Case | None:
    """Run the remaining pipeline of a case (idempotent; see `cases.pipeline.pipeline_run`).

    Returns the case, or None if it does not exist (deleted in between: nothing to do).
    """
    from .pipeline import pipeline_run

    return pipeline_run(case_id=case_id)


def draft_submit(*, draft: Draft, declarations: list[str], language: str = "de"):
    """Submit the citizen's draft as a case (idempotent: the key is derived from the draft id).

    Raises `AnswersInvalid` when the whole answer set does not validate.
    """
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
