"""URLs of the library API, included under /api/library/ (names in the `api` namespace)."""

from django.urls import path

from . import library

urlpatterns = [
    path("processes/", library.CatalogView.as_view(), name="library-processes"),
    path("bundles/plan", library.BundlePlanView.as_view(), name="library-bundle-plan"),
    path("bundles/", library.BundleImportView.as_view(), name="library-bundles"),
    path("exports/", library.ExportView.as_view(), name="library-exports"),
    path("keys/", library.KeyListView.as_view(), name="library-keys"),
    path(
        "keys/<str:fingerprint>/revoke",
        library.KeyRevokeView.as_view(),
        name="library-key-revoke",
    ),
]
