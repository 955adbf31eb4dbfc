"""The OpenAPI document states every status an operation really answers.

The errors the framework produces (bad body, too large, wrong content type, not
acceptable, throttled, not signed in, unknown path) are derived from the view's own
parser, throttle and permission classes, so the document cannot drift from the server.
All of them carry the error schema `{"errors": [...]}` (see `api/errors.py`).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

from .serializers import ErrorResponseSerializer

DESCRIPTIONS = {
    "400": "Ungültige Anfrage / invalid request (body, parameters, answers, query string)",
    "403": "Nicht angemeldet oder nicht berechtigt / not signed in or not permitted",
    "404": "Nicht gefunden / not found",
    "406": "Nur application/json / only application/json is answered",
    "413": "Anfrage zu groß / request too large (DATA_UPLOAD_MAX_MEMORY_SIZE)",
    "415": "Inhaltstyp nicht angenommen / content type not accepted",
    "429": "Zu viele Anfragen / throttled (header Retry-After)",
}


class ApiAutoSchema(AutoSchema):
    def _error_codes(self) -> list[str]:
        view = self.view
        # 400 everywhere: a query string with a NUL is refused (core InputHygieneMiddleware).
        codes = ["400", "406"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["413", "415"]
        if "{" in self.path:
            codes.append("404")  # a path parameter that names nothing
        if getattr(view, "throttle_classes", None):
            codes.append("429")
        if any(not issubclass(cls, AllowAny) for cls in getattr(view, "permission_classes", [])):
            codes.append("403")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorResponseSerializer, code, direction=direction
                )
            if not responses[code].get("description"):
                responses[code]["description"] = DESCRIPTIONS[code]
        return dict(sorted(responses.items()))


VERSION_PARAMETERS = {
    "process_id": "$response.body#/0/id",
    "version": "$response.body#/0/version",
    # A process id is unique per publisher only: the link names the publisher too.
    "publisher": "$response.body#/0/publisher/slug",
}

# OpenAPI links: how a client (and schemathesis' stateful run) gets from one answer to the
# next request. Keyed by (path, method, status) of the answer.
LINKS = {
    ("/api/processes/", "get", "200"): {
        "Version": {"operationId": "processes_versions_retrieve", "parameters": VERSION_PARAMETERS},
        "DataSchema": {
            "operationId": "processes_versions_data_schema_retrieve",
            "parameters": VERSION_PARAMETERS,
        },
        "Upload": {
            "operationId": "processes_versions_uploads_create",
            "parameters": VERSION_PARAMETERS,
        },
        "Submission": {
            # a municipality takes submissions on the version it offers
            "operationId": "processes_versions_submissions_create",
            "parameters": {
                "process_id": "$response.body#/0/id",
                "version": "$response.body#/0/municipalities/0/version",
            },
            "requestBody": {"municipality": "$response.body#/0/municipalities/0/ars"},
        },
    },
    ("/api/processes/{process_id}/versions/{version}/", "get", "200"): {
        "DataSchema": {
            "operationId": "processes_versions_data_schema_retrieve",
            "parameters": {
                "process_id": "$response.body#/id",
                "version": "$response.body#/version",
                "publisher": "$response.body#/publisher/slug",
            },
        },
        "Submission": {
            "operationId": "processes_versions_submissions_create",
            "parameters": {
                "process_id": "$response.body#/id",
                "version": "$response.body#/version",
                "publisher": "$response.body#/publisher/slug",
            },
        },
    },
    ("/api/processes/{process_id}/versions/{version}/submissions/", "post", "201"): {
        "ClerkCase": {
            "operationId": "sachbearbeitung_faelle_retrieve",
            "parameters": {"case_id": "$response.body#/case_id"},
        },
    },
}


def add_links(result, generator, request, public):
    """drf-spectacular post-processing hook: adds `LINKS` to the responses."""
    for (path, method, code), links in LINKS.items():
        response = result.get("paths", {}).get(path, {}).get(method, {}).get("responses", {})
        if code in response:
            response[code]["links"] = links
    return result
