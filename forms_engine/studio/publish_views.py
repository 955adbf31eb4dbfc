"""The version's tests, checks, diff and publish pages and the four-eyes approval pages.

Views stay thin: reads in `studio.selectors` / `studio.designer_tests`, writes through
`studio.editing.document_save` (tests) and `catalog.review` (approval, publish, retire)."""

from __future__ import annotations

import copy
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from forms_engine.catalog.exceptions import CatalogError
from forms_engine.catalog.models import ProcessVersion, PublishApproval
from forms_engine.catalog.review import (
    approval_decide,
    approval_request,
    can_review,
    can_see,
    publish_readiness,
    publish_unschedule,
    studio_publish,
    studio_retire,
)

from .access import studio_login_required, version_for
from .designer_tests import DesignerTestForm, copy_name, doc_tests, lang, run_tests
from .editing import catalog_error_text, document_save
from .publish_forms import ApprovalRequestForm, DecisionForm, RetireForm, ScheduleForm
from .selectors import (
    compare,
    default_base,
    latest_approval,
    open_approvals_for,
    publish_impact,
    retire_impact,
    version_checks,
)
from .views import version_context
from .views_fim import grouped_todo

# --- designer tests ------------------------------------------------------------------------


@studio_login_required
def tests_page(request, version_id: int):
    version = version_for(request.user, version_id)
    context = version_context(request, version, "studio:tests")
    context["run"] = run_tests(version.definition)
    context["ran_now"] = "ausfuehren" in request.GET
    context["editable"] = context["can_design"] and version.status == ProcessVersion.Status.DRAFT
    return render(request, "studio/tests.html", context)


def _draft_for_design(request, version_id: int) -> ProcessVersion:
    version = version_for(request.user, version_id, design=True)
    if version.status != ProcessVersion.Status.DRAFT:
        raise PermissionDenied("Nur Entwürfe lassen sich ändern. / Only drafts can be changed.")
    return version


def _test_at(version: ProcessVersion, index: int) -> dict:
    tests = doc_tests(version.definition)
    if index >= len(tests) or not isinstance(tests[index], dict):
        raise Http404
    return tests[index]


@studio_login_required
@require_http_methods(["GET", "POST"])
def test_edit(request, version_id: int, index: int | None = None):
    """Write a new test (index None) or change test `index`, without JSON."""
    version = _draft_for_design(request, version_id)
    test = _test_at(version, index) if index is not None else None
    run = run_tests(version.definition)
    context = version_context(request, version, "studio:tests")
    context.update({"index": index, "test": test, "compiled": run.compiled, "run": run})
    if test is not None:
        context["answers_json"] = json.dumps(
            test.get("answers") or {}, indent=2, ensure_ascii=False
        )
    if run.compiled is None:
        context["form"] = None
        return render(request, "studio/test_edit.html", context, status=200)
    others = [
        t.get("name")
        for i, t in enumerate(doc_tests(version.definition))
        if isinstance(t, dict) and i != index
    ]
    form = DesignerTestForm(request.POST or None, process=run.compiled, test=test, others=others)
    context["form"] = form
    if request.method == "POST":
        if form.is_valid():
            doc = copy.deepcopy(version.definition)
            tests = doc.setdefault("tests", [])
            new_test = form.to_test()
            if index is None:
                tests.append(new_test)
            else:
                tests[index] = new_test
            saved = document_save(request, version, doc, note=f"Test „{new_test['name']}“"[:200])
            if saved is not None:
                messages.success(
                    request,
                    _("Der Test „%(name)s“ wurde gespeichert.") % {"name": new_test["name"]},
                )
                return redirect("studio:tests", version.pk)
        return render(request, "studio/test_edit.html", context, status=400)
    return render(request, "studio/test_edit.html", context)


def _posted_test(request, version: ProcessVersion, index: int) -> dict | None:
    """Test `index` when the posted name still names it (else a message and None)."""
    test = _test_at(version, index)
    if request.POST.get("name") != test.get("name"):
        messages.error(
            request,
            _(
                "Der Test wurde inzwischen geändert; bitte laden Sie die Seite neu. / The test "
                "was changed meanwhile; please reload the page."
            ),
        )
        return None
    return test


@studio_login_required
@require_POST
def test_duplicate(request, version_id: int, index: int):
    version = _draft_for_design(request, version_id)
    test = _posted_test(request, version, index)
    if test is not None:
        doc = copy.deepcopy(version.definition)
        names = [t.get("name") for t in doc_tests(doc) if isinstance(t, dict)]
        duplicate = copy.deepcopy(test)
        duplicate["name"] = copy_name(str(test.get("name")), names)
        doc["tests"].insert(index + 1, duplicate)
        if document_save(request, version, doc, note=f"Test „{duplicate['name']}“"[:200]):
            messages.success(request, _("Kopie „%(name)s“ angelegt.") % {"name": duplicate["name"]})
            return redirect("studio:test-edit", version.pk, index + 1)
    return redirect("studio:tests", version.pk)


