from django.urls import include, path  # noqa: F401 (include: the sub-pages' url modules)

from . import views, views_fim

app_name = "studio"

urlpatterns = [
    path("", views.process_list, name="processes"),
    path("prozesse/neu/", views.process_new, name="process-new"),
    path("prozesse/<int:process_id>/", views.process_detail, name="process"),
    path("fim-import/", views_fim.fim_import_page, name="fim-import"),
    path("fim-import/<int:source_id>/", views_fim.fim_import_result, name="fim-import-result"),
    path("versionen/<int:version_id>/", views.version_detail, name="version"),
    path("versionen/<int:version_id>/neuer-entwurf/", views.draft_from_version, name="draft-new"),
    # Sub-pages of a version, one url module each (editor, preview, tests, diff, publish):
    # path("", include("forms_engine.studio.urls_<part>")),
    path("", include("forms_engine.studio.urls_settings")),
    path("", include("forms_engine.studio.urls_preview")),
    path("", include("forms_engine.studio.urls_editor")),
    path("", include("forms_engine.studio.urls_publish")),
    path("", include("forms_engine.studio.urls_library_import")),
    path("", include("forms_engine.studio.urls_library")),
]
