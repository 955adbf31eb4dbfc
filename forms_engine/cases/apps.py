from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "forms_engine.cases"
    label = "cases"

    def ready(self) -> None:
        # Registers the data formats fim-json and fim-xml for remote transports.
        from . import fim_output  # noqa: F401
