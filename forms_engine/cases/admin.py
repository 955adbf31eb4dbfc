"""Cases in the admin: read-only (cases change only through services).

Municipality administrators never see cases here, whatever permissions they hold: case
work is the clerks' (their inbox shows only their authorities' cases).
"""

from django.contrib import admin

from forms_engine.catalog.admin_access import HiddenFromMunicipalAdministrators
from forms_engine.core.admin import ReadOnlyAdmin

from .models import Case, CaseDelivery, CaseDeliveryEvent


@admin.register(Case)
class CaseAdmin(HiddenFromMunicipalAdministrators, ReadOnlyAdmin):
    list_display = ["reference", "process_version", "municipality", "authority", "status"]
    list_filter = ["status", "authority"]
    search_fields = ["reference"]
    date_hierarchy = "submitted_at"


class CaseDeliveryEventInline(admin.TabularInline):
    model = CaseDeliveryEvent
    fields = ["issued_at", "kind", "issuer", "verified", "note", "problems"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CaseDelivery)
class CaseDeliveryAdmin(HiddenFromMunicipalAdministrators, ReadOnlyAdmin):
    """Operators: every delivery of a case, its errors, the recipient's answer and events
    (a failed FIT-Connect delivery or a rejection shows up here and in the error log)."""

    list_display = ["case", "transport", "status", "outcome", "attempts", "delivered_at"]
    list_filter = ["transport", "status", "outcome"]
    search_fields = ["case__reference"]
    inlines = [CaseDeliveryEventInline]
