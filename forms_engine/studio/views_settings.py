"""The settings pages of one version: process settings, declarations, parameters (and, in
`views_rules`, rules and computed values). Every page shows the saved document's problems
at the form field they belong to; every save goes through `editing.document_save` with the
revision the form was loaded at (a stale one is refused and the typed values stay)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from forms_engine.definitions import parameters as definition_parameters
from forms_engine.definitions import pointers

from . import settings_edit as edit
from .access import studio_login_required, version_for
from .editing import document_save, place_url, posted_revision
from .settings_forms import (
    OPTION_ROWS_MAX,
    PARAMETER_TYPE_LABELS,
    DeclarationForm,
    ParameterForm,
    SettingsForm,
)
from .views import version_context


def current_lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _version(request, version_id: int):
    """The version, with the designer role required for a POST (403 for reviewers)."""
    return version_for(request.user, version_id, design=request.method == "POST")


def _frozen_refusal(request, version, url_name: str):
    """A POST to a published or retired version: a message and back (nothing changes)."""
    messages.error(
        request,
        _(
            "Diese Version ist veröffentlicht und kann nicht mehr geändert werden. "
            "Legen Sie eine neue Version als Entwurf an."
        ),
    )
    return redirect(url_name, version.pk)


def page_context(request, version, current: str) -> dict:
    context = version_context(request, version, "studio:settings")
    context["editable"] = context["can_design"] and not version.is_frozen
    context["form_revision"] = version.revision
    context["settings_pages"] = settings_pages(version, current)
    return context


#: The settings pages, in the order of their sub-navigation: (url name, label).
SETTINGS_PAGES = [
    ("studio:settings", "Prozess"),
    ("studio:declarations", "Erklärungen"),
    ("studio:parameters", "Parameter"),
    ("studio:rules", "Regeln und Berechnungen"),
]


def settings_pages(version, current: str) -> list[dict]:
    labels = {
        "Prozess": _("Prozess"),
        "Erklärungen": _("Erklärungen"),
        "Parameter": _("Parameter"),
        "Regeln und Berechnungen": _("Regeln und Berechnungen"),
    }
    pages = []
    for name, label in SETTINGS_PAGES:
        try:
            url = reverse(name, args=[version.pk])
        except NoReverseMatch:
            continue
        pages.append({"url": url, "label": labels[label], "current": name == current})
    return pages


def _conflict(request, context: dict) -> None:
    """After a refused save: the page keeps what was typed and the revision it was loaded at."""
    context["form_revision"] = posted_revision(request)
    context["refused"] = True


def _place(version, pointer: str) -> str | None:
    try:
        return place_url(version, pointer)
    except NoReverseMatch:
        return None


def _problem_rows(version, problems, lang: str, anchor) -> list[dict]:
    return [
        {
            "pointer": p.pointer,
            "text": edit.problem_text(p, lang),
            "anchor": anchor(p.pointer),
        }
        for p in problems
    ]


# --- process settings ---------------------------------------------------------------------


def _settings_anchor(pointer: str) -> str:
    parts = pointers.split(pointer)
    return f"setting-{parts[0]}" if parts else "setting-title"


def _settings_form(doc, lang, data=None, initial=None):
    return SettingsForm(data, initial=initial, fields=edit.definition_fields(doc, lang), lang=lang)


def _settings_problems(form: SettingsForm, doc: dict, lang: str) -> list:
    """Put the saved document's problems at their form fields; returns those shown nowhere."""
    elsewhere = []
    keys = {form.fields[name].pointer: name for name in form.prefill_names}
    for problem in edit.problems_under(doc, edit.SETTING_PREFIXES):
        text = edit.problem_text(problem, lang)
        parts = pointers.split(problem.pointer)
        if parts[:2] == ["identity", "prefill"] and len(parts) > 2:
            name = keys.get(parts[2])
            if name:
                form.add_problem(name, text)
            else:
                elsewhere.append(problem)
            continue
        place = edit.setting_place(problem.pointer)
        if place and place in form.fields:
            form.add_problem(place, text)
        else:
            elsewhere.append(problem)
    return elsewhere


