"""Studio API (`/api/studio/`): what the designer studio's pages do, for scripts and tools.

Validate a definition, list processes and versions, create and update drafts (optimistic
concurrency: `ETag`/`If-Match` carry the draft's revision), saved states, designer tests,
the diff of two versions, a preview of answers without any case, four-eyes approval,
publish (now or later) and retire.

Authentication: the staff session only (SessionAuthentication, CSRF token on every unsafe
method, the second factor where required) — see docs/architecture.md, "Studio API".
Permissions per publisher (`catalog.review`): see `api/studio_support.py`.
Thin: parse, check the role, call one catalog service or the pure definitions API, render.
"""

from __future__ import annotations

import re

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from forms_engine.catalog.exceptions import CatalogError
from forms_engine.catalog.models import Process, ProcessVersion, PublishApproval
from forms_engine.catalog.review import (
    approval_decide,
    approval_request,
    publish_unschedule,
    studio_publish,
    studio_publishers,
    studio_retire,
)
from forms_engine.catalog.selectors import semver_key
from forms_engine.catalog.services import (
    process_version_create_draft,
    process_version_new_draft_from,
    process_version_update_draft,
)
from forms_engine.definitions import (
    DefinitionError,
    authoring_findings,
    check_definition,
    compile_definition,
    definition_diff,
    definition_warnings,
    required_bump,
    version_step,
)

from .errors import error
from .serializers import ErrorResponseSerializer
from .studio_serializers import (
    ApprovalRequestBodySerializer,
    ApprovalSerializer,
    DecisionBodySerializer,
    DiffQuerySerializer,
    DiffSerializer,
    DraftCreateRequestSerializer,
    PreviewRequestSerializer,
    PreviewSerializer,
    PublishBodySerializer,
    PublishResultSerializer,
    RetireBodySerializer,
    RevisionDetailSerializer,
    RevisionSerializer,
    StudioProcessSerializer,
    TestRunRequestSerializer,
    TestRunSerializer,
    ValidateResponseSerializer,
    VersionDetailSerializer,
)
from .studio_support import (
    MAX_ID,
    DefinitionParser,
    Refused,
    StudioUser,
    approval_for,
    catalog_refusal,
    not_found,
    problem_dict,
    problem_error,
    publisher_for,
    refused,
    roles_of,
    valid_data,
    version_for,
)

TAG = ["studio"]
ERROR = ErrorResponseSerializer
CONFLICT = OpenApiResponse(
    ERROR,
    description="Konflikt / conflict: `edit_conflict`, `approval_required`, "
    "`version_immutable`, `invalid_transition`",
)
UNPROCESSABLE = OpenApiResponse(
    ERROR,
    description="Die Definition lässt das nicht zu / the definition does not allow it "
    "(`definition_invalid`, `publish_refused` with every reason)",
)
ETAG = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='Der Bearbeitungsstand, auf dem die Änderung beruht: `"<revision>"` aus dem '
    "`ETag` von GET (oder `*`: ohne Prüfung). Ohne: 428. / The revision the change is based "
    'on: `"<revision>"` from the ETag of GET (or `*`: no check). Missing: 428.',
)


class StudioView(APIView):
    permission_classes = [StudioUser]


def _id(value) -> int:
    """A path id as the database can hold it (0 for anything larger: found nowhere)."""
    return value if 0 < value <= MAX_ID else 0


def version_summary(version: ProcessVersion) -> dict:
    return {
        "id": version.pk,
        "version": version.version,
        "status": version.status,
        "revision": version.revision,
        "sha256": version.sha256,
        "title": version.title,
        "created_at": version.created_at,
        "published_at": version.published_at,
        "retired_at": version.retired_at,
        "publish_at": version.publish_at,
        "based_on": version.based_on_id,
    }


def publisher_dict(publisher) -> dict:
    return {"slug": publisher.slug, "name": publisher.name}


def version_detail(user, version: ProcessVersion) -> dict:
    process = version.process
    return {
        **version_summary(version),
        "process": {
            "id": process.pk,
            "identifier": process.identifier,
            "publisher": publisher_dict(process.publisher),
            "four_eyes": process.publisher.four_eyes,
        },
        "roles": roles_of(user, process.publisher),
        "definition": version.definition,
    }


