"""What the studio API's views share: who may do what (per publisher), the definition body
parser, and catalog refusals in the API's error shape.

Roles come from `catalog.review` (the studio pages use the same ones through
`studio/access.py`; the API is its sibling layer and does not import it). As on the pages:
no studio role at all → 403; a version, process, publisher or approval of a publisher the
user may not see → 404 (its existence is not revealed); seen but the role missing → 403.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from forms_engine.catalog.exceptions import (
    ApprovalRequired,
    CatalogError,
    EditConflict,
    ImmutableVersionError,
    InvalidTransition,
    PublishRefused,
)
from forms_engine.catalog.models import ProcessVersion, PublishApproval, Publisher
from forms_engine.catalog.review import can_design, can_review, can_see, studio_publishers
from forms_engine.definitions import MAX_FILE_BYTES, DefinitionError, Problem, load_definition

from .errors import BodyRefused, PayloadTooLarge, error, serializer_errors

#: Largest database id a path or query may name (PostgreSQL's integer; larger is 404).
MAX_ID = 2**31 - 1


class Refused(BodyRefused):
    """A refusal with our error objects and any status (raised from views and helpers;
    `api_exception_handler` answers it like every other error)."""

    def __init__(self, errors: list[dict], status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(errors)
        self.status_code = status_code


def refused(status_code: int, pointer: str, message: str, message_en: str, code: str):
    return Refused([error(pointer, message, message_en, code)], status_code)


# --- permissions ---------------------------------------------------------------------------


class StudioUser(BasePermission):
    """Signed in (staff session: password and, where required, the second factor) with a
    studio role for at least one publisher. Anonymous: 403 `not_authenticated`; signed in
    without any role: 403 `no_studio_role`."""

    def has_permission(self, request, view):
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        if not studio_publishers(user).exists():
            raise refused(
                status.HTTP_403_FORBIDDEN,
                "",
                "Sie haben keine Rolle im Prozess-Studio.",
                "You have no role in the process studio.",
                "no_studio_role",
            )
        return True


def not_found(what_de: str = "Diese Version gibt es nicht.", what_en: str = "") -> Refused:
    return refused(
        status.HTTP_404_NOT_FOUND,
        "",
        what_de,
        what_en or "This version does not exist.",
        "not_found",
    )


def designer_required() -> Refused:
    return refused(
        status.HTTP_403_FORBIDDEN,
        "",
        "Dafür brauchen Sie die Design-Rolle dieses Herausgebers.",
        "This needs the designer role of this publisher.",
        "designer_role_required",
    )


def reviewer_required() -> Refused:
    return refused(
        status.HTTP_403_FORBIDDEN,
        "",
        "Dafür brauchen Sie die Freigabe-Rolle dieses Herausgebers.",
        "This needs the reviewer role of this publisher.",
        "reviewer_role_required",
    )


def version_for(user, version_id: int, *, design: bool = False) -> ProcessVersion:
    """The version if `user` may see it (else 404); with `design` the designer role too
    (else 403)."""
    version = (
        ProcessVersion.objects.select_related("process__publisher").filter(pk=version_id).first()
        if 0 < version_id <= MAX_ID
        else None
    )
    if version is None or not can_see(user, version.process.publisher):
        raise not_found()
    if design and not can_design(user, version.process.publisher):
        raise designer_required()
    return version


def publisher_for(user, slug: str, *, design: bool = False) -> Publisher:
    publisher = Publisher.objects.filter(slug=slug).first() if len(slug) <= 100 else None
    if publisher is None or not can_see(user, publisher):
        raise not_found("Diesen Herausgeber gibt es nicht.", "This publisher does not exist.")
    if design and not can_design(user, publisher):
        raise designer_required()
    return publisher


def approval_for(user, approval_id: int) -> PublishApproval:
    """The approval request if `user` may see its version (else 404) and is a reviewer of
    its publisher (else 403)."""
    approval = (
        PublishApproval.objects.select_related(
            "version__process__publisher", "requested_by", "decided_by"
        )
        .filter(pk=approval_id)
        .first()
        if 0 < approval_id <= MAX_ID
        else None
    )
    if approval is None or not can_see(user, approval.version.process.publisher):
        raise not_found(
            "Diese Freigabe-Anfrage gibt es nicht.", "This approval request does not exist."
        )
    if not can_review(user, approval.version.process.publisher):
        raise reviewer_required()
    return approval


def roles_of(user, publisher: Publisher) -> dict:
    return {"can_design": can_design(user, publisher), "can_review": can_review(user, publisher)}


# --- bodies --------------------------------------------------------------------------------


def problem_error(problem: Problem | str, code: str, prefix: str = "") -> dict:
    if isinstance(problem, Problem):
        return error(
            prefix + problem.pointer,
            problem.message,
            problem.message_en or problem.message,
            code,
        )
    return error(prefix, str(problem), str(problem), code)


def problem_dict(problem: Problem) -> dict:
    return {
        "pointer": problem.pointer,
        "message": problem.message,
        "message_en": problem.message_en or problem.message,
    }


def read_limited(stream, parser_context, limit: int) -> bytes:
    """A request body of at most `limit` bytes: a larger announced Content-Length is refused
    unread, a longer body after `limit + 1` bytes (413 `PayloadTooLarge`); no body: 400."""
    request = (parser_context or {}).get("request")
    if request is not None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise PayloadTooLarge()
    if stream is None:
        raise ParseError()
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge()
    return raw


class DefinitionParser(BaseParser):
    """A JSON body read as a process definition file is: at most `MAX_FILE_BYTES` (413,
    the rest never read), then `load_definition` (a JSON object; no NaN/Infinity, overlong
    numbers, NUL, lone surrogates, duplicate keys; nesting and width within the definition
    limits). Anything it refuses → 400 `invalid_definition`, one entry per problem (pointer
    into the body)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = min(MAX_FILE_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or MAX_FILE_BYTES)
        raw = read_limited(stream, parser_context, limit)
        try:
            return load_definition(raw)
        except DefinitionError as exc:
            problems = exc.problems or [
                Problem("", "Keine gültige Definition.", "Not a valid definition.")
            ]
            raise BodyRefused([problem_error(p, "invalid_definition") for p in problems]) from None


