"""The structured editor (`studio:editor` and its sub-pages), the JSON view with live
validation, and the history of saves (`studio:history`).

Every change is one POST carrying the hidden `revision` the page was loaded at; the change
itself is a pure function of `editor_doc`, the save is `editing.document_save` (a draft
saved by someone else in between is refused with a message and nothing is lost). Published
and retired versions, and users without the designer role, see the pages read-only."""

from __future__ import annotations

import copy
import json

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from forms_engine.catalog.exceptions import CatalogError
from forms_engine.catalog.services import process_version_restore_revision
from forms_engine.definitions import (
    DefinitionError,
    check_definition,
    definition_diff,
    load_definition,
)
from forms_engine.definitions.conditions import (
    condition_text,
)
from forms_engine.definitions.field_types import (
    FIELD_KINDS,
    UPLOAD_MEDIA_TYPES,
    kind_of,
    structured_editable,
)
from forms_engine.definitions.fields import build_fields

from . import editor_doc as ed
from .access import studio_login_required, version_for
from .editing import catalog_error_text, document_save, posted_revision
from .editor_forms import (
    FeeForm,
    FieldOptionsForm,
    NewFieldForm,
    NewStepForm,
    PolicyForm,
    StepForm,
    TextBlockForm,
    choice_rows_initial,
    choice_rows_posted,
    condition_fields,
    condition_initial,
    condition_posted,
    fee_amount_sources,
    fee_form_initial,
    lang,
    operator_choices,
)
from .places import field_anchor, place_of, place_url, problems_by_place
from .views import version_context

MAX_JSON_CHARS = 2 * 1024 * 1024 + 1024
HISTORY_DIFFS = 30


# --- shared -------------------------------------------------------------------------------


def _problem_texts(problems) -> list[dict]:
    language = lang()
    return [
        {
            "pointer": p.pointer or "/",
            "text": (p.message_en or p.message) if language == "en" else p.message,
        }
        for p in problems
    ]


def _linked(version, doc, problems) -> list[dict]:
    """Problem texts with the link to their place (for lists away from that place)."""
    result = []
    for problem, text in zip(problems, _problem_texts(problems), strict=True):
        if problem.pointer:
            text["url"] = place_url(version, place_of(doc, problem.pointer))
        result.append(text)
    return result


def _doc(version) -> dict:
    doc = version.definition
    return copy.deepcopy(doc) if isinstance(doc, dict) else {}


def _context(request, version, **extra) -> dict:
    context = version_context(request, version, "studio:editor")
    context["editable"] = version.status == "draft" and context["can_design"]
    context["editor_links"] = [
        (reverse("studio:editor", args=[version.pk]), _("Schritte und Felder"), "steps"),
        (reverse("studio:editor-fees", args=[version.pk]), _("Gebühren"), "fees"),
        (reverse("studio:editor-json", args=[version.pk]), _("JSON"), "json"),
    ]
    context.update(extra)
    return context


def _i18n(value, language=None) -> str:
    language = language or lang()
    if isinstance(value, dict):
        return str(value.get(language) or value.get("de") or "")
    return ""


def _exact(value, language: str) -> str:
    """The text in exactly `language` (no fallback), "" when there is none."""
    text = value.get(language) if isinstance(value, dict) else None
    return text if isinstance(text, str) else ""


def _save(request, version, doc, note: str) -> bool:
    """Save with the revision check; the hidden `revision` is required."""
    if posted_revision(request) is None:
        messages.error(
            request,
            _("Das Formular kam ohne Bearbeitungsstand an. Bitte laden Sie die Seite neu."),
        )
        return False
    saved = document_save(request, version, doc, note=note[:200])
    if saved is not None:
        messages.success(request, _("Gespeichert (Stand %(n)s).") % {"n": saved.revision})
        return True
    return False


def _error(request, exc) -> None:
    messages.error(request, exc.message if lang() == "de" else exc.message_en)


def _editable_version(request, version_id):
    """A draft the user may design, for a POST; read-only otherwise (403/redirect)."""
    version = version_for(request.user, version_id, design=True)
    if version.status != "draft":
        messages.error(
            request,
            _(
                "Diese Version ist veröffentlicht und kann nicht mehr geändert werden. "
                "Legen Sie einen neuen Entwurf an."
            ),
        )
        return version, False
    return version, True


