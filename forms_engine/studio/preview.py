"""The live preview: the real citizen pages, through the same step flow (`citizen.flow`) in
preview mode. No Draft, no Case, no payment, no e-mail, no stored file; a test banner on
every page.

- `preview` (a version's "Vorschau" tab): choose a designer test to prefill from (its
  answers and parameters) and a step to start at; POST starts a preview of the version's
  saved document.
- `preview_document` (POST): the same from a posted, unsaved definition document (the
  editor's state, JSON in the field `document`) of the version named in `version`.
- `preview_shell`: the studio page around a running preview: the banner, the width switch
  (desktop / phone: the iframe's width), the step list (start at any step), "Als Test
  speichern".
- `preview_step`, `preview_summary`, `preview_submit`: the citizen's pages themselves,
  framed by the shell (only same-origin framing is allowed for them).
- `preview_record_test` (POST): the run's answers as a designer test: added to the draft
  the preview came from, or shown as JSON to copy when it came from an unsaved document.

Access: the designer role of the version's publisher (or superuser), signed in as staff;
the preview's state lives in the designer's own session.
"""

from __future__ import annotations

import copy
import json
import re
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from forms_engine.citizen import flow
from forms_engine.citizen.uploads import StreamLimits, stream_limits, upload_limit, upload_refusal
from forms_engine.citizen.views import declaration_items, step_context
from forms_engine.core.answer_fields import upload_spec_for
from forms_engine.core.formatting import i18n
from forms_engine.core.levels import level_label
from forms_engine.core.text import text_problem
from forms_engine.definitions import DefinitionError, load_definition

from .access import studio_login_required, version_for
from .editing import document_save
from .views import version_context

WIDTHS = ("desktop", "telefon")
TEST_NAME_MAX = 200


def _lang() -> str:
    lang = (get_language() or "de")[:2]
    return lang if lang in ("de", "en") else "de"


def _problems_text(exc: DefinitionError, lang: str) -> list[dict]:
    return [
        {
            "pointer": p.pointer or "/",
            "message": (p.message_en if lang != "de" and p.message_en else p.message),
        }
        for p in exc.problems
    ]


def _tests_of(doc) -> list[dict]:
    tests = doc.get("tests") if isinstance(doc, dict) else None
    return [t for t in tests if isinstance(t, dict)] if isinstance(tests, list) else []


def _chosen_test(doc, choice: str) -> dict | None:
    """A designer test of `doc` by its index ("0", "1", …) or its name; None for ""."""
    choice = (choice or "").strip()
    if not choice:
        return None
    tests = _tests_of(doc)
    if choice.isdigit() and int(choice) < len(tests):
        return tests[int(choice)]
    return next((t for t in tests if t.get("name") == choice), None)


def _start(request, version, doc, *, saved: bool):
    """Start a preview of `doc` for `version` from the posted `test` and `step`: the
    shell, or (a broken definition, parameters that do not fit, an unknown test) the
    problems in words (400)."""
    lang = _lang()
    choice = request.POST.get("test", "")
    test = _chosen_test(doc, choice)
    if choice.strip() and test is None:
        problems = [{"pointer": "/tests", "message": _("Diesen Test gibt es nicht.")}]
        return _launcher(request, version, doc, problems=problems, status=400)
    try:
        state = flow.preview_start(
            request.session,
            doc=doc,
            parameters=(test or {}).get("parameters"),
            answers=(test or {}).get("answers"),
            version_id=version.pk,
            revision=version.revision if saved else None,
            saved=saved,
            test=str((test or {}).get("name") or ""),
        )
    except DefinitionError as exc:
        return _launcher(request, version, doc, problems=_problems_text(exc, lang), status=400)
    url = reverse("studio:preview-shell", args=[state.preview_id])
    step = request.POST.get("step", "")
    if step in {s.id for s in state.definition.steps}:
        url += f"?schritt={step}"
    return redirect(url)


def _launcher(request, version, doc, *, problems=None, status=200):
    lang = _lang()
    if problems is None:
        try:
            definition = flow.preview_definition(doc)
        except DefinitionError as exc:
            problems = _problems_text(exc, lang)
    steps = []
    if not problems:
        steps = [{"id": s.id, "title": i18n(s.title, lang)} for s in definition.steps]
    tests = [
        {"value": str(i), "name": str(t.get("name") or i)} for i, t in enumerate(_tests_of(doc))
    ]
    return render(
        request,
        "studio/preview.html",
        {
            **version_context(request, version, "studio:preview"),
            "problems": problems or [],
            "steps": steps,
            "tests": tests,
        },
        status=status,
    )


