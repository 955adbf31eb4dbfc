"""A stand-in Zustelldienst: the FIT-Connect Submission API v1 on loopback, for
development and tests (never a production service).

    python -m forms_engine.transports.fitconnect.standin --port 8471 \\
        --state var/fitconnect-standin.sqlite3 --setup var/fitconnect-demo

Sender side: `POST /v1/submissions`, `PUT /v1/submissions/{id}/attachments/{aid}`,
`PUT /v1/submissions/{id}`, `GET /v1/destinations/{id}`, `GET /v1/destinations/{id}/keys/{kid}`,
`GET /v1/cases/{caseId}/events`, `GET /v1/submissions/{id}` (status view for the sender that
announced it). Receiver side: `GET /v1/submissions?destinationId=`, `GET /v1/submissions/{id}`,
`GET /v1/submissions/{id}/attachments/{aid}`, `POST /v1/cases/{caseId}/events` (accept/reject
SETs signed with the destination's registered signature key). Plus `POST /token` (client
credentials), `GET /.well-known/jwks.json`, `GET /v1/routes?leikaKey=&ars=` and, for tests,
`POST /admin/faults` / `POST /admin/revoke-tokens` (header `X-Standin-Admin: <admin secret>`).

The Zustelldienst cannot read anything: it checks that JWEs are compact, 5 parts, RSA-OAEP-256/
A256GCM, for the destination's kid. State lives in SQLite (stdlib), so it survives restarts
and several processes can share it. `StandIn.handle(...)` is the pure core; `wsgi_app` and
`serve` put it on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import sys
import threading
import time
import uuid
from contextlib import closing, contextmanager
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, unquote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .client import ARS, ARS_URN, LEIKA_KEY, LEIKA_URN
from .crypto import (
    JWE_ALG,
    JWE_ENC,
    authentication_tag,
    generate_encryption_key,
    generate_signature_key,
    jwe_header,
    public_part,
    sign_jws,
)
from .errors import PermanentError
from .events import make_event, parse_event

PROBLEM_PREFIX = "https://schema.fitko.de/fit-connect/submission-api/problems/"
MAX_BODY = 64 * 1024 * 1024
TOKEN_TTL = 300
LOOPBACK = ("127.0.0.1", "::1", "localhost")
SENDER, SUBSCRIBER = "sender", "subscriber"

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
  client_id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL, role TEXT NOT NULL,
  destination_id TEXT);
CREATE TABLE IF NOT EXISTS tokens (
  token_sha256 TEXT PRIMARY KEY, client_id TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS destinations (
  destination_id TEXT PRIMARY KEY, status TEXT NOT NULL, name TEXT NOT NULL,
  encryption_key TEXT NOT NULL, signature_key TEXT NOT NULL, services TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS routes (
  destination_id TEXT NOT NULL, leika_key TEXT NOT NULL, ars TEXT NOT NULL, info TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
  submission_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, destination_id TEXT NOT NULL,
  sender TEXT NOT NULL, service TEXT NOT NULL, announced TEXT NOT NULL, status TEXT NOT NULL,
  encrypted_metadata TEXT, encrypted_data TEXT, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS attachments (
  submission_id TEXT NOT NULL, attachment_id TEXT NOT NULL, jwe TEXT NOT NULL,
  PRIMARY KEY (submission_id, attachment_id));
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, submission_id TEXT NOT NULL,
  token TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS faults (id INTEGER PRIMARY KEY CHECK (id = 1),
  remaining INTEGER NOT NULL, status INTEGER NOT NULL);
"""


class Answer(Exception):
    """An HTTP answer raised from deep inside a handler (problems, mostly)."""

    def __init__(self, status: int, headers: dict, body: bytes):
        super().__init__(status)
        self.status, self.headers, self.body = status, headers, body


