"""The rules page of one version: rules (checks a schema cannot say) and computed values
(e.g. a fee from area × days × rate). The common ones are forms (`RULE_TEMPLATES`); an
entry no template recognises is shown and edited as its expression (expert mode), and every
save is checked with `check_definition` first: problems are shown at their form field and
nothing is saved."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from forms_engine.definitions import (
    RULE_TEMPLATES,
    DefinitionError,
    pointers,
    rule_template_build,
    rule_template_fields,
    rule_template_match,
)

from . import settings_edit as edit
from .access import studio_login_required
from .editing import document_save
from .rules_forms import (
    COMPUTED_TYPE_LABELS,
    ExpertComputedForm,
    ExpertRuleForm,
    TemplateForm,
)
from .views_settings import (
    _conflict,
    _frozen_refusal,
    _place,
    _version,
    current_lang,
    form_problem,
    page_context,
)

RULE_KINDS = [k for k, spec in RULE_TEMPLATES.items() if spec["target"] == "rule"]
COMPUTED_KINDS = [k for k, spec in RULE_TEMPLATES.items() if spec["target"] == "computed"]
EXPERT = "expert"


def _text(value, lang: str) -> str:
    return edit.text_of(value, lang)


def _field_label(doc: dict, pointer: str, lang: str) -> str:
    for ref, label_de, label_en, _type in rule_template_fields(doc):
        if ref == pointer:
            return label_en if lang == "en" else label_de
    return str(pointer)


def describe(kind: str, values: dict, doc: dict, lang: str) -> str:
    """A rule or computed value a template recognised, in one sentence."""
    spec = RULE_TEMPLATES[kind]

    def choice(name: str) -> str:
        for value in spec["values"]:
            if value["name"] == name:
                for key, text in value.get("choices", []):
                    if key == values.get(name):
                        return _text(text, lang)
        return str(values.get(name, ""))

    if kind == "compare_fields":
        return (
            f"„{_field_label(doc, values.get('left'), lang)}“ {choice('op')} "
            f"„{_field_label(doc, values.get('right'), lang)}“"
        )
    if kind == "date_from_today":
        days = values.get("days")
        unit = "days" if lang == "en" else "Tage"
        return (
            f"„{_field_label(doc, values.get('field'), lang)}“ {choice('relation')} "
            f"{days} {unit} {choice('direction')}"
        )
    if kind == "computed_product":
        names = []
        params = edit._dict(doc.get("parameters"))
        computed = edit._dict(doc.get("computed"))
        for factor in values.get("factors") or []:
            if factor.startswith("param:"):
                name = factor[6:]
                names.append(_text(edit._dict(params.get(name)).get("label"), lang) or name)
            elif factor.startswith("computed:"):
                name = factor[9:]
                names.append(_text(edit._dict(computed.get(name)).get("label"), lang) or name)
            else:
                names.append(_field_label(doc, factor, lang))
        return " × ".join(names)
    return ""


def _rule_rows(version, doc: dict, lang: str, problems) -> list[dict]:
    rows = []
    for i, rule in enumerate(edit.rules_of(doc)):
        match = rule_template_match(rule)
        base = f"/rules/{i}"
        rows.append(
            {
                "index": i,
                "id": rule.get("id", ""),
                "kind": _text(RULE_TEMPLATES[match["kind"]]["label"], lang) if match else "",
                "sentence": describe(match["kind"], match["values"], doc, lang) if match else "",
                "check": rule.get("check", ""),
                "pointer": rule.get("pointer", ""),
                "pointer_label": _field_label(doc, rule.get("pointer", ""), lang),
                "message": _text(rule.get("message"), lang),
                "conditional": "when" in rule,
                "problems": [
                    edit.problem_text(p, lang)
                    for p in problems
                    if p.pointer == base or p.pointer.startswith(base + "/")
                ],
            }
        )
    return rows


def _computed_rows(version, doc: dict, lang: str, problems) -> list[dict]:
    rows = []
    for name, entry in edit._dict(doc.get("computed")).items():
        entry = edit._dict(entry)
        match = rule_template_match(entry, name)
        base = pointers.join(["computed", name])
        rows.append(
            {
                "name": name,
                "label": _text(entry.get("label"), lang),
                "type": COMPUTED_TYPE_LABELS.get(entry.get("type"), entry.get("type")),
                "expression": entry.get("expression", ""),
                "sentence": describe(match["kind"], match["values"], doc, lang) if match else "",
                "uses": [
                    {**use, "url": _place(version, use["pointer"])}
                    for use in edit.computed_uses(doc, name, lang)
                ],
                "problems": [
                    edit.problem_text(p, lang)
                    for p in problems
                    if p.pointer == base or p.pointer.startswith(base + "/")
                ],
            }
        )
    return rows


# --- which form ---------------------------------------------------------------------------


def _int(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 6 else None


class Editing:
    """What the form on the page edits: target `rule` or `computed`, `kind` (a template or
    `expert`), `original` (a rule's index or a computed value's name; None for a new one)."""

    def __init__(self, target: str, kind: str, original=None):
        self.target, self.kind, self.original = target, kind, original

    @property
    def expert(self) -> bool:
        return self.kind == EXPERT


def _editing_from_get(request, doc: dict) -> Editing | None:
    rules = edit.rules_of(doc)
    computed = edit._dict(doc.get("computed"))
    expert = request.GET.get("experte") == "1"
    index = _int(request.GET.get("regel"))
    if index is not None and index < len(rules):
        match = None if expert else rule_template_match(rules[index])
        return Editing("rule", match["kind"] if match else EXPERT, index)
    name = request.GET.get("wert")
    if name in computed:
        match = None if expert else rule_template_match(computed[name], name)
        return Editing("computed", match["kind"] if match else EXPERT, name)
    new = request.GET.get("neu", "")
    if new in RULE_KINDS or new == "regel":
        return Editing("rule", EXPERT if new == "regel" else new)
    if new in COMPUTED_KINDS or new == "wert":
        return Editing("computed", EXPERT if new == "wert" else new)
    return None


def _editing_from_post(request, doc: dict) -> Editing | None:
    target, kind = request.POST.get("target"), request.POST.get("kind")
    raw = request.POST.get("original", "")
    if target == "rule":
        if kind != EXPERT and kind not in RULE_KINDS:
            return None
        original = None
        if raw:
            original = _int(raw)
            if original is None or original >= len(edit.rules_of(doc)):
                return None
        return Editing("rule", kind, original)
    if target == "computed":
        if kind != EXPERT and kind not in COMPUTED_KINDS:
            return None
        if raw and raw not in edit._dict(doc.get("computed")):
            return None
        return Editing("computed", kind, raw or None)
    return None


def _initial(editing: Editing, doc: dict) -> dict:
    if editing.original is None:
        return {}
    if editing.target == "rule":
        entry = edit.rules_of(doc)[editing.original]
        if editing.expert:
            message = edit._dict(entry.get("message"))
            return {
                "id": entry.get("id", ""),
                "check": entry.get("check", ""),
                "pointer": entry.get("pointer", ""),
                "message_de": message.get("de", ""),
                "message_en": message.get("en", ""),
            }
        match = rule_template_match(entry)
        return TemplateForm.initial_from(editing.kind, match["values"])
    entry = edit._dict(edit._dict(doc.get("computed")).get(editing.original))
    if editing.expert:
        label = edit._dict(entry.get("label"))
        return {
            "name": editing.original,
            "expression": entry.get("expression", ""),
            "type": entry.get("type", "money"),
            "label_de": label.get("de", ""),
            "label_en": label.get("en", ""),
        }
    match = rule_template_match(entry, editing.original)
    return TemplateForm.initial_from(editing.kind, match["values"])


def _form(editing: Editing, doc: dict, lang: str, data=None, initial=None, factor_rows: int = 0):
    if editing.expert:
        if editing.target == "rule":
            return ExpertRuleForm(data, initial=initial, doc=doc, lang=lang, prefix="r")
        return ExpertComputedForm(data, initial=initial, prefix="r")
    return TemplateForm(
        data,
        initial=initial,
        kind=editing.kind,
        doc=doc,
        lang=lang,
        factor_rows=factor_rows,
        exclude=editing.original if editing.target == "computed" else None,
        prefix="r",
    )


def _place_of(form, editing: Editing, key: str) -> str | None:
    """The form field for a `check_definition` problem at `…/<key>` of the entry."""
    if editing.expert:
        return form.PLACES.get(key)
    return None


# --- saving -------------------------------------------------------------------------------


def _entry(form, editing: Editing, doc: dict, lang: str) -> tuple[str | None, dict | None]:
    """(computed name or None, the rule / computed entry) from a valid form; None on problems
    (put at the form's fields)."""
    data = form.cleaned_data
    existing = None
    if editing.original is not None:
        existing = (
            edit.rules_of(doc)[editing.original]
            if editing.target == "rule"
            else edit._dict(edit._dict(doc.get("computed")).get(editing.original))
        )
    if editing.expert:
        if editing.target == "rule":
            entry = {
                "id": data["id"],
                "check": data["check"].strip(),
                "pointer": data["pointer"],
                "message": edit.i18n(data["message_de"], data["message_en"]),
            }
            name = None
        else:
            name = data["name"]
            entry = {
                "expression": data["expression"].strip(),
                "type": data["type"],
                "label": edit.i18n(data["label_de"], data["label_en"]),
            }
    else:
        values = form.values()
        if existing and "when" in existing:
            values["when"] = existing["when"]
        try:
            entry = rule_template_build(editing.kind, values, doc)
        except DefinitionError as exc:
            for problem in exc.problems:
                form_problem(form, form.place(problem.pointer), edit.problem_text(problem, lang))
            return None, None
        name = values.get("name") if editing.target == "computed" else None
    for key in ("when", "$comment"):
        if existing and key in existing and key not in entry:
            entry[key] = existing[key]
    return name, entry


def _save(request, version, doc: dict, editing: Editing, lang: str, context: dict):
    """Returns a redirect after a save, else the form (with its problems) and a status."""
    factor_rows = _int(request.POST.get("factor_rows", "")) or 0
    form = _form(editing, doc, lang, data=request.POST, factor_rows=factor_rows)
    if not form.is_valid():
        return None, form, 400
    name, entry = _entry(form, editing, doc, lang)
    if entry is None:
        return None, form, 400
    if editing.target == "rule":
        others = {r.get("id") for i, r in enumerate(edit.rules_of(doc)) if i != editing.original}
        if entry["id"] in others:
            form_problem(
                form,
                "id",
                _("Eine andere Regel hat schon die Kennung „%(id)s“.") % {"id": entry["id"]},
            )
            return None, form, 400
        new = edit.rule_put(doc, editing.original, entry)
        index = editing.original if editing.original is not None else len(edit.rules_of(doc))
        base, anchor = f"/rules/{index}", f"rule-{entry['id']}"
    else:
        computed = edit._dict(doc.get("computed"))
        if name in computed and name != editing.original:
            form_problem(form, "name", _("Einen berechneten Wert mit diesem Namen gibt es schon."))
            return None, form, 400
        if editing.original and name != editing.original:
            uses = edit.computed_uses(doc, editing.original, lang)
            if uses:
                form_problem(
                    form,
                    "name",
                    _(
                        "Der Wert wird verwendet (%(where)s); umbenennen geht erst, wenn er nirgends mehr steht."
                    )
                    % {"where": "; ".join(f"{u['where']}: {u['use']}" for u in uses)},
                )
                return None, form, 400
        new = edit.computed_put(doc, editing.original, name, entry)
        base, anchor = pointers.join(["computed", name]), f"computed-{name}"
    found = edit.problems_under(new, (base,))
    if editing.target == "computed":
        # a fee using the value must still fit (e.g. it must stay an amount)
        found += [
            p
            for p in edit.problems_under(new, ("/payment/fees",))
            if p not in edit.problems_under(doc, ("/payment/fees",))
        ]
    if found:
        for problem in found:
            parts = pointers.split(problem.pointer)
            key = parts[2] if len(parts) > 2 and parts[0] in ("rules", "computed") else ""
            form_problem(form, _place_of(form, editing, key), edit.problem_text(problem, lang))
        return None, form, 400
    if document_save(request, version, new, note=_("Regeln")):
        messages.success(request, _("Gespeichert."))
        return redirect(reverse("studio:rules", args=[version.pk]) + f"#{anchor}"), form, 302
    _conflict(request, context)
    return None, form, 409


def _delete(request, version, doc: dict, lang: str):
    url = reverse("studio:rules", args=[version.pk])
    target = request.POST.get("target")
    if target == "rule":
        index = _int(request.POST.get("original", ""))
        if index is None or index >= len(edit.rules_of(doc)):
            return HttpResponseBadRequest(
                _("Diese Regel gibt es nicht (mehr). Laden Sie die Seite neu.")
            )
        if document_save(request, version, edit.rule_delete(doc, index), note=_("Regeln")):
            messages.success(request, _("Die Regel ist gelöscht."))
        return redirect(url)
    name = request.POST.get("original", "")
    if target != "computed" or name not in edit._dict(doc.get("computed")):
        return HttpResponseBadRequest(
            _("Diesen Wert gibt es nicht (mehr). Laden Sie die Seite neu.")
        )
    uses = edit.computed_uses(doc, name, lang)
    if uses:
        messages.error(
            request,
            _("Der Wert „%(name)s“ wird noch verwendet und kann nicht gelöscht werden: %(where)s.")
            % {"name": name, "where": "; ".join(f"{u['where']} ({u['use']})" for u in uses)},
        )
        return redirect(url + f"#computed-{name}")
    if document_save(request, version, edit.computed_delete(doc, name), note=_("Regeln")):
        messages.success(request, _("Der berechnete Wert ist gelöscht."))
    return redirect(url)


@studio_login_required
@require_http_methods(["GET", "POST"])
def rules_page(request, version_id: int):
    version = _version(request, version_id)
    lang = current_lang()
    doc = version.definition
    context = page_context(request, version, "studio:rules")
    status = 200
    form = None
    if request.method == "POST":
        if version.is_frozen:
            return _frozen_refusal(request, version, "studio:rules")
        if request.POST.get("action") == "delete":
            return _delete(request, version, doc, lang)
        editing = _editing_from_post(request, doc)
        if editing is None:
            return HttpResponseBadRequest(
                _("Diese Regel oder diesen Wert gibt es nicht (mehr). Laden Sie die Seite neu.")
            )
        response, form, status = _save(request, version, doc, editing, lang, context)
        if response is not None:
            return response
    else:
        editing = _editing_from_get(request, doc)
        if editing is not None:
            form = _form(editing, doc, lang, initial=_initial(editing, doc))
            if editing.original is not None:
                base = (
                    f"/rules/{editing.original}"
                    if editing.target == "rule"
                    else pointers.join(["computed", editing.original])
                )
                for problem in edit.problems_under(doc, (base,)):
                    parts = pointers.split(problem.pointer)
                    key = parts[2] if len(parts) > 2 else ""
                    form_problem(
                        form, _place_of(form, editing, key), edit.problem_text(problem, lang)
                    )
    problems = edit.problems_under(doc, ("/rules", "/computed"))
    known = {f"/rules/{i}" for i in range(len(edit.rules_of(doc)))} | {
        pointers.join(["computed", n]) for n in edit._dict(doc.get("computed"))
    }
    other = [
        {"text": edit.problem_text(p, lang)}
        for p in problems
        if "/".join(p.pointer.split("/")[:3]) not in known
    ]
    conditional = False
    if editing is not None and editing.target == "rule" and editing.original is not None:
        conditional = "when" in edit.rules_of(doc)[editing.original]
    context.update(
        rules=_rule_rows(version, doc, lang, problems),
        computed=_computed_rows(version, doc, lang, problems),
        other_problems=other,
        editing=editing,
        form=form,
        conditional=conditional,
        rule_kinds=[(k, _text(RULE_TEMPLATES[k]["label"], lang)) for k in RULE_KINDS],
        computed_kinds=[(k, _text(RULE_TEMPLATES[k]["label"], lang)) for k in COMPUTED_KINDS],
        template_label=(
            _text(RULE_TEMPLATES[editing.kind]["label"], lang)
            if editing is not None and not editing.expert
            else ""
        ),
    )
    return render(request, "studio/rules.html", context, status=status)
