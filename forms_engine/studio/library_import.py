"""The staff wizard that imports a process-library bundle (`/studio/bibliothek/import/`):
upload (verified completely), preview (what the import does, the changes in words),
offers (per process and administered municipality), confirm; then the done page.

The bundle's bytes never reach formtools' file storage: the upload step verifies them and
keeps them (base64) in the wizard's session data, so a refused bundle leaves nothing
anywhere and an abandoned wizard expires with its session. The import and the offerings run
in one transaction (`library.offers.bundle_import_with_offers`): all or nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from formtools.wizard.forms import ManagementForm
from formtools.wizard.views import SessionWizardView

from forms_engine.catalog.admin_access import administered_municipalities
from forms_engine.catalog.models import Activation, Authority
from forms_engine.catalog.selectors import semver_key
from forms_engine.citizen.uploads import StreamLimits, stream_limits, upload_refusal
from forms_engine.library.offers import OfferError, bundle_import_with_offers
from forms_engine.library.roles import may_import
from forms_engine.library.services import BundleRefused, ImportPlan, bundle_plan, unsigned_allowed

from .access import LOGIN_URL
from .library_import_forms import (
    BundleUploadForm,
    ConfirmForm,
    OfferSection,
    OffersForm,
    PreviewForm,
    max_bundle_bytes,
)

DONE_KEY = "studio_library_import_done"
STEPS = [
    ("upload", "Bündel hochladen"),
    ("preview", "Prüfung und Vorschau"),
    ("offers", "In meiner Kommune anbieten"),
    ("confirm", "Bestätigen"),
]


def can_import_bundles(user) -> bool:
    """Superusers and users with the permission `library.add_bundleimport`."""
    return may_import(user)


def import_access(view):
    """Signed in (password and, outside demo mode, the second factor) and allowed to import
    bundles; otherwise the sign-in page or 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_import_bundles(request.user):
            raise PermissionDenied(
                "Sie dürfen keine Bündel importieren. / You may not import bundles."
            )
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped), login_url=LOGIN_URL)


def _bundle_limits(request, **_kwargs) -> StreamLimits:
    limit = max_bundle_bytes()
    return StreamLimits(
        file_limit=lambda name: limit if name == "upload-bundle" else None,
        request_bytes=limit + 1024 * 1024,
    )


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


PLACEHOLDER = re.compile(r"\{\{\s*param:([A-Za-z0-9_]+)\s*\}\}")


def _text(value, lang: str) -> str:
    """A text of a definition in `lang`; parameter placeholders shown as ‹name› (the
    values are the municipality's, not known here)."""
    if isinstance(value, dict):
        value = value.get(lang) or value.get("de") or ""
    return PLACEHOLDER.sub(lambda m: f"‹{m.group(1)}›", str(value or ""))


def offer_sections(plan: ImportPlan, user) -> list[OfferSection]:
    """Per process of the bundle with a new or updated version (its newest one) and per
    municipality `user` administers: what step 3 asks."""
    lang = _lang()
    newest: dict[str, object] = {}
    for item in plan.processes:
        if item.action == "unchanged":
            continue
        known = newest.get(item.identifier)
        if known is None or semver_key(item.version) > semver_key(known.version):
            newest[item.identifier] = item
    if not newest:
        return []
    docs = {p.key: p.doc for p in plan.bundle.processes}
    municipalities = list(administered_municipalities(user).order_by("name", "pk"))
    authorities: dict[int, list[Authority]] = {}
    for authority in Authority.objects.filter(municipality__in=municipalities).order_by("name"):
        authorities.setdefault(authority.municipality_id, []).append(authority)
    existing = {
        (a.process.identifier, a.municipality_id): a
        for a in Activation.objects.filter(
            process__publisher__slug=plan.publisher_id,
            process__identifier__in=list(newest),
            municipality__in=municipalities,
        ).select_related("process", "version")
    }
    sections = []
    for identifier in sorted(newest):
        item = newest[identifier]
        doc = docs[(item.identifier, item.version)]
        for municipality in municipalities:
            sections.append(
                OfferSection(
                    process=identifier,
                    version=item.version,
                    title=_text(item.title, lang),
                    action=item.action,
                    municipality=municipality,
                    authorities=authorities.get(municipality.pk, []),
                    declarations=dict(doc.get("parameters") or {}),
                    doc=doc,
                    existing=existing.get((identifier, municipality.pk)),
                )
            )
    return sections


