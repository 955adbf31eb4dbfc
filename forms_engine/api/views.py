"""Public API: read published processes, upload files, submit complete applications.

Thin: parse, call one selector or service, render. Anonymous access; SessionAuthentication
only, so anonymous JSON clients need no CSRF token.
"""

import re
import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from forms_engine.cases.exceptions import AnswersInvalid, SubmissionRefused
from forms_engine.cases.services import case_submit
from forms_engine.catalog.exceptions import AmbiguousProcess
from forms_engine.catalog.models import Municipality, ProcessVersion
from forms_engine.catalog.selectors import (
    current_versions,
    open_offerings,
    version_definition,
    version_get,
)
from forms_engine.citizen.uploads import (
    StreamLimits,
    UploadRejected,
    api_client_key,
    largest_upload_limit,
    stream_limits,
    upload_refusal,
    upload_store,
)
from forms_engine.core.answer_fields import upload_spec_for
from forms_engine.identity.services import session_identity

from .errors import error, errors_response, serializer_errors
from .parsers import SafeJSONParser
from .serializers import (
    ErrorResponseSerializer,
    ProcessListItemSerializer,
    ProcessVersionSerializer,
    SubmissionRequestSerializer,
    SubmissionResponseSerializer,
    UploadRequestSerializer,
    UploadResponseSerializer,
)

VISIBLE = (ProcessVersion.Status.PUBLISHED, ProcessVersion.Status.RETIRED)
OPEN = (ProcessVersion.Status.PUBLISHED,)


def not_found():
    return errors_response(
        [
            error(
                "",
                "Diese Verwaltungsleistung oder Version gibt es nicht.",
                "This process or version does not exist.",
                "not_found",
            )
        ],
        status.HTTP_404_NOT_FOUND,
    )


def retired():
    return errors_response(
        [
            error(
                "",
                "Diese Version wurde zurückgezogen und nimmt keine Anträge mehr an.",
                "This version has been retired and takes no more applications.",
                "version_retired",
            )
        ],
        status.HTTP_404_NOT_FOUND,
    )


PUBLISHER_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")

PUBLISHER_QUERY = OpenApiParameter(
    "publisher",
    str,
    OpenApiParameter.QUERY,
    required=False,
    pattern=PUBLISHER_SLUG.pattern,
    description=(
        "Kennung des Herausgebers (`publisher.slug` der Liste). Nötig, wo mehrere "
        "Herausgeber dieselbe Prozesskennung verwenden; ohne ihn antwortet die API dann 409 "
        "`process_ambiguous` mit den Kandidaten. / The publisher's slug; required where "
        "several publishers use the process id (else 409 `process_ambiguous`)."
    ),
)


def ambiguous(exc: AmbiguousProcess):
    names = ", ".join(f"{slug} ({name})" for slug, name in exc.candidates)
    return errors_response(
        [
            error(
                "",
                f"Die Prozesskennung „{exc.identifier}“ verwenden mehrere Herausgeber: "
                f"{names}. Geben Sie den Herausgeber mit dem Parameter „publisher“ an, "
                f"z. B. ?publisher={exc.candidates[0][0]}.",
                f"Several publishers use the process id '{exc.identifier}': {names}. "
                "Name the publisher with the parameter 'publisher', e.g. "
                f"?publisher={exc.candidates[0][0]}.",
                "process_ambiguous",
            )
        ],
        status.HTTP_409_CONFLICT,
    )


def invalid_publisher():
    return errors_response(
        [
            error(
                "",
                "Der Parameter „publisher“ ist keine gültige Herausgeber-Kennung.",
                "The parameter 'publisher' is not a valid publisher slug.",
                "invalid_publisher",
            )
        ]
    )


def find_version(request, process_id, version, statuses):
    """(the version or None, None) or (None, an error response): the publisher comes from
    the `publisher` query parameter; an id several publishers use needs it (409)."""
    publisher = request.GET.get("publisher")
    if publisher is not None and not PUBLISHER_SLUG.match(publisher):
        return None, invalid_publisher()
    try:
        found = version_get(
            identifier=process_id, version=version, statuses=statuses, publisher=publisher
        )
    except AmbiguousProcess as exc:
        return None, ambiguous(exc)
    return found, None


def publisher_of(version) -> dict:
    publisher = version.process.publisher
    return {"slug": publisher.slug, "name": publisher.name}


def i18n(value):
    if isinstance(value, dict):
        return value
    return {"de": str(value)} if value else None


