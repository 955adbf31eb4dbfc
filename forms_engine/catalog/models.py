"""The process catalog: processes, their immutable versions, and who offers them where.

Write through `catalog.services` only: a published ProcessVersion is immutable and the
service layer (plus `ProcessVersion.save`) refuses every change to it.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from forms_engine.core.fields import OrderedJSONField
from forms_engine.core.levels import LEVELS

from .exceptions import ImmutableVersionError

ars_validator = RegexValidator(
    r"^\d{12}$", _("Der Amtliche Regionalschlüssel (ARS) hat genau 12 Ziffern.")
)


class Municipality(models.Model):
    """A municipality (Kommune) that offers processes to its citizens, with its profile.

    Its citizen pages live under `/<slug>/` (or its own `host` name); the profile (logo,
    colour, address, contact, legal pages) brands those pages, its case files and e-mails.
    """

    class Kind(models.TextChoices):
        CITY = "stadt", _("Stadt")
        MUNICIPALITY = "gemeinde", _("Gemeinde")
        ASSOCIATION = "verbandsgemeinde", _("Verbandsgemeinde / Amt / Samtgemeinde")
        DISTRICT = "landkreis", _("Landkreis / Kreis")
        STATE = "land", _("Land")

    name = models.CharField(_("Name"), max_length=200)
    ars = models.CharField(
        _("Amtlicher Regionalschlüssel (ARS)"),
        max_length=12,
        unique=True,
        validators=[ars_validator],
    )
    slug = models.SlugField(_("Kurzname"), unique=True)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.CITY)
    # The district or association whose offers cover this municipality's citizens where the
    # municipality itself does not offer a process (responsibility finder).
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("Übergeordnete Körperschaft"),
    )
    # Finder data: postcodes (PLZ) and place names (Ortsteile, member towns) of the area.
    postcodes = models.TextField(
        _("Postleitzahlen"), blank=True, help_text=_("Durch Komma oder Zeilenumbruch getrennt.")
    )
    places = models.TextField(
        _("Orte und Ortsteile"), blank=True, help_text=_("Durch Komma oder Zeilenumbruch getrennt.")
    )
    # Own host name (e.g. "service.musterstadt.de"): its catalog answers at "/" there.
    host = models.CharField(_("Eigener Hostname"), max_length=253, blank=True)
    # Branding: a logo (PNG, JPEG or SVG) and one colour, contrast-checked against white.
    logo = models.FileField(_("Logo"), upload_to="logos/", blank=True)
    primary_color = models.CharField(
        _("Hausfarbe"), max_length=7, blank=True, help_text=_("Hex-Farbe wie #004b87.")
    )
    # Address and contact, printed on every page, case file and e-mail.
    address = models.TextField(_("Anschrift"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    website = models.URLField(_("Website"), blank=True)
    # Municipality administrators: manage this municipality's authorities, clerks,
    # activations, parameters and profile, and nothing of any other municipality.
    administrators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="administered_municipalities",
        verbose_name=_("Administration"),
    )

    class Meta:
        verbose_name = _("Kommune")
        verbose_name_plural = _("Kommunen")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ars})"

    def clean(self) -> None:
        """The profile fits the citizen pages: the short name is no page of the
        installation, the host name is a bare host used by no other municipality, the house
        colour reaches 4.5:1 against white (WCAG 1.4.3), a newly uploaded logo is a PNG,
        JPEG, WebP or safe SVG of at most 512 KiB, and the parent is no descendant."""
        from django.core.exceptions import ValidationError

        from . import profile

        errors: dict[str, list[str]] = {}
        if self.slug and (problem := profile.slug_problem(self.slug)):
            errors["slug"] = [problem]
        if self.host:
            self.host = profile.normalize_host(self.host)
            if problem := profile.host_problem(self.host):
                errors["host"] = [problem]
            elif type(self).objects.filter(host__iexact=self.host).exclude(pk=self.pk).exists():
                errors["host"] = [
                    f"Der Hostname „{self.host}“ gehört schon einer anderen Kommune. / "
                    f"The host name '{self.host}' already belongs to another municipality."
                ]
        if self.primary_color:
            if problem := profile.color_problem(self.primary_color):
                errors["primary_color"] = [problem]
            else:
                self.primary_color = profile.normalize_hex(self.primary_color)
        if problem := self._logo_problem():
            errors["logo"] = [problem]
        if problem := self._parent_problem():
            errors["parent"] = [problem]
        if errors:
            raise ValidationError(errors)

    def _logo_problem(self) -> str:
        """Checks a logo that is not stored yet (a new upload); stored ones were checked."""
        from . import profile

        logo = self.logo
        if not logo or getattr(logo, "_committed", True):
            return ""
        upload = logo.file
        if getattr(upload, "size", 0) and upload.size > profile.LOGO_MAX_BYTES:
            return (
                f"Das Logo ist {upload.size // 1024} KiB groß; erlaubt sind höchstens 512 KiB. / "
                f"The logo is {upload.size // 1024} KiB; at most 512 KiB are allowed."
            )
        upload.seek(0)
        data = upload.read(profile.LOGO_MAX_BYTES + 1)
        upload.seek(0)
        try:
            media_type = profile.logo_check(data)
        except profile.LogoRefused as refused:
            return str(refused)
        # Stored under a name with the sniffed type's extension, whatever the upload said.
        stem = (logo.name or "logo").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "logo"
        logo.name = stem[:80] + profile.LOGO_TYPES[media_type]
        return ""

    def _parent_problem(self) -> str:
        if self.parent_id is None:
            return ""
        seen = {self.pk} if self.pk else set()
        current = self.parent
        while current is not None:
            if current.pk in seen or current.pk == self.pk:
                return (
                    "Die übergeordnete Körperschaft darf nicht die Kommune selbst oder eine "
                    "ihrer Mitgliedskommunen sein. / The parent must not be the municipality "
                    "itself or one of its members."
                )
            seen.add(current.pk)
            current = current.parent
        return ""


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


class LegalPage(models.Model):
    """A municipality's Impressum, Datenschutzerklärung or Erklärung zur Barrierefreiheit
    (§ 12b BGG, BITV 2.0): its text (de, en) or the URL of the page elsewhere."""

    class Kind(models.TextChoices):
        IMPRINT = "impressum", _("Impressum")
        PRIVACY = "datenschutz", _("Datenschutzerklärung")
        ACCESSIBILITY = "barrierefreiheit", _("Erklärung zur Barrierefreiheit")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="legal_pages"
    )
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    url = models.URLField(_("Adresse einer externen Seite"), blank=True)
    body = models.TextField(_("Text (Deutsch)"), blank=True)
    body_en = models.TextField(_("Text (Englisch)"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Rechtliche Seite")
        verbose_name_plural = _("Rechtliche Seiten")
        ordering = ["municipality__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind"], name="legal_page_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.municipality.name}"


class Publisher(models.Model):
    """Who maintains processes: a municipality or an organisation (e.g. a Land's service
    provider). Two publishers may use the same process id."""

    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kennung"), max_length=100, unique=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publishers",
        verbose_name=_("Kommune"),
    )
    # The studio's roles: designers edit drafts and publish (or ask for approval);
    # reviewers approve. Superusers are both for every publisher.
    designers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="designer_of",
        verbose_name=_("Prozess-Design"),
        help_text=_("Dürfen im Studio Entwürfe dieses Herausgebers bearbeiten und testen."),
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="reviewer_of",
        verbose_name=_("Prüfung und Freigabe"),
        help_text=_("Dürfen Entwürfe dieses Herausgebers zur Veröffentlichung freigeben."),
    )
    four_eyes = models.BooleanField(
        _("Vier-Augen-Prinzip"),
        default=False,
        help_text=_(
            "Eine Version wird erst veröffentlicht, wenn eine zweite Person sie freigegeben hat."
        ),
    )
    # Maintained elsewhere: its processes arrive as signed bundles (forms_engine.library) and
    # are never edited here (no studio design role; a bundle never overwrites a local one).
    external = models.BooleanField(
        _("Extern gepflegt"),
        default=False,
        help_text=_(
            "Die Verwaltungsleistungen kommen als signierte Bündel und werden hier nicht "
            "bearbeitet."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Herausgeber")
        verbose_name_plural = _("Herausgeber")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Process(models.Model):
    """An administrative process (Verwaltungsleistung) of a publisher, identified by its
    definition `id`, unique per publisher."""

    publisher = models.ForeignKey(
        Publisher, on_delete=models.PROTECT, related_name="processes", verbose_name=_("Herausgeber")
    )
    identifier = models.SlugField(_("Kennung"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Verwaltungsleistung")
        verbose_name_plural = _("Verwaltungsleistungen")
        ordering = ["identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["publisher", "identifier"], name="process_identifier_per_publisher"
            )
        ]

    def __str__(self) -> str:
        # Qualified: two publishers may use the same identifier.
        return f"{self.publisher.slug}/{self.identifier}"


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
    definition = OrderedJSONField(_("Definition"))
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

    # Optimistic concurrency for the studio: every saved change of a draft counts one up; a
    # save that names an older revision is refused (`EditConflict`), never lost silently.
    revision = models.PositiveIntegerField(_("Bearbeitungsstand"), default=1)
    # The version this draft was started from (for the diff and the open drafts on it).
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Ausgangsversion"),
    )
    # A draft scheduled for publication at this time (`scheduled_publish_sweep`).
    publish_at = models.DateTimeField(_("Veröffentlichen am"), null=True, blank=True)

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
    """An offering: a municipality offers one pinned published `version` of a process, with
    its local bindings (authority, parameter values, payment, transport, identity, contact,
    dates). The portable definition never holds any of them.

    Moving to a newer version is an explicit act (`catalog.services.activation_upgrade`);
    with `follow_patches` a newly published patch release (same MAJOR.MINOR) is taken over
    automatically when the parameter values fit it.
    """

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="activations")
    # The offered version; None only until the process's first version is published
    # (saving an activation pins the current published version when none is given).
    version = models.ForeignKey(
        ProcessVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activations",
        verbose_name=_("Angebotene Version"),
    )
    follow_patches = models.BooleanField(
        _("Fehlerbehebungen automatisch übernehmen"),
        default=False,
        help_text=_("Neue Patch-Versionen (z. B. 1.2.3 → 1.2.4) automatisch anbieten."),
    )
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
    # Values of the parameters the pinned (offered) version declares, name →
    # value; checked with `parameter_values_check` in `clean()`. Drafts copy them at start.
    parameter_values = models.JSONField(_("Parameterwerte"), default=dict, blank=True)
    # Identity: the plugin and the minimum level a citizen needs here; never below what
    # the definition requires (blank: the definition's own requirement).
    identity_backend = models.CharField(_("Identifizierung"), max_length=50, blank=True)
    identity_min_level = models.CharField(_("Mindest-Vertrauensniveau"), max_length=20, blank=True)
    # Local contact for questions about this offering (shown on its start page).
    contact_text = models.TextField(_("Kontakt (Deutsch)"), blank=True)
    contact_text_en = models.TextField(_("Kontakt (Englisch)"), blank=True)
    # Go-live and end: outside [available_from, available_until) the offering is not shown
    # and no new draft starts; drafts already started may still be submitted.
    available_from = models.DateTimeField(_("Online ab"), null=True, blank=True)
    available_until = models.DateTimeField(_("Online bis"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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

    def save(self, *args, **kwargs):
        if self.version_id is None and self.process_id is not None:
            from .selectors import current_version

            self.version = current_version(self.process)
        super().save(*args, **kwargs)

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
        data_format = (self.transport_options or {}).get("data_format")
        if (
            isinstance(data_format, str)
            and data_format.startswith("fim-")
            and self.process_id
            and not FimSource.objects.filter(process_id=self.process_id).exists()
        ):
            errors.setdefault("transport", []).append(
                f"Das Datenformat „{data_format}“ braucht einen aus FIM importierten Prozess; "
                "dieser wurde nicht aus FIM importiert. / "
                f"The data format {data_format!r} needs a process imported from FIM; "
                "this one was not."
            )
        errors.update(self._identity_errors())
        errors.update(self._version_errors())
        errors.update(self._date_errors())
        if "version" not in errors:
            errors.update(self._parameter_errors())
        if errors:
            raise ValidationError(errors)

    def _offered_version(self):
        """The pinned version, or (not pinned yet) the process's current published one."""
        if self.version_id is not None:
            return self.version
        if not self.process_id:
            return None
        from .selectors import current_version

        return current_version(self.process)

    def _version_errors(self) -> dict[str, list[str]]:
        if self.version_id is None:
            return {}
        if self.process_id and self.version.process_id != self.process_id:
            return {
                "version": [
                    "Die Version gehört zu einer anderen Verwaltungsleistung. / "
                    "The version belongs to another process."
                ]
            }
        if self.version.status == ProcessVersion.Status.DRAFT:
            return {
                "version": [
                    "Nur veröffentlichte Versionen können angeboten werden. / "
                    "Only published versions can be offered."
                ]
            }
        if self.version.status == ProcessVersion.Status.RETIRED and (
            self.pk is None
            or type(self).objects.filter(pk=self.pk).values_list("version_id", flat=True).first()
            != self.version_id
        ):
            return {
                "version": [
                    "Diese Version ist zurückgezogen und kann nicht mehr gewählt werden. / "
                    "This version is retired and can no longer be chosen."
                ]
            }
        return {}

    # The trust levels (core.levels) without "none": a minimum only raises the definition's.
    MIN_LEVELS = LEVELS[1:]

    def _identity_errors(self) -> dict[str, list[str]]:
        from forms_engine.core.registry import registry_for

        errors: dict[str, list[str]] = {}
        if self.identity_min_level and self.identity_min_level not in self.MIN_LEVELS:
            errors["identity_min_level"] = [
                "Unbekanntes Vertrauensniveau (basis, substanziell oder hoch). / "
                "Unknown trust level (basis, substanziell or hoch)."
            ]
        if self.identity_backend and self.identity_backend not in registry_for("identity"):
            errors["identity_backend"] = [
                f"Unbekannter Identifizierungsdienst „{self.identity_backend}“. / "
                f"Unknown identity plugin '{self.identity_backend}'."
            ]
        return errors

    def _date_errors(self) -> dict[str, list[str]]:
        if (
            self.available_from
            and self.available_until
            and (self.available_until <= self.available_from)
        ):
            return {
                "available_until": [
                    "„Online bis“ muss nach „Online ab“ liegen. / "
                    "'Online until' must be after 'online from'."
                ]
            }
        return {}

    def _parameter_errors(self) -> dict[str, list[str]]:
        """`parameter_values` against the offered version's declarations (the pinned
        version; none published yet: only a JSON object is required)."""
        from forms_engine.definitions import DefinitionError, parameter_values_check

        values = self.parameter_values
        if not isinstance(values, dict):
            return {
                "parameter_values": [
                    "Die Parameterwerte müssen ein JSON-Objekt sein. / "
                    "The parameter values must be a JSON object."
                ]
            }
        from .selectors import version_definition

        version = self._offered_version()
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


