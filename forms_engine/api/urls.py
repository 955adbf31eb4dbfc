from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import cases, errors, views

app_name = "api"

VERSION = "processes/<slug:process_id>/versions/<str:version>/"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the page needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("processes/", views.ProcessListView.as_view(), name="process-list"),
    path(VERSION, views.ProcessVersionView.as_view(), name="process-version"),
    path(VERSION + "data-schema/", views.DataSchemaView.as_view(), name="data-schema"),
    path(VERSION + "uploads/", views.UploadView.as_view(), name="uploads"),
    path(VERSION + "submissions/", views.SubmissionView.as_view(), name="submissions"),
    path("status/<str:token>/", cases.CaseStatusView.as_view(), name="case-status"),
    path("sachbearbeitung/faelle/<str:case_id>/", cases.ClerkCaseView.as_view(), name="clerk-case"),
    path("studio/", include("forms_engine.api.studio_urls")),
    path("library/", include("forms_engine.api.library_urls")),
    # Anything else under /api/ answers the JSON 404 here, also with DEBUG on (where Django
    # would show its HTML debug page instead of handler404) and for any method (no CSRF page).
    re_path(r"^", csrf_exempt(errors.api_page_not_found), name="not-found"),
]
