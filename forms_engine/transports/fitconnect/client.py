"""HTTP clients of the FIT-Connect Submission API v1: the sender (online service) and the
subscriber (receiving system). OAuth2 client credentials, RFC 7807 problems mapped to
`TransientError` / `PermanentError`, an exchangeable `http` callable (see http.py).

Secrets and plaintext are never logged; only methods, paths and statuses are.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from .crypto import (
    JWE_ALG,
    authentication_tag,
    encrypt,
    key_bits,
    public_part,
    verify_jws,
)
from .errors import FitConnectError, PermanentError, TransientError
from .events import event_uri, make_event, unverified_claims
from .http import Http, HttpResponse, urllib_transport
from .metadata import Attachment, build_metadata

logger = logging.getLogger("fitconnect")

SEND_SCOPE = "https://schema.fitko.de/fit-connect/oauth/scopes/send-submissions"
REFRESH_MARGIN = 30  # seconds before expires_in at which a cached token is renewed
LEIKA_KEY = re.compile(r"^99\d{12}$")
ARS = re.compile(r"^(\d{2}|\d{3}|\d{5}|\d{9}|\d{12})$")
ARS_URN = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:"
LEIKA_URN = "urn:de:fim:leika:leistung:"


def _quote(segment: str) -> str:
    return quote(str(segment), safe="")


def _problem_of(response: HttpResponse) -> dict | None:
    if response.content_type not in ("application/problem+json", "application/json"):
        return None
    try:
        value = response.json()
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def error_for(response: HttpResponse, what: str) -> FitConnectError:
    """The error for an unexpected HTTP answer: transient for 5xx/408/429, else permanent."""
    problem = _problem_of(response)
    detail = ""
    if problem:
        detail = str(problem.get("detail") or problem.get("title") or "")[:300]
    suffix = f": {detail}" if detail else ""
    status = response.status
    cls = TransientError if status >= 500 or status in (408, 429) else PermanentError
    return cls(
        f"FIT-Connect antwortete auf „{what}“ mit HTTP {status}{suffix}",
        f"FIT-Connect answered {what!r} with HTTP {status}{suffix}",
        status=status,
        problem=problem,
    )


@dataclass(frozen=True)
class Destination:
    """A Zustellpunkt as the Submission API describes it, with its public encryption key."""

    destination_id: str
    status: str
    encryption_kid: str
    encryption_key: dict
    services: list[dict] = field(default_factory=list)
    metadata_versions: list[str] = field(default_factory=list)
    reply_channels: dict = field(default_factory=dict)

    @property
    def service_identifiers(self) -> list[str]:
        return [s.get("identifier", "") for s in self.services if isinstance(s, dict)]

    @property
    def active(self) -> bool:
        return self.status == "active"


class _ApiClient:
    def __init__(
        self,
        submission_api: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        timeout: float = 10,
        http: Http | None = None,
    ):
        self.submission_api = submission_api.rstrip("/")
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self.timeout = timeout
        self.http = http or urllib_transport
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the secret
        return f"{type(self).__name__}({self.submission_api!r}, client_id={self.client_id!r})"

    # -- transport ---------------------------------------------------------------------

    def _send(self, method: str, url: str, *, headers: dict, body: bytes | None, what: str):
        try:
            response = self.http(method, url, headers=headers, body=body, timeout=self.timeout)
        except (OSError, TimeoutError) as error:
            logger.info("fitconnect %s %s: network error %s", method, what, type(error).__name__)
            raise TransientError(
                f"FIT-Connect ist nicht erreichbar ({what}).",
                f"FIT-Connect is not reachable ({what}): {type(error).__name__}",
            ) from error
        logger.debug("fitconnect %s %s -> %s", method, what, response.status)
        # Any object with status/headers/body will do (e.g. another module's HttpResponse).
        return HttpResponse(
            int(response.status), dict(response.headers or {}), response.body or b""
        )

    def _fetch_token(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        if self.scope:
            form["scope"] = self.scope
        response = self._send(
            "POST",
            self.token_url,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            body=urlencode(form).encode("ascii"),
            what="token",
        )
        if response.status != 200:
            error = error_for(response, "token")
            if isinstance(error, PermanentError):
                error = PermanentError(
                    f"Die Anmeldung bei FIT-Connect wurde abgelehnt (HTTP {response.status}); "
                    "Client-ID und Secret prüfen.",
                    f"FIT-Connect refused the client credentials (HTTP {response.status}).",
                    status=response.status,
                    problem=error.problem,
                )
            raise error
        try:
            answer = response.json()
            token = answer["access_token"]
            expires_in = float(answer.get("expires_in", 300))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
            raise PermanentError(
                "Die Token-Antwort von FIT-Connect ist unlesbar.",
                "FIT-Connect's token answer is unreadable.",
                status=response.status,
            ) from error
        if not isinstance(token, str) or not token:
            raise PermanentError("Kein access_token erhalten.", "No access_token received.")
        self._token = token
        self._token_expires = time.monotonic() + max(0.0, expires_in - REFRESH_MARGIN)
        return token

    def _access_token(self, *, renew: bool = False) -> str:
        with self._lock:
            if renew or not self._token or time.monotonic() >= self._token_expires:
                return self._fetch_token()
            return self._token

    def _request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        json_body=None,
        body: bytes | None = None,
        content_type: str | None = None,
        expected: tuple[int, ...] = (200,),
        auth: bool = True,
        base: str | None = None,
    ) -> HttpResponse:
        url = (base or self.submission_api).rstrip("/") + path
        headers = {"Accept": "application/json, application/problem+json"}
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):
            if auth:
                token = self._access_token(renew=attempt == 2)
                headers["Authorization"] = f"Bearer {token}"
            response = self._send(method, url, headers=headers, body=body, what=what)
            if response.status == 401 and auth and attempt == 1:
                continue  # the token may have expired or been revoked: renew it once
            break
        if response.status not in expected:
            raise error_for(response, what)
        return response

    @staticmethod
    def _json(response: HttpResponse, what: str):
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError) as error:
            raise PermanentError(
                f"Die Antwort von FIT-Connect auf „{what}“ ist kein JSON.",
                f"FIT-Connect's answer to {what!r} is not JSON.",
                status=response.status,
            ) from error

    # -- shared reads --------------------------------------------------------------------

    def events(self, case_id: str) -> list[str]:
        """The event log of a case: the SETs, oldest first (verify with `parse_event`)."""
        response = self._request("GET", f"/v1/cases/{_quote(case_id)}/events", what="events")
        log = self._json(response, "events").get("eventLog", [])
        if not isinstance(log, list) or not all(isinstance(item, str) for item in log):
            raise PermanentError("Das Ereignisprotokoll ist unlesbar.", "Unreadable event log.")
        return log

    def service_keys(self) -> list[dict]:
        """The Zustelldienst's public signature keys (to verify its own SETs)."""
        response = self._request(
            "GET", "/.well-known/jwks.json", what="jwks", auth=False, expected=(200,)
        )
        keys = self._json(response, "jwks").get("keys", [])
        return [public_part(key) for key in keys if isinstance(key, dict)]

    def destination_keys(self, destination_id: str, kid: str) -> dict:
        response = self._request(
            "GET",
            f"/v1/destinations/{_quote(destination_id)}/keys/{_quote(kid)}",
            what="destination key",
        )
        key = self._json(response, "destination key")
        if not isinstance(key, dict):
            raise PermanentError("Der Schlüssel ist unlesbar.", "Unreadable key.")
        return public_part(key)