def _problem(status: int, kind: str, title: str, detail: str = "", instance: str = "") -> Answer:
    body = {"type": PROBLEM_PREFIX + kind, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    return Answer(
        status,
        {"Content-Type": "application/problem+json"},
        json.dumps(body).encode("utf-8"),
    )


def _json_answer(status: int, value) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(value).encode("utf-8")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_uuid(value) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


class StandIn:
    """The stand-in Zustelldienst on one SQLite file. Thread-safe (one connection per call,
    writes serialised by SQLite). `issuer` is the service's URL, the `iss` of its SETs."""

    def __init__(
        self,
        state_path: str | os.PathLike,
        *,
        issuer: str = "http://127.0.0.1:8471",
        admin_secret: str | None = None,
        key_size: int = 4096,
        token_ttl: int = TOKEN_TTL,
    ):
        self.state_path = str(state_path)
        self.issuer = issuer
        self.admin_secret = admin_secret
        self.token_ttl = token_ttl
        new_file = not Path(self.state_path).exists()
        with self._db() as db:
            db.executescript(SCHEMA)
        if new_file:
            os.chmod(self.state_path, 0o600)  # it holds the service's private signing key
        if self._setting("service_key") is None:
            private, _ = generate_signature_key(key_size)
            self._set_setting("service_key", json.dumps(private))

    # -- state -------------------------------------------------------------------------

    @contextmanager
    def _db(self):
        with closing(sqlite3.connect(self.state_path, timeout=30)) as db:
            db.row_factory = sqlite3.Row
            with db:  # one transaction per call
                yield db

    def _setting(self, name: str) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return row["value"] if row else None

    def _set_setting(self, name: str, value: str) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (name, value))

    @property
    def service_key(self) -> dict:
        return json.loads(self._setting("service_key"))

    def jwks(self) -> dict:
        return {"keys": [public_part(self.service_key)]}

    # -- set-up (Python API, used by --setup and tests) --------------------------------

    def register_client(
        self,
        *,
        role: str,
        destination_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> tuple[str, str]:
        """A new API client (role "sender" or "subscriber" of `destination_id`):
        returns (client_id, client_secret). Only the secret's hash is stored."""
        if role not in (SENDER, SUBSCRIBER):
            raise ValueError("role must be 'sender' or 'subscriber'")
        if role == SUBSCRIBER and not destination_id:
            raise ValueError("a subscriber belongs to a destination")
        client_id = client_id or str(uuid.uuid4())
        client_secret = client_secret or secrets.token_urlsafe(32)
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO clients VALUES (?, ?, ?, ?)",
                (client_id, _sha256(client_secret), role, destination_id),
            )
        return client_id, client_secret

    def create_destination(
        self,
        *,
        encryption_key: dict,
        signature_key: dict,
        services: list[dict],
        name: str = "Demo-Zustellpunkt",
        destination_id: str | None = None,
        status: str = "active",
    ) -> str:
        """Register a destination with its PUBLIC encryption and signature keys.
        `services`: [{"identifier": "urn:de:fim:leika:leistung:…", "submissionSchemas":
        [{"schemaUri": …, "mimeType": "application/json"}], "regions": [ARS, …]}]."""
        destination_id = destination_id or str(uuid.uuid4())
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO destinations VALUES (?, ?, ?, ?, ?, ?)",
                (
                    destination_id,
                    status,
                    name,
                    json.dumps(public_part(encryption_key)),
                    json.dumps(public_part(signature_key)),
                    json.dumps(services),
                ),
            )
        return destination_id

    def set_destination_status(self, destination_id: str, status: str) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE destinations SET status = ? WHERE destination_id = ?",
                (status, destination_id),
            )

    def add_route(self, *, destination_id: str, leika_key: str, ars: str, **info) -> None:
        """Make the routing API answer `destination_id` for `leika_key` in `ars` and every
        region below it (ARS prefix). `info`: further Route fields (destinationName, …)."""
        if not LEIKA_KEY.match(leika_key) or not ARS.match(ars):
            raise ValueError("leika_key must be 99 + 12 digits, ars 2/3/5/9/12 digits")
        with self._db() as db:
            db.execute(
                "INSERT INTO routes VALUES (?, ?, ?, ?)",
                (destination_id, leika_key, ars, json.dumps(info)),
            )

    def inject_faults(self, count: int, status: int = 503) -> None:
        """Answer the next `count` requests (any path but /admin) with `status`."""
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO faults VALUES (1, ?, ?)", (int(count), int(status)))

    def revoke_tokens(self) -> None:
        """Forget every access token (clients must fetch a new one: tests of the 401 path)."""
        with self._db() as db:
            db.execute("DELETE FROM tokens")

    def submission_row(self, submission_id: str) -> dict | None:
        with self._db() as db:
            row = db.execute(
                "SELECT * FROM submissions WHERE submission_id = ?", (submission_id,)
            ).fetchone()
        return dict(row) if row else None

    # -- the pure core --------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: dict, body: bytes
    ) -> tuple[int, dict, bytes]:
        """One HTTP request in, one answer out: (status, headers, body). Never raises."""
        headers = {key.lower(): value for key, value in (headers or {}).items()}
        try:
            if not path.startswith("/admin/"):
                self._maybe_fail()
            return self._route(method.upper(), path, parse_qs(query or ""), headers, body or b"")
        except Answer as answer:
            return answer.status, answer.headers, answer.body
        except Exception:  # noqa: BLE001 - a stand-in answers a problem, never a traceback
            answer = _problem(500, "internal-error", "Interner Fehler des Stand-ins")
            return answer.status, answer.headers, answer.body

    def _maybe_fail(self) -> None:
        with self._db() as db:
            row = db.execute("SELECT remaining, status FROM faults WHERE id = 1").fetchone()
            if row and row["remaining"] > 0:
                db.execute("UPDATE faults SET remaining = remaining - 1 WHERE id = 1")
                status = row["status"]
            else:
                return
        raise _problem(status, "injected-fault", "Injected fault (stand-in)")

    _ROUTES = [
        ("POST", re.compile(r"^/token$"), "_token"),
        ("GET", re.compile(r"^/\.well-known/jwks\.json$"), "_jwks"),
        ("GET", re.compile(r"^/v1/routes$"), "_routes"),
        ("GET", re.compile(r"^/v1/destinations/([^/]+)$"), "_destination"),
        ("GET", re.compile(r"^/v1/destinations/([^/]+)/keys/([^/]+)$"), "_destination_key"),
        ("POST", re.compile(r"^/v1/submissions$"), "_announce"),
        ("GET", re.compile(r"^/v1/submissions$"), "_list_submissions"),
        ("PUT", re.compile(r"^/v1/submissions/([^/]+)/attachments/([^/]+)$"), "_upload"),
        ("GET", re.compile(r"^/v1/submissions/([^/]+)/attachments/([^/]+)$"), "_download"),
        ("PUT", re.compile(r"^/v1/submissions/([^/]+)$"), "_submit"),
        ("GET", re.compile(r"^/v1/submissions/([^/]+)$"), "_get_submission"),
        ("GET", re.compile(r"^/v1/cases/([^/]+)/events$"), "_get_events"),
        ("POST", re.compile(r"^/v1/cases/([^/]+)/events$"), "_post_event"),
        ("POST", re.compile(r"^/admin/faults$"), "_admin_faults"),
        ("POST", re.compile(r"^/admin/revoke-tokens$"), "_admin_revoke"),
    ]

    def _route(self, method, path, query, headers, body):
        path_known = False
        for route_method, pattern, name in self._ROUTES:
            match = pattern.match(path)
            if match:
                path_known = True
                if route_method == method:
                    args = [unquote(group) for group in match.groups()]
                    return getattr(self, name)(*args, query=query, headers=headers, body=body)
        if path_known:
            raise _problem(405, "method-not-allowed", "Methode nicht erlaubt", instance=path)
        raise _problem(404, "not-found", "Unbekannter Pfad", instance=path)

    # -- auth ----------------------------------------------------------------------------

    def _token(self, *, query, headers, body):
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise _problem(400, "invalid-request", "Formular erwartet (client credentials)")
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            raise _problem(400, "unsupported-grant-type", "Nur client_credentials")
        with self._db() as db:
            row = db.execute(
                "SELECT * FROM clients WHERE client_id = ?", (form.get("client_id", ""),)
            ).fetchone()
            secret_ok = row is not None and hmac.compare_digest(
                row["secret_sha256"], _sha256(form.get("client_secret", ""))
            )
            if not secret_ok:
                raise _problem(401, "invalid-client", "Unbekannter Client oder falsches Secret")
            token = secrets.token_urlsafe(32)
            db.execute(
                "INSERT INTO tokens VALUES (?, ?, ?)",
                (_sha256(token), row["client_id"], time.time() + self.token_ttl),
            )
        return _json_answer(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl}
        )

    def _client(self, headers) -> sqlite3.Row:
        authorization = headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            raise _problem(401, "unauthorized", "Token fehlt")
        with self._db() as db:
            row = db.execute(
                "SELECT clients.* FROM tokens JOIN clients USING (client_id) "
                "WHERE token_sha256 = ? AND expires > ?",
                (_sha256(authorization[7:].strip()), time.time()),
            ).fetchone()
        if row is None:
            raise _problem(401, "unauthorized", "Token unbekannt oder abgelaufen")
        return row

    def _admin(self, headers) -> None:
        given = headers.get("x-standin-admin", "")
        if not self.admin_secret or not hmac.compare_digest(given, self.admin_secret):
            raise _problem(403, "forbidden", "Admin-Secret fehlt oder falsch")

    # -- public -------------------------------------------------------------------------

    def _jwks(self, *, query, headers, body):
        return _json_answer(200, self.jwks())

    def _routes(self, *, query, headers, body):
        leika = (query.get("leikaKey") or [""])[0]
        ars = (query.get("ars") or [""])[0]
        if not LEIKA_KEY.match(leika) or not ARS.match(ars):
            raise _problem(400, "invalid-parameters", "leikaKey (99…) und ars erforderlich")
        with self._db() as db:
            rows = db.execute("SELECT * FROM routes WHERE leika_key = ?", (leika,)).fetchall()
        routes = []
        for row in rows:
            if not ars.startswith(row["ars"]):
                continue
            claims = {
                "submissionHost": self.issuer,
                "iss": self.issuer,
                "services": [
                    {"gebietIDs": [ARS_URN + row["ars"]], "leistungIDs": [LEIKA_URN + leika]}
                ],
                "destinationId": row["destination_id"],
                "iat": int(time.time()),
                "jti": str(uuid.uuid4()),
            }
            signature = sign_jws(json.dumps(claims).encode(), self.service_key, typ="jwt")
            routes.append(
                {
                    **json.loads(row["info"]),
                    "destinationId": row["destination_id"],
                    "destinationSignature": signature,
                }
            )
        return _json_answer(
            200, {"count": len(routes), "offset": 0, "totalCount": len(routes), "routes": routes}
        )

    # -- destinations ---------------------------------------------------------------------

    def _destination_row(self, destination_id: str) -> sqlite3.Row:
        with self._db() as db:
            row = db.execute(
                "SELECT * FROM destinations WHERE destination_id = ?", (destination_id,)
            ).fetchone()
        if row is None:
            raise _problem(
                404, "destination-not-found", "Zustellpunkt nicht gefunden", instance=destination_id
            )
        return row

    def _destination(self, destination_id, *, query, headers, body):
        self._client(headers)
        row = self._destination_row(destination_id)
        return _json_answer(
            200,
            {
                "destinationId": destination_id,
                "status": row["status"],
                "encryptionKid": json.loads(row["encryption_key"])["kid"],
                "services": json.loads(row["services"]),
                "metadataVersions": ["1.0.0"],
                "replyChannels": {"eMail": {"usePgp": False}},
            },
        )

    def _destination_key(self, destination_id, kid, *, query, headers, body):
        self._client(headers)
        row = self._destination_row(destination_id)
        for column in ("encryption_key", "signature_key"):
            key = json.loads(row[column])
            if key.get("kid") == kid:
                return _json_answer(200, key)
        raise _problem(404, "key-not-found", "Schlüssel nicht gefunden", instance=kid)

    # -- sender ----------------------------------------------------------------------------

    def _json_body(self, headers, body) -> dict:
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise _problem(415, "unsupported-media-type", "application/json erwartet")
        try:
            value = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise _problem(400, "invalid-json", "Kein gültiges JSON") from error
        if not isinstance(value, dict):
            raise _problem(400, "invalid-json", "JSON-Objekt erwartet")
        return value

    def _event(self, db, kind, submission, **extra) -> None:
        token = make_event(
            kind=kind,
            submission_id=submission["submission_id"],
            case_id=submission["case_id"],
            issuer=self.issuer,
            private_jwk=self.service_key,
            **extra,
        )
        db.execute(
            "INSERT INTO events (case_id, submission_id, token) VALUES (?, ?, ?)",
            (submission["case_id"], submission["submission_id"], token),
        )

    def _announce(self, *, query, headers, body):
        client = self._client(headers)
        if client["role"] != SENDER:
            raise _problem(403, "forbidden", "Nur Sender dürfen Einreichungen anlegen")
        request = self._json_body(headers, body)
        destination = self._destination_row(str(request.get("destinationId", "")))
        if destination["status"] != "active":
            raise _problem(422, "destination-state-invalid", "Zustellpunkt ist nicht aktiv")
        announced = request.get("announcedAttachments", [])
        if not isinstance(announced, list) or not all(_is_uuid(item) for item in announced):
            raise _problem(422, "invalid-attachments", "announcedAttachments: UUIDs erwartet")
        if len(set(announced)) != len(announced):
            raise _problem(422, "invalid-attachments", "Eine Anlage ist doppelt angekündigt")
        service = request.get("serviceType")
        if not isinstance(service, dict) or not isinstance(service.get("identifier"), str):
            raise _problem(422, "invalid-service-type", "serviceType.identifier fehlt")
        offered = [item.get("identifier") for item in json.loads(destination["services"])]
        if service["identifier"] not in offered:
            raise _problem(
                422, "service-not-offered", "Der Zustellpunkt bietet diese Leistung nicht an"
            )
        submission = {
            "submission_id": str(uuid.uuid4()),
            "case_id": str(uuid.uuid4()),
        }
        with self._db() as db:
            db.execute(
                "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, 'incomplete', NULL, NULL, ?)",
                (
                    submission["submission_id"],
                    submission["case_id"],
                    destination["destination_id"],
                    client["client_id"],
                    json.dumps(service),
                    json.dumps(announced),
                    time.time(),
                ),
            )
            self._event(db, "create", submission)
        return _json_answer(
            201,
            {
                "destinationId": destination["destination_id"],
                "submissionId": submission["submission_id"],
                "caseId": submission["case_id"],
            },
        )

    def _own_submission(self, submission_id, client, *, role) -> sqlite3.Row:
        with self._db() as db:
            row = db.execute(
                "SELECT * FROM submissions WHERE submission_id = ?", (submission_id,)
            ).fetchone()
        allowed = row is not None and (
            (role == SENDER and client["role"] == SENDER and row["sender"] == client["client_id"])
            or (
                role == SUBSCRIBER
                and client["role"] == SUBSCRIBER
                and row["destination_id"] == client["destination_id"]
            )
        )
        if not allowed:
            raise _problem(
                404, "submission-not-found", "Einreichung nicht gefunden", instance=submission_id
            )
        return row

    def _check_jwe(self, token: str, destination_id: str, instance: str) -> None:
        try:
            header = jwe_header(token)
        except PermanentError as error:
            raise _problem(422, "invalid-jwe", error.message_en, instance=instance) from error
        kid = json.loads(self._destination_row(destination_id)["encryption_key"])["kid"]
        if header.get("alg") != JWE_ALG or header.get("enc") != JWE_ENC:
            raise _problem(422, "invalid-jwe", "RSA-OAEP-256/A256GCM erwartet", instance=instance)
        if header.get("kid") != kid:
            raise _problem(
                422,
                "invalid-jwe",
                "Nicht für den Schlüssel des Zustellpunkts (kid)",
                instance=instance,
            )

    def _upload(self, submission_id, attachment_id, *, query, headers, body):
        client = self._client(headers)
        row = self._own_submission(submission_id, client, role=SENDER)
        if headers.get("content-type", "").split(";")[0].strip() != "application/jose":
            raise _problem(415, "unsupported-media-type", "application/jose erwartet")
        if attachment_id not in json.loads(row["announced"]):
            raise _problem(
                404, "attachment-not-found", "Anlage nicht angekündigt", instance=attachment_id
            )
        if row["status"] != "incomplete":
            raise _problem(409, "submission-state-invalid", "Einreichung ist bereits abgeschickt")
        token = body.decode("ascii", "replace").strip()
        self._check_jwe(token, row["destination_id"], f"attachment:{attachment_id}")
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO attachments VALUES (?, ?, ?)",
                (submission_id, attachment_id, token),
            )
        return 204, {}, b""

    def _submit(self, submission_id, *, query, headers, body):
        client = self._client(headers)
        row = self._own_submission(submission_id, client, role=SENDER)
        request = self._json_body(headers, body)
        metadata, data = request.get("encryptedMetadata"), request.get("encryptedData")
        answer = {
            "destinationId": row["destination_id"],
            "submissionId": submission_id,
            "caseId": row["case_id"],
        }
        if row["status"] != "incomplete":
            if row["encrypted_metadata"] == metadata and row["encrypted_data"] == data:
                return _json_answer(200, answer)  # a retried identical submit
            raise _problem(409, "submission-state-invalid", "Einreichung ist bereits abgeschickt")
        if not isinstance(metadata, str):
            raise _problem(422, "missing-metadata", "encryptedMetadata fehlt")
        self._check_jwe(metadata, row["destination_id"], "metadata")
        if data is not None:
            if not isinstance(data, str):
                raise _problem(422, "invalid-jwe", "encryptedData ist kein JWE")
            self._check_jwe(data, row["destination_id"], "data")
        with self._db() as db:
            uploaded = {
                item["attachment_id"]: item["jwe"]
                for item in db.execute(
                    "SELECT attachment_id, jwe FROM attachments WHERE submission_id = ?",
                    (submission_id,),
                )
            }
            missing = [aid for aid in json.loads(row["announced"]) if aid not in uploaded]
            if missing:
                raise _problem(
                    422,
                    "missing-attachments",
                    "Nicht alle angekündigten Anlagen sind hochgeladen",
                    detail=", ".join(missing),
                )
            changed = db.execute(
                "UPDATE submissions SET status = 'submitted', encrypted_metadata = ?, "
                "encrypted_data = ? WHERE submission_id = ? AND status = 'incomplete'",
                (metadata, data, submission_id),
            ).rowcount
            if changed != 1:
                raise _problem(409, "submission-state-invalid", "Gleichzeitig abgeschickt")
            tags = {
                "metadata": authentication_tag(metadata),
                "attachments": {aid: authentication_tag(jwe) for aid, jwe in uploaded.items()},
            }
            if data is not None:
                tags["data"] = authentication_tag(data)
            self._event(db, "submit", dict(row), authentication_tags=tags)
        return _json_answer(200, answer)

    # -- subscriber (and the sender's status view) ---------------------------------------

    def _list_submissions(self, *, query, headers, body):
        client = self._client(headers)
        destination_id = (query.get("destinationId") or [""])[0]
        if client["role"] != SUBSCRIBER or client["destination_id"] != destination_id:
            raise _problem(403, "forbidden", "Nur der Zustellpunkt selbst darf das")
        try:
            offset = max(0, int((query.get("offset") or ["0"])[0]))
            limit = min(500, max(1, int((query.get("limit") or ["100"])[0])))
        except ValueError as error:
            raise _problem(400, "invalid-parameters", "offset/limit sind Zahlen") from error
        with self._db() as db:
            rows = db.execute(
                "SELECT submission_id, case_id FROM submissions WHERE destination_id = ? "
                "AND status = 'submitted' ORDER BY created, submission_id",
                (destination_id,),
            ).fetchall()
        page = rows[offset : offset + limit]
        return _json_answer(
            200,
            {
                "count": len(page),
                "offset": offset,
                "totalCount": len(rows),
                "submissions": [
                    {
                        "destinationId": destination_id,
                        "submissionId": row["submission_id"],
                        "caseId": row["case_id"],
                    }
                    for row in page
                ],
            },
        )

    def _get_submission(self, submission_id, *, query, headers, body):
        client = self._client(headers)
        role = SENDER if client["role"] == SENDER else SUBSCRIBER
        row = self._own_submission(submission_id, client, role=role)
        answer = {
            "destinationId": row["destination_id"],
            "submissionId": submission_id,
            "caseId": row["case_id"],
            "status": row["status"],
        }
        if role == SUBSCRIBER:
            if row["status"] == "incomplete":
                raise _problem(
                    404, "submission-not-found", "Noch nicht abgeschickt", instance=submission_id
                )
            answer.update(
                {
                    "serviceType": json.loads(row["service"]),
                    "attachments": json.loads(row["announced"]),
                    "encryptedMetadata": row["encrypted_metadata"],
                    "encryptedData": row["encrypted_data"],
                }
            )
        return _json_answer(200, answer)

    def _download(self, submission_id, attachment_id, *, query, headers, body):
        client = self._client(headers)
        self._own_submission(submission_id, client, role=SUBSCRIBER)
        with self._db() as db:
            row = db.execute(
                "SELECT jwe FROM attachments WHERE submission_id = ? AND attachment_id = ?",
                (submission_id, attachment_id),
            ).fetchone()
        if row is None:
            raise _problem(404, "attachment-not-found", "Anlage nicht gefunden")
        return 200, {"Content-Type": "application/jose"}, row["jwe"].encode("ascii")

    def _case_rows(self, case_id, client) -> list[sqlite3.Row]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM submissions WHERE case_id = ?", (case_id,)).fetchall()
        visible = [
            row
            for row in rows
            if (client["role"] == SENDER and row["sender"] == client["client_id"])
            or (client["role"] == SUBSCRIBER and row["destination_id"] == client["destination_id"])
        ]
        if not visible:
            raise _problem(404, "case-not-found", "Vorgang nicht gefunden", instance=case_id)
        return visible

    def _get_events(self, case_id, *, query, headers, body):
        client = self._client(headers)
        self._case_rows(case_id, client)
        with self._db() as db:
            tokens = [
                row["token"]
                for row in db.execute(
                    "SELECT token FROM events WHERE case_id = ? ORDER BY seq", (case_id,)
                )
            ]
        return _json_answer(200, {"eventLog": tokens})

    def _post_event(self, case_id, *, query, headers, body):
        client = self._client(headers)
        if client["role"] != SUBSCRIBER:
            raise _problem(403, "forbidden", "Nur der Zustellpunkt darf Ereignisse senden")
        rows = self._case_rows(case_id, client)
        destination = self._destination_row(client["destination_id"])
        try:
            event = parse_event(
                body.decode("ascii", "replace").strip(), [json.loads(destination["signature_key"])]
            )
        except PermanentError as error:
            raise _problem(422, "invalid-event", error.message_en) from error
        if event.kind not in ("accept", "reject"):
            raise _problem(422, "invalid-event", "Nur accept/reject")
        if event.issuer != destination["destination_id"] or event.case_id != case_id:
            raise _problem(422, "invalid-event", "iss/txn passen nicht zum Zustellpunkt/Vorgang")
        row = next((r for r in rows if r["submission_id"] == event.submission_id), None)
        if row is None:
            raise _problem(422, "invalid-event", "sub gehört nicht zu diesem Vorgang")
        if row["status"] not in ("submitted", "forwarded"):
            raise _problem(409, "submission-state-invalid", f"Status ist {row['status']}")
        new_status = "accepted" if event.kind == "accept" else "rejected"
        with self._db() as db:
            db.execute(
                "UPDATE submissions SET status = ? WHERE submission_id = ?",
                (new_status, event.submission_id),
            )
            db.execute(
                "INSERT INTO events (case_id, submission_id, token) VALUES (?, ?, ?)",
                (case_id, event.submission_id, body.decode("ascii").strip()),
            )
        return 204, {}, b""

    # -- admin (tests) ---------------------------------------------------------------------

    def _admin_faults(self, *, query, headers, body):
        self._admin(headers)
        request = self._json_body(headers, body)
        try:
            self.inject_faults(int(request.get("count", 1)), int(request.get("status", 503)))
        except (TypeError, ValueError) as error:
            raise _problem(400, "invalid-parameters", "count/status sind Zahlen") from error
        return 204, {}, b""

    def _admin_revoke(self, *, query, headers, body):
        self._admin(headers)
        self.revoke_tokens()
        return 204, {}, b""


