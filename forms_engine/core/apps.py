from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "forms_engine.core"
    label = "core"
