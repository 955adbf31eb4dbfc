"""Cases: what a citizen filed, pinned to the exact process version."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from forms_engine.catalog.models import Authority, Municipality, ProcessVersion


class PipelineState(models.TextChoices):
    PENDING = "pending", _("wartet")
    CASEFILE = "casefile", _("Fallakte erstellt")
    ROUTED = "routed", _("zugestellt")
    DONE = "done", _("fertig")
    FAILED = "failed", _("fehlgeschlagen")


class IdentityLevel(models.TextChoices):
    """Trust levels of BundID (STORK-QAA), lowest first; see docs/architecture.md."""

    NONE = "none", _("keine")
    BASIS = "basis", _("basisregistriert")
    SUBSTANZIELL = "substanziell", _("substanziell")
    HOCH = "hoch", _("hoch")


class PaymentStatus(models.TextChoices):
    """XBezahldienste statuses plus the engine's own "not required" and "invoice later"."""

    NOT_REQUIRED = "not_required", _("keine Zahlung nötig")
    INITIAL = "INITIAL", _("begonnen")
    PAYED = "PAYED", _("bezahlt")
    CANCELED = "CANCELED", _("abgebrochen")
    FAILED = "FAILED", _("fehlgeschlagen")
    INVOICE = "invoice", _("Rechnung folgt")


class CitizenNotice(models.TextChoices):
    """What became of one e-mail to the citizen (receipt, status change, new message).

    Only SENT means an e-mail went out; NO_ADDRESS is recorded (and audit-logged as
    `citizen.not_notified`) when the case has no address, so nobody believes the citizen
    was told. COVERED: no own e-mail because another one says it (the postbox e-mail of
    a Rückfrage) or the citizen caused the change.
    """

    PENDING = "pending", _("noch nicht benachrichtigt")
    SENT = "sent", _("per E-Mail benachrichtigt")
    NO_ADDRESS = "no_address", _("nicht benachrichtigt: keine E-Mail-Adresse")
    COVERED = "covered", _("keine eigene E-Mail nötig")


class Case(models.Model):
    """A submitted application. Created only by `cases.services.case_submit`."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Eingegangen")
        IN_PROGRESS = "in_progress", _("In Bearbeitung")
        QUERY = "query", _("Rückfrage")
        APPROVED = "approved", _("Abgeschlossen: bewilligt")
        REJECTED = "rejected", _("Abgeschlossen: abgelehnt")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("Aktenzeichen"), max_length=32, unique=True)
    process_version = models.ForeignKey(
        ProcessVersion, on_delete=models.PROTECT, related_name="cases"
    )
    # The content hash the case was validated against; equals process_version.sha256
    # forever, because published versions are immutable. Kept so the case proves it alone.
    definition_sha256 = models.CharField(max_length=64)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="cases")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="cases")
    answers = models.JSONField(_("Antworten"))
    # The parameter values the case was made with (its draft's, else the activation's).
    parameter_values = models.JSONField(_("Parameterwerte"), default=dict, blank=True)
    declarations = models.JSONField(_("Erklärungen"), default=list)
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    # Idempotency: a second submit with the same key returns the first case.
    submission_key = models.CharField(max_length=100, unique=True)
    language = models.CharField(max_length=8, default="de")
    submitted_at = models.DateTimeField(_("Eingegangen am"))
    # Set by the task `cases.tasks.case_process` once the intake pipeline has run;
    # None means the case still waits for it (the pipeline issue extends that task).
    # Identity achieved for this application (identity plugin), recorded at submit.
    identity_level = models.CharField(
        _("Vertrauensniveau"), max_length=20, choices=IdentityLevel.choices, default="none"
    )
    identity_means = models.CharField(_("Identifizierungsmittel"), max_length=50, blank=True)
    # bPK2: the stable pseudonym of the person for this service; the citizen account key.
    identity_bpk2 = models.CharField(max_length=200, blank=True, db_index=True)
    identity_attributes = models.JSONField(_("bestätigte Angaben"), default=dict, blank=True)
    # Payment (payment plugin), recorded at submit and updated by reconciliation.
    payment_status = models.CharField(
        _("Zahlungsstatus"), max_length=20, choices=PaymentStatus.choices, default="not_required"
    )
    payment_amount = models.DecimalField(
        _("Betrag"), max_digits=11, decimal_places=2, null=True, blank=True
    )
    payment_reference = models.CharField(_("Kassenzeichen"), max_length=100, blank=True)
    payment_method = models.CharField(_("Zahlart"), max_length=50, blank=True)
    payment_transaction_id = models.CharField(max_length=100, blank=True)
    # Applicant as the definition's `applicant` pointers name them: inbox search and e-mail.
    applicant_name = models.CharField(_("Antragsteller/in"), max_length=300, blank=True)
    applicant_email = models.EmailField(_("E-Mail der Antragsteller/in"), blank=True)
    # Unguessable link to the citizen's status page; only its sha256 is stored.
    status_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        verbose_name=_("zugewiesen an"),
    )
    # The submission pipeline (cases.pipeline): case file → routing → citizen notified.
    # Each step records its own timestamp; `pipeline_state` says where the case stands.
    pipeline_state = models.CharField(
        max_length=20, choices=PipelineState.choices, default=PipelineState.PENDING
    )
    pipeline_attempts = models.PositiveIntegerField(default=0)
    pipeline_error = models.TextField(blank=True)
    pipeline_enqueued_at = models.DateTimeField(null=True, blank=True)
    casefile_rendered_at = models.DateTimeField(null=True, blank=True)
    routed_at = models.DateTimeField(_("im Postfach seit"), null=True, blank=True)
    # Set only when the receipt e-mail was really sent; `citizen_notice` says what happened.
    citizen_notified_at = models.DateTimeField(null=True, blank=True)
    citizen_notice = models.CharField(
        _("Eingangsbestätigung"),
        max_length=20,
        choices=CitizenNotice.choices,
        default=CitizenNotice.PENDING,
    )
    pipeline_done_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)
    # Retention: a closed case past `case_days` is reduced to reference, dates and hashes.
    reduced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Antrag")
        verbose_name_plural = _("Anträge")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["authority", "status", "-submitted_at"]),
            models.Index(fields=["authority", "-submitted_at"]),
            models.Index(fields=["pipeline_state", "pipeline_enqueued_at"]),
        ]

    def __str__(self) -> str:
        return self.reference


class ReferenceCounter(models.Model):
    """Gap-tolerant, race-free counter for reference numbers per prefix and year."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class CaseDocument(models.Model):
    """A PDF belonging to a case: the case file (exactly one) and later dated supplements.

    The bytes live in the "casefiles" storage under `storage_name` (`core.storage`) and are
    never served without a permission check.
    """

    class Kind(models.TextChoices):
        CASEFILE = "casefile", _("Fallakte")
        SUPPLEMENT = "supplement", _("Nachtrag")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    storage_name = models.CharField(max_length=200)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Dokument")
        verbose_name_plural = _("Dokumente")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(kind="casefile"),
                name="one_casefile_per_case",
            )
        ]

    def __str__(self) -> str:
        return self.file_name


