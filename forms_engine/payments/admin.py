"""Payment attempts in the admin: read-only, with the reconciliation list for operators.

The filter "Abgleich: bezahlt, ohne Antrag" lists paid attempts that belong to no case
(`selectors.payment_orphans`); the actions record a refund through
`services.payment_refund_mark` (audit-logged). Nothing else is written here.
Municipality administrators never see payments here, whatever permissions they hold.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from forms_engine.catalog.admin_access import HiddenFromMunicipalAdministrators
from forms_engine.citizen.selectors import submit_eligibility
from forms_engine.core.admin import ReadOnlyAdmin

from .base import PaymentError
from .models import PaymentStatus, PaymentTransaction, RefundStatus
from .selectors import payment_orphans
from .services import payment_refund_mark


class ReconciliationFilter(admin.SimpleListFilter):
    title = _("Abgleich")
    parameter_name = "abgleich"

    def lookups(self, request, model_admin):
        return [
            ("ohne-antrag", _("bezahlt, ohne Antrag")),
            ("offen", _("bezahlt, ohne Antrag, nicht erstattet")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "ohne-antrag":
            return queryset.filter(pk__in=payment_orphans().values("pk"))
        if self.value() == "offen":
            return queryset.filter(pk__in=payment_orphans(open_only=True).values("pk"))
        return queryset


@admin.register(PaymentTransaction)
class PaymentTransactionAdmin(HiddenFromMunicipalAdministrators, ReadOnlyAdmin):
    list_display = [
        "request_id",
        "created_at",
        "status",
        "amount",
        "reference",
        "process",
        "municipality",
        "case",
        "can_still_submit",
        "refund_status",
    ]
    list_filter = [ReconciliationFilter, "status", "refund_status", "provider"]
    search_fields = ["request_id", "transaction_id", "reference", "case__reference"]
    date_hierarchy = "created_at"
    actions = ["refund_pending", "refund_done"]
    list_select_related = ["draft__process_version__process", "draft__municipality", "case"]

    @admin.display(description=_("Leistung"))
    def process(self, obj):
        draft = obj.draft
        return (
            f"{draft.process_version.process.identifier} {draft.process_version.version}"
            if draft
            else "–"
        )

    @admin.display(description=_("Kommune"))
    def municipality(self, obj):
        return obj.draft.municipality.name if obj.draft else "–"

    @admin.display(description=_("Antrag noch einreichbar"))
    def can_still_submit(self, obj):
        """For a paid attempt without a case: can the citizen still submit its draft?"""
        if obj.case_id or obj.status != PaymentStatus.PAYED:
            return "–"
        draft = obj.draft
        if draft is None:
            return _("nein: Entwurf gelöscht")
        if draft.submitted_case_id:
            return _("abgesendet")
        eligibility = submit_eligibility(
            process_version=draft.process_version, municipality=draft.municipality, draft=draft
        )
        return _("ja") if eligibility.allowed else f"{_('nein')}: {eligibility.message}"

    def has_refund_permission(self, request):
        # The rows stay read-only; recording a refund needs the model's change permission.
        return request.user.has_perm("payments.change_paymenttransaction")

    def _mark(self, request, queryset, refund_status):
        for tx in queryset:
            try:
                payment_refund_mark(transaction=tx, refund_status=refund_status, by=request.user)
            except PaymentError as exc:
                self.message_user(
                    request, f"{tx.request_id}: {exc.message} / {exc.message_en}", messages.ERROR
                )
            else:
                self.message_user(request, f"{tx.request_id}: {RefundStatus(refund_status).label}")

    @admin.action(description=_("Erstattung veranlasst"), permissions=["refund"])
    def refund_pending(self, request, queryset):
        self._mark(request, queryset, RefundStatus.PENDING)

    @admin.action(description=_("erstattet"), permissions=["refund"])
    def refund_done(self, request, queryset):
        self._mark(request, queryset, RefundStatus.REFUNDED)
