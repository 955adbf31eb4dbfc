"""Who administers what in the admin: the one place for the per-municipality rules.

A municipality administrator is an active staff user (not a superuser) listed in
`Municipality.administrators` and, for the model permissions, a member of the group
"Kommunale Administration" (`MUNICIPAL_ADMIN_GROUP`, created after every `migrate`). They
manage their municipalities' profile, legal pages, authorities, clerks and activations and
see nothing of any other municipality. Superusers see everything.

The rule is one relation (`Municipality.administrators`) that every scoped model reaches by
a foreign-key path, so it is plain code: a queryset filter per ModelAdmin
(`MunicipalScopedAdmin.municipality_path`) plus `has_*_permission(request, obj)`. Django
uses the ModelAdmin's queryset for the changelist, change/delete/history by id, actions,
autocomplete and raw-id popups, so one filter covers them all; choice lists and filters
are narrowed with the same querysets. django-guardian would keep one permission row per
object and user (to be kept in sync with the administrators relation) and the admin would
still need these querysets; django-rules states predicates per object but does not scope
querysets either. Neither would remove code here.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q, QuerySet

from .models import Authority, Municipality

MUNICIPAL_ADMIN_GROUP = "Kommunale Administration"

#: The model permissions of the group (app label, codename). Object-level scoping comes on
#: top, in the ModelAdmins; no permission on cases, payments, processes or versions.
MUNICIPAL_ADMIN_PERMISSIONS = (
    ("catalog", "view_municipality"),
    ("catalog", "change_municipality"),
    ("catalog", "view_authority"),
    ("catalog", "add_authority"),
    ("catalog", "change_authority"),
    ("catalog", "delete_authority"),
    ("catalog", "view_legalpage"),
    ("catalog", "add_legalpage"),
    ("catalog", "change_legalpage"),
    ("catalog", "delete_legalpage"),
    ("catalog", "view_activation"),
    ("catalog", "add_activation"),
    ("catalog", "change_activation"),
    ("catalog", "delete_activation"),
    # Clerks: created, edited, (de)activated, assigned; never deleted (cases keep them).
    ("auth", "view_user"),
    ("auth", "add_user"),
    ("auth", "change_user"),
)

#: Fields of a municipality only superusers change (identity, addressing, hierarchy, who
#: administers it).
SUPERUSER_ONLY_MUNICIPALITY_FIELDS = ("slug", "ars", "host", "parent", "administrators")


def is_unrestricted(user) -> bool:
    """Superusers see and change everything in the admin."""
    return bool(user and user.is_active and user.is_superuser)


def administered_municipalities(user) -> QuerySet[Municipality]:
    """The municipalities `user` administers: all for a superuser, those listing the user in
    `administrators` for any other active staff user, none for everyone else."""
    if is_unrestricted(user):
        return Municipality.objects.all()
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return Municipality.objects.none()
    return Municipality.objects.filter(administrators=user)


def is_municipal_administrator(user) -> bool:
    """An active staff user, not a superuser, who administers at least one municipality."""
    return (
        not is_unrestricted(user)
        and bool(user and user.is_authenticated)
        and administered_municipalities(user).exists()
    )


def scope(queryset: QuerySet, user, path: str) -> QuerySet:
    """`queryset` narrowed to rows whose municipality (reached by `path`, "" for
    Municipality itself) `user` administers."""
    if is_unrestricted(user):
        return queryset
    lookup = f"{path}__in" if path else "pk__in"
    return queryset.filter(**{lookup: administered_municipalities(user).values("pk")})


def administered_authorities(user) -> QuerySet[Authority]:
    return scope(Authority.objects.select_related("municipality"), user, "municipality")


def managed_clerks(user) -> QuerySet:
    """The users `user` may see and edit as clerks: for a superuser every user; for a
    municipality administrator the users who are clerks of an authority of their
    municipalities and of no authority elsewhere, and who are neither staff, superusers
    nor administrators themselves (no one edits a peer's or a stranger's account)."""
    User = get_user_model()
    if is_unrestricted(user):
        return User.objects.all()
    municipalities = administered_municipalities(user).values("pk")
    inside = Authority.objects.filter(municipality__in=municipalities).values("pk")
    outside = Authority.objects.exclude(municipality__in=municipalities).values("pk")
    clerks = User.objects.filter(authorities__in=inside).values("pk")
    foreign = User.objects.filter(
        Q(authorities__in=outside) | Q(administered_municipalities__isnull=False)
    ).values("pk")
    return (
        User.objects.filter(pk__in=clerks, is_staff=False, is_superuser=False)
        .exclude(pk__in=foreign)
        .order_by("username")
    )


def ensure_municipal_admin_group(*, apps=None, using="default", **kwargs) -> None:
    """post_migrate: the group "Kommunale Administration" with its model permissions.

    Adds what is missing and removes nothing (an operator may extend the group). Runs
    after every `migrate`, so a fresh database has the group too.
    """
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    group, _ = Group.objects.using(using).get_or_create(name=MUNICIPAL_ADMIN_GROUP)
    wanted = Q(pk__in=[])
    for app_label, codename in MUNICIPAL_ADMIN_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*Permission.objects.using(using).filter(wanted))


class HiddenFromMunicipalAdministrators:
    """ModelAdmin mixin: never shown to municipality administrators, whatever permissions
    they hold (cases, payments: their work is the clerks', seen in the clerk inbox)."""

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and not is_municipal_administrator(
            request.user
        )

    def has_module_permission(self, request):
        return super().has_module_permission(request) and not is_municipal_administrator(
            request.user
        )


class MunicipalScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows belong to a municipality (`municipality_path`, "" for
    Municipality itself): a municipality administrator sees and changes only those of
    their municipalities; choice lists of municipalities, authorities and clerks are
    narrowed the same way. Model permissions still apply on top."""

    municipality_path = "municipality"
    # https by default for URLs typed without a scheme (Django 6's default already).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user, self.municipality_path)

    def in_scope(self, request, obj) -> bool:
        if obj is None or is_unrestricted(request.user):
            return True
        if obj.pk is None:
            return False
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and (
            administered_municipalities(request.user).exists()
        )

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        narrowed = scoped_choices(db_field.related_model, request.user)
        if narrowed is not None:
            kwargs["queryset"] = narrowed
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        narrowed = scoped_choices(db_field.related_model, request.user)
        if narrowed is not None:
            kwargs["queryset"] = narrowed
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def scoped_choices(model, user) -> QuerySet | None:
    """The choices a form may offer `user` for a relation to `model` (None: not scoped)."""
    if model is Municipality:
        return administered_municipalities(user)
    if model is Authority:
        return administered_authorities(user)
    if model is get_user_model():
        return managed_clerks(user)
    return None


class MunicipalScopedInline:
    """Inline rows of a scoped parent: choice lists narrowed like the parent's."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        narrowed = scoped_choices(db_field.related_model, request.user)
        if narrowed is not None:
            kwargs["queryset"] = narrowed
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
