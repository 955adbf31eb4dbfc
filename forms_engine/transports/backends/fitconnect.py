"""`fitconnect`: deliver a case through FIT-Connect (the federal delivery infrastructure).

The protocol is in the pure SDK `forms_engine.transports.fitconnect` (no Django); this
plugin maps a case onto it and keeps its progress in the pipeline's `DeliveryStore`:

    announce → upload each attachment → submit

Crash safety (the pipeline calls `deliver` again after a crash, a timeout, a 5xx):
- the attachment ids (uuid4) and the destination are chosen and saved before announcing;
- after announcing, the submission and case ids are saved; after each upload, that it
  was uploaded; before the submit request, `submit_sent`; after it, `submitted`;
- a run that finds `submit_sent` asks the Zustelldienst for the submission's status
  before sending anything again; one that finds an announced submission continues it, or
  announces anew when the Zustelldienst no longer knows it (incomplete submissions are
  deleted after a day). So a case is submitted exactly once.

Secrets: the client secret is never an option (options are stored in the database); it
is read from the environment variable `client_secret_env` (default
`FORMS_FITCONNECT_CLIENT_SECRET`), and a missing one is refused clearly.

Django is used for settings and the storage API only (`core.storage`); the case, its case
file and its uploads are the objects the pipeline passes in (no import of `cases`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forms_engine.core.storage import CASEFILES, UPLOADS, file_read
from forms_engine.transports import data_formats, registry
from forms_engine.transports.base import DeliveryStore, RemoteEvent, Transport, TransportError

SECRET_ENV_DEFAULT = "FORMS_FITCONNECT_CLIENT_SECRET"  # noqa: S105 - a variable name, not a secret
LEIKA_URN = "urn:de:fim:leika:leistung:"
# Statuses of a submission that mean "the submit request arrived" (docs sending/query-status).
SUBMITTED = {"submitted", "forwarded", "accepted", "rejected"}
PAYMENT_METHODS = {"GIROPAY", "PAYDIRECT", "CREDITCARD", "PAYPAL", "INVOICE", "OTHER"}


def _url(title_de: str, title_en: str) -> dict:
    return {
        "type": "string",
        "pattern": "^https?://[^\\s]+$",
        "maxLength": 500,
        "title": title_de,
        "x-en": {"title": title_en},
    }


def _sdk():
    """The SDK, imported when used (it needs jwcrypto; the registry must load without)."""
    import importlib

    return importlib.import_module("forms_engine.transports.fitconnect")


@registry("fitconnect")
class FitConnectTransport(Transport):
    """Sends the case (data, case-file PDF, uploads) to a FIT-Connect destination."""

    label = _("FIT-Connect (an ein Fachverfahren)")
    remote = True
    options_schema = {
        "type": "object",
        "required": ["submission_api", "token_url", "client_id"],
        "properties": {
            "submission_api": _url("Adresse der Submission API", "Submission API URL"),
            "token_url": _url("Adresse des Token-Endpunkts (OAuth2)", "Token endpoint (OAuth2)"),
            "client_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "title": "Client-ID des Onlinedienstes",
                "x-en": {"title": "Client ID of the online service"},
            },
            "client_secret_env": {
                "type": "string",
                "pattern": "^[A-Z_][A-Z0-9_]{0,99}$",
                "title": f"Umgebungsvariable mit dem Client-Secret (leer: {SECRET_ENV_DEFAULT})",
                "x-en": {
                    "title": f"Environment variable holding the client secret "
                    f"(empty: {SECRET_ENV_DEFAULT})"
                },
            },
            "scope": {
                "type": "string",
                "maxLength": 500,
                "title": "OAuth2-Scope (optional)",
                "x-en": {"title": "OAuth2 scope (optional)"},
            },
            "routing_api": _url(
                "Adresse der Routing API (leer: die der Submission API)",
                "Routing API URL (empty: the submission API's)",
            ),
            "destination_id": {
                "type": "string",
                "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                "title": "Zustellpunkt (destinationId; leer: Routing nach LeiKa-Schlüssel und ARS)",
                "x-en": {"title": "Destination (destinationId; empty: route by LeiKa key and ARS)"},
            },
            "data_format": {
                "type": "string",
                "enum": ["engine-json", "fim-json", "fim-xml"],
                "title": "Datenformat (engine-json, fim-json, fim-xml)",
                "x-en": {"title": "Data format (engine-json, fim-json, fim-xml)"},
            },
            "service_name": {
                "type": "string",
                "maxLength": 300,
                "title": "Name der Leistung (leer: Titel des Prozesses)",
                "x-en": {"title": "Service name (empty: the process title)"},
            },
            "leika_key": {
                "type": "string",
                "pattern": "^99\\d{12}$",
                "title": "LeiKa-Schlüssel (leer: der erste des Prozesses)",
                "x-en": {"title": "LeiKa key (empty: the process's first)"},
            },
        },
        "additionalProperties": False,
    }

    # --- the client ------------------------------------------------------------------

    def _secret(self) -> str:
        name = self.options.get("client_secret_env") or SECRET_ENV_DEFAULT
        secret = os.environ.get(name, "")
        if not secret:
            raise TransportError(
                f"FIT-Connect: Das Client-Secret fehlt (Umgebungsvariable {name} ist nicht "
                f"gesetzt). / The client secret is missing (environment variable {name} is "
                "not set).",
                permanent=True,
            )
        return secret

    def client(self):
        sdk = _sdk()
        return sdk.SenderClient(
            self.options["submission_api"],
            self.options["token_url"],
            self.options["client_id"],
            self._secret(),
            scope=self.options.get("scope") or None,
            timeout=getattr(settings, "FORMS_FITCONNECT_TIMEOUT", 10),
            routing_api=self.options.get("routing_api") or None,
            # FIT-Connect requires 4096-bit keys; only tests lower it (small stand-in keys).
            min_key_bits=getattr(settings, "FORMS_FITCONNECT_MIN_KEY_BITS", 4096),
        )

    # --- what is sent ------------------------------------------------------------------

    def _leika(self, case) -> str:
        if self.options.get("leika_key"):
            return self.options["leika_key"]
        keys = (case.process_version.definition or {}).get("leika") or []
        if not keys:
            raise TransportError(
                "FIT-Connect: Der Prozess hat keinen LeiKa-Schlüssel (`leika`); FIT-Connect "
                "braucht einen. / The process has no LeiKa key; FIT-Connect needs one.",
                permanent=True,
            )
        return str(keys[0])

    def _service_name(self, case) -> str:
        if self.options.get("service_name"):
            return self.options["service_name"]
        title = (case.process_version.definition or {}).get("title") or {}
        if isinstance(title, dict):
            return str(title.get("de") or case.process_version.title)
        return str(title or case.process_version.title)

    def data_payload(self, case) -> tuple[bytes, str, str]:
        """The data of the case in the offering's format: (bytes, media type, schema URI).

        One entry of `transports.data_formats` per format: `engine-json` (the answers under
        the process's composed data schema, the same bytes on every attempt), `fim-json` /
        `fim-xml` (FIM ids as keys / element names, validated against the schema the
        process was imported from; refused permanently when it was not or the answers do
        not fit)."""
        payload = data_formats.data_payload(case, self.options.get("data_format") or "engine-json")
        return payload.content, payload.mime_type, payload.schema_uri

    @staticmethod
    def _parts(case, casefile) -> list[dict]:
        """What is attached, in a fixed order: the case-file PDF (purpose "form"), then
        every upload of the application (purpose "attachment")."""
        parts = [
            {
                "key": "casefile",
                "storage": CASEFILES,
                "name": casefile.storage_name,
                "mime_type": "application/pdf",
                "filename": f"{case.reference}.pdf",
                "purpose": "form",
                "description": "Antrag (Fallakte)",
            }
        ]
        uploads = case.uploads.filter(message__isnull=True).order_by("created_at", "pk")
        for upload in uploads:
            parts.append(
                {
                    "key": f"upload:{upload.pk}",
                    "storage": UPLOADS,
                    "name": upload.storage_name,
                    "mime_type": upload.media_type or "application/octet-stream",
                    "filename": upload.original_name,
                    "purpose": "attachment",
                    "description": "",
                }
            )
        return parts

    @staticmethod
    def _payment(case) -> dict | None:
        if case.payment_status != "PAYED" or not case.payment_transaction_id:
            return None
        method = (case.payment_method or "").upper()
        transaction_id = re.sub(r"[^\w-]", "-", case.payment_transaction_id)[:36]
        info: dict[str, Any] = {
            "transactionId": transaction_id,
            "transactionReference": case.payment_reference or case.reference,
            "paymentMethod": method if method in PAYMENT_METHODS else "OTHER",
            "status": "BOOKED",
        }
        if case.payment_amount:
            info["grossAmount"] = float(case.payment_amount)
        return info

    # --- the delivery ------------------------------------------------------------------

    def deliver(self, *, case, casefile, store: DeliveryStore | None = None) -> None:
        if store is None:
            raise TransportError("FIT-Connect needs a DeliveryStore (remote transport).")
        sdk = _sdk()
        try:
            self._deliver(sdk, case, casefile, store)
        except sdk.TransientError as error:
            raise TransportError(f"FIT-Connect: {error}") from error
        except sdk.PermanentError as error:
            raise TransportError(f"FIT-Connect: {error}", permanent=True) from error
        except sdk.FitConnectError as error:
            raise TransportError(f"FIT-Connect: {error}") from error
        except OSError as error:  # connection refused, reset, timeout
            raise TransportError(f"FIT-Connect: {type(error).__name__}: {error}") from error

    def _deliver(self, sdk, case, casefile, store: DeliveryStore) -> None:
        state = dict(store.state)
        client = self.client()
        if state.get("submitted"):
            return
        if state.get("submission_id"):
            status = self._remote_status(sdk, client, state)
            if status in SUBMITTED:
                state["submitted"] = True
                state["remote_status"] = status
                store.save(state)
                return
            if status is None:  # the Zustelldienst lost it (or deleted it): start over
                state = {k: v for k, v in state.items() if k in ("attachments", "destination_id")}
                state["restarts"] = int(store.state.get("restarts", 0)) + 1
                store.save(state)
        parts = self._parts(case, casefile)
        if not state.get("attachments"):
            # Stable ids, chosen and stored before anything is announced.
            state["attachments"] = [{"key": part["key"], "id": str(uuid.uuid4())} for part in parts]
            store.save(state)
        ids = {entry["key"]: entry["id"] for entry in state["attachments"]}
        if set(ids) != {part["key"] for part in parts}:
            raise TransportError(
                "FIT-Connect: Die Anlagen des Antrags haben sich seit der Ankündigung "
                "geändert. / The case's attachments changed since the announcement.",
                permanent=True,
            )
        if not state.get("destination_id"):
            state["destination_id"] = self._destination_id(client, case)
            store.save(state)
        destination = client.destination(state["destination_id"])
        if str(getattr(destination, "status", "active") or "active").lower() != "active":
            raise TransportError(
                f"FIT-Connect: Der Zustellpunkt {state['destination_id']} ist nicht aktiv "
                f"({destination.status}). / The destination is not active.",
                permanent=True,
            )
        key = destination.encryption_key
        leika = self._leika(case)
        service_name = self._service_name(case)
        if not state.get("submission_id"):
            announced = client.announce(
                destination_id=state["destination_id"],
                service_name=service_name,
                service_identifier=LEIKA_URN + leika,
                attachment_ids=[ids[part["key"]] for part in parts],
            )
            state["submission_id"] = announced["submissionId"]
            state["case_id"] = announced["caseId"]
            state["uploaded"] = []
            store.save(state)
        attachments = []
        for part in parts:
            content = file_read(part["storage"], part["name"])
            attachment = sdk.Attachment(
                attachment_id=ids[part["key"]],
                content=content,
                mime_type=part["mime_type"],
                filename=part["filename"],
                purpose=part["purpose"],
                description=part["description"],
            )
            attachments.append(attachment)
            if attachment.attachment_id in state.get("uploaded", []):
                continue
            client.upload_attachment(
                state["submission_id"],
                attachment.attachment_id,
                sdk.encrypt(content, key, cty=part["mime_type"]),
            )
            state["uploaded"] = [*state.get("uploaded", []), attachment.attachment_id]
            store.save(state)
        _test_pause()
        data, data_mime, schema_uri = self.data_payload(case)
        metadata = sdk.build_metadata(
            data=data,
            data_mime=data_mime,
            schema_uri=schema_uri,
            attachments=attachments,
            service_name=service_name,
            service_identifier=LEIKA_URN + leika,
            sender_reference=case.reference,
            application_date=timezone.localtime(case.submitted_at).date().isoformat(),
            reply_email=case.applicant_email or None,
            payment=self._payment(case),
        )
        problems = sdk.validate_metadata(metadata)  # build_metadata checks too; never send invalid
        if problems:
            raise TransportError("FIT-Connect: " + "; ".join(problems), permanent=True)
        metadata_bytes = json.dumps(metadata, ensure_ascii=False, sort_keys=True).encode("utf-8")
        state["metadata_sha512"] = sdk.sha512_hex(metadata_bytes)
        state["data_sha512"] = sdk.sha512_hex(data)
        state["submit_sent"] = True
        store.save(state)
        result = client.submit(
            state["submission_id"],
            encrypted_metadata=sdk.encrypt(metadata_bytes, key, cty="application/json"),
            encrypted_data=sdk.encrypt(data, key, cty=data_mime),
        )
        state["submitted"] = True
        state["remote_status"] = str((result or {}).get("status") or "submitted")
        store.save(state)

    @staticmethod
    def _remote_status(sdk, client, state: dict) -> str | None:
        """The submission's status at the Zustelldienst (from the case's event log), None
        when it no longer knows it (deleted, or never stored)."""
        try:
            answer = client.submission_status(
                state["submission_id"], case_id=state.get("case_id") or None
            )
        except sdk.PermanentError as error:
            if getattr(error, "status", None) in (404, 410):
                return None
            raise
        status = str((answer or {}).get("status") or "").lower()
        if status == "deleted":
            return None
        return status or "incomplete"

    def _destination_id(self, client, case) -> str:
        if self.options.get("destination_id"):
            return self.options["destination_id"]
        leika = self._leika(case)
        ars = case.municipality.ars
        routes = client.routes(leika_key=leika, ars=ars)
        if not routes:
            raise TransportError(
                f"FIT-Connect: Für LeiKa {leika} und ARS {ars} ist kein Zustellpunkt "
                f"eingetragen. / No destination for LeiKa {leika} and ARS {ars}.",
                permanent=True,
            )
        # Only a route whose destinationSignature verifies (against the service's keys) and
        # names this service and region is used.
        sdk = _sdk()
        keys = client.service_keys()
        refusals = []
        for route in routes:
            try:
                sdk.verify_destination_signature(route, keys, leika_key=leika, ars=ars)
            except sdk.PermanentError as error:
                refusals.append(str(error))
                continue
            return str(route["destinationId"])
        raise TransportError(
            "FIT-Connect: Kein Zustellpunkt mit gültiger Signatur für LeiKa "
            f"{leika} und ARS {ars}. / No destination with a valid signature: "
            + "; ".join(refusals),
            permanent=True,
        )

    # --- the event log -----------------------------------------------------------------

    def poll_events(self, *, state: dict) -> list[RemoteEvent]:
        sdk = _sdk()
        if not state.get("case_id") or not state.get("submitted"):
            return []
        try:
            return self._poll(sdk, state)
        except sdk.PermanentError as error:
            raise TransportError(f"FIT-Connect: {error}", permanent=True) from error
        except (sdk.FitConnectError, OSError) as error:
            raise TransportError(f"FIT-Connect: {error}") from error

    def _poll(self, sdk, state: dict) -> list[RemoteEvent]:
        client = self.client()
        tokens = client.events(state["case_id"])
        keys = list(client.service_keys())
        known = {key.get("kid") for key in keys}
        destination_kids: set[str] = set()
        for token in tokens:
            # A receiver's accept/reject is signed with the destination's signature key
            # (`GET /v1/destinations/{id}/keys/{kid}`), looked up by the token's kid.
            kid = _header(token).get("kid")
            if isinstance(kid, str) and kid and kid not in known:
                known.add(kid)
                # An unknown kid: the token stays unverified.
                with contextlib.suppress(sdk.PermanentError):
                    keys.append(client.destination_keys(state["destination_id"], kid))
                    destination_kids.add(kid)
        return [_event_of(sdk, token, keys, state, destination_kids) for token in tokens]


def _header(token: str) -> dict:
    import base64

    try:
        part = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (AttributeError, IndexError, ValueError):
        return {}
    return header if isinstance(header, dict) else {}


def _event_of(sdk, token: str, keys: list, state: dict, destination_kids: set) -> RemoteEvent:
    """One SET as a RemoteEvent: verified only if its signature checks out against the
    service's or the destination's keys, it is about this submission, and a receiver's
    accept/reject comes from this destination, signed with the destination's key."""
    try:
        event = sdk.parse_event(token, keys)
    except sdk.FitConnectError as error:
        return _unverified(sdk, token, f"{error}")
    note = ""
    verified = True
    if str(event.submission_id) != str(state.get("submission_id")):
        verified, note = False, "submission id differs / andere Einreichung"
    elif event.kind in ("accept", "reject") and (
        str(event.issuer) != str(state.get("destination_id")) or event.kid not in destination_kids
    ):
        verified, note = (
            False,
            "not issued and signed by the destination / nicht vom Zustellpunkt ausgestellt und signiert",
        )
    return RemoteEvent(
        token=token,
        kind=str(event.kind),
        event_uri=str(event.event_uri or ""),
        issuer=str(event.issuer or ""),
        issued_at=_when(event.issued_at),
        jti=str(event.jti or ""),
        problems=_problems(event.problems),
        verified=verified,
        note=note,
    )


