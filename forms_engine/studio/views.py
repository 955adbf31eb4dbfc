"""The studio's overview pages: processes, one process with its versions and audit trail,
a new process, a new draft from any version. The editor, preview, tests, diff and publish
pages live in their own modules and hang off the version page's navigation (`VERSION_TABS`)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from forms_engine.catalog.exceptions import CatalogError
from forms_engine.catalog.models import Process, ProcessVersion
from forms_engine.catalog.review import (
    can_design,
    process_audit_trail,
    studio_publishers,
)
from forms_engine.catalog.selectors import semver_key
from forms_engine.catalog.services import process_version_new_draft_from

from .access import process_for, roles, studio_login_required, version_for
from .forms import NewProcessForm
from .services import process_create

#: The pages of one version, in the order of the version navigation: (url name, label).
#: A page whose URL is not (yet) installed is left out of the navigation.
VERSION_TABS = [
    ("studio:version", "Übersicht"),
    ("studio:editor", "Bearbeiten"),
    ("studio:settings", "Einstellungen"),
    ("studio:preview", "Vorschau"),
    ("studio:tests", "Tests"),
    ("studio:checks", "Hinweise"),
    ("studio:diff", "Vergleich"),
    ("studio:publish", "Veröffentlichen"),
    ("studio:history", "Verlauf"),
]


def version_nav(version: ProcessVersion, current: str) -> list[dict]:
    """The navigation of a version's pages, for `studio/_version_nav.html`."""
    labels = {
        "Übersicht": _("Übersicht"),
        "Bearbeiten": _("Bearbeiten"),
        "Einstellungen": _("Einstellungen"),
        "Vorschau": _("Vorschau"),
        "Tests": _("Tests"),
        "Hinweise": _("Hinweise"),
        "Vergleich": _("Vergleich"),
        "Veröffentlichen": _("Veröffentlichen"),
        "Verlauf": _("Verlauf"),
    }
    tabs = []
    for name, label in VERSION_TABS:
        try:
            url = reverse(name, args=[version.pk])
        except NoReverseMatch:
            continue
        tabs.append({"name": name, "url": url, "label": labels[label], "current": name == current})
    return tabs


def version_context(request, version: ProcessVersion, current: str) -> dict:
    """What every page of one version shows in its header."""
    return {
        "version": version,
        "process": version.process,
        "version_tabs": version_nav(version, current),
        **roles(request.user, version.process.publisher),
    }


def _title(doc, lang: str) -> str:
    title = doc.get("title") if isinstance(doc, dict) else None
    if isinstance(title, dict):
        return str(title.get(lang) or title.get("de") or "")
    return ""


@studio_login_required
def process_list(request):
    publishers = studio_publishers(request.user)
    processes = (
        Process.objects.filter(publisher__in=publishers)
        .select_related("publisher")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ProcessVersion.objects.only(
                    "id", "process_id", "version", "status", "title", "publish_at"
                ),
            )
        )
        .order_by("publisher__name", "identifier")
    )
    rows = []
    for process in processes:
        versions = sorted(process.versions.all(), key=lambda v: semver_key(v.version), reverse=True)
        rows.append(
            {
                "process": process,
                "title": versions[0].title if versions else process.identifier,
                "versions": versions,
                "can_design": can_design(request.user, process.publisher),
            }
        )
    may_create = any(can_design(request.user, p) for p in publishers)
    return render(request, "studio/process_list.html", {"rows": rows, "may_create": may_create})


@studio_login_required
@require_http_methods(["GET", "POST"])
def process_new(request):
    publishers = [p for p in studio_publishers(request.user) if can_design(request.user, p)]
    queryset = studio_publishers(request.user).filter(pk__in=[p.pk for p in publishers])
    form = NewProcessForm(request.POST or None, publishers=queryset)
    if request.method == "POST" and form.is_valid():
        try:
            version = process_create(
                publisher=form.cleaned_data["publisher"],
                identifier=form.cleaned_data["identifier"],
                title_de=form.cleaned_data["title_de"],
                title_en=form.cleaned_data["title_en"],
                reference_prefix=form.cleaned_data["reference_prefix"],
                by=request.user,
            )
        except CatalogError as exc:
            form.add_error(None, exc.message if get_language() == "de" else exc.message_en)
        else:
            messages.success(request, _("Der Prozess wurde als Entwurf 1.0.0 angelegt."))
            return redirect("studio:version", version.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "studio/process_new.html", {"form": form}, status=status)


@studio_login_required
def process_detail(request, process_id: int):
    process = process_for(request.user, process_id)
    versions = sorted(process.versions.all(), key=lambda v: semver_key(v.version), reverse=True)
    return render(
        request,
        "studio/process_detail.html",
        {
            "process": process,
            "versions": versions,
            "audit": process_audit_trail(process, limit=50),
            "in_library": any(v.status != ProcessVersion.Status.DRAFT for v in versions),
            "fim_source": process.fim_sources.select_related("imported_by").first(),
            **roles(request.user, process.publisher),
        },
    )


@studio_login_required
def version_detail(request, version_id: int):
    version = version_for(request.user, version_id)
    lang = get_language() or "de"
    context = version_context(request, version, "studio:version")
    context["doc_title"] = _title(version.definition, lang) or version.title
    context["revisions"] = version.revisions.select_related("saved_by")[:10]
    return render(request, "studio/version_detail.html", context)


@studio_login_required
@require_POST
def draft_from_version(request, version_id: int):
    """A new draft from any version (published, retired or another draft)."""
    version = version_for(request.user, version_id, design=True)
    try:
        draft = process_version_new_draft_from(version=version, by=request.user)
    except CatalogError as exc:
        messages.error(request, exc.message if get_language() == "de" else exc.message_en)
        return redirect("studio:process", version.process_id)
    messages.success(
        request,
        _("Neuer Entwurf %(new)s aus Version %(old)s angelegt.")
        % {"new": draft.version, "old": version.version},
    )
    return redirect("studio:version", draft.pk)
