"""The step flow as a service: which step is current, a step's form, parsing and checking a
step's POST, saving the answers, the next and previous applicable step, the summary data.

One flow, several modes (`FlowMode`); what differs is where the state lives (`FlowState`):
- `citizen`: a `Draft` (`DraftFlowState`): answers saved to the database, files stored in
  the uploads storage, fields confirmed by the citizen's ID locked.
- `preview`: the studio's live preview of a definition document (`PreviewFlowState`):
  everything in the designer's session under a random preview id; no Draft, no Case, no
  payment, no e-mail; an uploaded file runs through the same checks (`upload_checked`) and
  only its name, type and size are kept.
(`counter`, an assisted entry at a counter, will be a third state.)

Views parse the request, call `step_page` / `step_post` / `summary_data`, and turn the
returned `StepOutcome` into a page or a redirect (URLs are the views' business).
"""

from __future__ import annotations

import copy
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from forms_engine.core.formatting import date_de, i18n, money, number_de
from forms_engine.core.summary import answer_sections
from forms_engine.core.text import json_text_problems
from forms_engine.definitions import (
    DefinitionError,
    Problem,
    ProcessDefinition,
    compile_definition,
)
from forms_engine.identity import services as identity_services

from . import services
from .forms import (
    Parsed,
    PendingUpload,
    _set_path,
    apply_repeat_action,
    build_form,
    parse_fields,
    pointer_to_key,
    strip_raw,
)
from .uploads import UploadRejected, upload_checked, upload_store


class FlowMode(StrEnum):
    CITIZEN = "citizen"
    PREVIEW = "preview"


# --- state ------------------------------------------------------------------------------


class FlowState:
    """Where one run of the flow keeps its answers. Subclasses: one per mode."""

    mode: FlowMode
    definition: ProcessDefinition

    @property
    def answers(self) -> dict:
        raise NotImplementedError

    @property
    def current_step(self) -> str:
        raise NotImplementedError

    @property
    def identity_attributes(self) -> dict:
        """Attributes the citizen's ID confirmed: their fields are locked."""
        return {}

    def save_step(self, step_id: str, step_data: dict) -> None:
        """Store one step's data (valid or not), and make it the current step."""
        raise NotImplementedError

    def set_current_step(self, step_id: str) -> None:
        raise NotImplementedError

    def uploads(self) -> dict:
        """`upload:<uuid>` → an object with `ref`, `original_name`, `media_type`, `size`."""
        raise NotImplementedError

    def store_upload(self, pending: PendingUpload) -> str:
        """Check (and in citizen mode store) a file; its `upload:<uuid>` reference.
        Raises `UploadRejected`."""
        raise NotImplementedError


class DraftFlowState(FlowState):
    """Citizen mode: the state is the `Draft` (as the wizard always kept it)."""

    mode = FlowMode.CITIZEN

    def __init__(self, draft, definition: ProcessDefinition):
        self.draft = draft
        self.definition = definition
        self._uploads: dict | None = None

    @property
    def answers(self) -> dict:
        return self.draft.answers or {}

    @property
    def current_step(self) -> str:
        return self.draft.current_step

    @property
    def identity_attributes(self) -> dict:
        return self.draft.identity_attributes

    def save_step(self, step_id: str, step_data: dict) -> None:
        services.draft_save_step(draft=self.draft, step_id=step_id, step_data=step_data)

    def set_current_step(self, step_id: str) -> None:
        services.draft_set_current_step(draft=self.draft, step_id=step_id)

    def uploads(self) -> dict:
        if self._uploads is None:  # one query, and only where a page needs them
            self._uploads = {u.ref: u for u in self.draft.uploads.all()}
        return self._uploads

    def store_upload(self, pending: PendingUpload) -> str:
        upload, _token = upload_store(
            file=pending.file,
            process_version=self.draft.process_version,
            field_pointer=pending.pointer,
            upload_spec=pending.field.upload or {},
            draft=self.draft,
        )
        self._uploads = None  # listed again with the new one
        return upload.ref


@dataclass(frozen=True)
class PreviewUpload:
    """A file checked in a preview: never stored, only what the pages show of it."""

    ref: str
    original_name: str
    media_type: str
    size: int


