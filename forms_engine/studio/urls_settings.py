"""The settings pages of one version (process settings, declarations, parameters, rules)."""

from django.urls import path

from . import views_settings

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
]