class SenderClient(_ApiClient):
    """The online service's side: find a destination, announce, upload, submit, track.

    `min_key_bits` (default 4096, as FIT-Connect requires) refuses weaker destination keys;
    tests against a stand-in with small keys pass `min_key_bits=2048`.
    `routing_api` is the Routing API's base URL (default: the submission API's)."""

    def __init__(
        self,
        submission_api: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        timeout: float = 10,
        http: Http | None = None,
        routing_api: str | None = None,
        min_key_bits: int = 4096,
    ):
        super().__init__(
            submission_api,
            token_url,
            client_id,
            client_secret,
            scope=scope,
            timeout=timeout,
            http=http,
        )
        self.routing_api = (routing_api or submission_api).rstrip("/")
        self.min_key_bits = min_key_bits

    def destination(self, destination_id: str) -> Destination:
        response = self._request(
            "GET", f"/v1/destinations/{_quote(destination_id)}", what="destination"
        )
        info = self._json(response, "destination")
        kid = info.get("encryptionKid") if isinstance(info, dict) else None
        if not isinstance(kid, str) or not kid:
            raise PermanentError(
                "Der Zustellpunkt nennt keinen Verschlüsselungsschlüssel.",
                "The destination names no encryption key.",
            )
        key = self.destination_keys(destination_id, kid)
        self._check_encryption_key(key, kid)
        return Destination(
            destination_id=str(info.get("destinationId", destination_id)),
            status=str(info.get("status", "")),
            encryption_kid=kid,
            encryption_key=key,
            services=list(info.get("services") or []),
            metadata_versions=list(info.get("metadataVersions") or []),
            reply_channels=dict(info.get("replyChannels") or {}),
        )

    def _check_encryption_key(self, key: dict, kid: str) -> None:
        problems = []
        if key.get("kty") != "RSA":
            problems.append("kty")
        if key.get("kid") != kid:
            problems.append("kid")
        if key.get("alg") != JWE_ALG:
            problems.append("alg")
        if "wrapKey" not in (key.get("key_ops") or []):
            problems.append("key_ops")
        if key_bits(key) < self.min_key_bits:
            problems.append(f"size < {self.min_key_bits} bit")
        if problems:
            raise PermanentError(
                "Der Schlüssel des Zustellpunkts ist nicht zulässig: " + ", ".join(problems),
                "The destination's key is not acceptable: " + ", ".join(problems),
            )

    def announce(
        self,
        *,
        destination_id: str,
        service_name: str,
        service_identifier: str,
        attachment_ids: list[str],
    ) -> dict:
        body = {
            "destinationId": destination_id,
            "announcedAttachments": list(attachment_ids),
            "serviceType": {"name": service_name, "identifier": service_identifier},
        }
        response = self._request(
            "POST", "/v1/submissions", what="announce", json_body=body, expected=(201, 200)
        )
        answer = self._json(response, "announce")
        if (
            not isinstance(answer, dict)
            or not answer.get("submissionId")
            or not answer.get("caseId")
        ):
            raise PermanentError(
                "Die Antwort auf die Ankündigung ist unvollständig.",
                "The announce answer is incomplete.",
            )
        return {
            "submissionId": answer["submissionId"],
            "caseId": answer["caseId"],
            "destinationId": answer.get("destinationId", destination_id),
        }

    def upload_attachment(self, submission_id: str, attachment_id: str, jwe: str) -> None:
        self._request(
            "PUT",
            f"/v1/submissions/{_quote(submission_id)}/attachments/{_quote(attachment_id)}",
            what="upload attachment",
            body=jwe.encode("ascii"),
            content_type="application/jose",
            expected=(204, 200),
        )

    def submit(self, submission_id: str, *, encrypted_metadata: str, encrypted_data: str) -> dict:
        body = {"encryptedMetadata": encrypted_metadata, "encryptedData": encrypted_data}
        response = self._request(
            "PUT", f"/v1/submissions/{_quote(submission_id)}", what="submit", json_body=body
        )
        answer = self._json(response, "submit") if response.body else {}
        return answer if isinstance(answer, dict) else {}

    def submission_status(self, submission_id: str, *, case_id: str | None = None) -> dict:
        """Where a submission stands: {"submissionId", "caseId", "destinationId", "status"}
        with status incomplete|submitted|forwarded|accepted|rejected|deleted.

        With `case_id` (known from `announce`) the status is read from the case's event log,
        which the real FIT-Connect lets a sender read. Without it, `GET /v1/submissions/{id}`
        is asked, which the stand-in answers for the announcing sender (the real service
        may refuse: PermanentError with status 403/404). The event log is read without
        signature checks here (a hint from an authenticated connection); verify with
        `parse_event` and `service_keys()` where it matters."""
        if case_id is None:
            response = self._request(
                "GET", f"/v1/submissions/{_quote(submission_id)}", what="submission status"
            )
            answer = self._json(response, "submission status")
            if not isinstance(answer, dict):
                raise PermanentError("Unlesbarer Status.", "Unreadable status.")
            case_id = answer.get("caseId")
            if answer.get("status"):
                return {
                    "submissionId": answer.get("submissionId", submission_id),
                    "caseId": case_id,
                    "destinationId": answer.get("destinationId"),
                    "status": answer["status"],
                }
        return {
            "submissionId": submission_id,
            "caseId": case_id,
            "destinationId": None,
            "status": status_from_events(self.events(case_id), submission_id),
        }

    def routes(self, *, leika_key: str, ars: str) -> list[dict]:
        """Routing API: the destinations responsible for a LeiKa key in a region (ARS).
        Verify each route with `verify_destination_signature` before trusting it."""
        if not LEIKA_KEY.match(str(leika_key)) or not ARS.match(str(ars)):
            raise PermanentError(
                "LeiKa-Schlüssel (99 + 12 Ziffern) oder ARS (2/3/5/9/12 Ziffern) ungültig.",
                "Invalid LeiKa key (99 + 12 digits) or ARS (2/3/5/9/12 digits).",
            )
        query = urlencode({"leikaKey": leika_key, "ars": ars})
        response = self._request(
            "GET", f"/v1/routes?{query}", what="routes", auth=False, base=self.routing_api
        )
        routes = self._json(response, "routes").get("routes", [])
        return [route for route in routes if isinstance(route, dict)]