def version_response(user, version: ProcessVersion, status_code=status.HTTP_200_OK, **headers):
    return Response(
        VersionDetailSerializer(version_detail(user, version)).data,
        status=status_code,
        headers={"ETag": f'"{version.revision}"', **headers},
    )


def compiled_or_refusal(version: ProcessVersion):
    """The compiled definition of `version`, or 422 `definition_invalid` with its problems."""
    try:
        return compile_definition(version.definition)
    except DefinitionError as exc:
        problems = exc.problems or []
        raise Refused(
            [
                error(
                    "",
                    "Die Definition hat Fehler; bitte zuerst beheben.",
                    "The definition has errors; please fix them first.",
                    "definition_invalid",
                ),
                *(problem_error(p, "definition_problem") for p in problems),
            ],
            status.HTTP_422_UNPROCESSABLE_ENTITY,
        ) from None


# --- validate ------------------------------------------------------------------------------


class ValidateView(StudioView):
    parser_classes = [DefinitionParser]

    @extend_schema(
        tags=TAG,
        summary="Definition prüfen / validate a definition",
        description="Der Inhalt ist die Definition selbst. Antwort 200 mit Problemen, "
        "Hinweisen und Befunden zu Barrierefreiheit und Sprache (`findings`); ein Inhalt, der keine ladbare Definition ist (kein Objekt, NUL, zu tief, "
        "doppelte Schlüssel, …) 400 `invalid_definition`; über 2 MiB 413. / The body is the "
        "definition. 200 with problems and warnings; a body that is no loadable definition "
        "400 `invalid_definition`; over 2 MiB 413.",
        request=OpenApiTypes.OBJECT,
        responses={200: ValidateResponseSerializer, 400: ERROR},
    )
    def post(self, request):
        doc = request.data
        problems = list(check_definition(doc))
        if not problems:
            try:
                compile_definition(doc)
            except DefinitionError as exc:
                problems = list(exc.problems)
        warnings = definition_warnings(doc)
        findings = authoring_findings(doc)
        return Response(
            ValidateResponseSerializer(
                {
                    "valid": not problems,
                    "problems": [problem_dict(p) for p in problems],
                    "warnings": [problem_dict(w) for w in warnings],
                    "findings": [
                        {
                            "pointer": f.pointer,
                            "code": f.code,
                            "message": f.message,
                            "message_en": f.message_en or f.message,
                            "hint": f.hint,
                            "hint_en": f.hint_en,
                        }
                        for f in findings
                    ],
                }
            ).data
        )


# --- processes and drafts ------------------------------------------------------------------


class ProcessListView(StudioView):
    @extend_schema(
        tags=TAG,
        summary="Verwaltungsleistungen im Studio / the studio's processes",
        description="Alle Prozesse der Herausgeber, in denen Sie eine Rolle haben, mit allen "
        "Versionen (neueste zuerst). / Every process of the publishers you have a role for.",
        responses={200: StudioProcessSerializer(many=True)},
    )
    def get(self, request):
        user = request.user
        publishers = list(studio_publishers(user))
        processes = (
            Process.objects.filter(publisher__in=publishers)
            .select_related("publisher")
            .prefetch_related(
                Prefetch("versions", queryset=ProcessVersion.objects.defer("definition"))
            )
            .order_by("publisher__slug", "identifier")
        )
        roles = {p.pk: roles_of(user, p) for p in publishers}
        items = []
        for process in processes:
            versions = sorted(
                process.versions.all(), key=lambda v: semver_key(v.version), reverse=True
            )
            items.append(
                {
                    "id": process.pk,
                    "identifier": process.identifier,
                    "publisher": publisher_dict(process.publisher),
                    "roles": roles[process.publisher_id],
                    "four_eyes": process.publisher.four_eyes,
                    "versions": [version_summary(v) for v in versions],
                }
            )
        return Response(StudioProcessSerializer(items, many=True).data)


