"""The studio's FIM import (`studio.fim_import`): the upload page and the result page of an
import (the new draft, the warnings grouped, the designer's to-do list, the FIM ids kept).

Access: the designer role of the chosen publisher (the same as "new process"); the result
page of an import: whoever may see its process."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from forms_engine.catalog.models import FimSource
from forms_engine.catalog.review import can_design, studio_publishers
from forms_engine.citizen.uploads import StreamLimits, stream_limits, upload_refusal

from .access import process_for, roles, studio_login_required
from .fim_import import FimImportRefused, fim_import
from .fim_import_forms import (
    MAX_CODELIST_BYTES,
    MAX_REQUEST_BYTES,
    MAX_XML_BYTES,
    FimImportForm,
)

# What the result page calls the groups of warnings and to-do entries, by code prefix.
TODO_KINDS = (
    ("rule", "Regeln übersetzen", "Translate rules"),
    ("codelist", "Codelisten ergänzen", "Add code lists"),
    ("prefill", "Vorbefüllung einrichten", "Set up prefilling"),
)


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def entry_text(entry: dict, lang: str) -> str:
    return (entry.get("message_en") if lang == "en" else entry.get("message")) or entry.get(
        "message", ""
    )


def _entries(entries: list[dict], lang: str) -> list[dict]:
    return [
        {
            "code": e.get("code", ""),
            "fim_id": e.get("fim_id", ""),
            "pointer": e.get("pointer", ""),
            "text": entry_text(e, lang),
        }
        for e in entries
    ]


def grouped_warnings(warnings: list[dict], lang: str) -> list[dict]:
    groups: dict[str, list[dict]] = {}
    for entry in _entries(warnings, lang):
        groups.setdefault(entry["code"] or "fim.other", []).append(entry)
    return [
        {"code": code, "key": code.replace(".", "-").replace("_", "-"), "entries": entries}
        for code, entries in groups.items()
    ]


def grouped_todo(todo: list[dict], lang: str) -> list[dict]:
    """The to-do list by kind (rules, code lists, prefill, other), in that order."""
    groups: dict[str, dict] = {}
    for entry in _entries(todo, lang):
        code = entry["code"]
        kind = next((k for k, *_ in TODO_KINDS if k in code), "other")
        if kind not in groups:
            label = next(
                ((de, en) for k, de, en in TODO_KINDS if k == kind),
                ("Weitere offene Punkte", "Other open points"),
            )
            groups[kind] = {"key": kind, "title": label[1] if lang == "en" else label[0]}
            groups[kind]["entries"] = []
        groups[kind]["entries"].append(entry)
    order = [k for k, *_ in TODO_KINDS] + ["other"]
    return sorted(groups.values(), key=lambda g: order.index(g["key"]))


def fim_ids(definition, limit: int = 2000) -> list[dict]:
    """Every `x-fim` annotation of the definition with its JSON pointer (document order)."""
    found: list[dict] = []

    def walk(node, pointer: str) -> None:
        if len(found) >= limit:
            return
        if isinstance(node, dict):
            mark = node.get("x-fim")
            if isinstance(mark, dict) and mark.get("id"):
                found.append(
                    {
                        "pointer": pointer or "/",
                        "id": str(mark.get("id")),
                        "version": str(mark.get("version") or ""),
                        "title": node.get("title") if isinstance(node.get("title"), str) else "",
                    }
                )
            for key, value in node.items():
                if key != "x-fim":
                    walk(value, f"{pointer}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(definition, "")
    return found


def _fim_limits(request, **_kwargs) -> StreamLimits:
    limits = {"xml": MAX_XML_BYTES, "codelists": MAX_CODELIST_BYTES}
    return StreamLimits(file_limit=limits.get, request_bytes=MAX_REQUEST_BYTES)


@stream_limits(_fim_limits)
@studio_login_required
@require_http_methods(["GET", "POST"])
def fim_import_page(request):
    publishers = [p for p in studio_publishers(request.user) if can_design(request.user, p)]
    if not publishers:
        raise PermissionDenied(
            "Dafür brauchen Sie die Design-Rolle eines Herausgebers. / "
            "This needs the designer role of a publisher."
        )
    queryset = studio_publishers(request.user).filter(pk__in=[p.pk for p in publishers])
    refusal = upload_refusal(request) if request.method == "POST" else None
    if refusal is not None:
        form = FimImportForm(publishers=queryset)
        form.add_error(None, f"{refusal.message} / {refusal.message_en}")
        return render(request, "studio/fim_import.html", {"form": form}, status=400)
    form = FimImportForm(request.POST or None, request.FILES or None, publishers=queryset)
    if request.method == "POST" and form.is_valid():
        try:
            result = fim_import(
                xml=form.cleaned_data["xml"].read(),
                codelists=[(f.name, f.read()) for f in form.cleaned_data["codelists"]],
                publisher=form.cleaned_data["publisher"],
                by=request.user,
                process_id=form.cleaned_data["process_id"] or None,
            )
        except FimImportRefused as exc:
            target = "xml"
            if exc.code in ("fim.process_taken", "fim.process_id_invalid"):
                target = "process_id"
            elif exc.file:
                target = "codelists"
            elif exc.code in ("fim.forbidden", "fim.import_refused", "fim.too_many_codelists"):
                target = None
            form.add_error(target, exc.message if _lang() == "de" else exc.message_en)
        else:
            messages.success(
                request,
                _("Der FIM-Import hat den Entwurf %(version)s angelegt.")
                % {"version": result.version.version},
            )
            return redirect("studio:fim-import-result", result.source.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "studio/fim_import.html", {"form": form}, status=status)


@studio_login_required
def fim_import_result(request, source_id: int):
    source = get_object_or_404(FimSource.objects.select_related("process", "version"), pk=source_id)
    process = process_for(request.user, source.process_id)
    lang = _lang()
    version = source.version
    return render(
        request,
        "studio/fim_import_result.html",
        {
            "source": source,
            "process": process,
            "draft": version,
            "warning_groups": grouped_warnings(source.warnings, lang),
            "todo_groups": grouped_todo(source.todo, lang),
            "fim_ids": fim_ids(version.definition) if version is not None else [],
            **roles(request.user, process.publisher),
        },
    )
