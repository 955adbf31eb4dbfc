from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "forms_engine.catalog"
    label = "catalog"
    verbose_name = _("Katalog und Kommunen")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .admin_access import ensure_municipal_admin_group

        # After every migrate: the group "Kommunale Administration" and its permissions.
        post_migrate.connect(
            ensure_municipal_admin_group, sender=self, dispatch_uid="catalog_municipal_group"
        )
