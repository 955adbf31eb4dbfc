"""Request and response shapes of the studio API (`/api/studio/`; they also make the
OpenAPI document). The views are in `api/studio.py`."""

from rest_framework import serializers

from forms_engine.catalog.services import RETIRE_GRACE_DAYS, RETIRE_GRACE_MAX_DAYS

from .serializers import ErrorItemSerializer, PublisherSerializer

SEMVER = r"^\d{1,9}\.\d{1,9}\.\d{1,9}$"


class ProblemSerializer(serializers.Serializer):
    pointer = serializers.CharField(
        allow_blank=True, help_text="JSON-Pointer in die Definition / into the definition"
    )
    message = serializers.CharField(help_text="Deutsch")
    message_en = serializers.CharField(allow_blank=True, help_text="English")


class FindingSerializer(ProblemSerializer):
    code = serializers.CharField(help_text="docs/process-format.md, Authoring checks")
    hint = serializers.CharField(allow_blank=True, help_text="Was tun (Deutsch)")
    hint_en = serializers.CharField(allow_blank=True, help_text="What to do (English)")


class ValidateResponseSerializer(serializers.Serializer):
    valid = serializers.BooleanField(help_text="keine Probleme / no problems")
    problems = ProblemSerializer(
        many=True, help_text="Fehler, die die Veröffentlichung verhindern / errors"
    )
    warnings = ProblemSerializer(
        many=True, help_text="Hinweise, die nicht verhindern / warnings that do not refuse"
    )
    findings = FindingSerializer(
        many=True,
        help_text="Barrierefreiheit und verständliche Sprache (authoring_findings) / "
        "accessibility and plain-language findings",
    )


class StudioRolesSerializer(serializers.Serializer):
    can_design = serializers.BooleanField()
    can_review = serializers.BooleanField()


class VersionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Kennung der Version in der Studio-API")
    version = serializers.CharField(help_text="Versionsnummer (MAJOR.MINOR.PATCH)")
    status = serializers.CharField(help_text="draft | published | retired")
    revision = serializers.IntegerField(
        help_text="Bearbeitungsstand; für PUT als `If-Match` / the revision, send as If-Match"
    )
    sha256 = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    retired_at = serializers.DateTimeField(allow_null=True)
    publish_at = serializers.DateTimeField(
        allow_null=True, help_text="geplante Veröffentlichung / scheduled publication"
    )
    based_on = serializers.IntegerField(
        allow_null=True, help_text="id der Ausgangsversion / the version it was started from"
    )


class StudioProcessSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    identifier = serializers.CharField(help_text="Prozesskennung (`id` der Definition)")
    publisher = PublisherSerializer()
    roles = StudioRolesSerializer()
    four_eyes = serializers.BooleanField(help_text="Vier-Augen-Freigabe nötig / four-eyes")
    versions = VersionSummarySerializer(many=True, help_text="neueste zuerst / newest first")


class ProcessRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    identifier = serializers.CharField()
    publisher = PublisherSerializer()
    four_eyes = serializers.BooleanField()


class VersionDetailSerializer(VersionSummarySerializer):
    process = ProcessRefSerializer()
    roles = StudioRolesSerializer()
    definition = serializers.JSONField(help_text="Die Prozessdefinition / the definition")


class DraftCreateRequestSerializer(serializers.Serializer):
    definition = serializers.JSONField(
        required=False,
        help_text="Eine Definition (ihr `id` muss die Prozesskennung im Pfad sein) / a "
        "definition whose `id` is the process id of the path",
    )
    from_version = serializers.RegexField(
        SEMVER,
        required=False,
        help_text="…oder die Nummer einer vorhandenen Version, deren Definition kopiert wird / "
        "…or the number of an existing version to copy",
    )
    version = serializers.RegexField(
        SEMVER,
        required=False,
        help_text="Nummer des neuen Entwurfs bei `from_version` (sonst die nächste Nebenversion)"
        " / the new draft's number with from_version (default: the next minor version)",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    def validate(self, attrs):
        if ("definition" in attrs) == ("from_version" in attrs):
            raise serializers.ValidationError(
                {"definition": [serializers.ErrorDetail("one_source", code="one_source")]}
            )
        if "definition" in attrs and not isinstance(attrs["definition"], dict):
            raise serializers.ValidationError(
                {"definition": [serializers.ErrorDetail("not_a_dict", code="not_a_dict")]}
            )
        return attrs


class RevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    sha256 = serializers.CharField()
    saved_by = serializers.CharField(allow_null=True)
    saved_at = serializers.DateTimeField()
    note = serializers.CharField(allow_blank=True)


class RevisionDetailSerializer(RevisionSerializer):
    definition = serializers.JSONField()


class TestResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    passed = serializers.BooleanField()
    failures = serializers.ListField(
        child=serializers.CharField(), help_text="Sätze auf Deutsch / German sentences"
    )


class TestRunRequestSerializer(serializers.Serializer):
    names = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=1000,
        help_text="nur diese Tests (nach Name); ohne: alle / only these tests; without: all",
    )


