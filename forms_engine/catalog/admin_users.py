"""Users in the admin, with clerk management for municipality administrators.

Superusers keep Django's user admin (plus the authorities a user works for). A
municipality administrator sees only the clerks of their municipalities
(`admin_access.managed_clerks`) and may create them, edit names and e-mail, set or
disable the password, (de)activate them and assign them to their own authorities; the
form has no staff, superuser, group or permission fields, and saving forces staff and
superuser off. Users are never deleted by them (deactivate instead: cases keep their
clerks).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from forms_engine.core.staff_auth import staff_password_link_send

from .admin_access import administered_authorities, is_unrestricted, managed_clerks

User = get_user_model()


class AuthorityCheckboxes(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.municipality.name})"


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class ClerkUserAdmin(UserAdmin):
    clerk_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Persönliche Angaben"), {"fields": ("first_name", "last_name", "email")}),
        (_("Sachbearbeitung"), {"fields": ("is_active", "authorities")}),
        (_("Daten"), {"fields": ("last_login", "date_joined")}),
    )
    clerk_add_fieldsets = (
        (None, {"fields": ("username", "usable_password", "password1", "password2")}),
        (_("Persönliche Angaben"), {"fields": ("first_name", "last_name", "email")}),
        (_("Sachbearbeitung"), {"fields": ("authorities",)}),
    )

    actions = ["send_password_link"]

    @admin.action(description=_("Link zum Setzen des Passworts per E-Mail senden"))
    def send_password_link(self, request, queryset):
        base_url = request.build_absolute_uri("/")
        for user in queryset:
            if staff_password_link_send(user=user, by=request.user, base_url=base_url):
                self.message_user(
                    request, _("Link gesendet an %(user)s.") % {"user": user.get_username()}
                )
            else:
                self.message_user(
                    request,
                    _("%(user)s: keine E-Mail-Adresse oder Konto deaktiviert.")
                    % {"user": user.get_username()},
                    messages.WARNING,
                )

    # --- scope ---------------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_unrestricted(request.user):
            return queryset
        return queryset.filter(pk__in=managed_clerks(request.user).values("pk"))

    def _in_scope(self, request, obj) -> bool:
        if obj is None or is_unrestricted(request.user):
            return True
        return obj.pk is not None and managed_clerks(request.user).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and (
            is_unrestricted(request.user) or administered_authorities(request.user).exists()
        )

    def has_delete_permission(self, request, obj=None):
        return is_unrestricted(request.user) and super().has_delete_permission(request, obj)

    # --- layout --------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if is_unrestricted(request.user):
            fieldsets = super().get_fieldsets(request, obj)
            if obj is None:
                return fieldsets
            return (*fieldsets, (_("Sachbearbeitung"), {"fields": ("authorities",)}))
        return self.clerk_add_fieldsets if obj is None else self.clerk_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if is_unrestricted(request.user):
            return super().get_readonly_fields(request, obj)
        return ("last_login", "date_joined")

    def get_list_display(self, request):
        if is_unrestricted(request.user):
            return super().get_list_display(request)
        return ("username", "first_name", "last_name", "email", "is_active", "authority_names")

    def get_list_filter(self, request):
        if is_unrestricted(request.user):
            return super().get_list_filter(request)
        return ("is_active", ("authorities", admin.RelatedOnlyFieldListFilter))

    @admin.display(description=_("Behörden"))
    def authority_names(self, obj):
        return ", ".join(a.name for a in obj.authorities.all()) or "–"

    def get_form(self, request, obj=None, **kwargs):
        restricted = not is_unrestricted(request.user)
        choices = administered_authorities(request.user)
        initial = list(obj.authorities.filter(pk__in=choices.values("pk"))) if obj else []
        field = AuthorityCheckboxes(
            queryset=choices,
            required=restricted,
            initial=initial,
            label=_("Behörden"),
            help_text=_("Die Behörden, deren Anträge diese Person bearbeitet."),
        )
        base = self.add_form if obj is None else self.form
        kwargs["form"] = type(base.__name__, (base,), {"authorities": field})
        return super().get_form(request, obj, **kwargs)

    # --- saving --------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not is_unrestricted(request.user):
            obj.is_staff = False
            obj.is_superuser = False
        super().save_model(request, obj, form, change)
        if not is_unrestricted(request.user) and not change:
            obj.groups.clear()
            obj.user_permissions.clear()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "authorities" not in form.cleaned_data:
            return
        user = form.instance
        visible = administered_authorities(request.user).values("pk")
        kept = list(user.authorities.exclude(pk__in=visible))
        user.authorities.set([*kept, *form.cleaned_data["authorities"]])