@studio_login_required
@require_http_methods(["GET", "POST"])
def preview(request, version_id: int):
    """A version's "Vorschau" tab: start a preview of its saved document."""
    version = version_for(request.user, version_id, design=True)
    doc = version.definition
    if request.method == "POST":
        return _start(request, version, doc, saved=True)
    return _launcher(request, version, doc)


@studio_login_required
@require_POST
def preview_document(request):
    """A preview of an unsaved definition document (`document`, JSON) of the version
    `version` (whose publisher's designers may preview it)."""
    raw_version = request.POST.get("version", "")
    if not raw_version.isdigit() or len(raw_version) > 12:
        raise Http404
    version = version_for(request.user, int(raw_version), design=True)
    try:
        doc = load_definition(request.POST.get("document", ""))
    except DefinitionError as exc:
        return _launcher(request, version, None, problems=_problems_text(exc, _lang()), status=400)
    return _start(request, version, doc, saved=False)


def _state(request, preview_id: str) -> flow.PreviewFlowState:
    """The preview `preview_id` of this session (404 otherwise), its version still one the
    user may design."""
    state = flow.preview_get(request.session, preview_id)
    if state is None:
        raise Http404
    if state.version_id is not None:
        version_for(request.user, state.version_id, design=True)
    return state


def _banner(state: flow.PreviewFlowState, lang: str) -> dict:
    """What the test banner says besides its headline: the sign-in a citizen would need
    (the preview pretends it is done) and parameters shown as placeholders."""
    notes = []
    level = flow.identity_required(state)
    if level != "none":
        notes.append(
            _(
                "Bürgerinnen und Bürger müssen sich hier mit dem Vertrauensniveau „%(level)s“ "
                "anmelden. Die Vorschau tut so, als sei das geschehen."
            )
            % {"level": level_label(level, lang)}
        )
    missing = state.definition.missing_parameters
    if missing:
        notes.append(
            _("Ohne Parameterwerte: Platzhalter für %(names)s.") % {"names": ", ".join(missing)}
        )
    # The header's home link stays in the preview (the citizen catalog refuses framing).
    home = _step_url(state, flow.applicable_step_ids(state)[0])
    return {"notes": notes, "id": state.preview_id, "home_url": home}


def _frame_policy() -> str:
    """The site's Content-Security-Policy with framing allowed by the same origin only."""
    directives = [
        d.strip()
        for d in settings.CONTENT_SECURITY_POLICY.split(";")
        if d.strip() and not d.strip().lower().startswith("frame-ancestors")
    ]
    return "; ".join([*directives, "frame-ancestors 'self'"])


