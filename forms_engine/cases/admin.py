"""Cases in the admin: read-only (cases change only through services)."""

from django.contrib import admin

from .models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "process_version", "municipality", "authority", "status"]
    list_filter = ["status", "authority"]
    search_fields = ["reference"]
    date_hierarchy = "submitted_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