class ProcessListView(APIView):
    @extend_schema(
        summary="Veröffentlichte Verwaltungsleistungen / published processes",
        responses=ProcessListItemSerializer(many=True),
    )
    def get(self, request):
        # Each municipality offers its own pinned version: submissions for it go there.
        # (Light rows: one per open activation, no Activation object each.)
        offerings: dict[int, list[dict]] = {}
        for offering in open_offerings():
            municipality = offering.municipality
            offerings.setdefault(offering.process.pk, []).append(
                {
                    "ars": municipality.ars,
                    "name": municipality.name,
                    "slug": municipality.slug,
                    "version": offering.version.version,
                    "sha256": offering.version.sha256,
                }
            )
        items = []
        for version in current_versions():
            doc = version.definition
            items.append(
                {
                    "id": version.process.identifier,
                    "publisher": publisher_of(version),
                    "version": version.version,
                    "title": i18n(doc.get("title")),
                    "summary": i18n(doc.get("summary")),
                    "sha256": version.sha256,
                    "municipalities": sorted(
                        offerings.get(version.process_id, []), key=lambda m: m["name"]
                    ),
                }
            )
        return Response(ProcessListItemSerializer(items, many=True).data)


class ProcessVersionView(APIView):
    @extend_schema(
        summary="Definition einer Version / a version's definition",
        parameters=[PUBLISHER_QUERY],
        responses={
            200: ProcessVersionSerializer,
            404: ErrorResponseSerializer,
            409: ErrorResponseSerializer,
        },
    )
    def get(self, request, process_id, version):
        found, refusal = find_version(request, process_id, version, VISIBLE)
        if refusal is not None:
            return refusal
        if found is None:
            return not_found()
        return Response(
            ProcessVersionSerializer(
                {
                    "id": found.process.identifier,
                    "publisher": publisher_of(found),
                    "version": found.version,
                    "status": found.status,
                    "sha256": found.sha256,
                    "published_at": found.published_at,
                    "retired_at": found.retired_at,
                    "definition": found.definition,
                }
            ).data
        )


class DataSchemaView(APIView):
    @extend_schema(
        summary="Zusammengesetztes Datenschema (JSON Schema 2020-12) / composed data schema",
        parameters=[PUBLISHER_QUERY],
        responses={
            200: OpenApiTypes.OBJECT,
            404: ErrorResponseSerializer,
            409: ErrorResponseSerializer,
        },
    )
    def get(self, request, process_id, version):
        found, refusal = find_version(request, process_id, version, VISIBLE)
        if refusal is not None:
            return refusal
        if found is None:
            return not_found()
        return Response(version_definition(found).data_schema)


def published_version_or_refusal(request, process_id: str, version: str):
    """(the published version, None), or (None, the error response): 404 for
    unknown/draft/retired, 409 for an id several publishers use without `publisher`."""
    found, refusal = find_version(request, process_id, version, VISIBLE)
    if refusal is not None:
        return None, refusal
    if found is None:
        return None, not_found()
    if found.status != ProcessVersion.Status.PUBLISHED:
        return None, retired()
    return found, None


# The multipart envelope around one file and the `field` pointer (at most 300 characters).
UPLOAD_ENVELOPE_BYTES = 16 * 1024


def _upload_stream_limits(request, process_id, version):
    """While an API upload streams in: the `file` at most the largest limit of the version's
    upload fields (the exact field's limit is checked once `field` is known); other files
    are skipped; the body at most that plus the envelope."""
    publisher = request.GET.get("publisher")
    if publisher is not None and not PUBLISHER_SLUG.match(publisher):
        found = []
    else:
        try:
            found = [
                version_get(
                    identifier=process_id, version=version, statuses=OPEN, publisher=publisher
                )
            ]
        except AmbiguousProcess as exc:
            # The view answers 409; let the body reach it (the largest candidate's limit).
            found = [
                version_get(identifier=process_id, version=version, statuses=OPEN, publisher=slug)
                for slug, _name in exc.candidates
            ]
    limits = [largest_upload_limit(version_definition(v)) for v in found if v is not None]
    per_file = max((limit or 0 for limit in limits), default=0)
    return StreamLimits(
        file_limit=lambda name: per_file if name == "file" else None,
        request_bytes=per_file + UPLOAD_ENVELOPE_BYTES,
    )


