"""The version's tests, checks ("Hinweise"), diff and publish pages, and the four-eyes
approval pages (`/studio/freigaben/`)."""

from django.urls import path

from . import publish_views as views

urlpatterns = [
    path("versionen/<int:version_id>/tests/", views.tests_page, name="tests"),
    path("versionen/<int:version_id>/tests/neu/", views.test_edit, name="test-new"),
    path("versionen/<int:version_id>/tests/<int:index>/", views.test_edit, name="test-edit"),
    path(
        "versionen/<int:version_id>/tests/<int:index>/duplizieren/",
        views.test_duplicate,
        name="test-duplicate",
    ),
    path(
        "versionen/<int:version_id>/tests/<int:index>/loeschen/",
        views.test_delete,
        name="test-delete",
    ),
    path("versionen/<int:version_id>/hinweise/", views.checks_page, name="checks"),
    path("versionen/<int:version_id>/vergleich/", views.diff_page, name="diff"),
    path("versionen/<int:version_id>/veroeffentlichen/", views.publish_page, name="publish"),
    path(
        "versionen/<int:version_id>/veroeffentlichen/jetzt/",
        views.publish_now,
        name="publish-now",
    ),
    path(
        "versionen/<int:version_id>/veroeffentlichen/planen/",
        views.publish_schedule,
        name="publish-schedule",
    ),
    path(
        "versionen/<int:version_id>/veroeffentlichen/planung-aufheben/",
        views.publish_unschedule_view,
        name="publish-unschedule",
    ),
    path(
        "versionen/<int:version_id>/freigabe-anfragen/",
        views.approval_request_view,
        name="approval-request",
    ),
    path("versionen/<int:version_id>/zurueckziehen/", views.retire, name="retire"),
    path("freigaben/", views.approvals_page, name="approvals"),
    path("freigaben/<int:approval_id>/", views.approval_page, name="approval"),
]
