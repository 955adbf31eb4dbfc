"""The activation (offering) admin: a two-step add (choose the process, then the typed
form for it) and a typed change form; the version is changed on its own page.

"Version wechseln" is its own admin page (`ActivationVersionAdminMixin` in
`catalog/admin_versions.py`, URL name `admin:catalog_activation_change_version`); the
change form shows the pinned version read-only with a link there.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db import models
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_access import MunicipalScopedAdmin, administered_municipalities, scope
from .admin_forms import (
    PLUGIN_KINDS,
    activation_form_class,
    form_spec,
    option_fields_of,
    plugin_label,
    version_title,
)
from .admin_versions import ActivationVersionAdminMixin
from .models import Activation, Authority, Process, ProcessVersion
from .selectors import current_version, published_versions


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date/time widget with a `<label>` for each of its two inputs."""

    template_name = "catalog/widgets/split_datetime.html"


class ChooseProcessForm(forms.Form):
    process = forms.ModelChoiceField(
        queryset=Process.objects.none(),
        label=_("Verwaltungsleistung"),
        empty_label=None,
        help_text=_("Nur Leistungen mit einer veröffentlichten Version."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["process"].queryset = (
            Process.objects.filter(versions__status=ProcessVersion.Status.PUBLISHED)
            .distinct()
            .order_by("identifier")
        )
        self.fields["process"].label_from_instance = self._label

    @staticmethod
    def _label(process) -> str:
        version = current_version(process)
        title = version_title(version) if version else ""
        return f"{title} ({process.identifier})" if title else process.identifier


@admin.register(Activation)
class ActivationAdmin(ActivationVersionAdminMixin, MunicipalScopedAdmin):
    # the mixin adds the offered version and "neuere Version verfügbar"
    list_display = ["process", "municipality", "authority", "is_active"]
    list_filter = [("municipality", admin.RelatedOnlyFieldListFilter), "is_active"]
    search_fields = ["process__identifier", "version__title", "authority__name"]
    list_select_related = ["process", "version", "municipality", "authority"]
    choose_process_template = "admin/catalog/activation/choose_process.html"
    formfield_overrides = {models.DateTimeField: {"widget": LabelledSplitDateTime}}

    @admin.display(description=_("Verwaltungsleistung"))
    def process_display(self, obj):
        process = obj.process if obj is not None and obj.process_id else None
        if process is None:
            return "–"
        version = obj.version if obj.version_id else current_version(process)
        return f"{version_title(version)} ({process.identifier})" if version else process.identifier

    @admin.display(description=_("Angebotene Version"))
    def version_display(self, obj):
        if obj is None or not obj.version_id:
            return "–"
        label = f"{obj.version.version} – {version_title(obj.version)}"
        try:
            url = reverse("admin:catalog_activation_change_version", args=[obj.pk])
        except NoReverseMatch:
            return format_html("{} · <span>{}</span>", label, _("Version wechseln"))
        return format_html('{} · <a href="{}">{}</a>', label, url, _("Version wechseln"))

    # --- which process / version the form is for ----------------------------------------

    def _add_process(self, request) -> Process | None:
        raw = request.GET.get("process", "")
        if not raw.isdigit():
            return None
        return (
            Process.objects.filter(pk=int(raw), versions__status=ProcessVersion.Status.PUBLISHED)
            .distinct()
            .first()
        )

    def _spec(self, request, obj):
        """The form's spec for this request (memoised: the admin asks several times)."""
        cache = request.__dict__.setdefault("_activation_specs", {})
        key = obj.pk if obj is not None else None
        if key in cache:
            return cache[key]
        if obj is not None:
            process, version, versions = obj.process, obj.version, None
        else:
            process = self._add_process(request)
            versions = published_versions().filter(process=process) if process else None
            version = None
            if versions is not None:
                for raw in (request.POST.get("version"), request.GET.get("version")):
                    if raw and str(raw).isdigit():
                        version = versions.filter(pk=int(raw)).first()
                        if version:
                            break
                version = version or current_version(process)
        spec = form_spec(process=process, version=version, instance=obj)
        cache[key] = (spec, versions)
        return cache[key]

    # --- form and layout -----------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        spec, versions = self._spec(request, obj)
        if obj is not None:
            municipalities = administered_municipalities(request.user).filter(
                pk=obj.municipality_id
            )
            authorities = Authority.objects.filter(municipality_id=obj.municipality_id)
        else:
            municipalities = administered_municipalities(request.user)
            authorities = scope(
                Authority.objects.select_related("municipality"), request.user, "municipality"
            )
            single = list(municipalities[:2])
            if len(single) == 1:
                authorities = authorities.filter(municipality=single[0])
        kwargs["form"] = activation_form_class(
            instance=obj,
            spec=spec,
            municipalities=municipalities,
            authorities=authorities.select_related("municipality"),
            versions=versions,
        )
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["process_display"]
        return ["process_display", "municipality", "version_display"]

    def get_fieldsets(self, request, obj=None):
        spec, _versions = self._spec(request, obj)
        main = (
            ["process_display", "version", "parameters_for", "municipality"]
            if obj is None
            else ["process_display", "version_display", "municipality"]
        )
        fieldsets = [
            (None, {"fields": [*main, "authority", "is_active", "follow_patches"]}),
            (_("Zustellweg"), {"fields": ["transport"]}),
        ]
        for plugin_id, names in option_fields_of(spec, "transports").items():
            fieldsets.append(self._options_fieldset("transports", plugin_id, names))
        fieldsets.append((_("Bezahldienst"), {"fields": ["payment_backend"]}))
        for plugin_id, names in option_fields_of(spec, "payments").items():
            fieldsets.append(self._options_fieldset("payments", plugin_id, names))
        fieldsets.append(
            (_("Identifizierung"), {"fields": ["identity_backend", "identity_min_level"]})
        )
        parameter_fields = spec.parameter_field_names()
        if parameter_fields:
            fieldsets.append(
                (
                    _("Parameter der Version"),
                    {
                        "fields": parameter_fields,
                        "description": _(
                            "Werte dieser Kommune für die Parameter, die die Version "
                            "deklariert (Gebühren, Texte, Auswahllisten)."
                        ),
                    },
                )
            )
        fieldsets += [
            (_("Kontakt"), {"fields": ["contact_text", "contact_text_en"]}),
            (_("Zeitraum"), {"fields": ["available_from", "available_until"]}),
        ]
        return fieldsets

    @staticmethod
    def _options_fieldset(kind, plugin_id, names):
        return (
            _("Optionen für „%(plugin)s“") % {"plugin": plugin_label(kind, plugin_id)},
            {
                "fields": names,
                "description": _(
                    "Gelten nur, wenn dieser Dienst oben gewählt ist; sonst werden sie "
                    "nicht gespeichert."
                ),
            },
        )

    def get_fields(self, request, obj=None):
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    # --- the two-step add ------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)
        if self._add_process(request) is None:
            return self.choose_process_view(request)
        return super().add_view(request, form_url, extra_context)

    def choose_process_view(self, request):
        form = ChooseProcessForm(request.GET if "process" in request.GET else None)
        if form.is_bound:
            form.is_valid()  # a process without published version: the field error shows
        context = {
            **self.admin_site.each_context(request),
            "title": _("Freischaltung hinzufügen: Verwaltungsleistung wählen"),
            "opts": self.model._meta,
            "form": form,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, self.choose_process_template, context)


__all__ = ["PLUGIN_KINDS", "ActivationAdmin"]