def framed(view):
    """The preview's citizen pages may be shown in the studio's iframe (same origin only:
    X-Frame-Options SAMEORIGIN and CSP `frame-ancestors 'self'`); every other page stays
    unframeable."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = _frame_policy()
        return response

    return xframe_options_sameorigin(wrapped)


def _page_context(state, lang: str) -> dict:
    return {
        "preview": _banner(state, lang),
        "process_title": i18n(state.definition.title, lang),
        "site_name": _("Vorschau"),
    }


def _step_url(state, step_id: str) -> str:
    return reverse("studio:preview-step", args=[state.preview_id, step_id])


def _summary_url(state) -> str:
    return reverse("studio:preview-summary", args=[state.preview_id])


# --- the shell ------------------------------------------------------------------------------


@studio_login_required
def preview_shell(request, preview_id: str):
    state = _state(request, preview_id)
    return _render_shell(request, state)


def _render_shell(request, state, *, test_json: str = "", name_error: str = "", status=200):
    lang = _lang()
    width = request.GET.get("breite", "desktop")
    width = width if width in WIDTHS else "desktop"
    applicable = set(flow.applicable_step_ids(state))
    start = request.GET.get("schritt", "")
    start = start if start in applicable else flow.resume_step(state)
    version = None
    context = {}
    if state.version_id is not None:
        version = version_for(request.user, state.version_id, design=True)
        context.update(version_context(request, version, "studio:preview"))
    base = reverse("studio:preview-shell", args=[state.preview_id])
    return render(
        request,
        "studio/preview_shell.html",
        {
            **context,
            "state": state,
            "preview": _banner(state, lang),
            "process_title": i18n(state.definition.title, lang),
            "frame_url": _step_url(state, start),
            "width": width,
            "width_links": [
                {"value": w, "label": label, "url": f"{base}?breite={w}&schritt={start}"}
                for w, label in (("desktop", _("Desktop")), ("telefon", _("Telefon (375 px)")))
            ],
            "steps": [
                {
                    "id": s.id,
                    "title": i18n(s.title, lang),
                    "url": _step_url(state, s.id),
                    "applies": s.id in applicable,
                }
                for s in state.definition.steps
            ],
            "summary_url": _summary_url(state),
            "can_save_test": bool(
                state.saved and version is not None and version.status == "draft"
            ),
            "test_json": test_json,
            "name_error": name_error,
            "test_name": request.POST.get("name", "") if request.method == "POST" else "",
            "restart_url": reverse("studio:preview", args=[state.version_id])
            if state.version_id is not None
            else "",
        },
        status=status,
    )


# --- the citizen's pages, framed ------------------------------------------------------------


def _preview_stream_limits(request, preview_id, step_id):
    """As the wizard's step: each file at most its field's limit; other files unread."""
    state = flow.preview_get(request.session, preview_id)

    def file_limit(name: str) -> int | None:
        if state is None:
            return None
        spec = upload_spec_for(state.definition, "/" + "/".join([step_id, *name.split(".")]))
        return upload_limit(spec) if spec is not None else None

    return StreamLimits(
        file_limit=file_limit, request_bytes=int(settings.FORMS_UPLOAD_MAX_REQUEST_BYTES)
    )


@stream_limits(_preview_stream_limits)
@studio_login_required
@framed
@require_http_methods(["GET", "POST"])
def preview_step(request, preview_id: str, step_id: str):
    lang = _lang()
    state = _state(request, preview_id)
    returning = request.GET.get("return") == "summary"
    if request.method == "GET":
        outcome = flow.step_page(state, step_id, lang=lang)
    else:
        outcome = flow.step_post(
            state,
            step_id,
            post=request.POST,
            files=request.FILES,
            lang=lang,
            returning=returning,
            refusal=lambda: upload_refusal(request),
        )
    if outcome.go_to_step is not None:
        return redirect(_step_url(state, outcome.go_to_step))
    if outcome.go_to_summary:
        return redirect(_summary_url(state))
    page = outcome.page
    notice = ""
    if outcome.saved:
        # No resume link in a preview: the answers stay in this preview only.
        page = flow.step_page(state, step_id, lang=lang).page
        notice = _(
            "Vorschau: Zwischengespeichert. Bürgerinnen und Bürger erhielten hier einen Link "
            "zum Fortsetzen; in der Vorschau bleiben die Angaben nur in diesem Testlauf."
        )
        if outcome.not_kept:
            notice += " " + _("Nicht übernommen: %(items)s") % {
                "items": "; ".join(outcome.not_kept)
            }
    previous = page.previous_step
    context = {
        **_page_context(state, lang),
        **step_context(page, lang),
        "back_url": _summary_url(state)
        if returning
        else _step_url(state, previous or page.step.id),
        "returning": returning,
        "action_url": request.get_full_path(),
    }
    if notice:
        context["notice"] = notice
    return render(request, "citizen/step.html", context, status=page.status)


def _summary_context(state, lang: str) -> dict:
    data = flow.summary_data(state, lang)
    for section in data["sections"]:
        section["edit_url"] = _step_url(state, section["id"]) + "?return=summary"
    return data


@studio_login_required
@framed
def preview_summary(request, preview_id: str):
    lang = _lang()
    state = _state(request, preview_id)
    data = _summary_context(state, lang)
    if state.definition.is_calculator:
        # A calculator ends on its result, as for the citizen (nothing to submit).
        result = flow.calculator_result(state, lang)
        return render(
            request,
            "citizen/result.html",
            {
                **_page_context(state, lang),
                **result,
                "sections": data["sections"],
                "restart_url": _step_url(state, result["first_step"]),
                "back_url": _step_url(state, data["last_step"]),
            },
        )
    return render(
        request,
        "citizen/summary.html",
        {
            **_page_context(state, lang),
            "sections": data["sections"],
            "fees": data["fees"],
            "fee_total": data["fee_total"],
            "submit_url": reverse("studio:preview-submit", args=[state.preview_id]),
            "back_url": _step_url(state, data["last_step"]),
        },
    )


@studio_login_required
@framed
@require_http_methods(["GET", "POST"])
def preview_submit(request, preview_id: str):
    """The submit page; "absenden" ends the test run: the answers and fees are listed,
    nothing is created (no case, no payment, no e-mail)."""
    lang = _lang()
    state = _state(request, preview_id)
    declarations = declaration_items(state.definition, lang)
    accepted = [d["id"] for d in declarations if d["id"] in request.POST.getlist("declaration")]
    errors, answer_errors = [], []
    if request.method == "POST":
        for d in declarations:
            if d["id"] not in accepted:
                d["error"] = _("Bitte bestätigen Sie diese Erklärung.")
                errors.append((d["dom_id"], d["error"]))
        if not errors:
            for error in state.definition.validate_answers(state.answers):
                answer_errors.append(_answer_error(state, error, lang))
        if not errors and not answer_errors:
            data = _summary_context(state, lang)
            return render(
                request,
                "studio/preview_done.html",
                {
                    **_page_context(state, lang),
                    "sections": data["sections"],
                    "fees": data["fees"],
                    "fee_total": data["fee_total"],
                    "back_url": _summary_url(state),
                },
            )
    for d in declarations:
        d["checked"] = d["id"] in accepted
    return render(
        request,
        "citizen/submit.html",
        {
            **_page_context(state, lang),
            "declarations": declarations,
            "errors": errors,
            "answer_errors": answer_errors,
            "has_errors": bool(errors or answer_errors),
            "back_url": _summary_url(state),
        },
    )


def _answer_error(state, error, lang: str) -> dict:
    parts = error.pointer.split("/")[1:]
    url, step_title = "", ""
    if parts and parts[0] in {s.id for s in state.definition.steps}:
        step_title = i18n(state.definition.step(parts[0]).title, lang)
        url = _step_url(state, parts[0]) + "?return=summary"
        if len(parts) > 1:
            url += "#f-" + "-".join(parts[1:])
    return {
        "pointer": error.pointer,
        "message": flow.error_message(error, lang),
        "url": url,
        "step_title": step_title,
    }


# --- record a test --------------------------------------------------------------------------


def _name_problem(name: str) -> str:
    if not name:
        return _("Bitte geben Sie einen Namen für den Test an.")
    if len(name) > TEST_NAME_MAX:
        return _("Der Name ist zu lang (höchstens %(max)s Zeichen).") % {"max": TEST_NAME_MAX}
    if text_problem(name) is not None or re.search(r"[\x00-\x1f]", name):
        return _("Der Name enthält Zeichen, die nicht gespeichert werden können.")
    return ""


@studio_login_required
@require_POST
def preview_record_test(request, preview_id: str):
    """ "Als Test speichern": the run as a designer test (`flow.preview_as_test`). From a
    saved draft: added to its `tests` (with the revision check of every studio save) and
    back to the preview; from anything else: the test as JSON to copy."""
    state = _state(request, preview_id)
    name = request.POST.get("name", "").strip()
    problem = _name_problem(name)
    if problem:
        return _render_shell(request, state, name_error=problem, status=400)
    test = flow.preview_as_test(state, name)
    version = (
        version_for(request.user, state.version_id, design=True)
        if state.version_id is not None
        else None
    )
    if not (state.saved and version is not None and version.status == "draft"):
        text = json.dumps(test, ensure_ascii=False, indent=2)
        return _render_shell(request, state, test_json=text)
    doc = copy.deepcopy(version.definition)
    tests = _tests_of(doc)
    if any(t.get("name") == name for t in tests):
        return _render_shell(
            request,
            state,
            name_error=_("Einen Test mit diesem Namen gibt es schon."),
            status=400,
        )
    doc["tests"] = [*(doc.get("tests") or []), test]
    saved = document_save(request, version, doc, note=f"Test aus der Vorschau: {name}"[:200])
    if saved is not None:
        # The preview now runs the saved document with its new test.
        state.data["doc"] = saved.definition
        state.data["revision"] = saved.revision
        request.session.modified = True
        messages.success(
            request, _("Der Test „%(name)s“ wurde im Entwurf gespeichert.") % {"name": name}
        )
    return redirect("studio:preview-shell", state.preview_id)
