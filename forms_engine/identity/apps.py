from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "forms_engine.identity"
    label = "identity"