@studio_login_required
@require_POST
def test_delete(request, version_id: int, index: int):
    version = _draft_for_design(request, version_id)
    test = _posted_test(request, version, index)
    if test is not None:
        doc = copy.deepcopy(version.definition)
        del doc["tests"][index]
        if not doc["tests"]:
            del doc["tests"]
        if document_save(request, version, doc, note=f"Test „{test.get('name')}“ gelöscht"[:200]):
            messages.success(
                request, _("Der Test „%(name)s“ wurde gelöscht.") % {"name": test.get("name")}
            )
    return redirect("studio:tests", version.pk)


# --- checks and diff -----------------------------------------------------------------------


@studio_login_required
def checks_page(request, version_id: int):
    version = version_for(request.user, version_id)
    context = version_context(request, version, "studio:checks")
    context["checks"] = version_checks(version)
    fim_source = version.process.fim_sources.first()
    if fim_source is not None and version.status == ProcessVersion.Status.DRAFT:
        context["fim_source"] = fim_source
        context["todo_groups"] = grouped_todo(fim_source.todo, lang())
    return render(request, "studio/checks.html", context)


def _version_of_process(version: ProcessVersion, raw: str | None) -> ProcessVersion | None:
    if not raw or not str(raw).isdigit() or len(str(raw)) > 12:
        return None
    return version.process.versions.filter(pk=int(raw)).first()


@studio_login_required
def diff_page(request, version_id: int):
    version = version_for(request.user, version_id)
    context = version_context(request, version, "studio:diff")
    versions = sorted(
        version.process.versions.all(),
        key=lambda v: tuple(int(p) if p.isdigit() else -1 for p in v.version.split(".")),
        reverse=True,
    )
    new = _version_of_process(version, request.GET.get("neu")) or version
    old = _version_of_process(version, request.GET.get("alt"))
    invalid = any(
        request.GET.get(key) and _version_of_process(version, request.GET.get(key)) is None
        for key in ("alt", "neu")
    )
    if old is None:
        old = default_base(new) if new.pk != version.pk else default_base(version)
    context.update({"versions": versions, "old": old, "new": new, "invalid": invalid})
    if old is not None and old.pk != new.pk:
        context["comparison"] = compare(old, new)
    status = 400 if invalid else 200
    return render(request, "studio/diff.html", context, status=status)


# --- publish -------------------------------------------------------------------------------


def _publish_context(request, version: ProcessVersion) -> dict:
    context = version_context(request, version, "studio:publish")
    if version.status == ProcessVersion.Status.DRAFT:
        readiness = publish_readiness(version)
        context["readiness"] = readiness
        if readiness.previous is not None:
            context["comparison"] = compare(readiness.previous, version)
        context["impact"] = publish_impact(version)
        context["latest_approval"] = latest_approval(version)
        context.setdefault("schedule_form", ScheduleForm())
        context.setdefault("request_form", ApprovalRequestForm())
    elif version.status == ProcessVersion.Status.PUBLISHED:
        context["impact"] = retire_impact(version)
        context.setdefault("retire_form", RetireForm())
    return context


@studio_login_required
def publish_page(request, version_id: int):
    version = version_for(request.user, version_id)
    return render(request, "studio/publish.html", _publish_context(request, version))


def _problem_text(problem) -> str:
    """A refusal's problem (a definitions `Problem` or a sentence) in the page's language."""
    if isinstance(problem, str):
        return problem
    message = problem.message
    if lang() == "en" and getattr(problem, "message_en", ""):
        message = problem.message_en
    pointer = getattr(problem, "pointer", "")
    return f"{pointer}: {message}" if pointer else message


def _refused(request, version: ProcessVersion, exc: CatalogError, **extra):
    context = _publish_context(request, version)
    context.update(extra)
    context["refusal"] = catalog_error_text(exc)
    context["refusal_problems"] = [_problem_text(p) for p in getattr(exc, "problems", None) or []]
    return render(request, "studio/publish.html", context, status=400)


def _moves_message(request, published) -> None:
    for move in getattr(published, "offering_moves", None) or []:
        name = move.activation.municipality.name
        if move.moved:
            messages.info(
                request,
                _("Das Angebot von %(name)s bietet jetzt Version %(version)s an.")
                % {"name": name, "version": move.version.version},
            )
        else:
            messages.warning(
                request,
                _("Das Angebot von %(name)s bleibt auf seiner Version: %(reason)s")
                % {"name": name, "reason": move.message},
            )


@studio_login_required
@require_POST
def publish_now(request, version_id: int):
    version = version_for(request.user, version_id, design=True)
    try:
        published = studio_publish(version=version, by=request.user)
    except CatalogError as exc:
        return _refused(request, version, exc)
    messages.success(
        request, _("Version %(version)s ist veröffentlicht.") % {"version": published.version}
    )
    _moves_message(request, published)
    return redirect("studio:publish", published.pk)


