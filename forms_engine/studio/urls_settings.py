"""The settings pages of one version (process settings, declarations, parameters, rules).

Anchors of their items (for the editor's `?pointer=` links): `#setting-<top-level key>`,
`#decl-<id>`, `#param-<name>`, `#rule-<id>`, `#computed-<name>`."""

from django.urls import path

from . import views_rules, views_settings

urlpatterns = [
    path(
        "versionen/<int:version_id>/einstellungen/",
        views_settings.settings_page,
        name="settings",
    ),
    path(
        "versionen/<int:version_id>/erklaerungen/",
        views_settings.declarations_page,
        name="declarations",
    ),
    path(
        "versionen/<int:version_id>/parameter/",
        views_settings.parameters_page,
        name="parameters",
    ),
    path("versionen/<int:version_id>/regeln/", views_rules.rules_page, name="rules"),
]