class LibraryImportWizard(SessionWizardView):
    form_list = [
        ("upload", BundleUploadForm),
        ("preview", PreviewForm),
        ("offers", OffersForm),
        ("confirm", ConfirmForm),
    ]
    # Declared (formtools asks for it with a FileField) but never used: the verified bytes
    # live in the wizard's session data (`process_step_files` hands formtools none).
    file_storage = None

    # --- the stored bundle ---------------------------------------------------------------

    def _stored(self) -> dict:
        extra = self.storage.extra_data
        return extra if isinstance(extra, dict) and extra.get("bundle") else {}

    def _bundle_bytes(self) -> bytes | None:
        stored = self._stored()
        return base64.b64decode(stored["bundle"]) if stored else None

    def _plan(self) -> ImportPlan:
        """The plan of the stored bundle (verified again: a key revoked meanwhile refuses)."""
        if getattr(self, "_plan_cache", None) is None:
            stored = self._stored()
            self._plan_cache = bundle_plan(
                self._bundle_bytes(), allow_unsigned=bool(stored.get("allow_unsigned"))
            )
        return self._plan_cache

    def _restart(self, message: str):
        self.storage.reset()
        messages.error(self.request, message)
        return redirect("studio:library-import")

    # --- formtools hooks -----------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except BundleRefused as exc:  # the stored bundle no longer passes (key revoked, …)
            return self._restart(f"{exc.message} / {exc.message_en}")

    def post(self, *args, **kwargs):
        management = ManagementForm(self.request.POST, prefix=self.prefix)
        goto = self.request.POST.get("wizard_goto_step")
        step = goto or (management.cleaned_data["current_step"] if management.is_valid() else "")
        if step not in self.get_form_list():
            return self._restart(
                _(
                    "Das Formular war unvollständig. Bitte beginnen Sie den Import neu. / The "
                    "form was incomplete. Please start the import again."
                )
            )
        if step != self.steps.first and not self._stored():
            return self._restart(
                _(
                    "Die Sitzung des Imports ist abgelaufen. Bitte laden Sie das Bündel erneut "
                    "hoch. / The import session has expired. Please upload the bundle again."
                )
            )
        return super().post(*args, **kwargs)

    def get_form_kwargs(self, step=None):
        if step == "upload":
            stored = self._stored()
            refusal = None
            if self.request.method == "POST" and self.steps.current == "upload":
                refusal = upload_refusal(self.request)
            return {
                "stored": self._bundle_bytes(),
                "stored_name": stored.get("name", ""),
                "refusal": refusal,
                "unsigned_possible": unsigned_allowed(),
            }
        if step == "offers":
            return {"sections": offer_sections(self._plan(), self.request.user)}
        return {}

    def process_step(self, form):
        if isinstance(form, BundleUploadForm):
            data = form.bundle_bytes
            new = hashlib.sha256(data).hexdigest()
            if self._stored().get("sha256") != new:
                # Another bundle: what was decided for the previous one no longer holds.
                self.storage.data[self.storage.step_data_key] = {}
            self.storage.extra_data = {
                "bundle": base64.b64encode(data).decode("ascii"),
                "sha256": new,
                "name": form.bundle_name,
                "allow_unsigned": bool(form.cleaned_data.get("allow_unsigned")),
            }
            self._plan_cache = form.plan
        return super().process_step(form)

    def process_step_files(self, form):
        return {}

    def get_template_names(self):
        return [f"studio/library_import/{self.steps.current}.html"]

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        current = self.steps.current
        labels = {
            "upload": _("Bündel hochladen"),
            "preview": _("Prüfung und Vorschau"),
            "offers": _("In meiner Kommune anbieten"),
            "confirm": _("Bestätigen"),
        }
        context["step_list"] = [
            {"name": name, "label": labels[name], "current": name == current}
            for name, _label in STEPS
        ]
        context["step_label"] = labels[current]
        context["unsigned_possible"] = unsigned_allowed()
        context["limit_mb"] = max_bundle_bytes() // (1024 * 1024)
        context["stored_name"] = self._stored().get("name", "")
        if current != "upload" and self._stored():
            plan = self._plan()
            context["plan"] = plan
            context["items"] = plan_rows(plan, _lang())
            context["counts"] = {a: plan.count(a) for a in ("new", "update", "unchanged")}
        if current == "confirm":
            offers_form = self.get_form(
                "offers", data=self.storage.get_step_data("offers"), files=None
            )
            context["offer_rows"] = offer_rows(offers_form) if offers_form.is_valid() else []
        return context

    def render_done(self, form, **kwargs):
        """formtools' revalidation of every step; the storage is reset by `done` only when
        the import went through (a refused import goes back to a step with the data kept)."""
        final = {}
        for key in self.get_form_list():
            form_obj = self.get_form(
                step=key,
                data=self.storage.get_step_data(key),
                files=self.storage.get_step_files(key),
            )
            if not form_obj.is_valid():
                return self.render_revalidation_failure(key, form_obj, **kwargs)
            final[key] = form_obj
        return self.done(list(final.values()), form_dict=final, **kwargs)

    def done(self, form_list, form_dict=None, **kwargs):
        stored = self._stored()
        offers = form_dict["offers"].offers
        try:
            result, outcomes = bundle_import_with_offers(
                self._bundle_bytes(),
                offers=offers,
                by=self.request.user,
                allow_unsigned=bool(stored.get("allow_unsigned")),
            )
        except BundleRefused as exc:
            text = f"{exc.message} / {exc.message_en}"
            if isinstance(exc.__cause__, OfferError):
                messages.error(self.request, text)
                return self.render_goto_step("offers")
            return self._restart(text)
        self.request.session[DONE_KEY] = done_summary(result, outcomes, _lang())
        self.storage.reset()
        return redirect("studio:library-import-done")


