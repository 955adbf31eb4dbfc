"""Request and response shapes of the public API (they also make the OpenAPI schema)."""

from rest_framework import serializers


class I18nTextSerializer(serializers.Serializer):
    de = serializers.CharField()
    en = serializers.CharField(required=False)


class MunicipalitySerializer(serializers.Serializer):
    ars = serializers.CharField(help_text="Amtlicher Regionalschlüssel (12 Ziffern)")
    name = serializers.CharField()
    slug = serializers.CharField()


class PublisherSerializer(serializers.Serializer):
    slug = serializers.CharField(
        help_text="Kennung des Herausgebers; als Parameter `publisher` angeben, wo mehrere "
        "Herausgeber dieselbe Prozesskennung verwenden / the publisher's slug"
    )
    name = serializers.CharField()


class OfferingSerializer(MunicipalitySerializer):
    version = serializers.CharField(
        help_text="Die Version, die diese Kommune anbietet: Einreichungen für diese Kommune "
        "gehen an diese Version / the version this municipality offers; submit to it"
    )
    sha256 = serializers.CharField(help_text="SHA-256 dieser Version")


class ProcessListItemSerializer(serializers.Serializer):
    id = serializers.CharField(
        help_text="Prozesskennung, eindeutig je Herausgeber / process id, unique per publisher"
    )
    publisher = PublisherSerializer()
    version = serializers.CharField(
        help_text="aktuelle (höchste) veröffentlichte Version (semver); jede Kommune bietet "
        "ihre eigene an (municipalities[].version)"
    )
    title = I18nTextSerializer()
    summary = I18nTextSerializer(required=False, allow_null=True)
    sha256 = serializers.CharField()
    municipalities = OfferingSerializer(
        many=True, help_text="Kommunen, die die Leistung jetzt anbieten, mit ihrer Version"
    )


class ProcessVersionSerializer(serializers.Serializer):
    id = serializers.CharField()
    publisher = PublisherSerializer()
    version = serializers.CharField()
    status = serializers.ChoiceField(choices=["published", "retired"])
    sha256 = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    retired_at = serializers.DateTimeField(allow_null=True)
    definition = serializers.JSONField(
        help_text="Die Prozessdefinition (Format: urn:ozg-engine:process-format:1)"
    )


class UploadRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    field = serializers.RegexField(
        r"^(/[^/]+){2,}$",
        max_length=300,
        help_text="JSON-Pointer des Felds in den Antworten, z. B. /sachkunde/nachweis",
    )


class UploadResponseSerializer(serializers.Serializer):
    ref = serializers.CharField(help_text="upload:<uuid>, als Antwortwert des Felds einsetzen")
    owner_token = serializers.CharField(
        help_text="Geheimnis: bei der Einreichung in upload_tokens mitsenden"
    )
    expires_at = serializers.DateTimeField(
        help_text="Bis dahin einreichen; danach verfällt die Datei (upload_expired) und wird gelöscht"
    )
    file_name = serializers.CharField(
        help_text="Gespeicherter Dateiname, mit der Endung des erkannten Dateityps"
    )
    media_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class SubmissionRequestSerializer(serializers.Serializer):
    municipality = serializers.RegexField(r"^\d{12}$", help_text="ARS der Kommune")
    answers = serializers.DictField(child=serializers.JSONField())
    declarations = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    upload_tokens = serializers.DictField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=dict,
        help_text='{"upload:<uuid>": "<owner_token>"}',
    )


class SubmissionResponseSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="Aktenzeichen, z. B. HST-2026-000001")
    case_id = serializers.UUIDField()
    submitted_at = serializers.DateTimeField()


class ErrorItemSerializer(serializers.Serializer):
    pointer = serializers.CharField(help_text="JSON-Pointer in den Antworten oder der Anfrage")
    message = serializers.CharField(help_text="Deutsch")
    message_en = serializers.CharField(help_text="English")
    code = serializers.CharField()


class ErrorResponseSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)


class CaseHistoryItemSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="received | in_progress | query | approved | rejected")
    status_label = serializers.CharField()
    changed_at = serializers.DateTimeField()
    message = serializers.CharField(allow_blank=True)


class CaseIdentitySerializer(serializers.Serializer):
    level = serializers.CharField(help_text="none | basis | substanziell | hoch")
    means = serializers.CharField(allow_blank=True)


class CasePaymentSerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text="not_required | INITIAL | PAYED | CANCELED | FAILED | invoice"
    )
    amount = serializers.DecimalField(max_digits=11, decimal_places=2, allow_null=True)
    reference = serializers.CharField(allow_blank=True, help_text="Kassenzeichen")
    method = serializers.CharField(allow_blank=True)


class CaseMessageFileSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    media_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class CaseMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=["to_citizen", "from_citizen"])
    subject = serializers.CharField(allow_blank=True)
    body = serializers.CharField()
    requests_documents = serializers.BooleanField()
    in_reply_to = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    files = CaseMessageFileSerializer(many=True)


class CaseStatusSerializer(serializers.Serializer):
    """What the citizen sees of a case: never internal notes, never who changed what."""

    reference = serializers.CharField()
    process = serializers.CharField()
    version = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    history = CaseHistoryItemSerializer(many=True)
    identity = CaseIdentitySerializer()
    payment = CasePaymentSerializer()
    messages = CaseMessageSerializer(many=True)


class ClerkCaseSerializer(CaseStatusSerializer):
    """The clerk's view adds the answers, the authority and the assignment."""

    id = serializers.UUIDField()
    authority = serializers.CharField()
    assigned_to = serializers.CharField(allow_null=True)
    applicant_name = serializers.CharField(allow_blank=True)
    answers = serializers.JSONField()
