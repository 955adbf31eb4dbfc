"""Payment URLs: the citizen's pay pages under /zahlung/, the demo stand-in under
/xbezahldienste-stub/ (XBezahldienste v1.0 paths; 404 without ENABLE_DEMO_BACKENDS)."""

from django.urls import path

from . import standin_views, views

app_name = "payments"

STUB = "xbezahldienste-stub/"

urlpatterns = [
    path("zahlung/<uuid:draft_id>/", views.overview, name="overview"),
    path("zahlung/<uuid:draft_id>/zurueck/", views.payment_return, name="return"),
    path(STUB, standin_views.root, name="standin-root"),
    path(
        STUB + "paymenttransaction/<str:originator_id>/<str:end_point_id>",
        standin_views.collection,
        name="standin-collection",
    ),
    path(
        STUB + "paymenttransaction/<str:originator_id>/<str:end_point_id>/<str:transaction_id>",
        standin_views.transaction,
        name="standin-transaction",
    ),
    path(
        STUB + "status/<str:originator_id>/<str:end_point_id>",
        standin_views.health,
        name="standin-health",
    ),
    path(
        STUB + "bezahlseite/<uuid:transaction_id>/", standin_views.paypage, name="standin-paypage"
    ),
]