# -- WSGI and serving ---------------------------------------------------------------------


def wsgi_app(standin: StandIn):
    """The stand-in as a WSGI application."""

    def app(environ, start_response):
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            status, headers, body = 413, {"Content-Type": "application/problem+json"}, b"{}"
        else:
            body = environ["wsgi.input"].read(length) if length else b""
            request_headers = {
                key[5:].replace("_", "-").lower(): value
                for key, value in environ.items()
                if key.startswith("HTTP_")
            }
            if environ.get("CONTENT_TYPE"):
                request_headers["content-type"] = environ["CONTENT_TYPE"]
            status, headers, body = standin.handle(
                environ["REQUEST_METHOD"],
                environ.get("PATH_INFO", "/"),
                environ.get("QUERY_STRING", ""),
                request_headers,
                body,
            )
        reason = {200: "OK", 201: "Created", 204: "No Content"}.get(status, "Status")
        out_headers = [(name, value) for name, value in headers.items()]
        out_headers.append(("Content-Length", str(len(body))))
        out_headers.append(("Cache-Control", "no-store"))
        start_response(f"{status} {reason}", out_headers)
        return [body]

    return app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass


def make_loopback_server(standin: StandIn, port: int = 0, host: str = "127.0.0.1"):
    """A threading WSGI server bound to loopback only; sets `standin.issuer` to its URL."""
    if host not in LOOPBACK:
        raise ValueError("the stand-in binds to loopback only")
    server = make_server(
        host, port, wsgi_app(standin), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    standin.issuer = f"http://{host}:{server.server_port}"
    return server


def serve_in_thread(standin: StandIn, port: int = 0):
    """Start the stand-in in a daemon thread; returns (server, base_url). Stop it with
    `server.shutdown(); server.server_close()`."""
    server = make_loopback_server(standin, port)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server, standin.issuer


# -- command line -----------------------------------------------------------------------

DEMO_LEIKA = "99123456789000"
DEMO_SERVICE = f"{LEIKA_URN}{DEMO_LEIKA}"
DEMO_ARS = "099990000000"


def _write_secret(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2)
    os.chmod(path, 0o600)


def setup_demo(standin: StandIn, directory: Path, *, key_size: int = 4096) -> dict:
    """Once per state file: a demo destination with fresh key pairs (private keys as 0600
    JWK files in `directory`), a sender client and the destination's subscriber client,
    a route (demo LeiKa key, demo ARS). Later calls return what `setup.json` recorded."""
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    record = directory / "setup.json"
    if record.exists() and standin._setting("demo_destination"):
        return json.loads(record.read_text(encoding="utf-8"))
    encryption_private, encryption_public = generate_encryption_key(key_size)
    signature_private, signature_public = generate_signature_key(key_size)
    destination_id = standin.create_destination(
        encryption_key=encryption_public,
        signature_key=signature_public,
        services=[
            {
                "identifier": DEMO_SERVICE,
                "submissionSchemas": [
                    {
                        "schemaUri": "https://schema.fitko.de/fim/s00000000_1.0.schema.json",
                        "mimeType": "application/json",
                    }
                ],
                "regions": [DEMO_ARS],
            }
        ],
    )
    standin.add_route(
        destination_id=destination_id,
        leika_key=DEMO_LEIKA,
        ars=DEMO_ARS,
        destinationName="Musterstadt, Demo-Fachverfahren",
    )
    sender_id, sender_secret = standin.register_client(role=SENDER)
    subscriber_id, subscriber_secret = standin.register_client(
        role=SUBSCRIBER, destination_id=destination_id
    )
    _write_secret(directory / "encryption.private.jwk.json", encryption_private)
    _write_secret(directory / "signature.private.jwk.json", signature_private)
    result = {
        "destinationId": destination_id,
        "sender": {"clientId": sender_id, "clientSecret": sender_secret},
        "subscriber": {"clientId": subscriber_id, "clientSecret": subscriber_secret},
        "leikaKey": DEMO_LEIKA,
        "ars": DEMO_ARS,
        "serviceIdentifier": DEMO_SERVICE,
    }
    _write_secret(record, result)
    standin._set_setting("demo_destination", destination_id)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m forms_engine.transports.fitconnect.standin",
        description="Stand-in FIT-Connect Zustelldienst on 127.0.0.1 (development/tests only).",
    )
    parser.add_argument("--port", type=int, default=8471)
    parser.add_argument("--state", required=True, help="SQLite file (created if missing)")
    parser.add_argument(
        "--setup",
        metavar="DIR",
        help="create/print the demo destination; "
        "private keys and client secrets go into DIR (0600)",
    )
    parser.add_argument("--key-size", type=int, default=4096)
    parser.add_argument(
        "--fail-next",
        type=int,
        default=0,
        metavar="N",
        help="answer the next N requests with --fail-status",
    )
    parser.add_argument("--fail-status", type=int, default=503)
    parser.add_argument("--token-ttl", type=int, default=TOKEN_TTL)
    args = parser.parse_args(argv)
    Path(args.state).parent.mkdir(parents=True, exist_ok=True)
    admin_secret = os.environ.get("FITCONNECT_STANDIN_ADMIN_SECRET") or secrets.token_urlsafe(24)
    standin = StandIn(
        args.state,
        issuer=f"http://127.0.0.1:{args.port}",
        admin_secret=admin_secret,
        key_size=args.key_size,
        token_ttl=args.token_ttl,
    )
    server = make_loopback_server(standin, args.port)
    print(f"FIT-Connect stand-in: {standin.issuer} (state {args.state})")
    print(f"  token URL: {standin.issuer}/token  submission API: {standin.issuer}")
    if args.setup:
        demo = setup_demo(standin, Path(args.setup), key_size=args.key_size)
        print(
            f"  destination: {demo['destinationId']} ({demo['serviceIdentifier']}, ARS {demo['ars']})"
        )
        print(f"  sender client: {demo['sender']['clientId']} / {demo['sender']['clientSecret']}")
        print(
            f"  subscriber client: {demo['subscriber']['clientId']} / "
            f"{demo['subscriber']['clientSecret']}"
        )
        print(
            f"  private keys: {Path(args.setup) / 'encryption.private.jwk.json'}, "
            f"{Path(args.setup) / 'signature.private.jwk.json'}"
        )
    if not os.environ.get("FITCONNECT_STANDIN_ADMIN_SECRET"):
        print(f"  admin secret (X-Standin-Admin): {admin_secret}")
    if args.fail_next:
        standin.inject_faults(args.fail_next, args.fail_status)
        print(f"  failing the next {args.fail_next} requests with {args.fail_status}")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
