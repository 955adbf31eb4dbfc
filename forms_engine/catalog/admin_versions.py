"""Admin: move an offering (Activation) to a newer published version, explicitly.

`ActivationVersionAdminMixin` adds to the activation admin:
- the page "Version wechseln" (`admin:catalog_activation_change_version`, args [pk]):
  choose a newer published version, read what changes in words
  (`definitions.definition_diff`), set the parameter values for it, confirm (POST) →
  `catalog.services.activation_upgrade`;
- the list column and filter "neuere Version verfügbar", and the pinned version read-only
  on the change form (it changes only through that page).

Thin: reads through `catalog.selectors`, writes through `catalog.services`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .admin_forms import parameter_form_field, parameter_value
from .exceptions import InvalidTransition
from .selectors import (
    activation_ids_with_newer_version,
    activation_upgrade_preview,
    newer_version_available,
    newer_versions,
    newest_published_by_process,
    version_definition,
)
from .services import activation_upgrade


def can_change_version(user, activation) -> bool:
    """May `user` move `activation` to another version? Superusers and the administrators
    of the activation's municipality. (One place to swap for the object-level rules.)"""
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or activation.municipality.administrators.filter(pk=user.pk).exists()


STEP_LABELS = {
    "major": gettext_lazy("Hauptversion (grundlegende Änderungen)"),
    "minor": gettext_lazy("Nebenversion (Neues, das bestehende Angaben nicht berührt)"),
    "patch": gettext_lazy("Fehlerbehebung (Texte und Korrekturen)"),
    "older": gettext_lazy("ältere Version"),
    "same": gettext_lazy("dieselbe Version"),
    "unknown": gettext_lazy("Versionsschritt unbekannt"),
}
AREA_LABELS = {
    "step": gettext_lazy("Schritt"),
    "field": gettext_lazy("Feld"),
    "choice": gettext_lazy("Auswahl"),
    "fee": gettext_lazy("Gebühr"),
    "parameter": gettext_lazy("Parameter"),
    "declaration": gettext_lazy("Erklärung"),
    "identity": gettext_lazy("Anmeldung"),
    "payment": gettext_lazy("Zahlung"),
    "text": gettext_lazy("Text"),
    "meta": gettext_lazy("Allgemein"),
}
KIND_LABELS = {
    "added": gettext_lazy("neu"),
    "removed": gettext_lazy("entfällt"),
    "changed": gettext_lazy("geändert"),
}


def _lang() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _i18n(value, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("de") or "")
    return str(value or "")


# --- the parameter values of the target version, as a form ------------------------------


