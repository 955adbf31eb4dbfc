"""Admin of the process libraries: read-only records for operators. Keys are added and
revoked, bundles imported and exported through the services (studio pages, commands, API),
never by editing rows."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import BundleImport, SharedItem, TrustedKey


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrustedKey)
class TrustedKeyAdmin(ReadOnlyAdmin):
    list_display = [
        "publisher_name",
        "publisher_slug",
        "fingerprint_groups",
        "added_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["publisher_name", "publisher_slug", "fingerprint"]

    @admin.display(description=_("Fingerabdruck"))
    def fingerprint_groups(self, obj):
        return obj.short_fingerprint


@admin.register(SharedItem)
class SharedItemAdmin(ReadOnlyAdmin):
    list_display = ["identifier", "version", "kind", "title", "publisher", "created_at"]
    list_filter = ["kind", "publisher"]
    search_fields = ["identifier", "title"]


@admin.register(BundleImport)
class BundleImportAdmin(ReadOnlyAdmin):
    list_display = ["publisher", "imported_at", "imported_by", "signed", "created", "unchanged"]
    list_filter = ["signed", "publisher"]
    exclude = ["manifest"]
