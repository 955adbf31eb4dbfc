"""The process catalog: processes, their immutable versions, and who offers them where.

Write through `catalog.services` only: a published ProcessVersion is immutable and the
service layer (plus `ProcessVersion.save`) refuses every change to it.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .exceptions import ImmutableVersionError

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
    # The clerks (Sachbearbeitung) who work this authority's cases, and see only those.
    clerks = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="authorities",
        verbose_name=_("Sachbearbeitung"),
    )

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


def _frozen_refusal(what: str, what_en: str) -> ImmutableVersionError:
    return ImmutableVersionError(
        f"Veröffentlichte Versionen sind unveränderlich: {what} ist nicht erlaubt. "
        "Legen Sie eine neue Version an.",
        f"Published versions are immutable: {what_en} is not allowed. Create a new version.",
    )


class ProcessVersionQuerySet(models.QuerySet):
    """Bulk writes never touch a published or retired version.

    `update()` is allowed on drafts only and never changes `status` (status changes go
    through the services, which use `save()`); `delete()` refuses frozen rows.
    `bulk_update()` goes through `update()` and is covered too.
    """

    def _has_frozen(self) -> bool:
        return self.exclude(status=ProcessVersion.Status.DRAFT).exists()

    def update(self, **kwargs):
        if "status" in kwargs:
            raise _frozen_refusal("eine Statusänderung per Massenänderung", "a bulk status change")
        if self._has_frozen():
            raise _frozen_refusal("eine Massenänderung", "a bulk update")
        return super().update(**kwargs)

    update.queryset_only = True

    def delete(self):
        if self._has_frozen():
            raise _frozen_refusal("das Löschen", "deleting it")
        return super().delete()

    delete.queryset_only = True


class ProcessVersion(models.Model):
    """One version of a process definition. Draft → published (immutable) → retired.

    Contract: once published, `process`, `version`, `definition`, `sha256`, `title` and
    `published_at` never change and the row is never deleted; the only change allowed
    is published → retired (with `retired_at` and the grace deadline `submit_until`).
    `save()`, `delete()`, the queryset's
    `update()`/`delete()` and the services all refuse anything else with
    `ImmutableVersionError`.
    """

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
    # Set when retiring: drafts already started on this version may still be submitted
    # (and paid) until then; new drafts go to the current version.
    submit_until = models.DateTimeField(
        _("Einreichbar bis"),
        null=True,
        blank=True,
        help_text=_(
            "Begonnene Anträge dieser zurückgezogenen Version können bis dahin abgesendet werden."
        ),
    )

    objects = ProcessVersionQuerySet.as_manager()

    # Fields a frozen row may still change, and only for published → retired.
    _RETIRE_FIELDS = frozenset({"status", "retired_at", "submit_until"})

    class Meta:
        verbose_name = _("Prozessversion")
        verbose_name_plural = _("Prozessversionen")
        ordering = ["process__identifier", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["process", "version"], name="process_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.process.identifier} {self.version} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            stored = type(self).objects.filter(pk=self.pk).first()
            if stored is not None and stored.is_frozen:
                self._check_frozen_change(stored)
        super().save(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        """Published and retired versions never change their definition."""
        return self.status != self.Status.DRAFT

    def _check_frozen_change(self, stored: "ProcessVersion") -> None:
        for field in self._meta.concrete_fields:
            if field.name in self._RETIRE_FIELDS:
                continue
            if field.value_from_object(self) != field.value_from_object(stored):
                raise _frozen_refusal(
                    f"eine Änderung des Felds „{field.name}“",
                    f"changing the field '{field.name}'",
                )
        if self.status != stored.status and not (
            stored.status == self.Status.PUBLISHED and self.status == self.Status.RETIRED
        ):
            raise _frozen_refusal(
                f"der Statuswechsel {stored.status} → {self.status}",
                f"the status change {stored.status} → {self.status}",
            )
        if self.status == stored.status and (
            self.retired_at != stored.retired_at or self.submit_until != stored.submit_until
        ):
            raise _frozen_refusal("eine Änderung des Rückzugsdatums", "changing retired_at")

    def delete(self, *args, **kwargs):
        stored = type(self).objects.filter(pk=self.pk).first()
        if self.is_frozen or (stored is not None and stored.is_frozen):
            raise _frozen_refusal("das Löschen", "deleting it")
        return super().delete(*args, **kwargs)


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
    # The transport plugin that routes cases to the authority (`inbox` is built in) and
    # its options, validated against the plugin's JSON Schema when saved by the service.
    transport = models.CharField(_("Zustellweg"), max_length=50, default="inbox")
    transport_options = models.JSONField(_("Optionen des Zustellwegs"), default=dict, blank=True)
    # The payment plugin and this municipality's binding to it (for XBezahldienste:
    # base URL, originatorId, endPointId, client credentials by environment variable name).
    # Empty: the process takes no online payment here (or the demo stand-in where enabled).
    payment_backend = models.CharField(_("Bezahldienst"), max_length=50, blank=True)
    payment_options = models.JSONField(_("Anbindung des Bezahldienstes"), default=dict, blank=True)
    # Values of the parameters the offered (current published) version declares, name →
    # value; checked with `parameter_values_check` in `clean()`. Drafts copy them at start.
    parameter_values = models.JSONField(_("Parameterwerte"), default=dict, blank=True)
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

    def clean(self) -> None:
        """The authority belongs to the municipality; plugins exist and their options are
        valid against the plugin's JSON Schema (checked whenever an activation is saved
        through a form or `catalog.services`)."""
        from django.core.exceptions import ValidationError

        from forms_engine.core.registry import PluginNotFound, registry_for
        from forms_engine.transports import registry as transports

        # payments sits above catalog (it reads activations): its registry by kind, not import.
        payments = registry_for("payments")

        errors: dict[str, list[str]] = {}
        if (
            self.authority_id
            and self.municipality_id
            and self.authority.municipality_id != self.municipality_id
        ):
            errors.setdefault("authority", []).append(
                "Die Behörde gehört zu einer anderen Kommune. / "
                "The authority belongs to another municipality."
            )
        checks = [("transport", transports, self.transport, self.transport_options)]
        if self.payment_backend:
            checks.append(("payment_backend", payments, self.payment_backend, self.payment_options))
        for field, registry, plugin_id, options in checks:
            try:
                problems = registry.validate_options(plugin_id, options)
            except PluginNotFound as missing:
                errors.setdefault(field, []).append(f"{missing.message} / {missing.message_en}")
                continue
            for problem in problems:
                errors.setdefault(field, []).append(
                    f"{problem.pointer or '/'}: {problem.message} / {problem.message_en}"
                )
        errors.update(self._parameter_errors())
        if errors:
            raise ValidationError(errors)

    def _parameter_errors(self) -> dict[str, list[str]]:
        """`parameter_values` against the offered version's declarations (its current
        published version; none published yet: only a JSON object is required)."""
        from forms_engine.definitions import DefinitionError, parameter_values_check

        values = self.parameter_values
        if not isinstance(values, dict):
            return {
                "parameter_values": [
                    "Die Parameterwerte müssen ein JSON-Objekt sein. / "
                    "The parameter values must be a JSON object."
                ]
            }
        if not self.process_id:
            return {}
        from .selectors import current_version, version_definition

        version = current_version(self.process)
        if version is None:
            return {}
        try:
            definition = version_definition(version)
        except DefinitionError:
            return {}
        problems = parameter_values_check(definition, values)
        if not problems:
            return {}
        return {
            "parameter_values": [
                f"{problem.pointer or '/'}: {problem.message} / {problem.message_en}"
                for problem in problems
            ]
        }
