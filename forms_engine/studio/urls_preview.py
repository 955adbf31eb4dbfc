"""The live preview's pages (`studio.preview`), included by `studio.urls`."""

from django.urls import path

from . import preview

urlpatterns = [
    path("versionen/<int:version_id>/vorschau/", preview.preview, name="preview"),
    path("vorschau/", preview.preview_document, name="preview-document"),
    path("vorschau/<str:preview_id>/", preview.preview_shell, name="preview-shell"),
    path(
        "vorschau/<str:preview_id>/schritte/<str:step_id>/",
        preview.preview_step,
        name="preview-step",
    ),
    path(
        "vorschau/<str:preview_id>/zusammenfassung/",
        preview.preview_summary,
        name="preview-summary",
    ),
    path("vorschau/<str:preview_id>/absenden/", preview.preview_submit, name="preview-submit"),
    path(
        "vorschau/<str:preview_id>/als-test/",
        preview.preview_record_test,
        name="preview-record-test",
    ),
]
