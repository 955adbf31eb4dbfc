"""URLs of the structured editor, the JSON view and the history of saves (one module, one
include line in `studio/urls.py`)."""

from django.urls import path

from . import views_editor as v

E = "versionen/<int:version_id>/bearbeiten/"
F = E + "schritte/<int:step>/felder/<path:field_path>/"

urlpatterns = [
    path(E, v.editor, name="editor"),
    path(E + "schritte/<int:step>/", v.editor_step, name="editor-step"),
    path(E + "schritte/<int:step>/loeschen/", v.editor_step_delete, name="editor-step-delete"),
    path(F + "loeschen/", v.editor_field_delete, name="editor-field-delete"),
    path(F, v.editor_field, name="editor-field"),
    path(E + "gebuehren/", v.editor_fees, name="editor-fees"),
    path(E + "gebuehren/neu/", v.editor_fee, name="editor-fee-new"),
    path(E + "gebuehren/<int:fee>/", v.editor_fee, name="editor-fee"),
    path(E + "gebuehren/<int:fee>/loeschen/", v.editor_fee_delete, name="editor-fee-delete"),
    path(E + "json/", v.editor_json, name="editor-json"),
    path(E + "json/pruefen/", v.editor_validate, name="editor-validate"),
    path("versionen/<int:version_id>/verlauf/", v.history, name="history"),
    path(
        "versionen/<int:version_id>/verlauf/<int:number>/",
        v.history_revision,
        name="history-revision",
    ),
]