@stream_limits(_upload_stream_limits)
class UploadView(APIView):
    # A file needs multipart; a urlencoded form or JSON cannot carry one (415).
    parser_classes = [MultiPartParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "submit"

    @extend_schema(
        summary="Datei hochladen / upload a file",
        request={"multipart/form-data": UploadRequestSerializer},
        parameters=[PUBLISHER_QUERY],
        responses={
            201: UploadResponseSerializer,
            400: ErrorResponseSerializer,
            404: ErrorResponseSerializer,
            409: ErrorResponseSerializer,
            413: ErrorResponseSerializer,
            429: ErrorResponseSerializer,
        },
    )
    def post(self, request, process_id, version):
        found, refusal = published_version_or_refusal(request, process_id, version)
        if refusal is not None:
            return refusal
        data = request.data
        refused = upload_refusal(request)
        if refused is not None:  # cut off while streaming: nothing was kept
            return errors_response(
                [error("/file", refused.message, refused.message_en, refused.code)],
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        serializer = UploadRequestSerializer(data=data)
        if not serializer.is_valid():
            return errors_response(serializer_errors(serializer.errors))
        pointer = serializer.validated_data["field"]
        spec = upload_spec_for(version_definition(found), pointer)
        try:
            upload, token = upload_store(
                file=serializer.validated_data["file"],
                process_version=found,
                field_pointer=pointer,
                upload_spec=spec,
                client_key=api_client_key(ScopedRateThrottle().get_ident(request)),
            )
        except UploadRejected as exc:
            code = {
                "too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                "upload_quota": status.HTTP_429_TOO_MANY_REQUESTS,
            }.get(exc.code, status.HTTP_400_BAD_REQUEST)
            return errors_response([error(pointer, exc.message, exc.message_en, exc.code)], code)
        return Response(
            UploadResponseSerializer(
                {
                    "ref": upload.ref,
                    "owner_token": token,
                    "expires_at": upload.owner_token_expires_at,
                    "file_name": upload.original_name,
                    "media_type": upload.media_type,
                    "size": upload.size,
                    "sha256": upload.sha256,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


class SubmissionView(APIView):
    parser_classes = [SafeJSONParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "submit"

    @extend_schema(
        summary="Antrag einreichen / submit an application",
        request=SubmissionRequestSerializer,
        parameters=[
            PUBLISHER_QUERY,
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Gleicher Schlüssel → derselbe Antrag / same key → same case",
            ),
        ],
        responses={
            201: SubmissionResponseSerializer,
            400: ErrorResponseSerializer,
            404: ErrorResponseSerializer,
            409: ErrorResponseSerializer,
        },
    )
    def post(self, request, process_id, version):
        found, refusal = published_version_or_refusal(request, process_id, version)
        if refusal is not None:
            return refusal
        serializer = SubmissionRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return errors_response(serializer_errors(serializer.errors))
        data = serializer.validated_data
        key = request.headers.get("Idempotency-Key", "").strip()
        if key and (len(key) > 90 or not key.isprintable()):
            return errors_response(
                [
                    error(
                        "",
                        "Der Idempotency-Key ist zu lang oder enthält unzulässige Zeichen.",
                        "The Idempotency-Key is too long or contains invalid characters.",
                        "idempotency_key",
                    )
                ]
            )
        municipality = Municipality.objects.filter(ars=data["municipality"]).first()
        if municipality is None:
            return errors_response(
                [
                    error(
                        "/municipality",
                        "Diese Kommune ist nicht bekannt.",
                        "This municipality is not known.",
                        "unknown_municipality",
                    )
                ]
            )
        try:
            case = case_submit(
                process_version=found,
                municipality=municipality,
                answers=data["answers"],
                declarations=data["declarations"],
                submission_key=f"api:{key}" if key else f"api:{uuid.uuid4().hex}",
                upload_owner=data["upload_tokens"],
                language=getattr(request, "LANGUAGE_CODE", "de"),
                # A front end on the engine's own origin signs the citizen in through the
                # identity plugin; the API never takes an identity claimed in the body.
                identity=session_identity(request.session),
            )
        except AnswersInvalid as exc:
            return errors_response(
                [error(e.pointer, e.message, e.message_en, e.code) for e in exc.errors]
            )
        except SubmissionRefused as exc:
            # version_not_offered: 409, the municipality offers another version of the
            # process (GET processes/ names it per municipality); calculator: 409, a
            # calculator files nothing.
            if exc.code in {"version_retired", "version_not_published"}:
                code = status.HTTP_404_NOT_FOUND
                pointer = ""
            elif exc.code in {"key_reused", "version_not_offered", "calculator"}:
                code, pointer = status.HTTP_409_CONFLICT, ""
            else:
                code, pointer = status.HTTP_400_BAD_REQUEST, "/municipality"
            return errors_response([error(pointer, exc.message, exc.message_en, exc.code)], code)
        return Response(
            SubmissionResponseSerializer(
                {"reference": case.reference, "case_id": case.pk, "submitted_at": case.submitted_at}
            ).data,
            status=status.HTTP_201_CREATED,
        )
