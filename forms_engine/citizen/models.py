"""Drafts and uploads: what a citizen has entered but not yet submitted."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from forms_engine.catalog.models import Municipality, ProcessVersion


class Draft(models.Model):
    """Server-side answers of an application in progress, pinned to one version.

    Reachable by the citizen's session and, after "Zwischenspeichern", by a resume link
    whose token is stored only as a sha256 hash.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    process_version = models.ForeignKey(
        ProcessVersion, on_delete=models.PROTECT, related_name="drafts"
    )
    definition_sha256 = models.CharField(max_length=64)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="drafts")
    answers = models.JSONField(default=dict)
    declarations = models.JSONField(default=list)
    current_step = models.CharField(max_length=100, blank=True)
    resume_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    email = models.EmailField(blank=True)
    # Identity achieved in this draft (identity plugin): level, means, bPK2 and the
    # attributes the ID confirmed (those fields cannot be edited).
    identity_level = models.CharField(max_length=20, default="none")
    identity_means = models.CharField(max_length=50, blank=True)
    identity_bpk2 = models.CharField(max_length=200, blank=True, db_index=True)
    identity_attributes = models.JSONField(default=dict, blank=True)
    # The activation's parameter values when the draft was started: the draft keeps them
    # even if the municipality changes its values later (`selectors.draft_definition`).
    parameter_values = models.JSONField(default=dict, blank=True)
    # The municipality's minimum identity level when the draft was started
    # (`Activation.identity_min_level`; "" = the definition's own requirement).
    identity_min_level = models.CharField(max_length=20, blank=True)
    submitted_case = models.OneToOneField(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="draft"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Entwurf")
        verbose_name_plural = _("Entwürfe")

    def __str__(self) -> str:
        return f"Entwurf {self.pk}"


class Upload(models.Model):
    """A file a citizen uploaded for an `x-upload` field.

    Answers hold only the reference `upload:<uuid>`; the bytes live in the "uploads"
    storage under `storage_name` (`core.storage`) and are never served without a
    permission check.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    draft = models.ForeignKey(
        Draft, null=True, blank=True, on_delete=models.CASCADE, related_name="uploads"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="uploads"
    )
    # A file the citizen sent with an answer in the case's postbox (Rückfrage).
    message = models.ForeignKey(
        "cases.CaseMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uploads",
    )
    # Secret handed to a headless API client that uploaded the file, so only it can use it.
    owner_token_hash = models.CharField(max_length=64, blank=True)
    # An API upload's token is short-lived (FORMS_API_UPLOAD_TOKEN_HOURS): after this it can
    # no longer be submitted, and the unused file is deleted by the retention purge.
    owner_token_expires_at = models.DateTimeField(null=True, blank=True)
    # Keyed hash of the API client's address (never the address): caps unused uploads per client.
    client_key = models.CharField(max_length=64, blank=True, db_index=True)
    process_version = models.ForeignKey(
        ProcessVersion, on_delete=models.PROTECT, related_name="uploads"
    )
    field_pointer = models.CharField(max_length=300)
    # The file's name in the "uploads" storage (`ab/ab12…`, random, never the client's name).
    storage_name = models.CharField(max_length=200)
    original_name = models.CharField(max_length=255)
    media_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Hochgeladene Datei")
        verbose_name_plural = _("Hochgeladene Dateien")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.media_type}, {self.size} B)"

    @property
    def ref(self) -> str:
        return f"upload:{self.id}"
