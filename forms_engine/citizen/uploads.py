"""The upload service, shared by the wizard and the API.

Bytes are stored under `settings.UPLOAD_ROOT` with a random name; the media type is sniffed
from the bytes (`filetype`), never taken from the client's content type or file name.
Answers reference an upload only as `upload:<uuid>`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
import unicodedata
import uuid
from pathlib import Path

import filetype
from django.conf import settings

from .models import Draft, Upload

SNIFF_BYTES = 8192
CHUNK_BYTES = 64 * 1024

MEDIA_TYPE_NAMES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
    "image/webp": "WebP",
    "image/heic": "HEIC",
}


class UploadRejected(Exception):
    """An upload was refused. `message` German, `message_en` English, `code` machine-readable."""

    def __init__(self, message: str, message_en: str, code: str):
        self.message = message
        self.message_en = message_en
        self.code = code
        super().__init__(f"{message} / {message_en}")


def _type_names(media_types) -> str:
    return ", ".join(MEDIA_TYPE_NAMES.get(t, t) for t in media_types)


def upload_limit(upload_spec: dict) -> int:
    """The byte limit for a field: min(spec `max_bytes`, settings.FORMS_UPLOAD_MAX_BYTES)."""
    ceiling = int(settings.FORMS_UPLOAD_MAX_BYTES)
    spec_max = upload_spec.get("max_bytes")
    return min(int(spec_max), ceiling) if spec_max else ceiling


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    return f"{max(1, size // 1024)} KB"


def sanitize_file_name(name: str | None) -> str:
    """A display-only file name: no directories, control characters or leading dots."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name).strip().lstrip(".").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "datei"


def _storage_path(storage_name: str) -> Path:
    root = Path(settings.UPLOAD_ROOT).resolve()
    path = (root / storage_name[:2] / storage_name).resolve()
    if root not in path.parents:
        raise ValueError("storage name outside UPLOAD_ROOT")
    return path


def owner_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def upload_owner_matches(upload: Upload, token: str | None) -> bool:
    """True if `token` is the secret handed out when `upload` was stored (constant time)."""
    if not token or not upload.owner_token_hash:
        return False
    return hmac.compare_digest(upload.owner_token_hash, owner_token_hash(token))


def upload_store(
    *,
    file,
    process_version,
    field_pointer: str,
    upload_spec: dict | None,
    draft: Draft | None = None,
) -> tuple[Upload, str | None]:
    """Store an uploaded file for the `x-upload` field at `field_pointer`.

    Contract:
    - `file`: a Django `UploadedFile` (or any object with `read()` and optional `name`).
    - `field_pointer`: JSON pointer of the answer the file is for (`/sachkunde/nachweis`;
      inside repeatable groups with the index, `/hunde/hunde/0/foto`).
    - `upload_spec`: the field's `x-upload` dict; None (not an upload field) is rejected.
    - size limit min(spec `max_bytes`, FORMS_UPLOAD_MAX_BYTES); empty files rejected;
      media type sniffed from the bytes and must be in spec `media_types`.
    - With `draft`, the upload belongs to that draft and the token is None; without, a new
      random owner token is returned once (only its sha256 is stored).
    Raises `UploadRejected` (German + English message). Returns `(upload, owner_token)`.
    """
    if not upload_spec:
        raise UploadRejected(
            "An dieser Stelle ist kein Datei-Upload vorgesehen.",
            "This field does not take a file upload.",
            "not_an_upload_field",
        )
    allowed = list(upload_spec.get("media_types") or [])
    limit = upload_limit(upload_spec)
    root = Path(settings.UPLOAD_ROOT)
    root.mkdir(parents=True, exist_ok=True)

    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            chunks = (
                file.chunks(CHUNK_BYTES)
                if hasattr(file, "chunks")
                else iter(lambda: file.read(CHUNK_BYTES), b"")
            )
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise UploadRejected(
                        f"Die Datei ist zu groß (höchstens {_human_size(limit)}).",
                        f"The file is too large (at most {_human_size(limit)}).",
                        "too_large",
                    )
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRejected("Die Datei ist leer.", "The file is empty.", "empty")
        kind = filetype.guess(head)
        media_type = kind.mime if kind is not None else None
        if media_type not in allowed:
            if len(allowed) == 1:
                name = _type_names(allowed)
                raise UploadRejected(
                    f"Die Datei ist keine {name}-Datei.",
                    f"The file is not a {name} file.",
                    "media_type",
                )
            raise UploadRejected(
                f"Dieser Dateityp ist nicht erlaubt. Erlaubt: {_type_names(allowed)}.",
                f"This file type is not allowed. Allowed: {_type_names(allowed)}.",
                "media_type",
            )
        storage_name = uuid.uuid4().hex
        target = _storage_path(storage_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, target)
        tmp_name = None
    finally:
        if tmp_name is not None and os.path.exists(tmp_name):
            os.unlink(tmp_name)

    token = None if draft is not None else secrets.token_urlsafe(32)
    upload = Upload.objects.create(
        draft=draft,
        owner_token_hash=owner_token_hash(token) if token else "",
        process_version=process_version,
        field_pointer=field_pointer,
        storage_name=storage_name,
        original_name=sanitize_file_name(getattr(file, "name", "")),
        media_type=media_type,
        size=size,
        sha256=digest.hexdigest(),
    )
    return upload, token


def upload_open(upload: Upload):
    """Open the stored bytes of `upload` for reading (binary). The caller closes it.

    Permission checks are the caller's: never hand this to a request unchecked.
    """
    return open(_storage_path(upload.storage_name), "rb")  # noqa: SIM115 - returned to the caller


_INDEX = re.compile(r"^\d+$")


def field_shape(pointer: str) -> str:
    """The pointer with array indices removed: `/hunde/hunde/1/foto` → `/hunde/hunde/foto`.

    An upload made for one item of a repeatable group may be used in any item of it
    (a citizen may reorder or remove items before submitting).
    """
    parts = pointer.split("/")[1:]
    return "/" + "/".join(p for p in parts if not _INDEX.match(p))


def upload_spec_for(definition, pointer: str) -> dict | None:
    """The `x-upload` dict of the field at answers `pointer`, or None if none is there.

    Walks the step schema (`properties`, `items`, local `$ref`s into `$defs`); array
    indices in the pointer select `items`.
    """
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    if len(parts) < 2:
        return None
    try:
        step = definition.step(parts[0])
    except Exception:  # noqa: BLE001 - any unknown step id means "not an upload field"
        return None
    defs = (definition.doc or {}).get("$defs", {})
    schema = step.schema
    for part in parts[1:]:
        if isinstance(schema, dict) and isinstance(schema.get("x-upload"), dict):
            return None  # an upload field has no children
        schema = _resolve(schema, defs)
        if not isinstance(schema, dict):
            return None
        if _INDEX.match(part) and schema.get("type") == "array":
            schema = schema.get("items")
        else:
            schema = (schema.get("properties") or {}).get(part)
        if schema is None:
            return None
    if isinstance(schema, dict) and isinstance(schema.get("x-upload"), dict):
        return schema["x-upload"]
    schema = _resolve(schema, defs)
    if isinstance(schema, dict) and isinstance(schema.get("x-upload"), dict):
        return schema["x-upload"]
    return None


def _resolve(schema, defs, depth: int = 0):
    while isinstance(schema, dict) and "$ref" in schema and depth < 20:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            return None
        schema = defs.get(ref[len("#/$defs/") :])
        depth += 1
    return schema
