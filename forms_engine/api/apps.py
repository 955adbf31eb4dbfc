from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "forms_engine.api"
    label = "api"
