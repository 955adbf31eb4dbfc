"""Request and response shapes of the library API (`/api/library/`; they also make the
OpenAPI document). The views are in `api/library.py`."""

from rest_framework import serializers

from forms_engine.definitions import TOPICS

from .serializers import MunicipalitySerializer, PublisherSerializer
from .studio_serializers import ChangeSerializer

SEMVER = r"^\d{1,9}\.\d{1,9}\.\d{1,9}$"
LEIKA = r"^99\d{12}$"
FINGERPRINT_HELP = "SHA-256 (hex) des öffentlichen Schlüssels / of the public key"


class TextSerializer(serializers.Serializer):
    """A text in German and English (either may be missing where nobody wrote it)."""

    de = serializers.CharField(required=False)
    en = serializers.CharField(required=False)


# --- catalog ---------------------------------------------------------------------------------


class LibraryQuerySerializer(serializers.Serializer):
    topic = serializers.ChoiceField(
        choices=[(slug, TOPICS[slug][0]) for slug in sorted(TOPICS)],
        required=False,
        allow_blank=True,
        help_text="Themenbereich",
    )
    leika = serializers.RegexField(
        LEIKA, required=False, allow_blank=True, help_text="LeiKa-Schlüssel (14 Ziffern)"
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Suchwörter (Kennung, Titel, Herausgeber, LeiKa) / search words",
    )


class LibraryVersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    status = serializers.ChoiceField(choices=["published", "retired"])
    sha256 = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    retired_at = serializers.DateTimeField(allow_null=True)
    changelog = TextSerializer(help_text="Was sich geändert hat / what changed")


class LibraryOfferingSerializer(MunicipalitySerializer):
    version = serializers.CharField(help_text="die Version, die diese Kommune anbietet")


class TopicSerializer(serializers.Serializer):
    slug = serializers.CharField()
    de = serializers.CharField()
    en = serializers.CharField()


class LibraryProcessSerializer(serializers.Serializer):
    publisher = PublisherSerializer()
    id = serializers.CharField(help_text="Prozesskennung, eindeutig je Herausgeber")
    title = TextSerializer()
    summary = TextSerializer()
    leika = serializers.ListField(child=serializers.CharField(), help_text="LeiKa-Schlüssel")
    topic = TopicSerializer(allow_null=True, help_text="Themenbereich / subject area")
    imported = serializers.BooleanField(
        help_text="aus einem Bündel importiert (sonst in dieser Installation gepflegt) / "
        "imported from a bundle (else maintained here)"
    )
    current_version = serializers.CharField(
        help_text="neueste veröffentlichte Version / newest published version"
    )
    versions = LibraryVersionSerializer(many=True, help_text="neueste zuerst / newest first")
    offered_in = LibraryOfferingSerializer(
        many=True, help_text="Kommunen, die die Leistung anbieten / municipalities offering it"
    )


# --- bundles ---------------------------------------------------------------------------------


class BundleQuerySerializer(serializers.Serializer):
    allow_unsigned = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Ein unsigniertes Bündel annehmen: nur wo der Betrieb es für lokale Tests "
        "erlaubt (FORMS_BUNDLES_ALLOW_UNSIGNED) / accept an unsigned bundle: only where the "
        "operator allows it for local testing",
    )


class BundleUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Das Bündel (ZIP) / the bundle (zip)")


class PlanItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["process", "fieldgroup", "codelist"])
    id = serializers.CharField()
    version = serializers.CharField()
    title = TextSerializer()
    action = serializers.ChoiceField(
        choices=["new", "update", "unchanged"],
        help_text="new: neue Leistung; update: neue Version einer installierten; unchanged: "
        "dieselbe Version mit demselben Inhalt ist schon da",
    )
    previous = serializers.CharField(
        allow_blank=True, help_text="die bisher neueste Version / the newest version before"
    )
    changelog = TextSerializer()
    changes = ChangeSerializer(
        many=True, help_text="Änderungen gegenüber `previous` in Worten / changes in words"
    )
    bump = serializers.CharField(
        allow_blank=True, help_text="nötiger Versionssprung / required bump"
    )
    offered_in = serializers.ListField(
        child=serializers.CharField(), help_text="Kommunen, die die Leistung schon anbieten"
    )
    parameters = serializers.JSONField(
        help_text="erklärte Parameter mit Vorgaben / declared parameters and their defaults"
    )
    leika = serializers.ListField(child=serializers.CharField())
    topic = serializers.CharField(allow_blank=True)


class PlanPublisherSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    known = serializers.BooleanField(help_text="schon in dieser Installation / already here")


class PlanWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    message_en = serializers.CharField()


class PlanCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    update = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class PlanSerializer(serializers.Serializer):
    publisher = PlanPublisherSerializer()
    signed = serializers.BooleanField()
    fingerprint = serializers.CharField(allow_blank=True, help_text=FINGERPRINT_HELP)
    fingerprint_display = serializers.CharField(allow_blank=True)
    manifest_sha256 = serializers.CharField()
    warnings = PlanWarningSerializer(many=True, help_text="z. B. `unsigned`")
    counts = PlanCountsSerializer()
    changes_anything = serializers.BooleanField()
    items = PlanItemSerializer(many=True)


class CreatedVersionSerializer(serializers.Serializer):
    process = serializers.CharField()
    version = serializers.CharField()
    status = serializers.CharField()
    sha256 = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    imported = serializers.BooleanField(
        help_text="etwas wurde gespeichert (sonst war alles schon da) / something was stored"
    )
    import_id = serializers.IntegerField(allow_null=True)
    created = CreatedVersionSerializer(
        many=True, help_text="neu veröffentlichte Versionen / newly published versions"
    )
    plan = PlanSerializer()


# --- export ----------------------------------------------------------------------------------


class ExportVersionSerializer(serializers.Serializer):
    process = serializers.SlugField(max_length=100)
    version = serializers.RegexField(SEMVER, max_length=40)


class ExportRequestSerializer(serializers.Serializer):
    publisher = serializers.SlugField(max_length=100, help_text="Kennung des Herausgebers")
    versions = ExportVersionSerializer(
        many=True,
        required=False,
        allow_empty=False,
        max_length=5000,
        help_text="Welche Versionen (ohne: alle veröffentlichten und zurückgezogenen) / which "
        "versions (default: every published and retired one)",
    )


# --- trust store -----------------------------------------------------------------------------


class TrustedKeySerializer(serializers.Serializer):
    fingerprint = serializers.CharField(help_text=FINGERPRINT_HELP)
    fingerprint_display = serializers.CharField(help_text="in Vierergruppen zum Vergleichen")
    publisher_slug = serializers.CharField()
    publisher_name = serializers.CharField()
    public_key = serializers.CharField(help_text="Base64 der 32 Bytes / base64 of 32 bytes")
    note = serializers.CharField(allow_blank=True)
    added_at = serializers.DateTimeField()
    added_by = serializers.CharField(allow_null=True)
    revoked = serializers.BooleanField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_by = serializers.CharField(allow_null=True)
    revoke_reason = serializers.CharField(allow_blank=True)


class KeyAddRequestSerializer(serializers.Serializer):
    publisher_slug = serializers.SlugField(max_length=100)
    publisher_name = serializers.CharField(max_length=200)
    public_key = serializers.CharField(
        max_length=200, help_text="Base64 der 32 Bytes (wie `bundle_keygen` ihn ausgibt)"
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class KeyRevokeRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Grund des Widerrufs / reason")