class DraftCreateView(StudioView):
    parser_classes = [DefinitionParser]

    @extend_schema(
        tags=TAG,
        summary="Neuer Entwurf / create a draft",
        description="Aus einer Definition (`definition`; der Prozess wird beim ersten Entwurf "
        "angelegt) oder als Kopie einer vorhandenen Version (`from_version`, optional "
        "`version` als neue Nummer). Der ganze Inhalt unterliegt den Grenzen einer "
        "Definitionsdatei (2 MiB, Tiefe 64, kein NUL). / From a definition or as a copy of "
        "an existing version; the whole body obeys a definition file's limits.",
        request=DraftCreateRequestSerializer,
        responses={201: VersionDetailSerializer, 400: ERROR, 409: CONFLICT},
    )
    def post(self, request, publisher, process_id):
        publisher = publisher_for(request.user, publisher, design=True)
        data = valid_data(DraftCreateRequestSerializer, request.data)
        note = data.get("note", "")
        try:
            if "definition" in data:
                created = self._from_definition(request, publisher, process_id, data, note)
            else:
                created = self._from_version(request, publisher, process_id, data)
        except CatalogError as exc:
            return catalog_refusal(exc)
        location = reverse("api:studio-version", args=[created.pk])
        return version_response(request.user, created, status.HTTP_201_CREATED, Location=location)

    def _from_definition(self, request, publisher, process_id, data, note):
        doc = data["definition"]
        identifier, number = doc.get("id"), doc.get("version")
        if identifier != process_id or len(process_id) > 100:
            raise refused(
                status.HTTP_400_BAD_REQUEST,
                "/definition/id",
                "Die Kennung der Definition muss die Prozesskennung im Pfad sein "
                "(höchstens 100 Zeichen).",
                "The definition's id must be the process id of the path (at most 100 characters).",
                "id_mismatch",
            )
        _check_number(number, "/definition/version")
        try:
            return process_version_create_draft(
                doc=doc, publisher=publisher, by=request.user, note=note
            )
        except DefinitionError as exc:
            raise Refused(
                [problem_error(p, "invalid_definition", "/definition") for p in exc.problems]
            ) from None

    def _from_version(self, request, publisher, process_id, data):
        source = ProcessVersion.objects.filter(
            process__publisher=publisher,
            process__identifier=process_id,
            version=data["from_version"],
        ).first()
        if source is None:
            raise not_found()
        number = data.get("version")
        if number and source.process.versions.filter(version=number).exists():
            raise refused(
                status.HTTP_409_CONFLICT,
                "/version",
                f"Version {number} gibt es schon.",
                f"Version {number} already exists.",
                "invalid_transition",
            )
        return process_version_new_draft_from(version=source, by=request.user, number=number)


SEMVER = re.compile(r"^\d{1,9}\.\d{1,9}\.\d{1,9}$")


def _check_number(number, pointer: str) -> None:
    """A draft's number must be storable (the meta-schema checks the rest at publish)."""
    if not isinstance(number, str) or not SEMVER.match(number):
        raise refused(
            status.HTTP_400_BAD_REQUEST,
            pointer,
            "Die Versionsnummer muss die Form MAJOR.MINOR.PATCH haben (z. B. 1.2.0).",
            "The version number must have the form MAJOR.MINOR.PATCH (e.g. 1.2.0).",
            "invalid_version",
        )


IF_MATCH = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