class SubscriberClient(_ApiClient):
    """The receiving system's side: list, fetch and decide on a destination's submissions."""

    def submissions(self, destination_id: str, *, limit: int = 100) -> list[dict]:
        found, offset = [], 0
        while True:
            query = urlencode({"destinationId": destination_id, "offset": offset, "limit": limit})
            answer = self._json(
                self._request("GET", f"/v1/submissions?{query}", what="list submissions"),
                "list submissions",
            )
            page = answer.get("submissions") or []
            found.extend(item for item in page if isinstance(item, dict))
            offset += len(page)
            if not page or offset >= int(answer.get("totalCount", 0)):
                return found

    def submission(self, submission_id: str) -> dict:
        return self._json(
            self._request("GET", f"/v1/submissions/{_quote(submission_id)}", what="submission"),
            "submission",
        )

    def attachment(self, submission_id: str, attachment_id: str) -> str:
        response = self._request(
            "GET",
            f"/v1/submissions/{_quote(submission_id)}/attachments/{_quote(attachment_id)}",
            what="attachment",
        )
        return response.body.decode("ascii", errors="replace")

    def post_event(self, case_id: str, set_token: str) -> None:
        self._request(
            "POST",
            f"/v1/cases/{_quote(case_id)}/events",
            what="post event",
            body=set_token.encode("ascii"),
            content_type="application/jose",
            expected=(204, 200, 201),
        )

    def decide(
        self,
        *,
        kind: str,
        submission_id: str,
        case_id: str,
        destination_id: str,
        signature_key: dict,
        problems: list[dict] | None = None,
    ) -> str:
        """Sign and post an accept or reject event (issuer = the destination id)."""
        if kind not in ("accept", "reject"):
            raise ValueError("kind must be accept or reject")
        token = make_event(
            kind=kind,
            submission_id=submission_id,
            case_id=case_id,
            issuer=destination_id,
            private_jwk=signature_key,
            problems=problems,
        )
        self.post_event(case_id, token)
        return token


