from django.urls import path

from . import library_import

urlpatterns = [
    path("bibliothek/import/", library_import.library_import, name="library-import"),
    path(
        "bibliothek/import/fertig/",
        library_import.library_import_done,
        name="library-import-done",
    ),
]