@studio_login_required
@require_POST
def publish_schedule(request, version_id: int):
    version = version_for(request.user, version_id, design=True)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        context = _publish_context(request, version)
        context["schedule_form"] = form
        return render(request, "studio/publish.html", context, status=400)
    try:
        scheduled = studio_publish(version=version, by=request.user, at=form.cleaned_data["at"])
    except CatalogError as exc:
        return _refused(request, version, exc, schedule_form=form)
    messages.success(
        request,
        _("Version %(version)s wird am %(at)s veröffentlicht.")
        % {
            "version": scheduled.version,
            "at": form.cleaned_data["at"].strftime("%d.%m.%Y %H:%M"),
        },
    )
    return redirect("studio:publish", version.pk)


@studio_login_required
@require_POST
def publish_unschedule_view(request, version_id: int):
    version = version_for(request.user, version_id, design=True)
    try:
        publish_unschedule(version=version, by=request.user)
    except CatalogError as exc:
        messages.error(request, catalog_error_text(exc))
    else:
        messages.success(request, _("Die geplante Veröffentlichung ist aufgehoben."))
    return redirect("studio:publish", version.pk)


@studio_login_required
@require_POST
def approval_request_view(request, version_id: int):
    version = version_for(request.user, version_id, design=True)
    form = ApprovalRequestForm(request.POST)
    if not form.is_valid():
        context = _publish_context(request, version)
        context["request_form"] = form
        return render(request, "studio/publish.html", context, status=400)
    try:
        approval_request(version=version, by=request.user, comment=form.cleaned_data["comment"])
    except CatalogError as exc:
        messages.error(request, catalog_error_text(exc))
    else:
        messages.success(request, _("Die Freigabe ist angefragt."))
    return redirect("studio:publish", version.pk)


@studio_login_required
@require_POST
def retire(request, version_id: int):
    version = version_for(request.user, version_id, design=True)
    form = RetireForm(request.POST)
    if not form.is_valid():
        context = _publish_context(request, version)
        context["retire_form"] = form
        return render(request, "studio/publish.html", context, status=400)
    try:
        retired = studio_retire(
            version=version, by=request.user, grace_days=form.cleaned_data["grace_days"]
        )
    except CatalogError as exc:
        return _refused(request, version, exc, retire_form=form)
    messages.success(
        request,
        _("Version %(version)s ist zurückgezogen; begonnene Anträge gehen bis %(until)s.")
        % {"version": retired.version, "until": retired.submit_until.strftime("%d.%m.%Y")},
    )
    _moves_message(request, retired)
    return redirect("studio:publish", version.pk)


# --- four-eyes approvals -------------------------------------------------------------------


@studio_login_required
def approvals_page(request):
    return render(
        request, "studio/approvals.html", {"open_approvals": open_approvals_for(request.user)}
    )


def _approval_for(user, approval_id: int) -> PublishApproval:
    approval = get_object_or_404(
        PublishApproval.objects.select_related(
            "version__process__publisher", "requested_by", "decided_by"
        ),
        pk=approval_id,
    )
    publisher = approval.version.process.publisher
    if not can_see(user, publisher):
        raise Http404
    if not can_review(user, publisher):
        raise PermissionDenied(
            "Dafür brauchen Sie die Freigabe-Rolle dieses Herausgebers. / "
            "This needs the reviewer role of this publisher."
        )
    return approval


def _approval_context(request, approval: PublishApproval, form=None) -> dict:
    version = approval.version
    readiness = publish_readiness(version) if version.status == "draft" else None
    context = {
        "approval": approval,
        "version": version,
        "process": version.process,
        "readiness": readiness,
        "run": run_tests(version.definition),
        "own_request": approval.requested_by_id == request.user.pk,
        "changed_since": approval.sha256 != version.sha256,
        "form": form or DecisionForm(),
    }
    base = readiness.previous if readiness else None
    base = base or default_base(version)
    if base is not None and base.pk != version.pk:
        context["comparison"] = compare(base, version)
    return context


@studio_login_required
@require_http_methods(["GET", "POST"])
def approval_page(request, approval_id: int):
    approval = _approval_for(request.user, approval_id)
    if request.method == "POST":
        form = DecisionForm(request.POST)
        decision = request.POST.get("decision")
        if decision not in ("approve", "reject") or not form.is_valid():
            if decision not in ("approve", "reject"):
                messages.error(request, _("Bitte „Freigeben“ oder „Ablehnen“ wählen."))
            return render(
                request,
                "studio/approval.html",
                _approval_context(request, approval, form),
                status=400,
            )
        try:
            approval_decide(
                approval=approval,
                by=request.user,
                approve=decision == "approve",
                comment=form.cleaned_data["comment"],
            )
        except CatalogError as exc:
            context = _approval_context(request, approval, form)
            context["refusal"] = catalog_error_text(exc)
            return render(request, "studio/approval.html", context, status=400)
        if decision == "approve":
            messages.success(request, _("Freigegeben."))
        else:
            messages.success(request, _("Abgelehnt; die Begründung sieht die Anfragende."))
        return redirect("studio:approval", approval.pk)
    return render(request, "studio/approval.html", _approval_context(request, approval))
