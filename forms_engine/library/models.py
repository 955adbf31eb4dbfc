"""Trust store, shared items and the record of imported bundles.

Write through `library.services` only."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forms_engine.catalog.models import Publisher
from forms_engine.core.fields import OrderedJSONField


class TrustedKey(models.Model):
    """A publisher's Ed25519 public key this installation trusts for signed bundles.

    A bundle is accepted only when its manifest names the publisher, its signature names
    this key's fingerprint, the key is not revoked and the signature verifies. A publisher
    may have several keys (rotation); revoking one keeps the row (audit) and refuses every
    later bundle signed with it."""

    publisher_slug = models.SlugField(_("Herausgeber-Kennung"), max_length=100)
    publisher_name = models.CharField(_("Herausgeber"), max_length=200)
    # Raw 32-byte public key, base64 (the form `bundle_keygen` prints).
    public_key = models.CharField(_("Öffentlicher Schlüssel"), max_length=60)
    fingerprint = models.CharField(_("Fingerabdruck"), max_length=64, unique=True)
    note = models.CharField(_("Notiz"), max_length=200, blank=True)
    added_at = models.DateTimeField(_("Hinzugefügt am"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Hinzugefügt von"),
    )
    revoked_at = models.DateTimeField(_("Widerrufen am"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Widerrufen von"),
    )
    revoke_reason = models.CharField(_("Grund des Widerrufs"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Vertrauenswürdiger Schlüssel")
        verbose_name_plural = _("Vertrauenswürdige Schlüssel")
        ordering = ["publisher_name", "-added_at"]

    def __str__(self) -> str:
        return f"{self.publisher_name} ({self.short_fingerprint})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def short_fingerprint(self) -> str:
        from .signing import display_fingerprint

        return display_fingerprint(self.fingerprint)


class SharedItem(models.Model):
    """An installed shared field group or code list of a publisher: immutable per version."""

    class Kind(models.TextChoices):
        FIELDGROUP = "fieldgroup", _("Feldgruppe")
        CODELIST = "codelist", _("Codeliste")

    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="shared_items")
    kind = models.CharField(_("Art"), max_length=12, choices=Kind.choices)
    identifier = models.SlugField(_("Kennung"), max_length=64)
    version = models.CharField(_("Version"), max_length=40)
    title = models.CharField(_("Titel"), max_length=300)
    # The whole shared item file (with `schema`); `sha256` is that of `schema` (what `uses` pins).
    document = OrderedJSONField(_("Inhalt"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Geteilte Vorlage")
        verbose_name_plural = _("Geteilte Vorlagen")
        ordering = ["kind", "identifier", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "identifier", "version"], name="shared_item_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.identifier} {self.version}"


class BundleImport(models.Model):
    """One applied bundle import: who, when, what (for the audit and the library catalog)."""

    publisher = models.ForeignKey(
        Publisher, on_delete=models.PROTECT, related_name="bundle_imports"
    )
    manifest = OrderedJSONField(_("Manifest"))
    manifest_sha256 = models.CharField(_("SHA-256 des Manifests"), max_length=64)
    # Empty for an unsigned bundle (allowed only where the operator enabled it).
    fingerprint = models.CharField(_("Schlüssel"), max_length=64, blank=True)
    signed = models.BooleanField(_("Signiert"), default=True)
    created = models.IntegerField(_("Neu"), default=0)
    unchanged = models.IntegerField(_("Unverändert"), default=0)
    imported_at = models.DateTimeField(_("Importiert am"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Importiert von"),
    )

    class Meta:
        verbose_name = _("Import einer Bibliothek")
        verbose_name_plural = _("Importe von Bibliotheken")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.publisher} {self.imported_at:%Y-%m-%d %H:%M}"
