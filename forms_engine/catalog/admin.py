"""Admin of the catalog. Published and retired versions are read-only and never deleted;
drafts are written through the catalog services, never directly."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext_lazy as _

from .admin_access import (
    SUPERUSER_ONLY_MUNICIPALITY_FIELDS,
    MunicipalScopedAdmin,
    MunicipalScopedInline,
    is_unrestricted,
    managed_clerks,
)
from .exceptions import CatalogError
from .models import Authority, LegalPage, Municipality, Process, ProcessVersion, Publisher
from .services import (
    RETIRE_GRACE_DAYS,
    RETIRE_GRACE_MAX_DAYS,
    default_publisher,
    process_version_create_draft,
    process_version_publish,
    process_version_retire,
    process_version_update_draft,
)


class AuthorityInline(MunicipalScopedInline, admin.TabularInline):
    model = Authority
    extra = 0
    fields = ["name", "slug", "email"]


class LegalPageInline(admin.StackedInline):
    model = LegalPage
    extra = 0
    formfield_overrides = MunicipalScopedAdmin.formfield_overrides
    fields = ["kind", "url", "body", "body_en"]


@admin.register(Municipality)
class MunicipalityAdmin(MunicipalScopedAdmin):
    """Superusers create municipalities and set their identity (slug, ARS, host, parent,
    administrators); a municipality's administrators edit its profile."""

    municipality_path = ""
    list_display = ["name", "ars", "slug", "kind"]
    search_fields = ["name", "ars", "slug"]
    inlines = [AuthorityInline, LegalPageInline]
    filter_horizontal = ["administrators"]

    def get_readonly_fields(self, request, obj=None):
        if is_unrestricted(request.user):
            return []
        return list(SUPERUSER_ONLY_MUNICIPALITY_FIELDS)

    def has_add_permission(self, request):
        return is_unrestricted(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_unrestricted(request.user) and super().has_delete_permission(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "administrators":
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True)
            return admin.ModelAdmin.formfield_for_manytomany(self, db_field, request, **kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class AuthorityForm(forms.ModelForm):
    """Keeps the clerks the editing user cannot see: a municipality administrator's
    choice list holds only their own clerks, and saving must not drop the others."""

    hidden_clerks: list = []

    def clean_clerks(self):
        chosen = list(self.cleaned_data.get("clerks") or [])
        return chosen + [user for user in self.hidden_clerks if user not in chosen]


@admin.register(Authority)
class AuthorityAdmin(MunicipalScopedAdmin):
    form = AuthorityForm
    list_display = ["name", "municipality", "slug", "email"]
    list_filter = [("municipality", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    filter_horizontal = ["clerks"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        hidden = []
        if obj is not None and obj.pk and not is_unrestricted(request.user):
            hidden = list(obj.clerks.exclude(pk__in=managed_clerks(request.user).values("pk")))
        return type(form_class.__name__, (form_class,), {"hidden_clerks": hidden})


@admin.register(LegalPage)
class LegalPageAdmin(MunicipalScopedAdmin):
    list_display = ["kind", "municipality", "url", "updated_at"]
    list_filter = [("municipality", admin.RelatedOnlyFieldListFilter), "kind"]
    search_fields = ["municipality__name", "url"]
    fields = ["municipality", "kind", "url", "body", "body_en"]


class ProcessVersionInline(admin.TabularInline):
    model = ProcessVersion
    extra = 0
    fields = ["version", "status", "sha256", "published_at", "retired_at", "submit_until"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    """Publishers own processes (a process id is unique per publisher). Superusers only:
    a publisher's name appears wherever its processes are listed."""

    list_display = ["name", "slug", "municipality", "process_count", "created_at"]
    search_fields = ["name", "slug"]
    list_select_related = ["municipality"]

    @admin.display(description=_("Verwaltungsleistungen"))
    def process_count(self, obj):
        return obj.processes.count()

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # processes point here (PROTECT); publishers are never deleted


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["identifier", "publisher", "created_at"]
    list_filter = ["publisher"]
    list_select_related = ["publisher"]
    search_fields = ["identifier", "publisher__slug", "publisher__name"]
    inlines = [ProcessVersionInline]

    def has_delete_permission(self, request, obj=None):
        return False  # versions and cases point here; processes are never deleted


class DefinitionForm(forms.ModelForm):
    """Edits a draft's definition as JSON text; the service does the write. A new draft
    belongs to the chosen publisher (empty: the installation's own, `default_publisher`)."""

    definition = forms.JSONField(
        label=_("Definition (JSON)"), widget=forms.Textarea(attrs={"rows": 30, "cols": 100})
    )
    publisher = forms.ModelChoiceField(
        label=_("Herausgeber"),
        queryset=Publisher.objects.all(),
        required=False,
        help_text=_("Leer: die Standardbibliothek dieser Installation."),
    )

    class Meta:
        model = ProcessVersion
        fields = ["definition"]

    def clean_definition(self):
        doc = self.cleaned_data["definition"]
        if not isinstance(doc, dict):
            raise forms.ValidationError(
                _("Die Definition muss ein JSON-Objekt sein. / It must be a JSON object.")
            )
        return doc


class VersionActionForm(ActionForm):
    """The action bar of the version list, with the grace period "zurückziehen" uses."""

    grace_days = forms.IntegerField(
        label=_("Frist für begonnene Anträge (Tage)"),
        required=False,
        min_value=0,
        max_value=RETIRE_GRACE_MAX_DAYS,
        initial=RETIRE_GRACE_DAYS,
    )


@admin.register(ProcessVersion)
class ProcessVersionAdmin(admin.ModelAdmin):
    form = DefinitionForm
    action_form = VersionActionForm
    list_display = [
        "process",
        "version",
        "status",
        "short_sha256",
        "published_at",
        "retired_at",
        "submit_until",
    ]
    list_filter = ["status", "process__publisher", "process"]
    list_select_related = ["process", "process__publisher"]
    search_fields = [
        "process__identifier",
        "process__publisher__slug",
        "version",
        "title",
        "sha256",
    ]
    actions = ["publish", "retire"]
    readonly_fields = [
        "process",
        "version",
        "status",
        "title",
        "sha256",
        "created_at",
        "published_at",
        "retired_at",
        "submit_until",
    ]

    @admin.display(description=_("SHA-256"))
    def short_sha256(self, obj):
        return obj.sha256[:12]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["publisher", "definition"]
        if obj.is_frozen:
            return [*self.readonly_fields, "pretty_definition"]
        return [*self.readonly_fields, "definition"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return [*self.readonly_fields, "pretty_definition"]
        return self.readonly_fields

    @admin.display(description=_("Definition"))
    def pretty_definition(self, obj):
        return json.dumps(obj.definition, ensure_ascii=False, indent=2)

    def has_change_permission(self, request, obj=None):
        # Published and retired versions: view only. The list's actions still work,
        # because they go through the services.
        if obj is not None and obj.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Bulk deletion (obj None) is off entirely: it could include published versions.
        if obj is None or obj.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        doc = form.cleaned_data["definition"]
        if change:
            saved = process_version_update_draft(version=obj, doc=doc)
        else:
            publisher = form.cleaned_data.get("publisher") or default_publisher()
            saved = process_version_create_draft(doc=doc, publisher=publisher)
        # Hand the row the service wrote back to the admin (it logs and redirects with it).
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def _form_error(self, form, exc):
        form.add_error(None, str(exc))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class ServiceCheckedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                doc = cleaned.get("definition")
                if isinstance(doc, dict) and not (
                    isinstance(doc.get("id"), str) and isinstance(doc.get("version"), str)
                ):
                    raise forms.ValidationError(
                        _("Die Definition braucht „id“ und „version“. / Needs 'id' and 'version'.")
                    )
                return cleaned

        return ServiceCheckedForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except CatalogError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            from django.shortcuts import redirect

            return redirect(request.path)

    @admin.action(description=_("veröffentlichen"))
    def publish(self, request, queryset):
        for version in queryset:
            try:
                published = process_version_publish(version=version)
            except CatalogError as exc:
                self.message_user(request, f"{version}: {exc}", level=messages.ERROR)
            else:
                self.message_user(request, f"{version}: veröffentlicht / published")
                for warning in published.publish_warnings:
                    self.message_user(
                        request, f"{version}: Warnung / warning: {warning}", level=messages.WARNING
                    )
                self._report_moves(request, published)

    @admin.action(description=_("zurückziehen (mit Frist für begonnene Anträge)"))
    def retire(self, request, queryset):
        raw = (request.POST.get("grace_days") or "").strip()
        try:
            grace_days = int(raw) if raw else RETIRE_GRACE_DAYS
        except ValueError:
            self.message_user(
                request,
                "Die Frist muss eine ganze Zahl von Tagen sein. / "
                "The grace period must be a whole number of days.",
                level=messages.ERROR,
            )
            return
        for version in queryset:
            try:
                retired = process_version_retire(version=version, grace_days=grace_days)
            except CatalogError as exc:
                self.message_user(request, f"{version}: {exc}", level=messages.ERROR)
            else:
                until = retired.submit_until.strftime("%d.%m.%Y %H:%M")
                self.message_user(
                    request,
                    f"{version}: zurückgezogen, begonnene Anträge bis {until} / "
                    f"retired, started applications until {until}",
                )
                self._report_moves(request, retired)

    def _report_moves(self, request, version):
        """Which offerings moved to another version with this publication or retirement."""
        for move in getattr(version, "offering_moves", []):
            name = move.activation.municipality.name
            if move.moved:
                self.message_user(
                    request,
                    f"{name}: bietet jetzt Version {move.version.version} an / "
                    f"now offers version {move.version.version}",
                )
            else:
                self.message_user(
                    request,
                    f"{name}: bleibt bei Version {move.activation.version.version}, "
                    f"neuere Version verfügbar ({move.message}) / stays on version "
                    f"{move.activation.version.version} ({move.message_en})",
                    level=messages.WARNING,
                )


from .admin_activation import ActivationAdmin  # noqa: E402, F401 - registers itself
from .admin_users import ClerkUserAdmin  # noqa: E402, F401 - registers itself
