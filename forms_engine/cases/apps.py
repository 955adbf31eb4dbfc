from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "forms_engine.cases"
    label = "cases"