@studio_login_required
@require_http_methods(["GET", "POST"])
def settings_page(request, version_id: int):
    version = _version(request, version_id)
    lang = current_lang()
    doc = version.definition
    context = page_context(request, version, "studio:settings")
    status = 200
    if request.method == "POST":
        if version.is_frozen:
            return _frozen_refusal(request, version, "studio:settings")
        form = _settings_form(doc, lang, data=request.POST, initial=edit.settings_initial(doc))
        if form.is_valid():
            new = edit.settings_apply(doc, form.cleaned_data, form.prefill())
            if document_save(request, version, new, note=_("Einstellungen")):
                messages.success(request, _("Die Einstellungen sind gespeichert."))
                return redirect("studio:settings", version.pk)
            _conflict(request, context)
            status = 409
        else:
            status = 400
        elsewhere = []
    else:
        form = _settings_form(doc, lang, initial=edit.settings_initial(doc))
        elsewhere = _settings_problems(form, doc, lang)
    stale_prefill = [
        {"pointer": target, "attribute": attribute}
        for target, attribute in edit._dict(edit._dict(doc.get("identity")).get("prefill")).items()
        if edit.prefill_key(target) not in form.fields
    ]
    context.update(
        form=form,
        elsewhere=_problem_rows(version, elsewhere, lang, _settings_anchor),
        stale_prefill=stale_prefill,
    )
    return render(request, "studio/settings.html", context, status=status)


# --- declarations -------------------------------------------------------------------------


def _index(request, count: int) -> int | None:
    raw = request.POST.get("index", "")
    return int(raw) if raw.isdigit() and int(raw) < count else None


@studio_login_required
@require_http_methods(["GET", "POST"])
def declarations_page(request, version_id: int):
    version = _version(request, version_id)
    lang = current_lang()
    doc = version.definition
    items = edit.declarations_of(doc)
    context = page_context(request, version, "studio:declarations")
    status = 200
    editing_index = None
    posted_form = None
    if request.method == "POST":
        if version.is_frozen:
            return _frozen_refusal(request, version, "studio:declarations")
        action = request.POST.get("action", "")
        index = _index(request, len(items))
        if action not in ("add", "save", "delete", "up", "down") or (
            action != "add" and index is None
        ):
            return HttpResponseBadRequest(
                _("Diese Erklärung gibt es nicht (mehr). Laden Sie die Seite neu.")
            )
        new = None
        if action in ("add", "save"):
            taken = {d.get("id") for i, d in enumerate(items) if i != index or action == "add"}
            posted_form = DeclarationForm(request.POST, taken=taken, prefix=_decl_prefix(index))
            if posted_form.is_valid():
                data = posted_form.cleaned_data
                new = edit.declaration_put(
                    doc,
                    None if action == "add" else index,
                    data["ident"],
                    edit.i18n(data["text_de"], data["text_en"]),
                )
            else:
                status = 400
        elif action == "delete":
            new = edit.declaration_delete(doc, index)
        else:
            new = edit.declaration_move(doc, index, -1 if action == "up" else 1)
        if new is not None:
            if document_save(request, version, new, note=_("Erklärungen")):
                done = {
                    "add": _("Die Erklärung ist hinzugefügt."),
                    "save": _("Die Erklärung ist gespeichert."),
                    "delete": _("Die Erklärung ist gelöscht."),
                    "up": _("Die Erklärung ist nach oben verschoben."),
                    "down": _("Die Erklärung ist nach unten verschoben."),
                }[action]
                messages.success(request, done)
                anchor = ""
                if action != "delete":
                    ident = posted_form.cleaned_data["ident"] if posted_form else items[index]["id"]
                    anchor = f"#decl-{ident}"
                return redirect(reverse("studio:declarations", args=[version.pk]) + anchor)
            _conflict(request, context)
            status = 409
        editing_index = None if action == "add" else index
    problems = edit.problems_under(doc, ("/declarations",))
    rows = []
    for i, item in enumerate(items):
        if posted_form is not None and editing_index == i:
            form = posted_form
        else:
            text = edit._dict(item.get("text"))
            form = DeclarationForm(
                prefix=_decl_prefix(i),
                initial={
                    "ident": item.get("id", ""),
                    "text_de": text.get("de", ""),
                    "text_en": text.get("en", ""),
                },
            )
            for p in problems:
                parts = pointers.split(p.pointer)
                if len(parts) > 1 and parts[1] == str(i):
                    field = {"id": "ident", "text": "text_de"}.get(
                        parts[2] if len(parts) > 2 else ""
                    )
                    if len(parts) > 3 and parts[2] == "text" and parts[3] == "en":
                        field = "text_en"
                    form_problem(form, field, edit.problem_text(p, lang))
        rows.append(
            {"index": i, "id": item.get("id", ""), "form": form, "last": i == len(items) - 1}
        )
    add_form = (
        posted_form
        if posted_form is not None and editing_index is None
        else DeclarationForm(prefix="neu")
    )
    context.update(rows=rows, add_form=add_form)
    return render(request, "studio/declarations.html", context, status=status)