class CaseDelivery(models.Model):
    """The routing of a case through one transport plugin (`inbox`, later FIT-Connect, …)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("offen")
        DELIVERED = "delivered", _("zugestellt")
        FAILED = "failed", _("endgültig fehlgeschlagen")

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("angenommen")
        REJECTED = "rejected", _("zurückgewiesen")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deliveries")
    transport = models.CharField(max_length=50)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Remote transports (`Transport.remote`): the run that delivers holds a lease
    # (`claim_token` until `claimed_until`) and saves its progress in `state` after every
    # remote step (FIT-Connect: submission id, attachment ids, what is uploaded, submitted).
    state = models.JSONField(default=dict, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=36, blank=True)
    # What the recipient said afterwards (its event log, `CaseDeliveryEvent`).
    outcome = models.CharField(
        _("Ergebnis beim Empfänger"), max_length=20, choices=Outcome.choices, blank=True
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    # The recipient's reasons for a rejection: [{"title", "detail", "type", "instance"}].
    outcome_problems = models.JSONField(default=list, blank=True)
    # The e-mail telling the citizen about a rejection (at most one).
    outcome_notice = models.CharField(
        max_length=20, choices=CitizenNotice.choices, default=CitizenNotice.PENDING
    )
    events_polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "transport"], name="one_delivery_per_transport")
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.transport} ({self.status})"


class CaseDeliveryEvent(models.Model):
    """One entry of a remote delivery's event log (FIT-Connect: a security event token),
    stored as received. Only `verified` events changed the case; the others are kept as
    evidence and shown as unverified."""

    delivery = models.ForeignKey(CaseDelivery, on_delete=models.CASCADE, related_name="events")
    token = models.TextField()
    token_sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=40)
    event_uri = models.CharField(max_length=300, blank=True)
    issuer = models.CharField(max_length=300, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    jti = models.CharField(max_length=100, blank=True)
    problems = models.JSONField(default=list, blank=True)
    verified = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "token_sha256"], name="one_event_per_token")
        ]

    def __str__(self) -> str:
        return f"{self.delivery}: {self.kind}"


class CaseStatusChange(models.Model):
    """One step of the workflow; the history the clerk and the citizen see."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Shown to the citizen on the status page and in the e-mail (optional).
    message = models.TextField(blank=True)
    changed_at = models.DateTimeField()
    # Set only when the status e-mail was really sent; `citizen_notice` says what happened.
    citizen_notified_at = models.DateTimeField(null=True, blank=True)
    citizen_notice = models.CharField(
        max_length=20, choices=CitizenNotice.choices, default=CitizenNotice.PENDING
    )

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case}: {self.from_status or '–'} → {self.to_status}"


class CaseNote(models.Model):
    """An internal note of the authority on a case; never shown to the citizen."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Notiz zu {self.case}"


class CaseMessage(models.Model):
    """The postbox of a case: messages between the authority and the citizen (Rückfrage).

    Read by the citizen only through the case's own status link (or account); a message
    can never be reached through another case.
    """

    class Direction(models.TextChoices):
        TO_CITIZEN = "to_citizen", _("an die Antragstellerin / den Antragsteller")
        FROM_CITIZEN = "from_citizen", _("von der Antragstellerin / dem Antragsteller")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=20, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    subject = models.CharField(_("Betreff"), max_length=200, blank=True)
    body = models.TextField(_("Nachricht"))
    # The clerk asks for documents: the citizen's answer offers uploads.
    requests_documents = models.BooleanField(_("Unterlagen angefordert"), default=False)
    # A citizen's answer refers to the message it answers.
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Messages to the citizen: the "new message" e-mail (set only when really sent).
    citizen_notified_at = models.DateTimeField(null=True, blank=True)
    citizen_notice = models.CharField(
        max_length=20, choices=CitizenNotice.choices, default=CitizenNotice.PENDING
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.subject or self.body[:40]}"
