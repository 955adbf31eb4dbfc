"""URLs of the studio API, included under /api/studio/ (names in the `api` namespace)."""

from django.urls import path

from . import studio

VERSION = "versions/<int:version_id>/"

urlpatterns = [
    path("validate/", studio.ValidateView.as_view(), name="studio-validate"),
    path("processes/", studio.ProcessListView.as_view(), name="studio-processes"),
    path(
        "processes/<slug:publisher>/<slug:process_id>/drafts/",
        studio.DraftCreateView.as_view(),
        name="studio-drafts",
    ),
    path(VERSION, studio.VersionView.as_view(), name="studio-version"),
    path(VERSION + "revisions/", studio.RevisionListView.as_view(), name="studio-revisions"),
    path(
        VERSION + "revisions/<int:number>/", studio.RevisionView.as_view(), name="studio-revision"
    ),
    path(VERSION + "tests/", studio.TestRunView.as_view(), name="studio-tests"),
    path(VERSION + "preview/", studio.PreviewView.as_view(), name="studio-preview"),
    path(
        VERSION + "approval-requests/",
        studio.ApprovalRequestView.as_view(),
        name="studio-approval-requests",
    ),
    path(
        "approvals/<int:approval_id>/decision/",
        studio.ApprovalDecisionView.as_view(),
        name="studio-approval-decision",
    ),
    path(VERSION + "publish/", studio.PublishView.as_view(), name="studio-publish"),
    path(VERSION + "retire/", studio.RetireView.as_view(), name="studio-retire"),
    path("diff/", studio.DiffView.as_view(), name="studio-diff"),
]