def _int(value, default=0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _path(field_path: str) -> tuple[str, ...]:
    parts = tuple(p for p in field_path.split("/") if p)
    if not parts or not all(ed.FIELD_NAME.match(p) for p in parts):
        raise Http404
    return parts


def _condition_context(target, fields, *, editable=True) -> dict:
    condition = ed.condition_of(target)
    when = target.get("when") if isinstance(target, dict) else None
    labels = {f["path"]: f["label"] for f in fields}
    return {
        "condition_readable": condition is not None,
        "condition_json": json.dumps(when, ensure_ascii=False, indent=2) if when else "",
        "condition_text": condition_text(condition, labels, lang())
        if condition and condition.rows
        else "",
        "condition_rows": condition_initial(condition, fields) if condition is not None else [],
        "condition_combine": condition.combine if condition else "all",
        "condition_fields": fields,
        "condition_ops": operator_choices(fields),
        "condition_editable": editable and condition is not None,
    }


def _step_summary(doc, index, step, groups) -> dict:
    defs = doc.get("$defs") if isinstance(doc.get("$defs"), dict) else {}
    ui = step.get("ui", {}).get("fields") if isinstance(step.get("ui"), dict) else None
    fields = build_fields(step.get("schema") or {}, defs, ui) if isinstance(step, dict) else ()
    language = lang()

    def rows(items, prefix):
        out = []
        for f in items:
            path = (*prefix, f.name)
            kind = FIELD_KINDS.get(f.type)
            out.append(
                {
                    "name": f.name,
                    "path": "/".join(path),
                    "anchor": field_anchor(path),
                    "label": f.label(language),
                    "type": (kind.label if language == "de" else kind.label_en) if kind else f.type,
                    "required": f.required,
                    "conditional": len(path) == 1 and "when" in f.ui,
                    "problems": _problem_texts(groups["fields"].get((index, path), [])),
                    "children": rows(f.children, path),
                }
            )
        return out

    return {
        "index": index,
        "id": step.get("id", ""),
        "title": _i18n(step.get("title")) or step.get("id", ""),
        "conditional": "when" in step,
        "fields": rows(fields, ()),
        "problems": _problem_texts(groups["steps"].get(index, [])),
    }


def _field_problem_count(groups, index) -> int:
    return sum(len(v) for (s, _p), v in groups["fields"].items() if s == index)


# --- overview -----------------------------------------------------------------------------


@studio_login_required
@require_http_methods(["GET", "POST"])
def editor(request, version_id: int):
    """Overview: the steps with their fields; add, move and delete steps. `?pointer=`
    redirects to the place of a JSON pointer (see `places`)."""
    if request.method == "POST":
        version, ok = _editable_version(request, version_id)
        if ok:
            doc, action = _doc(version), request.POST.get("action", "")
            try:
                if action == "step-add":
                    form = NewStepForm(request.POST)
                    if form.is_valid():
                        doc, index = ed.step_add(
                            doc,
                            title=form.cleaned_data["title"],
                            title_en=form.cleaned_data["title_en"],
                        )
                        if _save(request, version, doc, "Schritt hinzugefügt / step added"):
                            return redirect("studio:editor-step", version.pk, index)
                    else:
                        messages.error(
                            request, _("Bitte geben Sie einen Titel für den Schritt an.")
                        )
                elif action in ("step-up", "step-down"):
                    index = _int(request.POST.get("step"), -1)
                    doc = ed.step_move(doc, index, -1 if action == "step-up" else 1)
                    _save(request, version, doc, "Schritt verschoben / step moved")
                else:
                    messages.error(request, _("Unbekannte Aktion."))
            except ed.EditorError as exc:
                _error(request, exc)
        return redirect("studio:editor", version.pk)
    version = version_for(request.user, version_id)
    pointer = request.GET.get("pointer")
    if pointer is not None:
        return redirect(place_url(version, place_of(version.definition, pointer)))
    doc = _doc(version)
    problems = check_definition(doc)
    groups = problems_by_place(doc, problems)
    steps = [
        _step_summary(doc, i, s, groups)
        for i, s in enumerate(ed.steps_of(doc))
        if isinstance(s, dict)
    ]
    elsewhere = groups["other"] + groups["fees_page"]
    for fee_problems in groups["fees"].values():
        elsewhere += fee_problems
    other = _linked(version, doc, elsewhere)
    context = _context(
        request,
        version,
        steps=steps,
        problem_count=len(problems),
        other_problems=other,
        new_step_form=NewStepForm(),
        section="steps",
    )
    return render(request, "studio/editor/overview.html", context)


# --- steps --------------------------------------------------------------------------------


def _field_add(request, version, doc, step: int, parent: tuple, form):
    """Add the field `form` describes to the step (or the group at `parent`) and save; the
    redirect to the new field's page, or None when the form or the save was refused."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    doc, path = ed.field_add(
        doc,
        step,
        parent,
        type_id=data["type"],
        title=data["title"],
        title_en=data["title_en"],
        required=data["required"],
    )
    if not _save(request, version, doc, "Feld hinzugefügt / field added"):
        return None
    return redirect(
        reverse("studio:editor-field", args=[version.pk, step, "/".join(path)]) + "#feld"
    )


@studio_login_required
@require_http_methods(["GET", "POST"])
def editor_step(request, version_id: int, step: int):
    version = version_for(request.user, version_id)
    doc = _doc(version)
    try:
        current = ed.step_at(doc, step)
    except ed.EditorError as exc:
        raise Http404 from exc
    step_form = StepForm(
        initial={
            "title": _i18n(current.get("title"), "de"),
            "title_en": _exact(current.get("title"), "en"),
            "description": _i18n(current.get("description"), "de"),
            "description_en": _exact(current.get("description"), "en"),
        }
    )
    new_field_form = NewFieldForm(prefix="new")
    block_fields = _block_fields(doc, current)
    new_block_form = TextBlockForm(prefix="newblock", fields=block_fields)
    block_forms: dict[int, TextBlockForm] = {}
    status = 200
    fields_for_condition = condition_fields(doc, step)
    condition_errors: list[str] = []
    if request.method == "POST":
        version, ok = _editable_version(request, version_id)
        if not ok:
            return redirect("studio:editor-step", version.pk, step)
        action = request.POST.get("action", "")
        target = reverse("studio:editor-step", args=[version.pk, step])
        try:
            if action == "step-save":
                step_form = StepForm(request.POST)
                if step_form.is_valid():
                    doc = ed.step_update(doc, step, **step_form.cleaned_data)
                    if _save(request, version, doc, "Schritt geändert / step changed"):
                        return redirect(target + "#schritt")
                status = 400
            elif action == "field-add":
                new_field_form = NewFieldForm(request.POST, prefix="new")
                added = _field_add(request, version, doc, step, (), new_field_form)
                if added is not None:
                    return added
                status = 400
            elif action in ("field-up", "field-down"):
                path = _path(request.POST.get("field", ""))
                doc = ed.field_move(doc, step, path, -1 if action == "field-up" else 1)
                if _save(request, version, doc, "Feld verschoben / field moved"):
                    return redirect(target + "#" + field_anchor(path))
            elif action == "block-add":
                new_block_form = TextBlockForm(request.POST, prefix="newblock", fields=block_fields)
                if new_block_form.is_valid():
                    doc, added = ed.block_save(doc, step, None, **new_block_form.cleaned_data)
                    if _save(request, version, doc, "Textblock hinzugefügt / text block added"):
                        return redirect(target + f"#textblock-{added}")
                status = 400
            elif action == "block-save":
                index = _block_index(request)
                form = TextBlockForm(request.POST, prefix=f"block{index}", fields=block_fields)
                block_forms[index] = form
                if form.is_valid():
                    doc, _same = ed.block_save(doc, step, index, **form.cleaned_data)
                    if _save(request, version, doc, "Textblock geändert / text block changed"):
                        return redirect(target + f"#textblock-{index}")
                status = 400
            elif action in ("block-up", "block-down"):
                index = _block_index(request)
                doc = ed.block_move(doc, step, index, -1 if action == "block-up" else 1)
                if _save(request, version, doc, "Textblock verschoben / text block moved"):
                    return redirect(target + "#textblocks-heading")
            elif action == "block-delete":
                doc = ed.block_delete(doc, step, _block_index(request))
                if _save(request, version, doc, "Textblock gelöscht / text block deleted"):
                    return redirect(target + "#textblocks-heading")
            elif action == "condition":
                condition, condition_errors = condition_posted(request.POST, fields_for_condition)
                if condition is not None:
                    doc = ed.step_condition_set(doc, step, condition)
                    if _save(request, version, doc, "Bedingung geändert / condition changed"):
                        return redirect(target + "#bedingung")
                status = 400
            else:
                messages.error(request, _("Unbekannte Aktion."))
        except ed.EditorError as exc:
            _error(request, exc)
            status = 400
        if status == 200:
            return redirect(target)
        doc = _doc(version)
        current = ed.step_at(doc, step)
        block_fields = _block_fields(doc, current)
    problems = check_definition(doc)
    groups = problems_by_place(doc, problems)
    context = _context(
        request,
        version,
        step_index=step,
        step_count=len(ed.steps_of(doc)),
        step=_step_summary(doc, step, current, groups),
        step_form=step_form,
        new_field_form=new_field_form,
        new_block_form=new_block_form,
        blocks=_block_rows(current, block_fields, block_forms),
        condition_errors=condition_errors,
        field_problem_count=_field_problem_count(groups, step),
        section="steps",
        **_condition_context(current, fields_for_condition),
    )
    return render(request, "studio/editor/step.html", context, status=status)


def _block_index(request) -> int:
    try:
        return int(request.POST.get("block", ""))
    except ValueError:
        raise ed.EditorError(
            "Diesen Textblock gibt es nicht.", "There is no such text block."
        ) from None


def _block_fields(doc: dict, step: dict) -> list[tuple[str, str]]:
    """(name, label) of the step's top-level fields: where a text block can stand."""
    defs = doc.get("$defs") if isinstance(doc.get("$defs"), dict) else {}
    schema = step.get("schema") if isinstance(step.get("schema"), dict) else {}
    language = lang()
    return [(f.name, f.label(language) or f.name) for f in build_fields(schema, defs)]


def _block_rows(step: dict, fields, posted: dict) -> list[dict]:
    """The step's text blocks in the order the citizen sees them, each with its edit form."""
    labels = dict(fields)
    language = lang()
    rows = []
    ordered = ed.blocks_in_order(step)
    for position, (index, block) in enumerate(ordered):
        if not isinstance(block, dict):
            continue
        slot = ed.block_slot(step, block)
        text = block.get("text")
        before = block.get("before")
        form = posted.get(index) or TextBlockForm(
            prefix=f"block{index}",
            fields=fields,
            initial={
                "text": _i18n(text, "de"),
                "text_en": _exact(text, "en"),
                "before": before if before in labels else "",
            },
        )
        rows.append(
            {
                "index": index,
                "text": _i18n(text, language),
                "position": labels.get(before, "") if before else "",
                "form": form,
                "can_up": position > 0 or slot > 0,
                "can_down": position < len(ordered) - 1 or slot < len(fields),
            }
        )
    return rows


@studio_login_required
@require_http_methods(["GET", "POST"])
def editor_step_delete(request, version_id: int, step: int):
    version = version_for(request.user, version_id, design=True)
    doc = _doc(version)
    try:
        current = ed.step_at(doc, step)
    except ed.EditorError as exc:
        raise Http404 from exc
    if request.method == "POST":
        version, ok = _editable_version(request, version_id)
        if ok:
            try:
                doc = ed.step_delete(doc, step)
            except ed.EditorError as exc:
                _error(request, exc)
                return redirect("studio:editor-step", version.pk, step)
            if _save(request, version, doc, "Schritt gelöscht / step deleted"):
                return redirect("studio:editor", version.pk)
        return redirect("studio:editor-step", version.pk, step)
    context = _context(
        request,
        version,
        what=_("den Schritt „%(t)s“ mit allen Feldern") % {"t": _i18n(current.get("title"))},
        back=reverse("studio:editor-step", args=[version.pk, step]),
        section="steps",
    )
    return render(request, "studio/editor/confirm_delete.html", context)


# --- fields -------------------------------------------------------------------------------


@studio_login_required
@require_http_methods(["GET", "POST"])
def editor_field(request, version_id: int, step: int, field_path: str):
    version = version_for(request.user, version_id)
    path = _path(field_path)
    doc = _doc(version)
    try:
        current_step, schema, ui = ed.field_at(doc, step, path)
        required = ed.field_required(doc, step, path)
    except ed.EditorError as exc:
        raise Http404 from exc
    editable_here = structured_editable(schema)
    kind = kind_of(schema, ui) if editable_here else None
    options = kind.read(schema, ui) if kind else {}
    original_choices = options.get("choices", [])
    status = 200
    condition_errors: list[str] = []
    is_top = len(path) == 1
    fields_for_condition = condition_fields(doc, step + 1, exclude=(current_step.get("id"), *path))
    form = None
    if kind:
        initial = {k: v for k, v in options.items() if k != "choices"}
        initial["required"] = required
        form = FieldOptionsForm(initial=initial, kind=kind)
    new_field_form = NewFieldForm(prefix="new") if kind and kind.container else None
    if request.method == "POST":
        version, ok = _editable_version(request, version_id)
        target = reverse("studio:editor-field", args=[version.pk, step, "/".join(path)])
        if not ok:
            return redirect(target)
        action = request.POST.get("action", "")
        try:
            if action == "field-save" and kind:
                chosen = FIELD_KINDS.get(request.POST.get("type", kind.id), kind)
                choices = choice_rows_posted(request.POST, original_choices)
                form = FieldOptionsForm(request.POST, kind=chosen, choices=choices)
                if form.is_valid():
                    doc = ed.field_update(
                        doc,
                        step,
                        path,
                        type_id=chosen.id,
                        options=form.options(),
                        required=form.cleaned_data["required"],
                    )
                    if _save(request, version, doc, "Feld geändert / field changed"):
                        return redirect(target + "#feld")
                status = 400
            elif action == "field-type" and kind:
                chosen = request.POST.get("type", "")
                if chosen not in FIELD_KINDS:
                    raise ed.EditorError(
                        "Diesen Feldtyp gibt es nicht.", "There is no such field type."
                    )
                opts = {
                    k: v
                    for k, v in options.items()
                    if k in ("title", "title_en", "help", "help_en")
                }
                opts.update(ed.DEFAULT_OPTIONS.get(chosen, {}))
                doc = ed.field_update(
                    doc, step, path, type_id=chosen, options=opts, required=required
                )
                if _save(request, version, doc, "Feldtyp geändert / field type changed"):
                    return redirect(target + "#feld")
            elif action == "child-add" and kind and kind.container:
                new_field_form = NewFieldForm(request.POST, prefix="new")
                added = _field_add(request, version, doc, step, path, new_field_form)
                if added is not None:
                    return added
                status = 400
            elif action in ("child-up", "child-down"):
                child = _path(request.POST.get("field", ""))
                if child[:-1] != path:
                    raise Http404
                doc = ed.field_move(doc, step, child, -1 if action == "child-up" else 1)
                if _save(request, version, doc, "Feld verschoben / field moved"):
                    return redirect(target + "#" + field_anchor(child))
            elif action == "condition" and is_top:
                condition, condition_errors = condition_posted(request.POST, fields_for_condition)
                if condition is not None:
                    doc = ed.field_condition_set(doc, step, path[0], condition)
                    if _save(request, version, doc, "Bedingung geändert / condition changed"):
                        return redirect(target + "#bedingung")
                status = 400
            else:
                messages.error(request, _("Unbekannte Aktion."))
        except ed.EditorError as exc:
            _error(request, exc)
            status = 400
        if status == 200:
            return redirect(target)
        doc = _doc(version)
        current_step, schema, ui = ed.field_at(doc, step, path)
    problems = check_definition(doc)
    groups = problems_by_place(doc, problems)
    summary = _step_summary(doc, step, current_step, groups)

    def find(rows, names):
        for row in rows:
            if row["name"] == names[0]:
                return row if len(names) == 1 else find(row["children"], names[1:])
        return None

    field = find(summary["fields"], list(path)) or {"children": [], "problems": []}
    posted_choices = None
    if form is not None and form.is_bound and "choices" in form.kind.options:
        posted_choices = choice_rows_initial(form.choice_rows[0])
    context = _context(
        request,
        version,
        step_index=step,
        step=summary,
        path="/".join(path),
        parents=[{"path": "/".join(path[: i + 1]), "name": n} for i, n in enumerate(path[:-1])],
        field=field,
        kind=kind,
        kind_label=(kind.label if lang() == "de" else kind.label_en) if kind else "",
        field_json=json.dumps({"schema": schema, "ui": ui}, ensure_ascii=False, indent=2),
        form=form,
        type_choices=[
            (k.id, k.label if lang() == "de" else k.label_en) for k in FIELD_KINDS.values()
        ],
        choice_rows=posted_choices
        if posted_choices is not None
        else choice_rows_initial(original_choices),
        media_choices=list(UPLOAD_MEDIA_TYPES.items()),
        media_selected=(form["media_types"].value() or [])
        if form and "media_types" in form.fields
        else [],
        new_field_form=new_field_form,
        is_top=is_top,
        condition_errors=condition_errors,
        section="steps",
        **(_condition_context(ui, fields_for_condition) if is_top else {}),
    )
    return render(request, "studio/editor/field.html", context, status=status)


@studio_login_required
@require_http_methods(["GET", "POST"])
def editor_field_delete(request, version_id: int, step: int, field_path: str):
    version = version_for(request.user, version_id, design=True)
    path = _path(field_path)
    doc = _doc(version)
    try:
        _step, schema, _ui = ed.field_at(doc, step, path)
    except ed.EditorError as exc:
        raise Http404 from exc
    back = reverse("studio:editor-field", args=[version.pk, step, "/".join(path)])
    if request.method == "POST":
        version, ok = _editable_version(request, version_id)
        if ok:
            doc = ed.field_delete(doc, step, path)
            if _save(request, version, doc, "Feld gelöscht / field deleted"):
                if len(path) > 1:
                    return redirect("studio:editor-field", version.pk, step, "/".join(path[:-1]))
                return redirect("studio:editor-step", version.pk, step)
        return redirect(back)
    title = schema.get("title") if isinstance(schema, dict) else None
    label = title if isinstance(title, str) else path[-1]
    context = _context(
        request,
        version,
        what=_("das Feld „%(t)s“") % {"t": label},
        back=back,
        section="steps",
    )
    return render(request, "studio/editor/confirm_delete.html", context)


# --- fees ---------------------------------------------------------------------------------


def _fee_rows(doc, groups) -> list[dict]:
    fields = condition_fields(doc, None)
    labels = {f["path"]: f["label"] for f in fields}
    sources = dict(fee_amount_sources(doc))
    rows = []
    for i, fee in enumerate(ed.fees_of(doc)):
        if not isinstance(fee, dict):
            continue
        condition = ed.condition_of(fee)
        amount = fee.get("amount")
        rows.append(
            {
                "index": i,
                "id": fee.get("id", ""),
                "label": _i18n(fee.get("label")),
                "amount": (
                    amount.replace(".", ",") + " €"
                    if isinstance(amount, str)
                    else sources.get(fee_form_initial(fee)["amount_source"], _("Parameter"))
                ),
                "condition": (
                    condition_text(condition, labels, lang())
                    if condition is not None and condition.rows
                    else (
                        ""
                        if condition is not None
                        else _("Bedingung nur im JSON-Modus bearbeitbar")
                    )
                ),
                "problems": _problem_texts(groups["fees"].get(i, [])),
            }
        )
    return rows


@studio_login_required
@require_http_methods(["GET", "POST"])
def editor_fees(request, version_id: int):
    version = version_for(request.user, version_id)
    if request.method == "POST":
        version, ok = _editable_version(request, version_id)
        if ok:
            doc, action = _doc(version), request.POST.get("action", "")
            try:
                if action == "policy":
                    form = PolicyForm(request.POST)
                    if form.is_valid():
                        doc = ed.policy_set(doc, form.cleaned_data["policy"])
                        _save(request, version, doc, "Bezahlung geändert / payment changed")
                    else:
                        messages.error(request, _("Bitte wählen Sie eine Art der Bezahlung."))
                elif action in ("fee-up", "fee-down"):
                    doc = ed.fee_move(
                        doc, _int(request.POST.get("fee"), -1), -1 if action == "fee-up" else 1
                    )
                    _save(request, version, doc, "Gebühr verschoben / fee moved")
                else:
                    messages.error(request, _("Unbekannte Aktion."))
            except ed.EditorError as exc:
                _error(request, exc)
        return redirect(reverse("studio:editor-fees", args=[version.pk]) + "#zahlung")
    doc = _doc(version)
    problems = check_definition(doc)
    groups = problems_by_place(doc, problems)
    payment = doc.get("payment") if isinstance(doc.get("payment"), dict) else {}
    context = _context(
        request,
        version,
        fees=_fee_rows(doc, groups),
        policy_form=PolicyForm(initial={"policy": payment.get("policy", "none")}),
        payment_problems=_problem_texts(groups["fees_page"]),
        section="fees",
    )
    return render(request, "studio/editor/fees.html", context)


@studio_login_required
@require_http_methods(["GET", "POST"])
def editor_fee(request, version_id: int, fee: int | None = None):
    """One fee (`fee` None: a new one)."""
    version = version_for(request.user, version_id)
    doc = _doc(version)
    current: dict = {}
    if fee is not None:
        try:
            current = ed.fee_at(doc, fee)
        except ed.EditorError as exc:
            raise Http404 from exc
    fields = condition_fields(doc, None)
    sources = fee_amount_sources(doc)
    form = FeeForm(initial=fee_form_initial(current), sources=sources)
    status = 200
    condition_errors: list[str] = []
    if request.method == "POST":
        version, ok = _editable_version(request, version_id)
        if not ok:
            return redirect("studio:editor-fees", version.pk)
        form = FeeForm(request.POST, sources=sources)
        condition_readable = ed.condition_of(current) is not None
        condition, condition_errors = (
            condition_posted(request.POST, fields) if condition_readable else (None, [])
        )
        if form.is_valid() and not condition_errors:
            try:
                amount = form.amount_value(ed.parse_amount)
                doc, index = ed.fee_save(
                    doc,
                    fee,
                    fee_id=form.cleaned_data["fee_id"],
                    label=form.cleaned_data["label"],
                    label_en=form.cleaned_data["label_en"],
                    amount=amount,
                    condition=condition,
                )
            except ed.EditorError as exc:
                form.add_error(None, exc.message if lang() == "de" else exc.message_en)
            else:
                if _save(request, version, doc, "Gebühr gespeichert / fee saved"):
                    return redirect(
                        reverse("studio:editor-fee", args=[version.pk, index]) + "#gebuehr"
                    )
        status = 400
    problems = check_definition(doc)
    groups = problems_by_place(doc, problems)
    context = _context(
        request,
        version,
        fee_index=fee,
        form=form,
        fee_problems=_problem_texts(groups["fees"].get(fee, [])) if fee is not None else [],
        condition_errors=condition_errors,
        section="fees",
        **_condition_context(current, fields),
    )
    return render(request, "studio/editor/fee.html", context, status=status)


@studio_login_required
@require_http_methods(["GET", "POST"])
def editor_fee_delete(request, version_id: int, fee: int):
    version = version_for(request.user, version_id, design=True)
    doc = _doc(version)
    try:
        current = ed.fee_at(doc, fee)
    except ed.EditorError as exc:
        raise Http404 from exc
    if request.method == "POST":
        version, ok = _editable_version(request, version_id)
        if ok and _save(request, version, ed.fee_delete(doc, fee), "Gebühr gelöscht / fee deleted"):
            return redirect("studio:editor-fees", version.pk)
        return redirect("studio:editor-fee", version.pk, fee)
    context = _context(
        request,
        version,
        what=_("die Gebühr „%(t)s“") % {"t": _i18n(current.get("label")) or current.get("id")},
        back=reverse("studio:editor-fee", args=[version.pk, fee]),
        section="fees",
    )
    return render(request, "studio/editor/confirm_delete.html", context)


# --- JSON ---------------------------------------------------------------------------------


def _json_problems(text: str) -> tuple[dict | None, list]:
    """(document or None, problems) of a JSON text: syntax and limits via
    `load_definition` (line and column), then `check_definition`."""
    if len(text) > MAX_JSON_CHARS:
        size = len(text)
        from forms_engine.definitions import Problem

        return None, [
            Problem(
                "",
                f"Der Text ist zu groß ({size} Zeichen; höchstens 2 MiB).",
                f"The text is too large ({size} characters; at most 2 MiB).",
            )
        ]
    try:
        doc = load_definition(text)
    except DefinitionError as exc:
        return None, exc.problems
    return doc, check_definition(doc)


@studio_login_required
@require_http_methods(["GET", "POST"])
def editor_json(request, version_id: int):
    """The whole definition as JSON. A draft may be saved with problems (drafts may be
    unfinished; every problem is listed); JSON that does not parse is refused."""
    version = version_for(request.user, version_id)
    text = json.dumps(version.definition, ensure_ascii=False, indent=2)
    status = 200
    refused = False
    if request.method == "POST":
        version, ok = _editable_version(request, version_id)
        if not ok:
            return redirect("studio:editor-json", version.pk)
        text = request.POST.get("definition", "")
        doc, problems = _json_problems(text)
        if doc is None:
            refused = True
            status = 400
            messages.error(
                request,
                _("Nicht gespeichert: der Text ist kein gültiges JSON (siehe unten)."),
            )
        elif _save(request, version, doc, "JSON bearbeitet / JSON edited"):
            if problems:
                messages.warning(
                    request,
                    _("Gespeichert, aber die Definition hat noch %(n)s Problem(e).")
                    % {"n": len(problems)},
                )
            return redirect(reverse("studio:editor-json", args=[version.pk]) + "#json")
        else:
            status = 409
    else:
        doc, problems = version.definition, check_definition(version.definition)
    listed = _problem_texts(problems) if refused else _linked(version, doc, problems)
    context = _context(
        request,
        version,
        text=text,
        problems=listed,
        validate_url=reverse("studio:editor-validate", args=[version.pk]),
        section="json",
    )
    return render(request, "studio/editor/json.html", context, status=status)


@studio_login_required
@require_POST
def editor_validate(request, version_id: int):
    """Live validation of the JSON view: `{"ok", "problems": [{"pointer", "message",
    "message_en", "url"}]}`. Changes nothing."""
    version = version_for(request.user, version_id)
    text = request.POST.get("definition", "")
    doc, problems = _json_problems(text)
    return JsonResponse(
        {
            "ok": not problems,
            "parsed": doc is not None,
            "problems": [
                {
                    "pointer": p.pointer or "/",
                    "message": p.message,
                    "message_en": p.message_en or p.message,
                    "url": place_url(version, place_of(doc, p.pointer))
                    if doc is not None and p.pointer
                    else "",
                }
                for p in problems[:200]
            ],
            "count": len(problems),
        }
    )


# --- history ------------------------------------------------------------------------------


@studio_login_required
def history(request, version_id: int):
    version = version_for(request.user, version_id)
    revisions = list(version.revisions.select_related("saved_by").order_by("-number"))
    language = lang()
    rows = []
    for i, revision in enumerate(revisions):
        previous = revisions[i + 1] if i + 1 < len(revisions) else None
        # The change in words for the newest saves (a diff per pair; older ones on request).
        compared = previous is not None and i < HISTORY_DIFFS
        changes = definition_diff(previous.definition, revision.definition) if compared else []
        rows.append(
            {
                "revision": revision,
                "changes": [c.text(language) for c in changes[:20]],
                "more": max(0, len(changes) - 20),
                "first": previous is None,
                "compared": compared,
            }
        )
    context = version_context(request, version, "studio:history")
    context["rows"] = rows
    context["editable"] = version.status == "draft" and context["can_design"]
    return render(request, "studio/editor/history.html", context)


@studio_login_required
@require_http_methods(["GET", "POST"])
def history_revision(request, version_id: int, number: int):
    version = version_for(request.user, version_id)
    revision = version.revisions.filter(number=number).select_related("saved_by").first()
    if revision is None:
        raise Http404
    if request.method == "POST":
        version, ok = _editable_version(request, version_id)
        if ok:
            if posted_revision(request) is None:
                messages.error(request, _("Das Formular kam ohne Bearbeitungsstand an."))
            else:
                try:
                    saved = process_version_restore_revision(
                        version=version,
                        number=number,
                        by=request.user,
                        expected_revision=posted_revision(request),
                    )
                except CatalogError as exc:
                    messages.error(request, catalog_error_text(exc))
                else:
                    messages.success(
                        request,
                        _("Stand %(old)s wiederhergestellt (jetzt Stand %(new)s).")
                        % {"old": number, "new": saved.revision},
                    )
                    return redirect("studio:history", version.pk)
        return redirect("studio:history-revision", version.pk, number)
    context = version_context(request, version, "studio:history")
    context["revision"] = revision
    context["text"] = json.dumps(revision.definition, ensure_ascii=False, indent=2)
    context["editable"] = version.status == "draft" and context["can_design"]
    context["is_current"] = revision.sha256 == version.sha256
    return render(request, "studio/editor/history_revision.html", context)
