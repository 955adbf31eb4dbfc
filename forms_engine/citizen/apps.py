from django.apps import AppConfig


class CitizenConfig(AppConfig):
    name = "forms_engine.citizen"
    label = "citizen"