class DraftRevision(models.Model):
    """Every saved state of a draft's definition, kept so a designer can go back to any
    earlier save. Written only by `catalog.services` (create, update, restore)."""

    version = models.ForeignKey(ProcessVersion, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("Bearbeitungsstand"))
    definition = OrderedJSONField(_("Definition"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Gespeichert von"),
    )
    saved_at = models.DateTimeField(_("Gespeichert am"), auto_now_add=True)
    note = models.CharField(_("Notiz"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Speicherstand")
        verbose_name_plural = _("Speicherstände")
        ordering = ["version", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="draft_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version} #{self.number}"


class PublishApproval(models.Model):
    """A request to publish a draft, and a second person's decision on it (four-eyes).

    An approval holds for the definition it was given for (`sha256`): a draft changed
    after the approval needs a new one."""

    class Status(models.TextChoices):
        OPEN = "open", _("Offen")
        APPROVED = "approved", _("Freigegeben")
        REJECTED = "rejected", _("Abgelehnt")
        WITHDRAWN = "withdrawn", _("Zurückgenommen")

    version = models.ForeignKey(ProcessVersion, on_delete=models.CASCADE, related_name="approvals")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(
        _("Status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Angefragt von"),
    )
    requested_at = models.DateTimeField(_("Angefragt am"), auto_now_add=True)
    comment = models.TextField(_("Kommentar"), blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Entschieden von"),
    )
    decided_at = models.DateTimeField(_("Entschieden am"), null=True, blank=True)
    decision_comment = models.TextField(_("Begründung"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("Freigabe")
        verbose_name_plural = _("Freigaben")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.version} – {self.get_status_display()}"


class FimSource(models.Model):
    """The FIM XDatenfelder message a process was imported from (`studio.fim_import`).

    `source` keeps the exact bytes of the XML file: the FIM-conformant output re-reads it
    (`fim.xdf.parse_xdf(bytes(source.source))`) to derive the schema a delivery is
    validated against; `sha256` is theirs. `version` is the first draft made
    from it. `warnings` and `todo` are what the import could not express (lists of
    `{"code", "message", "message_en", "fim_id", "pointer"}` objects); `codelists` the
    canonical version URIs of the genericode lists supplied with it."""

    process = models.ForeignKey(
        Process, on_delete=models.CASCADE, related_name="fim_sources", verbose_name=_("Prozess")
    )
    version = models.ForeignKey(
        ProcessVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fim_sources",
        verbose_name=_("Erster Entwurf"),
    )
    fim_id = models.CharField(_("FIM-Kennung"), max_length=64)
    fim_version = models.CharField(_("FIM-Version"), max_length=40, blank=True)
    xdf_version = models.CharField(_("XDatenfelder-Version"), max_length=10)
    name = models.CharField(_("Name"), max_length=300, blank=True)
    legal_basis = models.TextField(_("Rechtsgrundlage"), blank=True)
    # The exact bytes of the XML file (its own encoding declaration applies).
    source = models.BinaryField(_("XML-Quelle"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    codelists = models.JSONField(_("Codelisten"), default=list, blank=True)
    warnings = models.JSONField(_("Warnungen"), default=list, blank=True)
    todo = models.JSONField(_("Offene Punkte"), default=list, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Importiert von"),
    )
    imported_at = models.DateTimeField(_("Importiert am"), auto_now_add=True)

    class Meta:
        verbose_name = _("FIM-Quelle")
        verbose_name_plural = _("FIM-Quellen")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.fim_id} {self.fim_version} ({self.process})"