def expected_revision(request) -> int | None:
    """The revision of `If-Match`; None for `*`. Missing: 428; malformed: 400."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw:
        raise refused(
            status.HTTP_428_PRECONDITION_REQUIRED,
            "",
            "Bitte senden Sie den Bearbeitungsstand, auf dem Ihre Änderung beruht, im Kopf "
            '„If-Match“ (z. B. If-Match: "3", aus dem ETag von GET).',
            "Please send the revision your change is based on in the header 'If-Match' "
            '(e.g. If-Match: "3", from the ETag of GET).',
            "revision_required",
        )
    if raw == "*":
        return None
    match = IF_MATCH.match(raw)
    if match is None:
        raise refused(
            status.HTTP_400_BAD_REQUEST,
            "",
            'Der Kopf „If-Match“ muss einen Bearbeitungsstand nennen, z. B. "3".',
            "The header 'If-Match' must name a revision, e.g. \"3\".",
            "invalid_if_match",
        )
    return int(match.group(1))


class VersionView(StudioView):
    parser_classes = [DefinitionParser]

    @extend_schema(
        tags=TAG,
        summary="Eine Version mit Definition / a version with its definition",
        description="Kopf `ETag`: der Bearbeitungsstand. / Header ETag: the revision.",
        responses={200: VersionDetailSerializer},
    )
    def get(self, request, version_id):
        return version_response(request.user, version_for(request.user, _id(version_id)))

    @extend_schema(
        tags=TAG,
        summary="Entwurf speichern / update a draft",
        description="Der Inhalt ist die neue Definition; `If-Match` nennt den Stand, auf dem "
        "sie beruht. Veraltet: 409 `edit_conflict` (wer, wann; `ETag` der aktuelle Stand), "
        "nichts geändert. Unveränderte Definition: kein neuer Stand. / The body is the new "
        "definition; If-Match the revision it is based on. Stale: 409 edit_conflict.",
        parameters=[ETAG],
        request=OpenApiTypes.OBJECT,
        responses={
            200: VersionDetailSerializer,
            400: ERROR,
            409: CONFLICT,
            428: OpenApiResponse(ERROR, description="`If-Match` fehlt / missing"),
        },
    )
    def put(self, request, version_id):
        version = version_for(request.user, _id(version_id), design=True)
        revision = expected_revision(request)
        doc = request.data
        if doc.get("id") != version.process.identifier:
            raise refused(
                status.HTTP_400_BAD_REQUEST,
                "/id",
                f"Die Kennung muss „{version.process.identifier}“ bleiben.",
                f"The id must stay '{version.process.identifier}'.",
                "id_mismatch",
            )
        _check_number(doc.get("version"), "/version")
        try:
            saved = process_version_update_draft(
                version=version, doc=doc, by=request.user, expected_revision=revision
            )
        except CatalogError as exc:
            return catalog_refusal(exc, version)
        return version_response(request.user, saved)


class RevisionListView(StudioView):
    @extend_schema(
        tags=TAG,
        summary="Speicherstände eines Entwurfs / a draft's saved states",
        responses={200: RevisionSerializer(many=True)},
    )
    def get(self, request, version_id):
        version = version_for(request.user, _id(version_id))
        revisions = version.revisions.select_related("saved_by").order_by("-number")
        return Response(
            RevisionSerializer(
                [_revision(r) for r in revisions.defer("definition")], many=True
            ).data
        )


def _revision(revision, definition: bool = False) -> dict:
    data = {
        "number": revision.number,
        "sha256": revision.sha256,
        "saved_by": revision.saved_by.get_username() if revision.saved_by else None,
        "saved_at": revision.saved_at,
        "note": revision.note,
    }
    if definition:
        data["definition"] = revision.definition
    return data


class RevisionView(StudioView):
    @extend_schema(
        tags=TAG,
        summary="Ein Speicherstand mit Definition / one saved state",
        responses={200: RevisionDetailSerializer},
    )
    def get(self, request, version_id, number):
        version = version_for(request.user, _id(version_id))
        found = (
            version.revisions.select_related("saved_by").filter(number=number).first()
            if 0 < number <= MAX_ID
            else None
        )
        if found is None:
            raise not_found(
                "Diesen Speicherstand gibt es nicht.", "This saved state does not exist."
            )
        return Response(RevisionDetailSerializer(_revision(found, definition=True)).data)


# --- checks --------------------------------------------------------------------------------


class TestRunView(StudioView):
    @extend_schema(
        tags=TAG,
        summary="Designer-Tests ausführen / run the designer tests",
        description="Die Tests der Definition (`tests`) gegen ihren jetzigen Stand; eine "
        "Definition mit Fehlern: 422 mit den Problemen. / The definition's tests against its "
        "current state; a definition with errors: 422 with its problems.",
        request=TestRunRequestSerializer,
        responses={200: TestRunSerializer, 400: ERROR, 422: UNPROCESSABLE},
    )
    def post(self, request, version_id):
        version = version_for(request.user, _id(version_id))
        data = valid_data(TestRunRequestSerializer, request.data)
        results = compiled_or_refusal(version).run_tests()
        if "names" in data:
            wanted = set(data["names"])
            results = [r for r in results if r.name in wanted]
        return Response(
            TestRunSerializer(
                {
                    "passed": sum(1 for r in results if r.passed),
                    "failed": sum(1 for r in results if not r.passed),
                    "results": [
                        {"name": r.name, "passed": r.passed, "failures": list(r.failures)}
                        for r in results
                    ],
                }
            ).data
        )


class DiffView(StudioView):
    @extend_schema(
        tags=TAG,
        summary="Unterschiede zweier Versionen / the diff of two versions",
        parameters=[
            OpenApiParameter("from", int, OpenApiParameter.QUERY, required=True),
            OpenApiParameter("to", int, OpenApiParameter.QUERY, required=True),
        ],
        responses={
            200: DiffSerializer,
            400: ERROR,
            404: OpenApiResponse(ERROR, description="Nicht gefunden / not found"),
        },
    )
    def get(self, request):
        query = valid_data(DiffQuerySerializer, request.query_params.dict())
        old = version_for(request.user, query["from"])
        new = version_for(request.user, query["to"])
        changes = definition_diff(old.definition, new.definition)
        return Response(
            DiffSerializer(
                {
                    "from_version": old,
                    "to_version": new,
                    "changes": changes,
                    "required_bump": required_bump(changes),
                    "version_step": version_step(old.version, new.version),
                }
            ).data
        )


class PreviewView(StudioView):
    @extend_schema(
        tags=TAG,
        summary="Antworten durchspielen / preview answers",
        description="Ohne Antrag: zutreffende Schritte, Fehler (ein Schritt mit `step`, sonst "
        "alle Antworten), Gebühren mit den Parameterwerten, bereinigte Antworten. / Without "
        "any case: applicable steps, errors, fees bound to the parameters, pruned answers.",
        request=PreviewRequestSerializer,
        responses={200: PreviewSerializer, 400: ERROR, 422: UNPROCESSABLE},
    )
    def post(self, request, version_id):
        version = version_for(request.user, _id(version_id))
        data = valid_data(PreviewRequestSerializer, request.data)
        compiled = compiled_or_refusal(version)
        try:
            bound = compiled.bind(data["parameters"])
        except DefinitionError as exc:
            raise Refused(
                [problem_error(p, "parameter_invalid", "/parameters") for p in exc.problems]
            ) from None
        answers = data["answers"]
        step = data.get("step")
        if step is not None:
            if step not in {s.id for s in bound.steps}:
                raise refused(
                    status.HTTP_400_BAD_REQUEST,
                    "/step",
                    f"Einen Schritt „{step}“ gibt es in dieser Version nicht.",
                    f"There is no step '{step}' in this version.",
                    "unknown_step",
                )
            errors = bound.validate_step(step, answers.get(step, {}), answers)
        else:
            errors = bound.validate_answers(answers)
        fees = bound.fees(answers)
        return Response(
            PreviewSerializer(
                {
                    "steps": [
                        {"id": s.id, "title": s.title} for s in bound.applicable_steps(answers)
                    ],
                    "step": step,
                    "valid": not errors,
                    "errors": [error(e.pointer, e.message, e.message_en, e.code) for e in errors],
                    "fees": [{"id": f.id, "label": f.label, "amount": str(f.amount)} for f in fees],
                    "fee_total": str(bound.fee_total(answers)),
                    "answers": bound.prune(answers),
                }
            ).data
        )


# --- approval, publish, retire -------------------------------------------------------------


def approval_dict(approval: PublishApproval) -> dict:
    return {
        "id": approval.pk,
        "version": approval.version_id,
        "sha256": approval.sha256,
        "current": approval.sha256 == approval.version.sha256,
        "status": approval.status,
        "requested_by": approval.requested_by.get_username(),
        "requested_at": approval.requested_at,
        "comment": approval.comment,
        "decided_by": approval.decided_by.get_username() if approval.decided_by else None,
        "decided_at": approval.decided_at,
        "decision_comment": approval.decision_comment,
    }


class ApprovalRequestView(StudioView):
    @extend_schema(
        tags=TAG,
        summary="Freigabe-Anfragen einer Version / a version's approval requests",
        responses={200: ApprovalSerializer(many=True)},
    )
    def get(self, request, version_id):
        version = version_for(request.user, _id(version_id))
        approvals = version.approvals.select_related(
            "version", "requested_by", "decided_by"
        ).order_by("-pk")
        return Response(ApprovalSerializer([approval_dict(a) for a in approvals], many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Freigabe anfragen / request approval",
        description="Für den Entwurf, wie er jetzt ist (eine offene Anfrage für einen "
        "älteren Stand wird zurückgenommen). / For the draft as it is now.",
        request=ApprovalRequestBodySerializer,
        responses={201: ApprovalSerializer, 400: ERROR, 409: CONFLICT},
    )
    def post(self, request, version_id):
        version = version_for(request.user, _id(version_id), design=True)
        data = valid_data(ApprovalRequestBodySerializer, request.data)
        try:
            approval = approval_request(version=version, by=request.user, comment=data["comment"])
        except CatalogError as exc:
            return catalog_refusal(exc, version)
        approval.version = ProcessVersion.objects.get(pk=version.pk)
        return Response(
            ApprovalSerializer(approval_dict(approval)).data, status=status.HTTP_201_CREATED
        )


class ApprovalDecisionView(StudioView):
    @extend_schema(
        tags=TAG,
        summary="Freigeben oder ablehnen / approve or reject",
        description="Eine Person mit Freigabe-Rolle, nie die anfragende (403 `own_request`); "
        "eine Ablehnung braucht eine Begründung. / A reviewer, never the requester; a "
        "rejection needs a reason.",
        request=DecisionBodySerializer,
        responses={200: ApprovalSerializer, 400: ERROR, 409: CONFLICT},
    )
    def post(self, request, approval_id):
        approval = approval_for(request.user, _id(approval_id))
        data = valid_data(DecisionBodySerializer, request.data)
        if approval.requested_by_id == request.user.pk:
            raise refused(
                status.HTTP_403_FORBIDDEN,
                "",
                "Eine zweite Person muss freigeben: Ihre eigene Anfrage können Sie nicht "
                "entscheiden.",
                "A second person must decide: you cannot decide your own request.",
                "own_request",
            )
        try:
            decided = approval_decide(
                approval=approval, by=request.user, approve=data["approve"], comment=data["comment"]
            )
        except CatalogError as exc:
            return catalog_refusal(exc, approval.version)
        decided.version = approval.version
        return Response(ApprovalSerializer(approval_dict(decided)).data)


class PublishView(StudioView):
    @extend_schema(
        tags=TAG,
        summary="Veröffentlichen (jetzt oder später) / publish now or later",
        description="Verweigert mit allen Gründen (422 `publish_refused`: Probleme der "
        "Definition, fehlschlagende Tests, zu niedrige Versionsnummer) oder 409 "
        "`approval_required`; nichts geändert. Mit `at` in der Zukunft geplant. / Refused "
        "with every reason (422) or 409 approval_required; with `at` in the future scheduled.",
        request=PublishBodySerializer,
        responses={200: PublishResultSerializer, 400: ERROR, 409: CONFLICT, 422: UNPROCESSABLE},
    )
    def post(self, request, version_id):
        version = version_for(request.user, _id(version_id), design=True)
        data = valid_data(PublishBodySerializer, request.data)
        try:
            result = studio_publish(version=version, by=request.user, at=data.get("at"))
        except CatalogError as exc:
            return catalog_refusal(exc, version)
        scheduled = result.status == ProcessVersion.Status.DRAFT
        warnings = [] if scheduled else getattr(result, "publish_warnings", [])
        return Response(
            PublishResultSerializer(
                {
                    **version_summary(result),
                    "scheduled": scheduled,
                    "warnings": [problem_dict(w) for w in warnings],
                }
            ).data
        )

    @extend_schema(
        tags=TAG,
        summary="Geplante Veröffentlichung aufheben / unschedule",
        request=None,
        responses={200: VersionDetailSerializer, 409: CONFLICT},
    )
    def delete(self, request, version_id):
        version = version_for(request.user, _id(version_id), design=True)
        try:
            unscheduled = publish_unschedule(version=version, by=request.user)
        except CatalogError as exc:
            return catalog_refusal(exc, version)
        return version_response(request.user, unscheduled)


class RetireView(StudioView):
    @extend_schema(
        tags=TAG,
        summary="Version zurückziehen / retire a version",
        request=RetireBodySerializer,
        responses={200: VersionDetailSerializer, 400: ERROR, 409: CONFLICT},
    )
    def post(self, request, version_id):
        version = version_for(request.user, _id(version_id), design=True)
        data = valid_data(RetireBodySerializer, request.data)
        try:
            retired = studio_retire(version=version, by=request.user, grace_days=data["grace_days"])
        except CatalogError as exc:
            return catalog_refusal(exc, version)
        return version_response(request.user, retired)