# The preview states of a session live under this session key, at most this many at a time
# (the oldest is forgotten first).
PREVIEW_SESSION_KEY = "studio_previews"
PREVIEWS_PER_SESSION = 3
PREVIEW_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_UPLOAD_REF = re.compile(r"^upload:[0-9a-f-]{36}$")


class PreviewFlowState(FlowState):
    """Preview mode: a definition document (not a published version) and its answers in
    the designer's session. Nothing is written anywhere else.

    The session entry (`PREVIEW_SESSION_KEY` → {preview id → state}) is plain JSON:
    `{"doc": <definition document>, "parameters": {name: value}, "answers": {step: data},
    "uploads": {"upload:<uuid>": {"name", "media_type", "size"}}, "current_step": str,
    "steps_seen": [step ids in the order first shown], "version_id": int | None (the
    studio version it belongs to), "revision": int | None and "saved": bool (`doc` is that
    version's saved state at this revision, not an unsaved editor state), "test": str (the
    designer test it was prefilled from)}`.
    """

    mode = FlowMode.PREVIEW

    def __init__(self, session, preview_id: str, data: dict, definition: ProcessDefinition):
        self.session = session
        self.preview_id = preview_id
        self.data = data
        self.definition = definition

    # read
    @property
    def answers(self) -> dict:
        return self.data["answers"]

    @property
    def current_step(self) -> str:
        return self.data.get("current_step", "")

    @property
    def doc(self) -> dict:
        return self.data["doc"]

    @property
    def parameters(self) -> dict:
        return self.data.get("parameters") or {}

    @property
    def steps_seen(self) -> list[str]:
        return list(self.data.get("steps_seen") or [])

    @property
    def version_id(self) -> int | None:
        return self.data.get("version_id")

    @property
    def revision(self) -> int | None:
        return self.data.get("revision")

    @property
    def saved(self) -> bool:
        return bool(self.data.get("saved"))

    @property
    def test_name(self) -> str:
        return self.data.get("test") or ""

    def uploads(self) -> dict:
        return {
            ref: PreviewUpload(ref, u["name"], u["media_type"], u["size"])
            for ref, u in (self.data.get("uploads") or {}).items()
        }

    # write (the session only)
    def _changed(self) -> None:
        self.session.modified = True

    def save_step(self, step_id: str, step_data: dict) -> None:
        problems = json_text_problems(step_data, f"/{step_id}")
        if problems:  # as `draft_save_step`: the parser reports such text before
            raise ValueError(f"unstorable text in the step data at {[p for p, _ in problems]}")
        self.data["answers"][step_id] = copy.deepcopy(step_data)
        self.data["current_step"] = step_id
        self._changed()

    def set_current_step(self, step_id: str) -> None:
        seen = self.data.setdefault("steps_seen", [])
        if step_id not in seen:
            seen.append(step_id)
            self._changed()
        if self.data.get("current_step") != step_id:
            self.data["current_step"] = step_id
            self._changed()

    def store_upload(self, pending: PendingUpload) -> str:
        with upload_checked(file=pending.file, upload_spec=pending.field.upload) as checked:
            ref = f"upload:{uuid.uuid4()}"
            self.data.setdefault("uploads", {})[ref] = {
                "name": checked.original_name,
                "media_type": checked.media_type,
                "size": checked.size,
            }
        self._changed()
        return ref


# --- preview states in the session -------------------------------------------------------


def preview_definition(doc: Any, parameters: Any = None) -> ProcessDefinition:
    """The definition a preview runs: `doc` checked, compiled and bound to `parameters`
    (unset ones take their defaults; none at all: the unbound definition, placeholders for
    required ones). Raises `DefinitionError` with the problems in words."""
    if not isinstance(doc, dict):
        raise DefinitionError(
            [
                Problem(
                    "", "Die Definition ist kein JSON-Objekt.", "The definition is not an object."
                )
            ]
        )
    definition = compile_definition(doc)  # checked first; cached by the document's hash
    if not parameters:
        # Defaults; a required parameter without a value shows its placeholder
        # (`missing_parameters`), as a designer test without `parameters` runs.
        return definition
    if not isinstance(parameters, dict):
        raise DefinitionError(
            [
                Problem(
                    "",
                    "Die Parameterwerte sind kein JSON-Objekt.",
                    "The parameter values are not an object.",
                )
            ]
        )
    return definition.bind(parameters)