def plan_rows(plan: ImportPlan, lang: str) -> list[dict]:
    """The plan's items for the preview and the summary, texts in `lang`."""
    rows = []
    for item in plan.items:
        rows.append(
            {
                "item": item,
                "title": _text(item.title, lang),
                "changelog": _text(item.changelog, lang),
                "changes": [change.text(lang) for change in item.changes],
            }
        )
    return rows


def offer_rows(form: OffersForm) -> list[dict]:
    sections = {(s.process, s.municipality.pk): s for s in form.sections}
    rows = []
    for offer in form.offers:
        section = sections[(offer.process, offer.municipality_id)]
        authority = next((a for a in section.authorities if a.pk == offer.authority_id), None)
        rows.append(
            {
                "offer": offer,
                "title": section.title,
                "municipality": section.municipality.name,
                "authority": authority.name if authority else "",
                "previous": (
                    section.existing.version.version
                    if section.existing is not None and section.existing.version
                    else ""
                ),
            }
        )
    return rows


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def done_summary(result, outcomes, lang: str) -> dict:
    """What the done page lists (kept in the session: plain data only)."""
    return {
        "publisher": result.plan.publisher_name,
        "signed": result.plan.signed,
        "created": [
            {
                "identifier": v.process.identifier,
                "version": v.version,
                "title": _text(v.definition.get("title"), lang),
                "url": _url("studio:process", v.process_id),
            }
            for v in result.created
        ],
        "unchanged": result.plan.count("unchanged"),
        "offers": [
            {
                "identifier": o.activation.process.identifier,
                "version": o.activation.version.version,
                "previous": o.previous,
                "moved": o.action == "moved",
                "municipality": o.activation.municipality.name,
                "authority": o.activation.authority.name,
                "page": _url(
                    "citizen:municipality_start",
                    o.activation.municipality.slug,
                    o.activation.process.identifier,
                ),
                "admin": _url("admin:catalog_activation_change", o.activation.pk),
            }
            for o in outcomes
        ],
    }


library_import = stream_limits(_bundle_limits)(import_access(LibraryImportWizard.as_view()))


@import_access
def library_import_done(request):
    summary = request.session.get(DONE_KEY)
    if not isinstance(summary, dict):
        messages.info(
            request,
            _("Es gibt keinen abgeschlossenen Import zum Anzeigen. / There is no finished import."),
        )
        return redirect("studio:library-import")
    return render(request, "studio/library_import/done.html", {"summary": summary})