class ParameterValuesForm(forms.Form):
    """One field per parameter the target version declares. A parameter with a default may
    stay empty (the default applies); one without is required."""

    def __init__(self, *args, declarations: dict, initial_values: dict, lang: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.declarations = declarations
        for name, decl in declarations.items():
            # the same typed fields as the activation form (`admin_forms`)
            field = parameter_form_field(name, decl, initial_values.get(name))
            field.label = f"{_i18n(decl.get('label'), lang) or name} ({name})"
            self.fields[name] = field

    def values(self) -> dict:
        """The cleaned values in the stored form (unset parameters with a default left out)."""
        result = {}
        cleaned = getattr(self, "cleaned_data", {})
        for name, decl in self.declarations.items():
            value = parameter_value(decl, cleaned.get(name))
            if value is not None:
                result[name] = value
        return result

    def add_problems(self, problems) -> None:
        """`parameter_values_check` problems at their fields (`/<name>`)."""
        lang = _lang()
        for problem in problems:
            name = problem.pointer.strip("/").split("/", 1)[0]
            if name in self.errors:
                continue  # the field's own error (e.g. "required") says it already
            message = problem.message_en if lang == "en" and problem.message_en else problem.message
            self.add_error(name if name in self.fields else None, message)


# --- the admin ------------------------------------------------------------------------


class NewerVersionFilter(admin.SimpleListFilter):
    title = gettext_lazy("neuere Version verfügbar")
    parameter_name = "neuere_version"

    def lookups(self, request, model_admin):
        return [("ja", _("ja")), ("nein", _("nein"))]

    def queryset(self, request, queryset):
        if self.value() not in ("ja", "nein"):
            return queryset
        ids = activation_ids_with_newer_version(queryset)
        if self.value() == "ja":
            return queryset.filter(pk__in=ids)
        return queryset.exclude(pk__in=ids)


class ActivationVersionAdminMixin:
    """For the Activation ModelAdmin (see the module docstring)."""

    change_version_template = "admin/catalog/activation/change_version.html"

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/version/",
                self.admin_site.admin_view(self.change_version_view),
                name=f"{info[0]}_{info[1]}_change_version",
            ),
            *super().get_urls(),
        ]

    def get_list_display(self, request):
        newest_cache: dict = {}

        def newest():
            if "value" not in newest_cache:
                newest_cache["value"] = newest_published_by_process()
            return newest_cache["value"]

        @admin.display(description=_("Angebotene Version"), ordering="version__version")
        def offered(obj):
            return obj.version.version if obj.version_id else "–"

        @admin.display(description=_("neuere Version verfügbar"))
        def newer(obj):
            found = newer_version_available(obj, newest())
            if found is None:
                return "–"
            url = reverse(
                "admin:catalog_activation_change_version",
                args=[obj.pk],
                current_app=self.admin_site.name,
            )
            return format_html('{} <a href="{}">{}</a>', found.version, url, _("Version wechseln"))

        return [*super().get_list_display(request), offered, newer]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), NewerVersionFilter]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # the pinned version moves only through "Version wechseln" (diff, values, audit)
            fields += [f for f in ("version", "version_change_link") if f not in fields]
        return fields

    @admin.display(description=gettext_lazy("Version wechseln"))
    def version_change_link(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        url = reverse(
            "admin:catalog_activation_change_version",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        return format_html(
            '<a href="{}">{}</a>', url, _("Neuere Version wählen und Änderungen ansehen")
        )

    def change_version_view(self, request, object_id):
        activation = self.get_object(request, unquote(object_id))
        if activation is None or not can_change_version(request.user, activation):
            raise Http404
        lang = _lang()
        candidates = newer_versions(activation)
        wanted = (request.POST if request.method == "POST" else request.GET).get("version", "")
        chosen = next((v for v in candidates if str(v.pk) == wanted), None)
        errors: list[str] = []
        status = 200
        if wanted and chosen is None:
            errors.append(_("Bitte wählen Sie eine der angebotenen neueren Versionen."))
            status = 400
        if chosen is None and candidates and not wanted and request.method != "POST":
            chosen = candidates[-1]  # shown first: the newest
        preview = form = None
        if chosen is not None:
            definition = version_definition(chosen)
            preview = activation_upgrade_preview(activation, chosen)
            form = ParameterValuesForm(
                request.POST if request.method == "POST" else None,
                declarations=dict(definition.parameters),
                initial_values=preview.parameter_values,
                lang=lang,
            )
            if request.method == "POST":
                form.is_valid()  # clean what can be cleaned; check those values as well
                preview = activation_upgrade_preview(
                    activation, chosen, parameter_values=form.values()
                )
                form.add_problems(preview.parameter_problems)
                if form.is_valid() and not preview.refusal:
                    try:
                        activation_upgrade(
                            activation=activation,
                            version=chosen,
                            parameter_values=form.values(),
                            by=request.user,
                        )
                    except InvalidTransition as exc:
                        errors.append(exc.message_en if lang == "en" else exc.message)
                    else:
                        self.message_user(
                            request,
                            _(
                                "%(municipality)s bietet „%(process)s“ jetzt in Version "
                                "%(version)s an. Begonnene Anträge bleiben bei ihrer Version "
                                "und ihren Parameterwerten."
                            )
                            % {
                                "municipality": activation.municipality.name,
                                "process": activation.process.identifier,
                                "version": chosen.version,
                            },
                            messages.SUCCESS,
                        )
                        return redirect(
                            reverse(
                                "admin:catalog_activation_change",
                                args=[activation.pk],
                                current_app=self.admin_site.name,
                            )
                        )
                if preview.refusal:
                    errors.append(preview.refusal_en if lang == "en" else preview.refusal)
                status = 400
        elif request.method == "POST":
            if not errors:
                errors.append(_("Bitte wählen Sie eine der angebotenen neueren Versionen."))
            status = 400
        value_problems = [
            f"{p.pointer.strip('/') or '/'}: {p.message_en if lang == 'en' else p.message}"
            for p in (preview.parameter_problems if preview else [])
        ]
        changes = [
            {
                "area": AREA_LABELS.get(c.area, c.area),
                "kind": KIND_LABELS.get(c.kind, c.kind),
                "text": c.text(lang),
                "pointer": c.pointer,
            }
            for c in (preview.changes if preview else [])
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Version wechseln"),
            "subtitle": str(activation),
            "activation": activation,
            "original": activation,
            "candidates": candidates,
            "chosen": chosen,
            "preview": preview,
            "step_label": STEP_LABELS.get(preview.step, "") if preview else "",
            "changes": changes,
            "form": form,
            "value_problems": value_problems,
            "errors": errors,
            "has_view_permission": self.has_view_permission(request, activation),
            "media": self.media + (form.media if form else forms.Media()),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_version_template, context, status=status)
