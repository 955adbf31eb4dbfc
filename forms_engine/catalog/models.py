"""The process catalog: processes, their immutable versions, and who offers them where.

Write through `catalog.services` only: a published ProcessVersion is immutable and the
service layer (plus `ProcessVersion.save`) refuses every change to it.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

ars_validator = RegexValidator(
    r"^\d{12}$", _("Der Amtliche Regionalschlüssel (ARS) hat genau 12 Ziffern.")
)


class Municipality(models.Model):
    """A municipality (Kommune) that runs the engine for its citizens."""

    name = models.CharField(_("Name"), max_length=200)
    ars = models.CharField(
        _("Amtlicher Regionalschlüssel (ARS)"),
        max_length=12,
        unique=True,
        validators=[ars_validator],
    )
    slug = models.SlugField(_("Kurzname"), unique=True)

    class Meta:
        verbose_name = _("Kommune")
        verbose_name_plural = _("Kommunen")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ars})"


class Authority(models.Model):
    """An authority (Behörde / Fachbereich) of a municipality; it works the cases."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="authorities"
    )
    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kurzname"))
    email = models.EmailField(_("E-Mail"), blank=True)

    class Meta:
        verbose_name = _("Behörde")
        verbose_name_plural = _("Behörden")
        ordering = ["municipality__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="authority_slug_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.municipality.name}"


class Process(models.Model):
    """An administrative process (Verwaltungsleistung), identified by its definition `id`."""

    identifier = models.SlugField(_("Kennung"), max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Verwaltungsleistung")
        verbose_name_plural = _("Verwaltungsleistungen")
        ordering = ["identifier"]

    def __str__(self) -> str:
        return self.identifier


class ProcessVersion(models.Model):
    """One version of a process definition. Draft → published (immutable) → retired."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        PUBLISHED = "published", _("Veröffentlicht")
        RETIRED = "retired", _("Zurückgezogen")

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(_("Version"), max_length=40)
    status = models.CharField(
        _("Status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    definition = models.JSONField(_("Definition"))
    # sha256 of the canonical JSON of `definition`; recomputed by the service on every write.
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    title = models.CharField(_("Titel"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Prozessversion")
        verbose_name_plural = _("Prozessversionen")
        ordering = ["process__identifier", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["process", "version"], name="process_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.process.identifier} {self.version} ({self.get_status_display()})"

    @property
    def is_frozen(self) -> bool:
        """Published and retired versions never change their definition."""
        return self.status != self.Status.DRAFT


class Activation(models.Model):
    """A process offered in a municipality, with the authority responsible for its cases.

    Per-municipality bindings (payment endpoint ids, transport settings) will live here,
    never in the portable definition.
    """

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="activations")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="activations"
    )
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="activations")
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Freischaltung")
        verbose_name_plural = _("Freischaltungen")
        constraints = [
            models.UniqueConstraint(
                fields=["process", "municipality"], name="activation_unique_per_municipality"
            )
        ]

    def __str__(self) -> str:
        return f"{self.process} in {self.municipality.name}"
