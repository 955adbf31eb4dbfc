"""The upload service, shared by the wizard and the API.

Bytes are stored in the "uploads" storage (`core.storage`) under a random name; the media type is sniffed
from the bytes (`filetype`), never taken from the client's content type or file name, and
the kept file name carries the extension of the sniffed type (`Nachweis.hta` sniffed as PDF
is kept and delivered as `Nachweis.pdf`, see `file_name_for_type`). A file sniffed as PDF
must also open as a PDF (pypdf), a picture as a picture (Pillow), so a polyglot (`%PDF-`
followed by a script) is refused.
Answers reference an upload only as `upload:<uuid>`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import tempfile
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import filetype
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.db.models import Sum
from django.http import JsonResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from pypdf import PdfReader

from forms_engine.core.storage import UPLOADS, file_delete, file_open, file_save

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


# The extensions a clerk's computer opens each sniffed type with; the first is the one given
# to a file whose name does not already end in one of them.
MEDIA_TYPE_EXTENSIONS = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg", "jpe"),
    "image/png": ("png",),
    "image/gif": ("gif",),
    "image/tiff": ("tif", "tiff"),
    "image/webp": ("webp",),
    "image/heic": ("heic", "heif"),
}
# What counts as an extension to replace: up to 8 letters/digits with at least one letter
# (so "Scan 2024.05" keeps its ".05" and becomes "Scan 2024.05.pdf").
_EXTENSION = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9]{1,8}$")


class UploadRejected(Exception):
    """An upload was refused. `message` German, `message_en` English, `code` machine-readable."""

    def __init__(self, message: str, message_en: str, code: str):
        self.message = message
        self.message_en = message_en
        self.code = code
        super().__init__(f"{message} / {message_en}")


def too_large(limit: int) -> UploadRejected:
    return UploadRejected(
        f"Die Datei ist zu groß (höchstens {_human_size(limit)}).",
        f"The file is too large (at most {_human_size(limit)}).",
        "too_large",
    )


def _type_names(media_types) -> str:
    return ", ".join(MEDIA_TYPE_NAMES.get(t, t) for t in media_types)


def upload_limit(upload_spec: dict) -> int:
    """The byte limit for a field: min(spec `max_bytes`, settings.FORMS_UPLOAD_MAX_BYTES)."""
    ceiling = int(settings.FORMS_UPLOAD_MAX_BYTES)
    spec_max = upload_spec.get("max_bytes")
    return min(int(spec_max), ceiling) if spec_max else ceiling


def largest_upload_limit(definition) -> int | None:
    """The largest `upload_limit` of any upload field of `definition`; None if it has none."""

    def walk(fields):
        for f in fields:
            yield f
            yield from walk(f.children or [])

    limits = [
        upload_limit(f.upload)
        for step in definition.steps
        for f in walk(step.fields())
        if f.type == "upload" and isinstance(f.upload, dict)
    ]
    return max(limits) if limits else None


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


def file_name_for_type(name: str, media_type: str | None) -> str:
    """`name` with the extension of the sniffed `media_type`; idempotent.

    The extension the client gave is replaced, not kept in front (`Nachweis.hta` as PDF →
    `Nachweis.pdf`, never `Nachweis.hta.pdf`, which a computer hiding known extensions shows
    as `Nachweis.hta`). A name already ending in an extension of the type is kept
    (`foto.JPEG`). Unknown types keep the name unchanged.
    """
    extensions = MEDIA_TYPE_EXTENSIONS.get(media_type or "")
    if not extensions:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext.lower() in extensions:
        return name
    if dot and stem.strip() and _EXTENSION.match(ext):
        name = stem
    return sanitize_file_name(f"{name.rstrip('. ')}.{extensions[0]}")


def _pdf_problem(stream) -> UploadRejected | None:
    """None if the file `stream` (binary, seekable) opens as a PDF a clerk can read, else
    the refusal."""
    import logging

    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.CRITICAL)  # a broken file is the citizen's, not an incident
    try:
        stream.seek(0)
        reader = PdfReader(stream)
        if reader.is_encrypted and not reader.decrypt(""):
            return UploadRejected(
                "Die PDF-Datei ist mit einem Kennwort geschützt. "
                "Bitte laden Sie sie ohne Kennwort hoch.",
                "The PDF file is protected by a password. Please upload it without one.",
                "pdf_encrypted",
            )
        if len(reader.pages) < 1:
            raise ValueError("no pages")
    except Exception:  # noqa: BLE001 - pypdf raises many kinds; any of them means "not a PDF"
        return UploadRejected(
            "Die Datei ist kein gültiges PDF.",
            "The file is not a valid PDF.",
            "pdf_invalid",
        )
    finally:
        pypdf_logger.setLevel(level)
    return None


# Pictures Pillow (a WeasyPrint dependency) can check without decoding every pixel.
CHECKED_IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/tiff", "image/webp"}


def _image_problem(stream) -> UploadRejected | None:
    """None if the file `stream` (binary, seekable) is a well-formed picture, else the
    refusal (a file that only starts like one, e.g. a PNG signature followed by a script)."""
    from PIL import Image

    try:
        stream.seek(0)
        with Image.open(stream) as image:
            image.verify()
    except Exception:  # noqa: BLE001 - Pillow raises many kinds; any of them means "broken"
        return UploadRejected(
            "Die Datei ist kein gültiges Bild.",
            "The file is not a valid picture.",
            "image_invalid",
        )
    return None


def upload_storage_name() -> str:
    """A new random name in the uploads storage: `<first 2 hex digits>/<32 hex digits>`."""
    token = uuid.uuid4().hex
    return f"{token[:2]}/{token}"


def owner_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def upload_owner_matches(upload: Upload, token: str | None) -> bool:
    """True if `token` is the secret handed out when `upload` was stored (constant time)."""
    if not token or not upload.owner_token_hash:
        return False
    return hmac.compare_digest(upload.owner_token_hash, owner_token_hash(token))


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed every check of `upload_checked`: `stream` (binary, at its start,
    open only inside the `with`), the sniffed `media_type`, `size`, `sha256` and the
    display name with the extension of the sniffed type (`original_name`)."""

    stream: Any
    media_type: str
    size: int
    sha256: str
    original_name: str


