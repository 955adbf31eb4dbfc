"""Cases in the admin: read-only (cases change only through services)."""

from django.contrib import admin

from forms_engine.core.admin import ReadOnlyAdmin

from .models import Case


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "process_version", "municipality", "authority", "status"]
    list_filter = ["status", "authority"]
    search_fields = ["reference"]
    date_hierarchy = "submitted_at"
