from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "forms_engine.identity"
    label = "identity"

    def ready(self) -> None:
        from . import backends  # noqa: F401 - registers the identity plugins
