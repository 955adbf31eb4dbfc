"""Cases in the admin: read-only (cases change only through services).

Municipality administrators never see cases here, whatever permissions they hold: case
work is the clerks' (their inbox shows only their authorities' cases).
"""

from django.contrib import admin

from forms_engine.catalog.admin_access import HiddenFromMunicipalAdministrators
from forms_engine.core.admin import ReadOnlyAdmin

from .models import Case


@admin.register(Case)
class CaseAdmin(HiddenFromMunicipalAdministrators, ReadOnlyAdmin):
    list_display = ["reference", "process_version", "municipality", "authority", "status"]
    list_filter = ["status", "authority"]
    search_fields = ["reference"]
    date_hierarchy = "submitted_at"
