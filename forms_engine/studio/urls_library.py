"""The library pages of the studio (`/studio/bibliothek/…`); the import wizard lives
under `bibliothek/import/` in its own module."""

from django.urls import path

from . import views_library

urlpatterns = [
    path("bibliothek/", views_library.library_catalog, name="library"),
    path("bibliothek/<int:process_id>/", views_library.library_process, name="library-process"),
    path("bibliothek/schluessel/", views_library.trust_store, name="library-keys"),
    path("bibliothek/schluessel/neu/", views_library.trust_key_new, name="library-key-new"),
    path(
        "bibliothek/schluessel/<int:key_id>/widerrufen/",
        views_library.trust_key_revoke_view,
        name="library-key-revoke",
    ),
    path("bibliothek/export/", views_library.library_export, name="library-export"),
]
