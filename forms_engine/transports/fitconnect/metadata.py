"""FIT-Connect metadata 1.0.0: build and validate against the official schema.

The schema is vendored in `schemas/metadata.schema.v1.0.0.json` (see schemas/README.md).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsonschema

from .crypto import sha512_hex
from .errors import PermanentError

METADATA_VERSION = "1.0.0"
METADATA_SCHEMA_URI = (
    f"https://schema.fitko.de/fit-connect/metadata/{METADATA_VERSION}/metadata.schema.json"
)
SCHEMA_FILE = Path(__file__).parent / "schemas" / "metadata.schema.v1.0.0.json"
PURPOSES = ("form", "attachment", "report")
DATA_MIME_TYPES = ("application/json", "application/xml")


@dataclass(frozen=True)
class Attachment:
    """One file of a submission. `attachment_id` is a UUIDv4 the sender chooses; `purpose`
    "form" is the generated PDF of the whole application, "attachment" a citizen's upload,
    "report" a document the online service made later."""

    attachment_id: str
    content: bytes
    mime_type: str
    filename: str
    purpose: str
    description: str = ""

    def __repr__(self) -> str:  # never the content (it is personal data)
        return (
            f"Attachment({self.attachment_id!r}, {self.mime_type!r}, {self.filename!r}, "
            f"{self.purpose!r}, {len(self.content)} bytes)"
        )


@cache
def metadata_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def _validator():
    schema = metadata_schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _is_uuid(value) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def validate_metadata(metadata: dict) -> list[str]:
    """Every problem of `metadata` against the official 1.0.0 schema (empty list = valid),
    plus the rules the schema cannot say: unique attachment ids in UUID form."""
    if not isinstance(metadata, dict):
        return ["(root): metadata must be an object"]
    problems = []
    for error in sorted(_validator().iter_errors(metadata), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        problems.append(f"{where}: {error.message}")
    attachments = (metadata.get("contentStructure") or {}).get("attachments")
    if isinstance(attachments, list):
        ids = [item.get("attachmentId") for item in attachments if isinstance(item, dict)]
        for index, value in enumerate(ids):
            if not _is_uuid(value):
                problems.append(f"contentStructure/attachments/{index}/attachmentId: not a UUID")
        if len(set(map(str, ids))) != len(ids):
            problems.append("contentStructure/attachments: attachmentId used twice")
    return problems


def build_metadata(
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
) -> dict:
    """The metadata of a submission: hashes over the exact unencrypted bytes of data and
    attachments, the schema reference, the service, reply channel and payment. Raises
    PermanentError (with the schema's messages) if the result is not valid."""
    metadata: dict = {
        "$schema": METADATA_SCHEMA_URI,
        "contentStructure": {
            "data": {
                "hash": {"type": "sha512", "content": sha512_hex(data)},
                "submissionSchema": {"schemaUri": schema_uri, "mimeType": data_mime},
            },
            "attachments": [_attachment_entry(item) for item in attachments],
        },
        "publicServiceType": {"name": service_name, "identifier": service_identifier},
    }
    if sender_reference or application_date:
        reference: dict = {}
        if sender_reference:
            reference["senderReference"] = sender_reference
        if application_date:
            reference["applicationDate"] = application_date
        metadata["additionalReferenceInfo"] = reference
    if reply_email:
        metadata["replyChannel"] = {"eMail": {"address": reply_email}}
    if payment:
        metadata["paymentInformation"] = dict(payment)
    problems = validate_metadata(metadata)
    if problems:
        raise PermanentError(
            "Die Metadaten entsprechen nicht dem FIT-Connect-Schema: " + "; ".join(problems),
            "The metadata does not match the FIT-Connect schema: " + "; ".join(problems),
        )
    return metadata


def _attachment_entry(item: Attachment) -> dict:
    if not isinstance(item.content, bytes | bytearray):
        raise PermanentError(
            "Der Inhalt einer Anlage muss aus Bytes bestehen.", "Attachment content must be bytes."
        )
    entry = {
        "attachmentId": item.attachment_id,
        "hash": {"type": "sha512", "content": sha512_hex(bytes(item.content))},
        "purpose": item.purpose,
        "mimeType": item.mime_type,
    }
    if item.filename:
        entry["filename"] = item.filename
    if item.description:
        entry["description"] = item.description
    return entry
