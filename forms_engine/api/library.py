"""Library API (`/api/library/`): the process library catalog, signed bundles (plan, import,
export) and the trust store, for scripts and tools.

Authentication: the staff session only, as the studio API (SessionAuthentication, CSRF
token on every unsafe method, the second factor where required). Who may do what:
`api/library_support.py`. Thin: parse, check the role, call one library service or
selector, render. A refused bundle answers its `BundleRefused` code (docs/bundle-format.md)
with nothing changed.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from forms_engine.catalog.models import ProcessVersion
from forms_engine.citizen.uploads import stream_limits
from forms_engine.definitions import TOPICS
from forms_engine.library import signing
from forms_engine.library.models import TrustedKey
from forms_engine.library.selectors import api_library_catalog
from forms_engine.library.services import (
    BundleRefused,
    ExportError,
    TrustError,
    bundle_export,
    bundle_import,
    bundle_plan,
    signing_key_load,
    trust_key_add,
    trust_key_revoke,
)

from .library_serializers import (
    BundleQuerySerializer,
    ExportRequestSerializer,
    ImportResultSerializer,
    KeyAddRequestSerializer,
    KeyRevokeRequestSerializer,
    LibraryProcessSerializer,
    LibraryQuerySerializer,
    PlanSerializer,
    TrustedKeySerializer,
)
from .library_support import (
    FILE_FIELD,
    LibraryUser,
    ZipOrJSONNegotiation,
    ZipParser,
    browse_role_required,
    bundle_bytes,
    bundle_refusal,
    bundle_stream_limits,
    import_role_required,
    may_add_key,
    may_browse,
    may_import,
    may_revoke_key,
    role_required,
)
from .serializers import ErrorResponseSerializer
from .studio_support import not_found, publisher_for, refused, valid_data

TAG = ["library"]
ERROR = ErrorResponseSerializer

REFUSED = OpenApiResponse(
    ERROR,
    description="Bündel abgelehnt, nichts geändert / bundle refused, nothing changed: `code` "
    "ist der Grund (docs/bundle-format.md), z. B. `not_a_zip`, `missing_signature`, "
    "`bad_signature`, `unknown_publisher`, `revoked_key`, `hash_mismatch`, `unsafe_path`, "
    "`zip_bomb`, `invalid_definition`, `missing_dependency`, `version_conflict`, "
    "`publisher_conflict`, `import_failed`; `pointer` nennt die betroffene Datei im Bündel.",
)
TOO_LARGE = OpenApiResponse(
    ERROR,
    description="Bündel zu groß / bundle too large (ArchiveLimits.max_archive_bytes, 64 MiB; "
    "als Formularfeld auch höchstens FORMS_UPLOAD_MAX_BYTES): `too_large`, "
    "`archive_too_large`",
)
BAD_REQUEST = OpenApiResponse(
    ERROR,
    description="Kein Bündel gesendet (`bundle_missing`), fehlerhaftes Formular oder "
    "Abfrageparameter / no bundle, a broken form or query parameter",
)
FORBIDDEN = OpenApiResponse(
    ERROR,
    description="Nicht angemeldet (`not_authenticated`), keine Rolle in der Bibliothek "
    "(`no_library_role`) oder die nötige Berechtigung fehlt / not signed in, no library "
    "role or the permission is missing",
)
BUNDLE_BODY = {
    "application/zip": OpenApiTypes.BINARY,
    "multipart/form-data": {
        "type": "object",
        "properties": {FILE_FIELD: {"type": "string", "format": "binary"}},
        "required": [FILE_FIELD],
    },
}
ALLOW_UNSIGNED = OpenApiParameter(
    "allow_unsigned",
    bool,
    OpenApiParameter.QUERY,
    required=False,
    description="Ein unsigniertes Bündel annehmen: nur wo der Betrieb es für lokale Tests "
    "erlaubt (FORMS_BUNDLES_ALLOW_UNSIGNED), mit Warnung im Plan / accept an unsigned "
    "bundle: only where the operator allows it for local testing",
)


class LibraryView(APIView):
    permission_classes = [LibraryUser]


def _text(value: dict) -> dict:
    return {k: v for k, v in (value or {}).items() if k in ("de", "en") and isinstance(v, str)}


# --- catalog ---------------------------------------------------------------------------------


def _catalog_entry(entry) -> dict:
    topic = TOPICS.get(entry.topic)
    return {
        "publisher": {"slug": entry.publisher.slug, "name": entry.publisher.name},
        "id": entry.identifier,
        "title": entry.title,
        "summary": entry.summary,
        "leika": entry.leika,
        "topic": {"slug": entry.topic, "de": topic[0], "en": topic[1]} if topic else None,
        "imported": entry.imported,
        "current_version": entry.current.version,
        "versions": [
            {
                "version": v.version,
                "status": v.status,
                "sha256": v.sha256,
                "published_at": v.published_at,
                "retired_at": v.retired_at,
                "changelog": v.changelog,
            }
            for v in entry.versions
        ],
        "offered_in": [
            {"name": o.name, "ars": o.ars, "slug": o.slug, "version": o.version}
            for o in entry.offered_in
        ],
    }


class CatalogView(LibraryView):
    @extend_schema(
        tags=TAG,
        summary="Die Prozessbibliothek / the process library catalog",
        description="Jede Verwaltungsleistung mit veröffentlichter Version, aus dieser "
        "Installation und von den Herausgebern importierter Bündel: Versionen mit "
        "Änderungshinweisen, LeiKa-Schlüssel, Themenbereich und die Kommunen, die sie "
        "anbieten. Filter: `topic`, `leika`, `q`. Für Administratorinnen einer Kommune und "
        "Personen mit Studio-Rolle. / Every process with a published version, with its "
        "versions and changelog, LeiKa keys, topic and offering municipalities.",
        parameters=[LibraryQuerySerializer],
        responses={200: LibraryProcessSerializer(many=True), 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    def get(self, request):
        if not may_browse(request.user):
            raise browse_role_required()
        query = valid_data(LibraryQuerySerializer, request.query_params.dict())
        entries = api_library_catalog(
            topic=query.get("topic", ""), leika=query.get("leika", ""), q=query.get("q", "")
        )
        return Response(
            LibraryProcessSerializer([_catalog_entry(e) for e in entries], many=True).data
        )


# --- bundles ---------------------------------------------------------------------------------


def _plan_dict(plan) -> dict:
    key = plan.key
    warnings = []
    if not plan.signed:
        warnings.append(
            {
                "code": "unsigned",
                "message": "Unsigniertes Bündel: nur für lokale Tests. Herkunft und "
                "Unversehrtheit sind nicht geprüft.",
                "message_en": "Unsigned bundle: for local testing only. Its origin and "
                "integrity are not verified.",
            }
        )
    return {
        "publisher": {
            "id": plan.publisher_id,
            "name": plan.publisher_name,
            "known": plan.publisher_known,
        },
        "signed": plan.signed,
        "fingerprint": key.fingerprint if key else "",
        "fingerprint_display": key.short_fingerprint if key else "",
        "manifest_sha256": plan.bundle.manifest_sha256,
        "warnings": warnings,
        "counts": {a: plan.count(a) for a in ("new", "update", "unchanged")},
        "changes_anything": plan.changes_anything,
        "items": [
            {
                "kind": item.kind,
                "id": item.identifier,
                "version": item.version,
                "title": _text(item.title),
                "action": item.action,
                "previous": item.previous,
                "changelog": _text(item.changelog),
                "changes": [
                    {
                        "kind": c.kind,
                        "pointer": c.pointer,
                        "area": c.area,
                        "message": c.message,
                        "message_en": c.message_en or c.message,
                        "bump": c.bump,
                    }
                    for c in item.changes
                ],
                "bump": item.bump,
                "offered_in": item.offered_in,
                "parameters": item.parameters,
                "leika": item.leika,
                "topic": item.topic,
            }
            for item in plan.items
        ],
    }


def _allow_unsigned(request) -> bool:
    return valid_data(BundleQuerySerializer, request.query_params.dict())["allow_unsigned"]


@stream_limits(bundle_stream_limits)
class BundleView(LibraryView):
    """A view that reads a bundle: a raw zip body or the multipart field `file`."""

    parser_classes = [ZipParser, MultiPartParser]

    def bundle(self, request) -> tuple[bytes, bool]:
        if not may_import(request.user):
            raise import_role_required()
        allow_unsigned = _allow_unsigned(request)
        return bundle_bytes(request), allow_unsigned


class BundlePlanView(BundleView):
    @extend_schema(
        tags=TAG,
        summary="Bündel prüfen (Probelauf) / check a bundle (dry run)",
        description="Prüft das Bündel vollständig (Archiv, Signatur und Vertrauensspeicher, "
        "Prüfsummen, Definitionen, Abhängigkeiten) und sagt, was ein Import täte: je "
        "Version neu, Aktualisierung (mit den Änderungen in Worten) oder unverändert, und "
        "welche Kommunen die Leistung schon anbieten. Schreibt nichts. Inhalt: die ZIP-Datei "
        "(application/zip) oder das Formularfeld `file`. / Verifies the bundle completely and "
        "says what an import would do. Writes nothing.",
        parameters=[ALLOW_UNSIGNED],
        request=BUNDLE_BODY,
        responses={
            200: PlanSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            413: TOO_LARGE,
            422: REFUSED,
        },
    )
    def post(self, request):
        data, allow_unsigned = self.bundle(request)
        try:
            plan = bundle_plan(data, allow_unsigned=allow_unsigned)
        except BundleRefused as exc:
            raise bundle_refusal(exc) from None
        return Response(PlanSerializer(_plan_dict(plan)).data)


class BundleImportView(BundleView):
    @extend_schema(
        tags=TAG,
        summary="Bündel importieren / import a bundle",
        description="Alles oder nichts: neue Versionen werden gespeichert und veröffentlicht "
        "(ihre Designer-Tests müssen bestehen), bekannte mit gleichem Inhalt erkannt, kein "
        "Angebot einer Kommune wird verändert. 201 wenn etwas gespeichert wurde, 200 wenn "
        "alles schon da war. Abgelehnt: 422 mit dem Grund, nichts geändert. / All or "
        "nothing; 201 when something was stored, 200 when everything was already here.",
        parameters=[ALLOW_UNSIGNED],
        request=BUNDLE_BODY,
        responses={
            200: ImportResultSerializer,
            201: ImportResultSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            413: TOO_LARGE,
            422: REFUSED,
        },
    )
    def post(self, request):
        data, allow_unsigned = self.bundle(request)
        try:
            result = bundle_import(data, by=request.user, allow_unsigned=allow_unsigned)
        except BundleRefused as exc:
            raise bundle_refusal(exc) from None
        body = {
            "imported": result.record is not None,
            "import_id": result.record.pk if result.record else None,
            "created": [
                {
                    "process": v.process.identifier,
                    "version": v.version,
                    "status": v.status,
                    "sha256": v.sha256,
                }
                for v in result.created
            ],
            "plan": _plan_dict(result.plan),
        }
        code = status.HTTP_201_CREATED if result.record is not None else status.HTTP_200_OK
        return Response(ImportResultSerializer(body).data, status=code)


# --- export ----------------------------------------------------------------------------------


class ExportView(LibraryView):
    content_negotiation_class = ZipOrJSONNegotiation

    @extend_schema(
        tags=TAG,
        summary="Signiertes Bündel exportieren / export a signed bundle",
        description="Die gewählten Versionen (ohne `versions`: alle veröffentlichten und "
        "zurückgezogenen) eines Herausgebers mit den geteilten Vorlagen, die sie nutzen, "
        "signiert mit dem Schlüssel der Installation (FORMS_BUNDLE_SIGNING_KEY_FILE oder "
        "FORMS_BUNDLE_SIGNING_KEY). Nur für die Design-Rolle des Herausgebers. Nichts "
        "Kommunales reist mit. / The chosen versions of a publisher, signed with the "
        "installation's key; designers of the publisher only.",
        request=ExportRequestSerializer,
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="Das signierte Bündel / the signed bundle"
            ),
            400: OpenApiResponse(
                ERROR, description="Ungültige Anfrage, unbekannte Version (`unknown_version`)"
            ),
            403: OpenApiResponse(
                ERROR, description="Ohne Design-Rolle des Herausgebers: `designer_role_required`"
            ),
            404: OpenApiResponse(ERROR, description="Herausgeber unbekannt / unknown publisher"),
            422: OpenApiResponse(
                ERROR,
                description="Nicht exportierbar (`export_refused`: Entwurf, nichts "
                "veröffentlicht, fehlende geteilte Vorlage)",
            ),
            503: OpenApiResponse(
                ERROR,
                description="Kein (lesbarer) Signaturschlüssel eingerichtet / no signing key "
                "configured: `signing_key_unavailable`",
            ),
        },
    )
    def post(self, request):
        data = valid_data(ExportRequestSerializer, request.data)
        publisher = publisher_for(request.user, data["publisher"], design=True)
        versions = None
        if "versions" in data:
            versions = []
            for index, wanted in enumerate(data["versions"]):
                version = (
                    ProcessVersion.objects.select_related("process")
                    .filter(
                        process__publisher=publisher,
                        process__identifier=wanted["process"],
                        version=wanted["version"],
                    )
                    .first()
                )
                if version is None:
                    raise refused(
                        status.HTTP_400_BAD_REQUEST,
                        f"/versions/{index}",
                        f"„{wanted['process']}“ {wanted['version']} gibt es bei diesem "
                        "Herausgeber nicht.",
                        f"'{wanted['process']}' {wanted['version']} does not exist for this "
                        "publisher.",
                        "unknown_version",
                    )
                if version not in versions:
                    versions.append(version)
        try:
            key = signing_key_load()
        except signing.KeyError_ as exc:
            raise refused(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "",
                "Export nicht möglich: " + exc.message + " Der Betrieb richtet den Schlüssel "
                "ein (bundle_keygen).",
                "Export not possible: " + exc.message_en + " The operator sets up the key "
                "(bundle_keygen).",
                "signing_key_unavailable",
            ) from None
        try:
            bundle = bundle_export(publisher=publisher, versions=versions, key=key, by=request.user)
        except ExportError as exc:
            raise refused(
                status.HTTP_422_UNPROCESSABLE_ENTITY,
                "",
                exc.message,
                exc.message_en,
                "export_refused",
            ) from None
        name = f"{publisher.slug}-{timezone.localdate():%Y-%m-%d}.zip"
        response = HttpResponse(bundle, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


# --- trust store -----------------------------------------------------------------------------


def _key_dict(key: TrustedKey) -> dict:
    return {
        "fingerprint": key.fingerprint,
        "fingerprint_display": key.short_fingerprint,
        "publisher_slug": key.publisher_slug,
        "publisher_name": key.publisher_name,
        "public_key": key.public_key,
        "note": key.note,
        "added_at": key.added_at,
        "added_by": key.added_by.get_username() if key.added_by else None,
        "revoked": key.is_revoked,
        "revoked_at": key.revoked_at,
        "revoked_by": key.revoked_by.get_username() if key.revoked_by else None,
        "revoke_reason": key.revoke_reason,
    }


def _known_key(public_key: str) -> TrustedKey | None:
    try:
        fingerprint = signing.fingerprint_of(public_key)
    except signing.KeyError_:
        return None
    return TrustedKey.objects.filter(fingerprint=fingerprint).first()


class KeyListView(LibraryView):
    @extend_schema(
        tags=TAG,
        summary="Vertrauensspeicher / the trust store",
        description="Die öffentlichen Schlüssel der Herausgeber, deren Bündel diese "
        "Installation annimmt, mit Fingerabdruck; widerrufene bleiben zur Nachvollziehbarkeit "
        "sichtbar. / The publishers' public keys this installation trusts; revoked keys stay "
        "listed.",
        responses={200: TrustedKeySerializer(many=True), 403: FORBIDDEN},
    )
    def get(self, request):
        user = request.user
        if not (may_browse(user) or may_add_key(user) or may_revoke_key(user) or may_import(user)):
            raise browse_role_required()
        keys = TrustedKey.objects.select_related("added_by", "revoked_by")
        return Response(TrustedKeySerializer([_key_dict(k) for k in keys], many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Schlüssel hinzufügen / trust a key",
        description="Erst nach Prüfung des Fingerabdrucks auf einem zweiten Weg (Telefon, "
        "Brief). Ein Schlüssel, der schon im Speicher steht (auch widerrufen), wird nicht "
        "erneut aufgenommen (409 `key_exists`); unlesbar: 400 `key_refused`. / Only after "
        "checking the fingerprint on a second channel.",
        request=KeyAddRequestSerializer,
        responses={
            201: TrustedKeySerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            409: OpenApiResponse(ERROR, description="Schon im Speicher / already in the store"),
        },
    )
    def post(self, request):
        if not may_add_key(request.user):
            raise role_required(
                "Schlüssel hinzufügen dürfen nur Personen mit der Berechtigung dazu.",
                "Only people with the permission to add trusted keys may add keys.",
                "key_permission_required",
            )
        data = valid_data(KeyAddRequestSerializer, request.data)
        try:
            key = trust_key_add(
                publisher_slug=data["publisher_slug"],
                publisher_name=data["publisher_name"],
                public_key=data["public_key"],
                note=data["note"],
                by=request.user,
            )
        except TrustError as exc:
            known = _known_key(data["public_key"])
            raise refused(
                status.HTTP_409_CONFLICT if known else status.HTTP_400_BAD_REQUEST,
                "" if known else "/public_key",
                exc.message,
                exc.message_en,
                "key_exists" if known else "key_refused",
            ) from None
        return Response(TrustedKeySerializer(_key_dict(key)).data, status=status.HTTP_201_CREATED)


class KeyRevokeView(LibraryView):
    @extend_schema(
        tags=TAG,
        summary="Schlüssel widerrufen / revoke a key",
        description="Jedes spätere Bündel mit diesem Schlüssel wird abgelehnt; schon "
        "importierte Versionen bleiben. Ein Grund ist nötig. Schon widerrufen: 409 "
        "`key_revoked`. / Every later bundle signed with it is refused; a reason is required.",
        request=KeyRevokeRequestSerializer,
        responses={
            200: TrustedKeySerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: OpenApiResponse(ERROR, description="Unbekannter Schlüssel / unknown key"),
            409: OpenApiResponse(ERROR, description="Schon widerrufen / already revoked"),
        },
    )
    def post(self, request, fingerprint):
        if not may_revoke_key(request.user):
            raise role_required(
                "Schlüssel widerrufen dürfen nur Personen mit der Berechtigung dazu.",
                "Only people with the permission to change trusted keys may revoke keys.",
                "key_permission_required",
            )
        key = (
            TrustedKey.objects.select_related("added_by", "revoked_by")
            .filter(fingerprint=fingerprint.lower())
            .first()
            if len(fingerprint) == 64
            else None
        )
        if key is None:
            raise not_found(
                "Diesen Schlüssel gibt es im Vertrauensspeicher nicht.",
                "This key is not in the trust store.",
            )
        data = valid_data(KeyRevokeRequestSerializer, request.data)
        if key.is_revoked:
            raise refused(
                status.HTTP_409_CONFLICT,
                "",
                f"Der Schlüssel wurde schon am {key.revoked_at:%d.%m.%Y} widerrufen.",
                f"The key was already revoked on {key.revoked_at:%Y-%m-%d}.",
                "key_revoked",
            )
        revoked = trust_key_revoke(key=key, reason=data["reason"], by=request.user)
        return Response(TrustedKeySerializer(_key_dict(revoked)).data)