def _decl_prefix(index: int | None) -> str:
    return "neu" if index is None else f"d{index}"


def form_problem(form, name: str | None, text: str) -> None:
    errors = form.errors
    key = name if name in form.fields else "__all__"
    errors.setdefault(key, form.error_class()).append(text)


# --- parameters ---------------------------------------------------------------------------


def _parameter_initial(name: str, decl: dict) -> dict:
    label = edit._dict(decl.get("label"))
    description = edit._dict(decl.get("description"))
    initial = {
        "name": name,
        "type": decl.get("type", "text"),
        "label_de": label.get("de", ""),
        "label_en": label.get("en", ""),
        "description_de": description.get("de", ""),
        "description_en": description.get("en", ""),
        "required": "default" not in decl,
        "minimum": decl.get("minimum", ""),
        "maximum": decl.get("maximum", ""),
        "max_length": decl.get("max_length"),
        "default": "",
        "options": [],
    }
    default = decl.get("default")
    if decl.get("type") == "choices" and isinstance(default, list):
        initial["options"] = [
            {
                "value": edit._dict(o).get("value", ""),
                "label_de": edit._dict(edit._dict(o).get("label")).get("de", ""),
                "label_en": edit._dict(edit._dict(o).get("label")).get("en", ""),
            }
            for o in default
        ]
    elif default is not None:
        initial["default"] = default if isinstance(default, str) else str(default)
    return initial


def _declaration_problem_field(parts: list[str]) -> str | None:
    """`/parameters/<name>/<key>…` → the parameter form field that shows the problem."""
    key = parts[2] if len(parts) > 2 else ""
    if key == "default" and len(parts) > 3 and parts[3].isdigit():
        return f"option_{parts[3]}_value"
    if key == "label":
        return "label_en" if parts[3:4] == ["en"] else "label_de"
    if key == "description":
        return "description_en" if parts[3:4] == ["en"] else "description_de"
    return {"type": "type", "default": "default", "minimum": "minimum", "maximum": "maximum"}.get(
        key, "max_length" if key == "max_length" else None
    )


@studio_login_required
@require_http_methods(["GET", "POST"])
def parameters_page(request, version_id: int):
    version = _version(request, version_id)
    lang = current_lang()
    doc = version.definition
    declared = edit._dict(doc.get("parameters"))
    context = page_context(request, version, "studio:parameters")
    status = 200
    original = request.POST.get("original") if request.method == "POST" else request.GET.get("name")
    original = original if original in declared else None
    form = None
    if request.method == "POST":
        if version.is_frozen:
            return _frozen_refusal(request, version, "studio:parameters")
        action = request.POST.get("action", "save")
        if action == "delete":
            return _parameter_delete(request, version, doc, original, lang)
        form = ParameterForm(
            request.POST,
            taken=set(declared) - {original},
            option_rows=_posted_rows(request),
            prefix="p",
        )
        if form.is_valid():
            name, decl = form.cleaned_data["name"], form.declaration
            problem = _parameter_refusal(doc, original, name, decl, form, lang)
            if problem is None:
                new = edit.parameter_put(doc, original, name, decl)
                if document_save(request, version, new, note=_("Parameter")):
                    messages.success(
                        request, _("Der Parameter „%(name)s“ ist gespeichert.") % {"name": name}
                    )
                    return redirect(
                        reverse("studio:parameters", args=[version.pk]) + f"#param-{name}"
                    )
                _conflict(request, context)
                status = 409
            else:
                status = 400
        else:
            status = 400
    elif request.GET.get("name") in declared or request.GET.get("neu"):
        initial = (
            _parameter_initial(original, declared[original])
            if original
            else {
                "type": request.GET.get("neu")
                if request.GET.get("neu") in PARAMETER_TYPE_LABELS
                else "money"
            }
        )
        form = ParameterForm(initial=initial, taken=set(declared) - {original}, prefix="p")
        if original:
            base = pointers.join(["parameters", original])
            for p in edit.problems_under(doc, (base,)):
                field = _declaration_problem_field(pointers.split(p.pointer))
                form_problem(form, field, edit.problem_text(p, lang))
    if form is None:
        form = ParameterForm(initial={"type": "money"}, taken=set(declared), prefix="p")
        original = None
    problems = edit.problems_under(doc, ("/parameters",))
    rows = []
    for name, decl in declared.items():
        decl = edit._dict(decl)
        base = pointers.join(["parameters", name])
        rows.append(
            {
                "name": name,
                "type": PARAMETER_TYPE_LABELS.get(decl.get("type"), decl.get("type")),
                "label": edit.text_of(decl.get("label"), lang),
                "required": "default" not in decl,
                "default": _shown_default(decl, lang),
                "limits": _limits(decl),
                "uses": [
                    {**use, "url": _place(version, use["pointer"])}
                    for use in edit.parameter_uses(doc, name, lang)
                ],
                "problems": [
                    edit.problem_text(p, lang)
                    for p in problems
                    if p.pointer == base or p.pointer.startswith(base + "/")
                ],
                "editing": name == original,
            }
        )
    other = [
        {"pointer": p.pointer, "text": edit.problem_text(p, lang)}
        for p in problems
        if pointers.split(p.pointer)[1:2] == [] or pointers.split(p.pointer)[1] not in declared
    ]
    context.update(
        rows=rows,
        form=form,
        original=original,
        other_problems=other,
        type_choices=list(PARAMETER_TYPE_LABELS.items()),
    )
    return render(request, "studio/parameters.html", context, status=status)


