from django.urls import path

from . import status_views, views

app_name = "citizen"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("leistungen/<slug:process_id>/", views.start, name="start"),
    path("seite/<slug:slug>/", views.page, name="page"),
    path("fortsetzen/<str:token>/", views.resume, name="resume"),
    path("status/<str:token>/", status_views.status, name="status"),
    path("antrag/<uuid:draft_id>/zusammenfassung/", views.summary, name="summary"),
    path("antrag/<uuid:draft_id>/absenden/", views.submit, name="submit"),
    path("antrag/<uuid:draft_id>/bestaetigung/", views.confirmation, name="confirmation"),
    path("antrag/<uuid:draft_id>/zwischenspeichern/", views.send_link, name="send_link"),
    path("antrag/<uuid:draft_id>/<slug:step_id>/", views.step, name="step"),
]
