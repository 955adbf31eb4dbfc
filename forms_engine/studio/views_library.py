"""The studio's library pages (`/studio/bibliothek/…`): the catalog of every publisher's
processes, one process with its versions, changelogs and offerings, the trust store of
publisher keys, and the export of a signed bundle. Thin: reads through
`library.selectors`, writes through `library.services`; who may do what is
`library_access`."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from forms_engine.library import selectors, signing
from forms_engine.library.models import TrustedKey
from forms_engine.library.services import (
    ExportError,
    TrustError,
    bundle_export,
    signing_key_load,
    trust_key_add,
    trust_key_revoke,
    unsigned_allowed,
)

from .forms_library import CatalogFilterForm, RevokeKeyForm, TrustedKeyConfirmForm, TrustedKeyForm
from .library_access import (
    export_required,
    library_login_required,
    library_nav,
    may_add_keys,
    may_offer,
    may_revoke_keys,
    trust_store_required,
)


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _say(error) -> str:
    return error.message_en if _lang() == "en" and error.message_en else error.message


def _context(request, current: str, **extra) -> dict:
    return {
        "library_nav": library_nav(request.user),
        "library_current": current,
        "unsigned_allowed": unsigned_allowed(),
        "lang": _lang(),
        **extra,
    }


# --- catalog ---------------------------------------------------------------------------------


@library_login_required
def library_catalog(request):
    publishers = selectors.library_publishers()
    form = CatalogFilterForm(request.GET or None, publishers=publishers)
    filters = form.filters()
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    entries = selectors.library_catalog(request.user, **filters)
    lang = _lang()
    rows = [
        {
            "entry": entry,
            "title": entry.title_text(lang),
            "topic": entry.topic_label(lang),
        }
        for entry in entries
    ]
    return render(
        request,
        "studio/library/catalog.html",
        _context(
            request,
            "catalog",
            form=form,
            rows=rows,
            filtered=bool(filters),
            publishers=publishers,
        ),
        status=status,
    )


@library_login_required
def library_process(request, process_id: int):
    entry = selectors.library_entry(process_id, user=request.user)
    if entry is None:
        raise Http404
    lang = _lang()
    offerings = [
        {
            "offering": offering,
            "upgrade_url": (
                reverse("admin:catalog_activation_change_version", args=[offering.activation_id])
                + f"?version={offering.newer.pk}"
                if offering.newer is not None
                and request.user.is_staff
                and may_offer(request.user, offering.municipality_id)
                else ""
            ),
        }
        for offering in entry.offerings
    ]
    versions = [{"version": v, "changelog": v.changelog_text(lang)} for v in entry.versions]
    return render(
        request,
        "studio/library/process.html",
        _context(
            request,
            "catalog",
            entry=entry,
            title=entry.title_text(lang),
            summary=entry.summary_text(lang),
            topic=entry.topic_label(lang),
            versions=versions,
            offerings=offerings,
            keys=selectors.publisher_keys(entry.publisher),
            offer_url=reverse("admin:catalog_activation_add"),
            may_offer_here=bool(entry.offer_in) and request.user.is_staff,
        ),
    )


# --- trust store -----------------------------------------------------------------------------


@trust_store_required
def trust_store(request):
    return render(
        request,
        "studio/library/keys.html",
        _context(
            request,
            "trust",
            keys=selectors.trusted_keys(),
            may_add=may_add_keys(request.user),
            may_revoke=may_revoke_keys(request.user),
        ),
    )


@trust_store_required
@require_http_methods(["GET", "POST"])
def trust_key_new(request):
    """Add a key in two steps: the form → the fingerprint to compare by another channel and
    a confirmation → stored. Nothing is stored before the confirmation."""
    if not may_add_keys(request.user):
        raise PermissionDenied(
            "Schlüssel hinzufügen dürfen nur Berechtigte. / Only authorised people add keys."
        )
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step == "confirm":
        form = TrustedKeyConfirmForm(request.POST)
        candidate = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                candidate = selectors.trust_key_check(
                    publisher_slug=data["publisher_slug"],
                    publisher_name=data["publisher_name"],
                    public_key=data["public_key"],
                    note=data["note"],
                )
            except selectors.KeyCheckError as exc:
                # the key was taken meanwhile, or the hidden fields were changed
                entry_form = TrustedKeyForm(request.POST)
                entry_form.is_valid()
                entry_form.add_error(
                    exc.field if exc.field in entry_form.fields else None, _say(exc)
                )
                return _key_form(request, entry_form, status=400)
            if candidate.fingerprint != data["fingerprint"]:
                entry_form = TrustedKeyForm(request.POST)
                entry_form.is_valid()
                entry_form.add_error(
                    "public_key",
                    _(
                        "Der Schlüssel hat sich seit der Anzeige des Fingerabdrucks geändert. "
                        "Bitte prüfen Sie ihn erneut."
                    ),
                )
                return _key_form(request, entry_form, status=400)
            try:
                key = trust_key_add(
                    publisher_slug=candidate.publisher_slug,
                    publisher_name=candidate.publisher_name,
                    public_key=candidate.public_key,
                    note=candidate.note,
                    by=request.user,
                )
            except TrustError as exc:
                entry_form = TrustedKeyForm(request.POST)
                entry_form.is_valid()
                entry_form.add_error(None, _say(exc))
                return _key_form(request, entry_form, status=400)
            messages.success(
                request,
                _("Der Schlüssel %(fingerprint)s von „%(publisher)s“ ist jetzt vertrauenswürdig.")
                % {"fingerprint": key.short_fingerprint, "publisher": key.publisher_name},
            )
            return redirect("studio:library-keys")
        # not confirmed (or the hidden fields are broken): show the preview again
        try:
            candidate = selectors.trust_key_check(
                publisher_slug=request.POST.get("publisher_slug", ""),
                publisher_name=request.POST.get("publisher_name", ""),
                public_key=request.POST.get("public_key", ""),
                note=request.POST.get("note", ""),
            )
        except selectors.KeyCheckError as exc:
            entry_form = TrustedKeyForm(request.POST)
            entry_form.is_valid()
            entry_form.add_error(exc.field if exc.field in entry_form.fields else None, _say(exc))
            return _key_form(request, entry_form, status=400)
        return _key_preview(request, candidate, form, status=400)
    if step == "preview":
        form = TrustedKeyForm(request.POST)
        if not form.is_valid():
            return _key_form(request, form, status=400)
        data = form.cleaned_data
        try:
            candidate = selectors.trust_key_check(
                publisher_slug=data["publisher_slug"],
                publisher_name=data["publisher_name"],
                public_key=data["public_key"],
                note=data["note"],
            )
        except selectors.KeyCheckError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, _say(exc))
            return _key_form(request, form, status=400)
        confirm = TrustedKeyConfirmForm(
            initial={
                "publisher_slug": candidate.publisher_slug,
                "publisher_name": candidate.publisher_name,
                "public_key": candidate.public_key,
                "note": candidate.note,
                "fingerprint": candidate.fingerprint,
            }
        )
        return _key_preview(request, candidate, confirm)
    # GET, or "back" from the preview: the form (filled in again on "back")
    form = TrustedKeyForm(request.POST if step == "back" else None)
    if step == "back":
        form.is_valid()
        form = TrustedKeyForm(initial=form.cleaned_data)
    return _key_form(request, form)


def _key_form(request, form, *, status: int = 200):
    return render(
        request, "studio/library/key_new.html", _context(request, "trust", form=form), status=status
    )


def _key_preview(request, candidate, form, *, status: int = 200):
    return render(
        request,
        "studio/library/key_confirm.html",
        _context(request, "trust", candidate=candidate, form=form),
        status=status,
    )


@trust_store_required
@require_http_methods(["GET", "POST"])
def trust_key_revoke_view(request, key_id: int):
    key = get_object_or_404(TrustedKey, pk=key_id)
    if not may_revoke_keys(request.user):
        raise PermissionDenied(
            "Schlüssel widerrufen dürfen nur Berechtigte. / Only authorised people revoke keys."
        )
    if key.is_revoked:
        messages.info(request, _("Dieser Schlüssel ist bereits widerrufen."))
        return redirect("studio:library-keys")
    form = RevokeKeyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        trust_key_revoke(key=key, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(
            request,
            _("Der Schlüssel %(fingerprint)s von „%(publisher)s“ ist widerrufen.")
            % {"fingerprint": key.short_fingerprint, "publisher": key.publisher_name},
        )
        return redirect("studio:library-keys")
    return render(
        request,
        "studio/library/key_revoke.html",
        _context(request, "trust", key=key, form=form),
        status=400 if form.is_bound else 200,
    )


# --- export ----------------------------------------------------------------------------------


def _signing_key():
    """(key pair, None) or (None, the reason in the current language)."""
    try:
        return signing_key_load(), None
    except signing.KeyError_ as exc:
        return None, _say(exc)


@export_required
@require_http_methods(["GET", "POST"])
def library_export(request):
    publishers = selectors.export_publishers(request.user)
    data = request.POST if request.method == "POST" else request.GET
    raw = str(data.get("publisher", ""))
    publisher = next((p for p in publishers if str(p.pk) == raw), None)
    status = 200
    errors: list[str] = []
    if raw and publisher is None:
        errors.append(_("Bitte wählen Sie einen Herausgeber, für den Sie die Design-Rolle haben."))
        status = 400
    publisher = publisher or (publishers[0] if publishers else None)
    key, key_problem = _signing_key()
    processes = selectors.exportable_processes(publisher) if publisher else []
    chosen: set[int] = set()
    if request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("versions") if str(v).isdigit()}
    else:
        wanted = str(request.GET.get("process", ""))
        for item in processes:
            if str(item.process.pk) == wanted:
                published = [v for v in item.versions if v.status == "published"]
                chosen.update(v.pk for v in (published[:1] or item.versions[:1]))
    if request.method == "POST" and publisher is not None and not errors and key is not None:
        versions = selectors.export_versions(publisher, chosen)
        if not versions:
            errors.append(_("Bitte wählen Sie mindestens eine veröffentlichte Version."))
            status = 400
        else:
            try:
                bundle = bundle_export(
                    publisher=publisher, versions=versions, key=key, by=request.user
                )
            except ExportError as exc:
                errors.append(_say(exc))
                status = 400
            else:
                name = f"{publisher.slug}-{date.today():%Y-%m-%d}.zip"
                response = HttpResponse(bundle, content_type="application/zip")
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                return response
    return render(
        request,
        "studio/library/export.html",
        _context(
            request,
            "export",
            publishers=publishers,
            publisher=publisher,
            processes=processes,
            chosen=chosen,
            key=key,
            key_fingerprint=signing.display_fingerprint(key.fingerprint) if key else "",
            key_problem=key_problem,
            errors=errors,
        ),
        status=status,
    )


__all__ = [
    "library_catalog",
    "library_export",
    "library_process",
    "trust_key_new",
    "trust_key_revoke_view",
    "trust_store",
]