@contextmanager
def upload_checked(
    *, file, upload_spec: dict | None, size_check: Callable[[int], None] | None = None
) -> Iterator[CheckedUpload]:
    """Check an uploaded file for the `x-upload` field `upload_spec`, storing nothing.

    The checks of `upload_store` (which uses this): an upload field at all, size limit
    min(spec `max_bytes`, FORMS_UPLOAD_MAX_BYTES), not empty, media type sniffed from the
    bytes and among the spec's `media_types`, a PDF that opens, a picture that is one.
    `size_check(size)` may refuse by raising once the size is known (the API quota).
    Raises `UploadRejected`; yields the `CheckedUpload` while its node-local scratch copy
    (in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE) exists. The studio's preview calls this
    and keeps only the name and type: nothing reaches the uploads storage.
    """
    if not upload_spec:
        raise UploadRejected(
            "An dieser Stelle ist kein Datei-Upload vorgesehen.",
            "This field does not take a file upload.",
            "not_an_upload_field",
        )
    allowed = list(upload_spec.get("media_types") or [])
    limit = upload_limit(upload_spec)
    digest = hashlib.sha256()
    size = 0
    head = b""
    with tempfile.SpooledTemporaryFile(
        max_size=int(settings.FILE_UPLOAD_MAX_MEMORY_SIZE), dir=settings.FILE_UPLOAD_TEMP_DIR
    ) as incoming:
        chunks = (
            file.chunks(CHUNK_BYTES)
            if hasattr(file, "chunks")
            else iter(lambda: file.read(CHUNK_BYTES), b"")
        )
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            digest.update(chunk)
            incoming.write(chunk)
        if size == 0:
            raise UploadRejected("Die Datei ist leer.", "The file is empty.", "empty")
        if size_check is not None:
            size_check(size)
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
        problem = (
            _pdf_problem(incoming)
            if media_type == "application/pdf"
            else _image_problem(incoming)
            if media_type in CHECKED_IMAGE_TYPES
            else None
        )
        if problem is not None:
            raise problem
        incoming.seek(0)
        yield CheckedUpload(
            stream=incoming,
            media_type=media_type,
            size=size,
            sha256=digest.hexdigest(),
            original_name=file_name_for_type(
                sanitize_file_name(getattr(file, "name", "")), media_type
            ),
        )