def preview_start(
    session,
    *,
    doc: Any,
    parameters: dict | None = None,
    answers: dict | None = None,
    version_id: int | None = None,
    revision: int | None = None,
    saved: bool = False,
    test: str = "",
) -> PreviewFlowState:
    """A new preview of `doc` in `session` (prefilled with `answers`, e.g. a designer
    test's; bound to `parameters`). `version_id`: the studio version it belongs to;
    `saved`: `doc` is that version's saved document at `revision` (a test recorded from
    the run may then be added to it). Raises `DefinitionError` for a definition that
    cannot run, or parameter values that do not fit; nothing is kept then."""
    definition = preview_definition(doc, parameters)
    kept_answers = _answers_for(definition, answers)
    state = {
        "doc": doc,
        "parameters": dict(parameters or {}),
        "answers": kept_answers,
        # A designer test names files by reference only: shown as a test file.
        "uploads": {
            ref: {"name": _("Testdatei"), "media_type": "", "size": 0}
            for ref in _upload_refs(kept_answers)
        },
        "current_step": "",
        "steps_seen": [],
        "version_id": version_id,
        "revision": revision,
        "saved": saved,
        "test": test,
    }
    preview_id = secrets.token_urlsafe(18)
    previews = dict(session.get(PREVIEW_SESSION_KEY) or {})
    while len(previews) >= PREVIEWS_PER_SESSION:
        previews.pop(next(iter(previews)))
    previews[preview_id] = state
    session[PREVIEW_SESSION_KEY] = previews
    return PreviewFlowState(session, preview_id, state, definition)


def preview_get(session, preview_id: str) -> PreviewFlowState | None:
    """The preview `preview_id` of this session, or None (unknown, forgotten, or its
    definition no longer runs)."""
    if not isinstance(preview_id, str) or not PREVIEW_ID.match(preview_id):
        return None
    data = (session.get(PREVIEW_SESSION_KEY) or {}).get(preview_id)
    if not isinstance(data, dict):
        return None
    try:
        definition = preview_definition(data.get("doc"), data.get("parameters"))
    except DefinitionError:
        return None
    return PreviewFlowState(session, preview_id, data, definition)


def preview_discard(session, preview_id: str) -> None:
    previews = dict(session.get(PREVIEW_SESSION_KEY) or {})
    if previews.pop(preview_id, None) is not None:
        session[PREVIEW_SESSION_KEY] = previews


def _answers_for(definition: ProcessDefinition, answers: Any) -> dict:
    """Prefill answers: only steps of the definition with object data and text any
    database could hold; anything else is left out."""
    if not isinstance(answers, dict):
        return {}
    step_ids = {s.id for s in definition.steps}
    kept = {}
    for step_id, data in answers.items():
        if step_id in step_ids and isinstance(data, dict) and not json_text_problems(data, ""):
            kept[step_id] = copy.deepcopy(data)
    return kept


def _upload_refs(value) -> list[str]:
    if isinstance(value, dict):
        return [ref for v in value.values() for ref in _upload_refs(v)]
    if isinstance(value, list):
        return [ref for v in value for ref in _upload_refs(v)]
    return [value] if isinstance(value, str) and _UPLOAD_REF.match(value) else []


def preview_as_test(state: PreviewFlowState, name: str) -> dict:
    """The preview's answers as a designer test (docs/process-format.md, "Designer
    tests"): the applicable answers, the preview's parameters (if any), and as `expect`
    the applicable steps, the fee total, whether the answers are valid and, if not,
    where the errors are. The test passes against the definition previewed."""
    definition = state.definition
    answers = definition.prune(state.answers)
    errors = definition.validate_answers(answers)
    expect: dict[str, Any] = {
        "steps": [s.id for s in definition.applicable_steps(answers)],
        "fee_total": str(definition.fee_total(answers).quantize(Decimal("0.01"))),
        "valid": not errors,
    }
    if errors:
        expect["errors"] = sorted({e.pointer for e in errors if e.pointer.startswith("/")})
    test: dict[str, Any] = {"name": name, "answers": answers, "expect": expect}
    if state.parameters:
        test["parameters"] = dict(state.parameters)
    return test