def _posted_rows(request) -> int:
    raw = request.POST.get("option_rows", "")
    return min(int(raw), OPTION_ROWS_MAX) if raw.isdigit() and len(raw) < 6 else 0


def _shown_default(decl: dict, lang: str) -> str:
    if "default" not in decl:
        return ""
    kind = decl.get("type")
    value = decl["default"]
    try:
        return definition_parameters.render(value, kind, lang)
    except (TypeError, ValueError, AttributeError):
        return str(value)


def _limits(decl: dict) -> str:
    parts = []
    if "minimum" in decl:
        parts.append(f"≥ {decl['minimum']}")
    if "maximum" in decl:
        parts.append(f"≤ {decl['maximum']}")
    if "max_length" in decl:
        parts.append(_("höchstens %(n)s Zeichen") % {"n": decl["max_length"]})
    return ", ".join(parts)


def _parameter_refusal(doc, original, name, decl, form, lang) -> str | None:
    """Why the parameter cannot be saved like this (put at the form field), or None."""
    base = pointers.join(["parameters", name])
    found = None
    for p in definition_parameters.declaration_problems({"parameters": {name: decl}}):
        if p.pointer.startswith(base):
            field = _declaration_problem_field(pointers.split(p.pointer))
            form_problem(form, field, edit.problem_text(p, lang))
            found = p.message
    if original and original != name and edit.parameter_uses(doc, original, lang):
        uses = edit.parameter_uses(doc, original, lang)
        form_problem(
            form,
            "name",
            _(
                "Der Parameter wird verwendet (%(where)s); umbenennen geht erst, wenn er nirgends mehr steht."
            )
            % {"where": "; ".join(f"{u['where']}: {u['use']}" for u in uses)},
        )
        found = "renamed"
    if original:
        kind_needed = {"amount": "money", "options": "choices"}
        for pointer, used, use in definition_parameters.references(doc):
            if used == original and use in kind_needed and decl["type"] != kind_needed[use]:
                form_problem(
                    form,
                    "type",
                    _("Der Parameter steht als %(use)s (%(where)s); dort passt nur „%(kind)s“.")
                    % {
                        "use": edit.USE_LABELS[use][1 if lang == "en" else 0],
                        "where": edit.place_words(doc, pointer, lang),
                        "kind": PARAMETER_TYPE_LABELS[kind_needed[use]],
                    },
                )
                found = "type"
                break
    return found


def _parameter_delete(request, version, doc, name, lang):
    url = reverse("studio:parameters", args=[version.pk])
    if name is None:
        messages.error(request, _("Diesen Parameter gibt es nicht (mehr)."))
        return redirect(url)
    uses = edit.parameter_uses(doc, name, lang)
    if uses:
        messages.error(
            request,
            _(
                "Der Parameter „%(name)s“ wird noch verwendet und kann nicht gelöscht werden: %(where)s."
            )
            % {"name": name, "where": "; ".join(f"{u['where']} ({u['use']})" for u in uses)},
        )
        return redirect(url + f"#param-{name}")
    if document_save(request, version, edit.parameter_delete(doc, name), note=_("Parameter")):
        messages.success(request, _("Der Parameter „%(name)s“ ist gelöscht.") % {"name": name})
    return redirect(url)
