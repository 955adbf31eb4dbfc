"""Every API error in one shape: `{"errors": [{pointer, message, message_en, code}]}`.

The DRF exception handler (`REST_FRAMEWORK["EXCEPTION_HANDLER"]`) shapes what DRF raises
(400 parse errors, 403, 404, 405, 406, 413, 415, 429, validation errors) and what Django
raises while a view reads the body (`RequestDataTooBig`, a broken multipart, too many
fields). The root URLconf's handlers answer unknown URLs and crashes under `/api/` with the
same shape (`api_page_not_found`, `api_server_error`, ...); everything else keeps Django's
pages.
"""

from __future__ import annotations

import logging

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def error(pointer, message, message_en, code):
    return {"pointer": pointer, "message": message, "message_en": message_en, "code": code}


def errors_response(errors, status_code=status.HTTP_400_BAD_REQUEST):
    return Response({"errors": errors}, status=status_code)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "too_large"


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."
    default_code = "bad_request"


class BodyRefused(exceptions.APIException):
    """A request body refused while parsing, with our error objects (pointer into the body)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, errors: list[dict]):
        super().__init__(detail=errors[0]["message_en"] if errors else "", code="invalid")
        self.errors = errors


# (German, English) per code; DRF's own texts follow the active language, ours carry both.
MESSAGES = {
    "parse_error": (
        "Der Inhalt der Anfrage ist kein gültiges JSON oder ein fehlerhaftes Formular.",
        "The request body is not valid JSON or a broken form.",
    ),
    "not_authenticated": (
        "Bitte melden Sie sich an.",
        "Please sign in.",
    ),
    "authentication_failed": (
        "Die Anmeldung ist fehlgeschlagen.",
        "Authentication failed.",
    ),
    "permission_denied": (
        "Sie haben keine Berechtigung für diese Anfrage.",
        "You do not have permission for this request.",
    ),
    "not_found": (
        "Diese Adresse gibt es nicht.",
        "This address does not exist.",
    ),
    "method_not_allowed": (
        "Diese Methode ist hier nicht erlaubt.",
        "This method is not allowed here.",
    ),
    "not_acceptable": (
        "Diese Schnittstelle antwortet nur mit application/json.",
        "This API answers in application/json only.",
    ),
    "too_large": (
        "Die Anfrage ist zu groß.",
        "The request is too large.",
    ),
    "unsupported_media_type": (
        "Dieser Inhaltstyp wird hier nicht angenommen.",
        "This content type is not accepted here.",
    ),
    "throttled": (
        "Zu viele Anfragen. Bitte versuchen Sie es später erneut.",
        "Too many requests. Please try again later.",
    ),
    "bad_request": (
        "Die Anfrage ist fehlerhaft.",
        "The request is malformed.",
    ),
    "server_error": (
        "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.",
        "An internal error occurred. Please try again later.",
    ),
}


# DRF's field error codes in both languages (DRF's own text follows the active language).
FIELD_MESSAGES = {
    "required": ("Dieses Feld ist erforderlich.", "This field is required."),
    "invalid": (
        "Der Wert hat nicht die erwartete Form.",
        "The value does not have the expected form.",
    ),
    "null": ("Dieses Feld darf nicht null sein.", "This field may not be null."),
    "blank": ("Dieses Feld darf nicht leer sein.", "This field may not be blank."),
    "not_a_dict": ("Hier wird ein JSON-Objekt erwartet.", "A JSON object is expected here."),
    "not_a_list": ("Hier wird eine Liste erwartet.", "A list is expected here."),
    "empty": ("Dieses Feld darf nicht leer sein.", "This field may not be empty."),
    "max_length": ("Der Wert ist zu lang.", "The value is too long."),
    "min_length": ("Der Wert ist zu kurz.", "The value is too short."),
    "invalid_choice": ("Dieser Wert ist nicht zulässig.", "This value is not allowed."),
    "null_characters_not_allowed": (
        "Die Eingabe enthält ein unzulässiges Steuerzeichen (NUL).",
        "The input contains a forbidden control character (NUL).",
    ),
    "surrogate_characters_not_allowed": (
        "Die Eingabe enthält ungültige Unicode-Zeichen.",
        "The input contains invalid Unicode characters.",
    ),
    "no_name": ("Die Datei hat keinen Namen.", "The file has no name."),
    "empty_file": ("Die Datei ist leer.", "The file is empty."),
}


def _known(code: str, *, pointer: str = "") -> dict:
    message, message_en = MESSAGES[code]
    return error(pointer, message, message_en, code)


def serializer_errors(detail, prefix=""):
    """DRF validation errors → our error objects (pointer into the request body)."""
    out = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            out.extend(serializer_errors(value, f"{prefix}/{key}"))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                out.extend(serializer_errors(value, f"{prefix}/{index}"))
            else:
                out.extend(serializer_errors(value, prefix))
    else:
        code = getattr(detail, "code", "invalid")
        known = FIELD_MESSAGES.get(code)
        if known:
            out.append(error(prefix, known[0], known[1], code))
        else:
            out.append(
                error(
                    prefix,
                    "Ungültige Anfrage: " + str(detail),
                    "Invalid request: " + str(detail),
                    code,
                )
            )
    return out


def _errors_for(exc: exceptions.APIException, request) -> list[dict]:
    if isinstance(exc, BodyRefused):
        return exc.errors
    if isinstance(exc, exceptions.ValidationError):
        return serializer_errors(exc.detail)
    if isinstance(exc, exceptions.MethodNotAllowed) and request is not None:
        method = request.method
        return [
            error(
                "",
                f"Die Methode {method} ist hier nicht erlaubt.",
                f"The method {method} is not allowed here.",
                "method_not_allowed",
            )
        ]
    if isinstance(exc, exceptions.UnsupportedMediaType) and request is not None:
        media_type = (request.content_type or "").split(";")[0].strip()[:100] or "-"
        return [
            error(
                "",
                f"Der Inhaltstyp {media_type} wird hier nicht angenommen.",
                f"The content type {media_type} is not accepted here.",
                "unsupported_media_type",
            )
        ]
    if isinstance(exc, exceptions.Throttled):
        found = _known("throttled")
        if exc.wait is not None:
            seconds = max(1, int(exc.wait))
            found["message"] = (
                f"Zu viele Anfragen. Bitte versuchen Sie es in {seconds} Sekunden erneut."
            )
            found["message_en"] = f"Too many requests. Please try again in {seconds} seconds."
        return [found]
    code = exc.default_code if isinstance(exc.default_code, str) else "error"
    if code in MESSAGES:
        return [_known(code)]
    return [error("", str(exc.detail), str(exc.detail), code)]


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error as `{"errors": [...]}`; headers (Retry-After,
    Allow) kept from DRF's own handler."""
    # Imported here: rest_framework.views loads the parser classes, which import this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent | MultiPartParserError):
        exc = exceptions.ParseError()
    elif isinstance(exc, SuspiciousOperation):
        exc = BadRequest()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a crash: Django's handler500 answers (JSON under /api/)
    response.data = {"errors": _errors_for(exc, (context or {}).get("request"))}
    return response


def _json(code: str, status_code: int) -> JsonResponse:
    return JsonResponse({"errors": [_known(code)]}, status=status_code)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


def api_page_not_found(request, exception=None):
    return _json("not_found", 404)


def api_bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return _json("too_large", 413)
    return _json("bad_request", 400)


def api_permission_denied(request, exception=None):
    return _json("permission_denied", 403)


def api_server_error(request):
    return _json("server_error", 500)
