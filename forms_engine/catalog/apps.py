from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "forms_engine.catalog"
    label = "catalog"