# --- the steps ----------------------------------------------------------------------------


@dataclass
class StepPage:
    """What a step page shows: `step` (current), `steps` (the applicable ones, for the
    progress and the back link), `form` (`forms.Form`), messages and the HTTP status."""

    step: Any
    steps: list
    form: Any
    status_message: str = ""
    notice: str = ""
    status: int = 200

    @property
    def number(self) -> int:
        return [s.id for s in self.steps].index(self.step.id) + 1

    @property
    def previous_step(self) -> str | None:
        ids = [s.id for s in self.steps]
        position = ids.index(self.step.id)
        return ids[position - 1] if position > 0 else None


@dataclass
class StepOutcome:
    """The answer to a step request: a page to render, or where to go.

    Exactly one of: `page`; `go_to_step` (a step id: redirect there); `go_to_summary`;
    `saved` (Zwischenspeichern: the answers are kept; `not_kept` names what could not be).
    """

    page: StepPage | None = None
    go_to_step: str | None = None
    go_to_summary: bool = False
    saved: bool = False
    not_kept: list[str] = field(default_factory=list)


def applicable_step_ids(state: FlowState) -> list[str]:
    return [s.id for s in state.definition.applicable_steps(state.answers)]


def resume_step(state: FlowState) -> str:
    """Where a run continues: its current step if still applicable, else the first."""
    ids = applicable_step_ids(state)
    return state.current_step if state.current_step in ids else ids[0]


def next_step(state: FlowState, step_id: str) -> str | None:
    """The applicable step after `step_id` (None: the summary comes next)."""
    ids = applicable_step_ids(state)
    position = ids.index(step_id) if step_id in ids else -1
    return ids[position + 1] if 0 <= position < len(ids) - 1 else None


def previous_step(state: FlowState, step_id: str) -> str | None:
    ids = applicable_step_ids(state)
    position = ids.index(step_id) if step_id in ids else 0
    return ids[position - 1] if position > 0 else None


def step_page(state: FlowState, step_id: str, *, lang: str) -> StepOutcome:
    """GET of a step: its form with the saved answers (the step becomes the current one);
    a step that does not apply (now) sends to the first applicable one."""
    definition = state.definition
    steps = definition.applicable_steps(state.answers)
    if step_id not in [s.id for s in steps]:
        return StepOutcome(go_to_step=steps[0].id)
    current = definition.step(step_id)
    state.set_current_step(step_id)
    locked = _locked(state, step_id)
    data = state.answers.get(step_id) or {}
    if locked:
        data = identity_services.apply_locked(data, locked)
    form = build_form(
        step=current,
        fields=_applicable(definition, current, state.answers),
        data=data,
        errors={},
        lang=lang,
        uploads=_uploads_for(state, current),
        locked=locked,
    )
    return StepOutcome(page=StepPage(current, steps, form))