_STATUS_BY_KIND = {
    "create": "incomplete",
    "submit": "submitted",
    "notify": "submitted",
    "forward": "forwarded",
    "accept": "accepted",
    "reject": "rejected",
    "delete": "deleted",
}


def status_from_events(event_log: list[str], submission_id: str) -> str:
    """The submission's status as its last event says ("unknown" if it has none)."""
    status = "unknown"
    kinds = {event_uri(kind): kind for kind in _STATUS_BY_KIND}
    for token in event_log:
        claims = unverified_claims(token)
        if claims.get("sub") != f"submission:{submission_id}":
            continue
        for uri in claims.get("events") or {}:
            if uri in kinds:
                status = _STATUS_BY_KIND[kinds[uri]]
    return status


def verify_destination_signature(
    route: dict, keys: list[dict], *, leika_key: str | None = None, ars: str | None = None
) -> dict:
    """Check a route's `destinationSignature` (PS512 JWS by the routing service, `keys`
    from its JWKS): it names the route's destination and, if given, the LeiKa key and a
    region containing `ars`. Returns the signed payload; PermanentError otherwise."""
    _, payload = verify_jws(route.get("destinationSignature", ""), keys)
    try:
        claims = json.loads(payload)
    except ValueError as error:
        raise PermanentError("Unlesbare Zustellpunkt-Signatur.", "Unreadable signature.") from error
    if claims.get("destinationId") != route.get("destinationId"):
        raise PermanentError(
            "Die Signatur gehört zu einem anderen Zustellpunkt.",
            "The signature belongs to another destination.",
        )
    services = claims.get("services") or []
    if leika_key and not any(
        LEIKA_URN + leika_key in (service.get("leistungIDs") or []) for service in services
    ):
        raise PermanentError(
            "Der Zustellpunkt ist für diese Leistung nicht signiert.",
            "The destination is not signed for this service.",
        )
    if ars and not any(
        ars.startswith(area.removeprefix(ARS_URN))
        for service in services
        for area in service.get("gebietIDs") or []
    ):
        raise PermanentError(
            "Der Zustellpunkt ist für dieses Gebiet nicht signiert.",
            "The destination is not signed for this region.",
        )
    return claims


