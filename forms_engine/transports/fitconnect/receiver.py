"""A demo receiver (Subscriber) for the stand-in, or any FIT-Connect v1 Zustelldienst.

    python -m forms_engine.transports.fitconnect.receiver --url http://127.0.0.1:8471 \\
        --client-id … --key-dir var/fitconnect-demo [--out DIR] [--accept | --reject REASON]

Lists the destination's new submissions, decrypts metadata, data and attachments with the
destination's private key, checks every SHA-512 against the metadata and the JWE
authentication tags against the Zustelldienst's submit event, validates the metadata against
the official schema, writes what arrived into the output directory, prints a summary and
posts an accept event (or a reject event with RFC 7807 problems). The client secret comes
from --client-secret or FITCONNECT_CLIENT_SECRET (or the key dir's setup.json).
The core is `receive_all(...)`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .client import SubscriberClient
from .crypto import authentication_tag, decrypt, sha512_hex
from .errors import FitConnectError, PermanentError
from .events import parse_event, problem
from .http import Http
from .metadata import validate_metadata


@dataclass
class ReceivedAttachment:
    attachment_id: str
    content: bytes
    mime_type: str
    filename: str
    purpose: str

    def __repr__(self) -> str:
        return f"ReceivedAttachment({self.attachment_id!r}, {self.filename!r}, {len(self.content)} bytes)"


@dataclass
class Received:
    submission_id: str
    case_id: str
    destination_id: str
    metadata: dict | None = None
    data: bytes | None = None
    data_mime: str = ""
    attachments: list[ReceivedAttachment] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    decision: str = ""  # "accept" | "reject" | "" (not decided: --dry-run or error posting)
    output_dir: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _safe_name(name: str, fallback: str) -> str:
    name = Path(str(name or "")).name
    name = re.sub(r"[^\w.\- ]", "_", name).strip(" .")
    return name[:120] or fallback


def _check_submission(
    client: SubscriberClient, entry: dict, encryption_key: dict, service_keys: list[dict]
) -> Received:
    submission_id = entry["submissionId"]
    detail = client.submission(submission_id)
    received = Received(
        submission_id=submission_id,
        case_id=detail.get("caseId", entry.get("caseId", "")),
        destination_id=detail.get("destinationId", entry.get("destinationId", "")),
    )
    problems = received.problems

    # The Zustelldienst's submit event names the authentication tags of what the sender sent.
    tags = None
    for token in client.events(received.case_id):
        try:
            event = parse_event(token, service_keys)
        except PermanentError:
            continue  # accept/reject events of others are signed with other keys
        if event.kind == "submit" and event.submission_id == submission_id:
            tags = event.authentication_tags
    if tags is None:
        problems.append(
            problem(
                "missing-authentication-tags",
                "Authentication tags missing",
                "No verifiable submit event with authentication tags.",
                "submission",
            )
        )
        tags = {}

    encrypted_metadata = detail.get("encryptedMetadata") or ""
    if tags and tags.get("metadata") != authentication_tag(encrypted_metadata):
        problems.append(
            problem(
                "incorrect-authentication-tag",
                "Authentication tag mismatch",
                "The metadata differs from what was submitted.",
                "metadata",
            )
        )
    try:
        metadata = json.loads(decrypt(encrypted_metadata, encryption_key))
    except (PermanentError, ValueError, UnicodeDecodeError):
        problems.append(
            problem(
                "encryption-issue",
                "Decryption failed",
                "The metadata could not be decrypted or read.",
                "metadata",
            )
        )
        return received
    received.metadata = metadata
    schema_problems = validate_metadata(metadata)
    if schema_problems:
        problems.append(
            problem(
                "schema-violation",
                "Metadata schema violation",
                "; ".join(schema_problems)[:1000],
                "metadata",
            )
        )
        return received
    structure = metadata["contentStructure"]

    data_info = structure.get("data")
    encrypted_data = detail.get("encryptedData")
    if data_info and encrypted_data:
        if tags and tags.get("data") != authentication_tag(encrypted_data):
            problems.append(
                problem(
                    "incorrect-authentication-tag",
                    "Authentication tag mismatch",
                    "The data differs from what was submitted.",
                    "data",
                )
            )
        try:
            received.data = decrypt(encrypted_data, encryption_key)
            received.data_mime = data_info["submissionSchema"]["mimeType"]
        except PermanentError:
            problems.append(
                problem(
                    "encryption-issue",
                    "Decryption failed",
                    "The data could not be decrypted.",
                    "data",
                )
            )
        else:
            if sha512_hex(received.data) != data_info["hash"]["content"]:
                problems.append(
                    problem(
                        "hash-mismatch",
                        "Hash mismatch",
                        "The data's SHA-512 differs from the metadata.",
                        "data",
                    )
                )
    elif data_info or encrypted_data:
        problems.append(
            problem(
                "missing-data",
                "Data missing",
                "Metadata and submission disagree about the data.",
                "data",
            )
        )

    announced = set(detail.get("attachments") or [])
    described = {item["attachmentId"]: item for item in structure["attachments"]}
    if announced != set(described):
        problems.append(
            problem(
                "incorrect-attachments",
                "Attachments mismatch",
                "The attachments differ from the metadata.",
                "attachments",
            )
        )
    for attachment_id in [aid for aid in described if aid in announced]:
        info = described[attachment_id]
        instance = f"attachment:{attachment_id}"
        token = client.attachment(submission_id, attachment_id)
        expected_tag = (tags.get("attachments") or {}).get(attachment_id) if tags else None
        if tags and expected_tag != authentication_tag(token):
            problems.append(
                problem(
                    "incorrect-authentication-tag",
                    "Authentication tag mismatch",
                    "The attachment differs from what was uploaded.",
                    instance,
                )
            )
        try:
            content = decrypt(token, encryption_key)
        except PermanentError:
            problems.append(
                problem(
                    "encryption-issue",
                    "Decryption failed",
                    "The attachment could not be decrypted.",
                    instance,
                )
            )
            continue
        if sha512_hex(content) != info["hash"]["content"]:
            problems.append(
                problem(
                    "hash-mismatch",
                    "Hash mismatch",
                    "The attachment's SHA-512 differs from the metadata.",
                    instance,
                )
            )
            continue
        received.attachments.append(
            ReceivedAttachment(
                attachment_id, content, info["mimeType"], info.get("filename", ""), info["purpose"]
            )
        )
    return received


def _write(received: Received, output_dir: Path) -> Path:
    target = Path(output_dir) / _safe_name(received.submission_id, "submission")
    (target / "attachments").mkdir(parents=True, exist_ok=True)
    if received.metadata is not None:
        (target / "metadata.json").write_text(
            json.dumps(received.metadata, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    if received.data is not None:
        suffix = "xml" if received.data_mime == "application/xml" else "json"
        (target / f"data.{suffix}").write_bytes(received.data)
    for item in received.attachments:
        name = f"{item.attachment_id[:8]}-{_safe_name(item.filename, 'anlage')}"
        (target / "attachments" / name).write_bytes(item.content)
    (target / "problems.json").write_text(json.dumps(received.problems, indent=2), encoding="utf-8")
    return target


def receive_all(
    *,
    url: str,
    client_id: str,
    client_secret: str,
    destination_id: str,
    encryption_key: dict,
    signature_key: dict,
    token_url: str | None = None,
    output_dir: str | os.PathLike | None = None,
    decision: str = "accept",
    reject_reason: str = "",
    http: Http | None = None,
    timeout: float = 10,
) -> list[Received]:
    """Fetch, check and decide every new submission of `destination_id`.

    `decision`: "accept" accepts what passed every check (anything that failed a check is
    rejected with its problems); "reject" rejects everything with `reject_reason`; "none"
    only fetches and checks (nothing is posted)."""
    if decision not in ("accept", "reject", "none"):
        raise ValueError("decision must be accept, reject or none")
    client = SubscriberClient(
        url,
        token_url or url.rstrip("/") + "/token",
        client_id,
        client_secret,
        timeout=timeout,
        http=http,
    )
    service_keys = client.service_keys()
    results = []
    for entry in client.submissions(destination_id):
        received = _check_submission(client, entry, encryption_key, service_keys)
        if output_dir is not None:
            received.output_dir = _write(received, Path(output_dir))
        if decision != "none":
            problems = list(received.problems)
            kind = "accept" if decision == "accept" and not problems else "reject"
            if kind == "reject" and not problems:
                problems = [
                    problem(
                        "technical-error",
                        "Rejected by the receiver",
                        reject_reason or "Rejected.",
                        "submission",
                    )
                ]
            client.decide(
                kind=kind,
                submission_id=received.submission_id,
                case_id=received.case_id,
                destination_id=destination_id,
                signature_key=signature_key,
                problems=problems or None,
            )
            received.decision = kind
        results.append(received)
    return results


def summary(received: Received) -> str:
    lines = [f"Einreichung {received.submission_id} (Vorgang {received.case_id})"]
    if received.metadata:
        service = received.metadata.get("publicServiceType") or {}
        lines.append(f"  Leistung: {service.get('name', '')} {service.get('identifier', '')}")
        reference = received.metadata.get("additionalReferenceInfo") or {}
        if reference:
            lines.append(
                f"  Referenz: {reference.get('senderReference', '')} "
                f"{reference.get('applicationDate', '')}"
            )
    if received.data is not None:
        lines.append(f"  Fachdaten: {len(received.data)} Bytes {received.data_mime}, Hash ok")
    for item in received.attachments:
        lines.append(
            f"  Anlage ({item.purpose}): {item.filename} {item.mime_type}, "
            f"{len(item.content)} Bytes, Hash ok"
        )
    for entry in received.problems:
        lines.append(
            f"  PROBLEM {entry['type'].rsplit('/', 1)[-1]} ({entry['instance']}): {entry['detail']}"
        )
    if received.output_dir:
        lines.append(f"  gespeichert in {received.output_dir}")
    lines.append(f"  Entscheidung: {received.decision or 'keine'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m forms_engine.transports.fitconnect.receiver",
        description="Demo FIT-Connect receiver: fetch, decrypt, check, accept/reject.",
    )
    parser.add_argument("--url", required=True, help="submission API base URL")
    parser.add_argument("--token-url", help="default: <url>/token")
    parser.add_argument("--client-id", help="subscriber client id (default: setup.json)")
    parser.add_argument("--client-secret", help="default: $FITCONNECT_CLIENT_SECRET or setup.json")
    parser.add_argument("--destination-id", help="default: setup.json in --key-dir")
    parser.add_argument(
        "--key-dir",
        required=True,
        help="directory with encryption.private.jwk.json, signature.private.jwk.json",
    )
    parser.add_argument("--out", default="fitconnect-received", help="output directory")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--accept", action="store_true", help="accept what passed (default)")
    choice.add_argument("--reject", metavar="REASON", help="reject everything with REASON")
    choice.add_argument("--dry-run", action="store_true", help="fetch and check only")
    args = parser.parse_args(argv)
    key_dir = Path(args.key_dir)
    setup_file = key_dir / "setup.json"
    setup = json.loads(setup_file.read_text(encoding="utf-8")) if setup_file.exists() else {}
    client_id = args.client_id or setup.get("subscriber", {}).get("clientId")
    secret = (
        args.client_secret
        or os.environ.get("FITCONNECT_CLIENT_SECRET")
        or setup.get("subscriber", {}).get("clientSecret")
    )
    destination_id = args.destination_id or setup.get("destinationId")
    if not (client_id and secret and destination_id):
        parser.error("client id, secret and destination id are needed (or setup.json)")
    try:
        results = receive_all(
            url=args.url,
            token_url=args.token_url,
            client_id=client_id,
            client_secret=secret,
            destination_id=destination_id,
            encryption_key=json.loads((key_dir / "encryption.private.jwk.json").read_text()),
            signature_key=json.loads((key_dir / "signature.private.jwk.json").read_text()),
            output_dir=args.out,
            decision="none" if args.dry_run else ("reject" if args.reject else "accept"),
            reject_reason=args.reject or "",
        )
    except FitConnectError as error:
        print(f"Fehler: {error.message}", file=sys.stderr)
        return 1
    for received in results:
        print(summary(received))
    if not results:
        print("Keine neuen Einreichungen.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