def upload_store(
    *,
    file,
    process_version,
    field_pointer: str,
    upload_spec: dict | None,
    draft: Draft | None = None,
    client_key: str = "",
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
      random owner token is returned once (only its sha256 is stored). The token expires
      after FORMS_API_UPLOAD_TOKEN_HOURS (`owner_token_expires_at`).
    - `client_key` (API: `api_client_key(request)`): the client's unused, unexpired uploads
      are capped at FORMS_API_UPLOAD_MAX_PENDING files and FORMS_API_UPLOAD_MAX_PENDING_BYTES
      bytes (`upload_quota`).
    The checks are `upload_checked`'s; only a file that passed them reaches the storage.
    Raises `UploadRejected` (German + English message; codes `not_an_upload_field`,
    `too_large`, `empty`, `media_type`, `pdf_invalid`, `pdf_encrypted`, `image_invalid`,
    `upload_quota`).
    Returns `(upload, owner_token)`.
    """
    if not upload_spec:
        raise UploadRejected(
            "An dieser Stelle ist kein Datei-Upload vorgesehen.",
            "This field does not take a file upload.",
            "not_an_upload_field",
        )
    now = timezone.now()
    pending_bytes = 0
    if client_key:
        pending_count, pending_bytes = _pending_for(client_key=client_key, now=now)
        if pending_count >= int(settings.FORMS_API_UPLOAD_MAX_PENDING):
            raise _quota_exceeded()

    def within_quota(size: int) -> None:
        if client_key and pending_bytes + size > int(settings.FORMS_API_UPLOAD_MAX_PENDING_BYTES):
            raise _quota_exceeded()

    with upload_checked(file=file, upload_spec=upload_spec, size_check=within_quota) as checked:
        storage_name = file_save(UPLOADS, upload_storage_name(), checked.stream)
    media_type, size = checked.media_type, checked.size

    token = None if draft is not None else secrets.token_urlsafe(32)
    try:
        upload = Upload.objects.create(
            draft=draft,
            owner_token_hash=owner_token_hash(token) if token else "",
            owner_token_expires_at=(now + upload_token_lifetime()) if token else None,
            client_key=client_key,
            process_version=process_version,
            field_pointer=field_pointer,
            storage_name=storage_name,
            original_name=checked.original_name,
            media_type=media_type,
            size=size,
            sha256=checked.sha256,
        )
    except BaseException:
        file_delete(UPLOADS, storage_name)  # no row points to the stored bytes
        raise
    return upload, token


def upload_token_lifetime() -> timedelta:
    """How long an API upload's owner token may be used (FORMS_API_UPLOAD_TOKEN_HOURS)."""
    return timedelta(hours=float(settings.FORMS_API_UPLOAD_TOKEN_HOURS))


def upload_token_expired(upload: Upload, *, now=None) -> bool:
    """True if `upload` is owned by a token (API) whose lifetime is over."""
    if not upload.owner_token_hash or upload.draft_id is not None:
        return False
    expires = upload.owner_token_expires_at or (upload.created_at + upload_token_lifetime())
    return expires <= (now or timezone.now())


def api_client_key(ident: str) -> str:
    """A keyed hash of a client's address (`ident`, as the API throttle identifies clients)."""
    return hmac.new(settings.SECRET_KEY.encode(), ident.encode(), hashlib.sha256).hexdigest()


def _pending_for(*, client_key: str, now) -> tuple[int, int]:
    pending = Upload.objects.filter(
        client_key=client_key,
        draft__isnull=True,
        case__isnull=True,
        owner_token_expires_at__gt=now,
    )
    totals = pending.aggregate(bytes=Sum("size"))
    return pending.count(), int(totals["bytes"] or 0)


def _quota_exceeded() -> UploadRejected:
    hours = float(settings.FORMS_API_UPLOAD_TOKEN_HOURS)
    shown = f"{hours:g}"
    return UploadRejected(
        "Zu viele noch nicht eingereichte Dateien von diesem Absender. Bitte reichen Sie "
        f"den Antrag ein oder warten Sie (ungenutzte Dateien verfallen nach {shown} Stunden).",
        "Too many files not yet submitted from this client. Please submit the application "
        f"or wait (unused files expire after {shown} hours).",
        "upload_quota",
    )


def upload_open(upload: Upload):
    """Open the stored bytes of `upload` for reading (binary). The caller closes it.

    Raises `FileNotFoundError` if the storage has no such file. Permission checks are the
    caller's: never hand this to a request unchecked.
    """
    return file_open(UPLOADS, upload.storage_name)


def upload_file_delete(upload: Upload) -> bool:
    """Delete the stored bytes of `upload` (not its row); True if they were there."""
    return file_delete(UPLOADS, upload.storage_name)


# --- limits while the body streams in --------------------------------------------------------


@dataclass(frozen=True)
class StreamLimits:
    """What a view lets stream in: `file_limit(form field name)` → bytes for that file, or
    None (the field takes no file: its bytes are skipped, never stored); `request_bytes`
    for the whole body (checked against Content-Length before anything is read)."""

    file_limit: Callable[[str], int | None]
    request_bytes: int


REFUSAL_ATTRIBUTE = "forms_upload_refused"


def default_stream_limits() -> StreamLimits:
    ceiling = int(settings.FORMS_UPLOAD_MAX_BYTES)
    return StreamLimits(
        file_limit=lambda _name: ceiling,
        request_bytes=int(settings.FORMS_UPLOAD_MAX_REQUEST_BYTES),
    )


def stream_limits(resolver: Callable[..., StreamLimits]):
    """Decorate a view (function or class) with `resolver(request, **url_kwargs)` giving
    its `StreamLimits`; `LimitedUploadHandler` and `UploadLimitMiddleware` ask it."""

    def attach(view):
        view.forms_stream_limits = staticmethod(resolver) if isinstance(view, type) else resolver
        return view

    return attach


def stream_limits_for(request) -> StreamLimits:
    """The limits of the view `request` is routed to; the defaults if it declares none or
    its resolver fails (an unknown draft, a malformed id: the view answers that itself)."""
    cached = getattr(request, "_forms_stream_limits", None)
    if cached is not None:
        return cached
    limits = default_stream_limits()
    match = getattr(request, "resolver_match", None)
    if match is not None:
        func = match.func
        view_class = getattr(func, "view_class", None) or getattr(func, "cls", None)
        resolver = getattr(func, "forms_stream_limits", None) or getattr(
            view_class, "forms_stream_limits", None
        )
        if resolver is not None:
            try:
                limits = resolver(request, **match.kwargs)
            except Exception:  # noqa: BLE001 - the view reports a bad URL; here only limits matter
                limits = default_stream_limits()
    ceiling = int(settings.FORMS_UPLOAD_MAX_BYTES)
    inner = limits.file_limit

    def file_limit(name: str) -> int | None:
        try:
            limit = inner(name)
        except Exception:  # noqa: BLE001 - e.g. a draft not this session's: keep no file
            return None
        return None if limit is None else min(int(limit), ceiling)

    limits = StreamLimits(
        file_limit=file_limit,
        request_bytes=min(int(limits.request_bytes), int(settings.FORMS_UPLOAD_MAX_REQUEST_BYTES)),
    )
    request._forms_stream_limits = limits
    return limits


def upload_refusal(request) -> UploadRejected | None:
    """The refusal `LimitedUploadHandler` recorded while reading `request`'s body, if any.

    Set means: the body was cut off, its form data is incomplete and must not be used.
    `.field_name` names the form field whose file went over its limit ("" for the body).
    Reads the body first if nothing has yet (the body is parsed lazily).
    """
    if hasattr(request, "_request"):  # a DRF Request wraps the Django one
        request.data  # noqa: B018 - parses the body
        request = request._request
    elif request.method == "POST":
        request.POST  # noqa: B018 - parses the body
    return getattr(request, REFUSAL_ATTRIBUTE, None)


def _refuse(request, refusal: UploadRejected, field_name: str) -> None:
    refusal.field_name = field_name
    if getattr(request, REFUSAL_ATTRIBUTE, None) is None:
        setattr(request, REFUSAL_ATTRIBUTE, refusal)


def _request_too_large(limit: int) -> UploadRejected:
    return UploadRejected(
        f"Die übermittelten Daten sind zu groß (zusammen höchstens {_human_size(limit)}).",
        f"The data sent is too large (at most {_human_size(limit)} together).",
        "too_large",
    )


class LimitedUploadHandler(FileUploadHandler):
    """First upload handler: enforces the view's `StreamLimits` while the body streams in.

    A body whose Content-Length exceeds `request_bytes` is not read at all (empty form
    data); a file is cut off at the first chunk that takes it over its limit and reading
    stops (`StopUpload`), so no oversized body is ever spooled to disk. Either way the
    refusal is recorded on the request for the view (`upload_refusal`).
    """

    def _limits(self) -> StreamLimits:
        return stream_limits_for(self.request)

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803 - Django's signature
        self.total_bytes = 0
        limits = self._limits()
        if content_length is not None and content_length > limits.request_bytes:
            _refuse(self.request, _request_too_large(limits.request_bytes), "")
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        limit = self._limits().file_limit(field_name)
        if limit is None:
            raise SkipFile
        self.file_limit = limit
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data, start):
        self.file_bytes += len(raw_data)
        self.total_bytes = getattr(self, "total_bytes", 0) + len(raw_data)
        request_bytes = self._limits().request_bytes
        if self.file_bytes > self.file_limit:
            _refuse(self.request, too_large(self.file_limit), self.field_name)
            raise StopUpload(connection_reset=False)
        if self.total_bytes > request_bytes:
            _refuse(self.request, _request_too_large(request_bytes), self.field_name)
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers keep the bytes


def _is_multipart(request) -> bool:
    return request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/")


class UploadLimitMiddleware:
    """Refuses a multipart body over the view's `request_bytes` before anything reads it.

    Placed before CsrfViewMiddleware (which reads the form): such a body is answered 413
    (the `{"errors": [...]}` envelope under /api/, a short page elsewhere) without reading.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not _is_multipart(request):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        limits = stream_limits_for(request)
        if length <= limits.request_bytes:
            return None
        refusal = _request_too_large(limits.request_bytes)
        if request.path.startswith("/api/"):
            body = {
                "errors": [
                    {
                        "pointer": "",
                        "message": refusal.message,
                        "message_en": refusal.message_en,
                        "code": refusal.code,
                    }
                ]
            }
            response = JsonResponse(body, status=413)
        else:
            response = render(
                request,
                "citizen/upload_too_large.html",
                {"refusal": refusal, "back": request.path},
                status=413,
            )
        # The body stays unread; the server closes the connection (WSGI apps must not set
        # hop-by-hop headers such as Connection themselves).
        return response