class TestRunSerializer(serializers.Serializer):
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = TestResultSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    pointer = serializers.CharField(allow_blank=True)
    area = serializers.CharField()
    message = serializers.CharField()
    message_en = serializers.CharField(allow_blank=True)
    bump = serializers.ChoiceField(choices=["major", "minor", "patch"])


class DiffSideSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.CharField()
    status = serializers.CharField()


class DiffSerializer(serializers.Serializer):
    from_ = DiffSideSerializer(source="from_version")
    to = DiffSideSerializer(source="to_version")
    changes = ChangeSerializer(many=True)
    required_bump = serializers.ChoiceField(choices=["major", "minor", "patch", "none"])
    version_step = serializers.ChoiceField(
        choices=["major", "minor", "patch", "same", "older", "unknown"],
        help_text="Schritt der Versionsnummer von `from` zu `to` / the version number's step",
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class DiffQuerySerializer(serializers.Serializer):
    from_ = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    to = serializers.IntegerField(min_value=1, max_value=2**31 - 1)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class PreviewRequestSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(), required=False, default=dict, help_text="je Schritt-id"
    )
    parameters = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        help_text="Parameterwerte wie bei einer Aktivierung / parameter values",
    )
    step = serializers.CharField(
        required=False,
        max_length=100,
        help_text="nur diesen Schritt prüfen (validate_step) / check only this step",
    )


class PreviewStepSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.JSONField()


class FeeSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.JSONField()
    amount = serializers.CharField(help_text="EUR, Dezimalzahl als Text / decimal as text")


class PreviewSerializer(serializers.Serializer):
    steps = PreviewStepSerializer(many=True, help_text="zutreffende Schritte / applicable steps")
    step = serializers.CharField(allow_null=True)
    valid = serializers.BooleanField()
    errors = ErrorItemSerializer(many=True, help_text="Pointer in die Antworten / into answers")
    fees = FeeSerializer(many=True)
    fee_total = serializers.CharField(help_text="EUR")
    answers = serializers.JSONField(help_text="bereinigte Antworten / pruned answers")


class ApprovalRequestBodySerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ApprovalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(help_text="id der Version")
    sha256 = serializers.CharField(help_text="der Stand, für den sie gilt / the state it covers")
    current = serializers.BooleanField(
        help_text="gilt für den Entwurf, wie er jetzt ist / covers the draft as it is now"
    )
    status = serializers.CharField(help_text="open | approved | rejected | withdrawn")
    requested_by = serializers.CharField()
    requested_at = serializers.DateTimeField()
    comment = serializers.CharField(allow_blank=True)
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_comment = serializers.CharField(allow_blank=True)


class DecisionBodySerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true: freigeben, false: ablehnen")
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="bei Ablehnung Pflicht / required to reject",
    )

    def validate(self, attrs):
        if not attrs["approve"] and not attrs.get("comment", "").strip():
            raise serializers.ValidationError(
                {"comment": [serializers.ErrorDetail("reason_required", code="reason_required")]}
            )
        return attrs


class PublishBodySerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="später veröffentlichen (ISO 8601); ohne: sofort / publish later; without: now",
    )


class PublishResultSerializer(VersionSummarySerializer):
    scheduled = serializers.BooleanField(
        help_text="true: geplant für `publish_at`, noch Entwurf / scheduled, still a draft"
    )
    warnings = ProblemSerializer(many=True)


class RetireBodySerializer(serializers.Serializer):
    grace_days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=RETIRE_GRACE_MAX_DAYS,
        default=RETIRE_GRACE_DAYS,
        help_text="Tage, in denen begonnene Anträge noch eingereicht werden dürfen",
    )