def _unverified(sdk, token: str, reason: str) -> RemoteEvent:
    """A token that could not be verified: kept with what its payload claims (unchecked)."""
    from forms_engine.transports.fitconnect.events import unverified_claims

    claims = unverified_claims(token)
    events = claims.get("events") if isinstance(claims.get("events"), dict) else {}
    uri = next(iter(events), "")
    kind = uri.rsplit("/", 1)[-1].split("-", 1)[0] if uri else "unknown"
    return RemoteEvent(
        token=token,
        kind=kind[:40],
        event_uri=str(uri)[:300],
        issuer=str(claims.get("iss") or "")[:300],
        issued_at=_when(claims.get("iat")),
        jti=str(claims.get("jti") or "")[:100],
        problems=[],
        verified=False,
        note=f"nicht verifiziert / not verified: {reason}"[:2000],
    )


def _when(value):
    from datetime import UTC, datetime

    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _problems(problems) -> list[dict]:
    out = []
    for problem in problems or []:
        if isinstance(problem, dict):
            item = problem
        else:
            item = {k: getattr(problem, k, "") for k in ("type", "title", "detail", "instance")}
        out.append(
            {k: str(item.get(k) or "")[:1000] for k in ("type", "title", "detail", "instance")}
        )
    return out


def _test_pause() -> None:
    """Test-only hook: the live fault test kills a worker while it sleeps here, after the
    attachments are uploaded and before the submit. `FORMS_TEST_DELIVERY_PAUSE` (seconds)
    is set only by tests/live/worker_settings.py."""
    pause = getattr(settings, "FORMS_TEST_DELIVERY_PAUSE", 0)
    if pause:
        time.sleep(float(pause))