def step_post(
    state: FlowState,
    step_id: str,
    *,
    post,
    files,
    lang: str,
    returning: bool = False,
    refusal: Callable[[], UploadRejected | None] | None = None,
) -> StepOutcome:
    """POST of a step: parse everything that was on the page, keep the files (citizen) or
    check them (preview), save the step's data, then decide by the button (`_action`):
    a repeat's add/remove, `save` (Zwischenspeichern), or `next` (validate; the next
    applicable step, or the summary when `returning` or at the end).

    `refusal()` (asked once the step is known to apply; e.g. `uploads.upload_refusal` of
    the request): the body was cut off at a file over its limit: nothing of it is used;
    the step is shown again as saved, with the error (413).
    """
    definition = state.definition
    steps = definition.applicable_steps(state.answers)
    if step_id not in [s.id for s in steps]:
        return StepOutcome(go_to_step=steps[0].id)
    current = definition.step(step_id)
    locked = _locked(state, step_id)
    uploads = _uploads_for(state, current)
    refused = refusal() if refusal is not None else None
    if refused is not None:
        return StepOutcome(
            page=_refused_page(state, current, steps, lang, uploads, locked, refused)
        )

    all_fields = list(current.fields())
    parsed = Parsed(data={}, known_uploads=set(uploads))
    data = parse_fields(all_fields, post, files, [], step_id, parsed)
    if locked:
        # Confirmed by the ID: whatever was posted for these fields is ignored.
        data = identity_services.apply_locked(data, locked)
        for key in locked:
            parsed.errors.pop(key, None)
    _keep_uploads(state, parsed, data, post, lang)
    if parsed.uploads:  # new files: list them with the earlier ones
        uploads = state.uploads()
    merged = {**state.answers, step_id: strip_raw(data)}
    applicable = definition.applicable_fields(current, merged)
    data = {k: v for k, v in data.items() if k in applicable}
    fields = [f for f in all_fields if f.name in applicable]
    action = post.get("_action", "next")

    def page(errors, **extra) -> StepPage:
        form_extra = {k: extra.pop(k) for k in ("focus", "extra_errors") if k in extra}
        form = build_form(
            step=current,
            fields=fields,
            data=data,
            errors=errors,
            lang=lang,
            uploads=uploads,
            locked=locked,
            **form_extra,
        )
        return StepPage(current, steps, form, **extra)

    if action.startswith(("add:", "remove:")):
        data, focus = apply_repeat_action(fields, data, action)
        state.save_step(step_id, strip_raw(data))
        status_message = (
            _("Ein Eintrag wurde hinzugefügt.")
            if action.startswith("add:")
            else _("Der Eintrag wurde entfernt.")
        )
        return StepOutcome(page=page(parsed.errors, focus=focus, status_message=status_message))

    if action == "save":
        state.save_step(step_id, strip_raw(data))
        not_kept = []
        if parsed.errors:
            # What could not be read (a malformed date, a forbidden character) is not kept:
            # the saved page names it, instead of quietly handing out a link without it.
            not_kept = [text for _anchor, text in page(parsed.errors).form.error_list]
        return StepOutcome(saved=True, not_kept=not_kept)

    clean = strip_raw(data)
    errors = dict(parsed.errors)
    extra = []
    for error in definition.validate_step(step_id, clean, state.answers):
        key = pointer_to_key(error.pointer, step_id)
        if key is None or key == "":
            extra.append(error_message(error, lang))
        elif key not in errors:
            errors[key] = error_message(error, lang)
    shown = set(filter(None, post.get("_fields", "").split(",")))
    revealed = [name for name in applicable if name not in shown] if "_fields" in post else []
    notice = ""
    if revealed:
        # Questions that appear because of this page's answers: shown, not yet an error.
        hidden_errors = {k for k in errors if k.split(".")[0] in revealed}
        if hidden_errors:
            for k in hidden_errors:
                errors.pop(k)
            notice = _("Aufgrund Ihrer Angaben gibt es weitere Fragen. Bitte ergänzen Sie sie.")
    state.save_step(step_id, clean)
    if errors or extra or notice:
        return StepOutcome(page=page(errors, extra_errors=extra, notice=notice))
    if returning:
        return StepOutcome(go_to_summary=True)
    following = next_step(state, step_id)
    if following is not None:
        return StepOutcome(go_to_step=following)
    return StepOutcome(go_to_summary=True)


def error_message(error, lang: str) -> str:
    if lang != "de" and getattr(error, "message_en", ""):
        return error.message_en
    return error.message


def _locked(state: FlowState, step_id: str) -> dict:
    attributes = state.identity_attributes
    if not attributes:
        return {}
    return identity_services.locked_values(state.definition, attributes, step_id)


def _uploads_for(state: FlowState, step) -> dict:
    """Only upload fields look at the uploads: no query for the other steps."""
    return state.uploads() if step_has_upload(state.definition, step) else {}