# --- validation errors ---------------------------------------------------------------------

# Codes of the studio serializers and of DRF fields the shared table does not name.
FIELD_MESSAGES = {
    "one_source": (
        "Geben Sie genau eines an: „definition“ oder „from_version“.",
        "Give exactly one of 'definition' and 'from_version'.",
    ),
    "reason_required": (
        "Bitte begründen Sie die Ablehnung.",
        "Please give a reason for the rejection.",
    ),
    "min_value": ("Der Wert ist zu klein.", "The value is too small."),
    "max_value": ("Der Wert ist zu groß.", "The value is too large."),
    "max_string_length": ("Der Wert ist zu lang.", "The value is too long."),
    "date": ("Hier wird ein Zeitpunkt erwartet.", "A date and time is expected here."),
    "make_aware": ("Diesen Zeitpunkt gibt es nicht.", "This date and time does not exist."),
    "overflow": ("Der Zeitpunkt liegt zu weit weg.", "The date and time is out of range."),
}


def validation_errors(detail) -> list[dict]:
    out = []
    for item in serializer_errors(detail):
        known = FIELD_MESSAGES.get(item["code"])
        if known:
            item = error(item["pointer"], known[0], known[1], item["code"])
        out.append(item)
    return out


def valid_data(serializer_class, data, *, prefix: str = ""):
    if not isinstance(data, dict):
        raise refused(
            status.HTTP_400_BAD_REQUEST,
            "",
            "Der Inhalt der Anfrage muss ein JSON-Objekt sein.",
            "The request body must be a JSON object.",
            "not_a_dict",
        )
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        errors = validation_errors(serializer.errors)
        for item in errors:
            item["pointer"] = prefix + item["pointer"]
        raise Refused(errors)
    return serializer.validated_data


# --- catalog refusals ----------------------------------------------------------------------


def _test_pointer(version: ProcessVersion | None, text: str) -> str:
    tests = (version.definition or {}).get("tests") if version is not None else None
    if isinstance(tests, list):
        for index, test in enumerate(tests):
            name = test.get("name") if isinstance(test, dict) else None
            if isinstance(name, str) and text.startswith(name + ":"):
                return f"/tests/{index}"
    return "/tests"


def catalog_refusal(exc: CatalogError, version: ProcessVersion | None = None) -> Response:
    """A catalog error as the API answers it:

    - `PublishRefused` → 422: `publish_refused` (the summary) and one entry per reason:
      `definition_problem` (pointer into the definition; the version number's problems at
      `/version`), `test_failed` (pointer `/tests/<index>`; the test's sentences are German);
    - `EditConflict` → 409 `edit_conflict` (who saved when), header `ETag` the draft's
      revision now;
    - `ApprovalRequired` → 409 `approval_required`; `ImmutableVersionError` → 409
      `version_immutable`; `InvalidTransition` (and any other) → 409 `invalid_transition`.
    """
    headers = {}
    if isinstance(exc, PublishRefused):
        errors = [error("", exc.message, exc.message_en, "publish_refused")]
        for problem in exc.problems:
            if isinstance(problem, Problem):
                errors.append(problem_error(problem, "definition_problem"))
            else:
                text = str(problem)
                errors.append(
                    error(
                        _test_pointer(version, text),
                        f"Designer-Test schlägt fehl: {text}",
                        f"Designer test fails: {text}",
                        "test_failed",
                    )
                )
        return Response({"errors": errors}, status=422, headers=headers)
    if isinstance(exc, EditConflict):
        code = "edit_conflict"
        headers["ETag"] = f'"{exc.current_revision}"'
    elif isinstance(exc, ApprovalRequired):
        code = "approval_required"
    elif isinstance(exc, ImmutableVersionError):
        code = "version_immutable"
    elif isinstance(exc, InvalidTransition):
        code = "invalid_transition"
    else:
        code = "invalid_transition"
    return Response(
        {"errors": [error("", exc.message, exc.message_en, code)]},
        status=status.HTTP_409_CONFLICT,
        headers=headers,
    )
