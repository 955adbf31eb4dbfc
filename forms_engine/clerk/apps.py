from django.apps import AppConfig


class ClerkConfig(AppConfig):
    name = "forms_engine.clerk"
    label = "clerk"