def _keep_uploads(state: FlowState, parsed: Parsed, data: dict, post, lang: str) -> None:
    for pending in parsed.uploads:
        parts = pending.key.split(".")
        try:
            ref = state.store_upload(pending)
        except UploadRejected as exc:
            message = exc.message_en if lang != "de" and getattr(exc, "message_en", "") else ""
            parsed.errors[pending.key] = message or getattr(exc, "message", "") or str(exc)
            keep = post.get(pending.key + "._keep", "").strip()
            if keep in parsed.known_uploads:
                _set_path(data, parts, keep)
            continue
        _set_path(data, parts, ref)


def _refused_page(state, current, steps, lang, uploads, locked, refused) -> StepPage:
    data = state.answers.get(current.id) or {}
    if locked:
        data = identity_services.apply_locked(data, locked)
    message = refused.message_en if lang != "de" else refused.message
    key = getattr(refused, "field_name", "")
    form = build_form(
        step=current,
        fields=_applicable(state.definition, current, state.answers),
        data=data,
        errors={key: message} if key else {},
        lang=lang,
        uploads=uploads,
        extra_errors=[] if key else [message],
        locked=locked,
    )
    return StepPage(current, steps, form, status=413)


def walk_fields(fields):
    for f in fields:
        yield f
        yield from walk_fields(f.children or [])


# (definition sha256, step id) -> whether the step has an upload field (at any depth).
# A definition's sha256 names its content, so the answer never goes stale; bounded, as
# previews bring ever new documents.
_STEP_HAS_UPLOAD: dict[tuple[str, str], bool] = {}
_STEP_HAS_UPLOAD_MAX = 20_000


def step_has_upload(definition, step) -> bool:
    key = (definition.sha256, step.id)
    found = _STEP_HAS_UPLOAD.get(key)
    if found is None:
        if len(_STEP_HAS_UPLOAD) >= _STEP_HAS_UPLOAD_MAX:
            _STEP_HAS_UPLOAD.clear()
        found = _STEP_HAS_UPLOAD[key] = any(f.type == "upload" for f in walk_fields(step.fields()))
    return found


def _applicable(definition, current, answers):
    names = definition.applicable_fields(current, answers or {})
    return [f for f in current.fields() if f.name in names]


# --- summary and identity -------------------------------------------------------------------


def summary_data(state: FlowState, lang: str) -> dict:
    """The summary: `sections` (labelled answers per applicable step, `core.summary`),
    `fees` ([{label, amount}] formatted), `fee_total` (formatted, "" without fees),
    `fee_total_amount` (Decimal), and `last_step` (the last applicable step's id)."""
    definition = state.definition
    pruned = definition.prune(state.answers)
    sections = answer_sections(definition, state.answers, lang, state.uploads())
    applied = definition.fees(pruned)
    fees = [{"label": i18n(fee.label, lang), "amount": money(fee.amount, lang)} for fee in applied]
    total = definition.fee_total(pruned)
    return {
        "sections": sections,
        "fees": fees,
        "fee_total": money(total, lang) if fees else "",
        "fee_total_amount": total,
        "last_step": applicable_step_ids(state)[-1],
    }


def calculator_result(state: FlowState, lang: str) -> dict:
    """The result page of a calculator (`"kind": "calculator"`): `values` ([{name, label,
    value}] every computed value, formatted: money "1.234,56 €", numbers and dates German
    style; "–" while it has none), `complete` (the answers are valid), `first_step` (where
    "Neu berechnen" leads) and `last_step`. Nothing is stored or submitted."""
    definition = state.definition
    values = definition.computed_values(state.answers)
    result = []
    for entry in definition.computed:
        value = values.get(entry.name)
        if value is None:
            shown = "–"
        elif entry.type == "money":
            shown = money(value, lang)
        elif entry.type == "date":
            shown = date_de(value) if lang == "de" else str(value)
        else:
            shown = number_de(value, lang)
        result.append({"name": entry.name, "label": i18n(entry.label, lang), "value": shown})
    steps = applicable_step_ids(state)
    return {
        "values": result,
        "complete": not definition.validate_answers(state.answers),
        "first_step": definition.steps[0].id,
        "last_step": steps[-1],
    }


def identity_required(state: FlowState, minimum: str = "") -> str:
    """The sign-in level the run needs ("none" if none). A preview pretends it is met and
    only names it."""
    return services.identity_required_level(state.definition, minimum)