def send_submission(
    client: SenderClient,
    destination: Destination,
    *,
    data: bytes,
    data_mime: str,
    schema_uri: str,
    attachments: list[Attachment],
    service_name: str,
    service_identifier: str,
    sender_reference: str | None = None,
    application_date: str | None = None,
    reply_email: str | None = None,
    payment: dict | None = None,
    on_announced: Callable[[dict], None] | None = None,
) -> dict:
    """Announce, upload every attachment, submit. Metadata is built and validated first,
    so invalid input never creates a submission. `on_announced(announce_answer)` runs right
    after the announce (to store submissionId/caseId before anything else can fail).
    Returns {"submissionId", "caseId", "destinationId", "metadata", "authenticationTags"}."""
    if not destination.active:
        raise PermanentError(
            f"Der Zustellpunkt ist nicht aktiv (Status „{destination.status}“).",
            f"The destination is not active (status {destination.status!r}).",
        )
    if destination.services and service_identifier not in destination.service_identifiers:
        raise PermanentError(
            f"Der Zustellpunkt bietet die Leistung {service_identifier} nicht an.",
            f"The destination does not offer the service {service_identifier}.",
        )
    metadata = build_metadata(
        data=data,
        data_mime=data_mime,
        schema_uri=schema_uri,
        attachments=attachments,
        service_name=service_name,
        service_identifier=service_identifier,
        sender_reference=sender_reference,
        application_date=application_date,
        reply_email=reply_email,
        payment=payment,
    )
    key = destination.encryption_key
    encrypted_attachments = {
        item.attachment_id: encrypt(bytes(item.content), key, cty=item.mime_type)
        for item in attachments
    }
    encrypted_metadata = encrypt(json.dumps(metadata).encode("utf-8"), key, cty="application/json")
    encrypted_data = encrypt(data, key, cty=data_mime)
    announced = client.announce(
        destination_id=destination.destination_id,
        service_name=service_name,
        service_identifier=service_identifier,
        attachment_ids=[item.attachment_id for item in attachments],
    )
    if on_announced is not None:
        on_announced(announced)
    submission_id = announced["submissionId"]
    for attachment_id, token in encrypted_attachments.items():
        client.upload_attachment(submission_id, attachment_id, token)
    client.submit(
        submission_id, encrypted_metadata=encrypted_metadata, encrypted_data=encrypted_data
    )
    return {
        **announced,
        "metadata": metadata,
        "authenticationTags": {
            "metadata": authentication_tag(encrypted_metadata),
            "data": authentication_tag(encrypted_data),
            "attachments": {
                aid: authentication_tag(token) for aid, token in encrypted_attachments.items()
            },
        },
    }


def new_attachment_id() -> str:
    return str(uuid.uuid4())
