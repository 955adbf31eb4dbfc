"""What the library API's views share: who may do what, the bundle body (a raw zip or a
multipart file, with its size limit), and bundle refusals in the API's error shape.

Roles (decided for issue 10; the studio's library pages use the same rules):
- browse the library catalog and the trust store: a signed-in staff user who is a
  superuser, a municipality administrator or has a studio role (designer or reviewer);
- plan and import bundles: superusers or perm `library.add_bundleimport`;
- add a key: superusers or perm `library.add_trustedkey`; revoke: `library.change_trustedkey`;
- export: designers of the publisher (`catalog.review.can_design`).
Signed in with none of these: 403 `no_library_role`; anonymous: 403 `not_authenticated`.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission

from forms_engine.citizen.uploads import StreamLimits, upload_refusal
from forms_engine.library.archive import ArchiveLimits, BundleRefused
from forms_engine.library.roles import (
    ADD_KEY_PERM,
    IMPORT_PERM,
    REVOKE_KEY_PERM,
    may_add_keys,
    may_browse_library,
    may_revoke_keys,
)
from forms_engine.library.roles import active as _active
from forms_engine.library.roles import may_import as may_import

from .errors import error
from .studio_support import Refused, read_limited, refused

IMPORT_PERMISSION = IMPORT_PERM
KEY_ADD_PERMISSION = ADD_KEY_PERM
KEY_REVOKE_PERMISSION = REVOKE_KEY_PERM
LIBRARY_PERMISSIONS = (IMPORT_PERMISSION, KEY_ADD_PERMISSION, KEY_REVOKE_PERMISSION)

#: The multipart form field that carries the bundle.
FILE_FIELD = "file"
#: What a multipart body may hold beside the bundle (boundaries, headers).
MULTIPART_OVERHEAD = 64 * 1024


def bundle_limit() -> int:
    """The largest bundle the API reads (`ArchiveLimits.max_archive_bytes`)."""
    return ArchiveLimits().max_archive_bytes


# One set of rules with the studio's library pages (forms_engine/library/roles.py).
may_browse = may_browse_library
may_add_key = may_add_keys
may_revoke_key = may_revoke_keys


class LibraryUser(BasePermission):
    """Signed in (staff session, the second factor where required) with any library role.
    Anonymous: 403 `not_authenticated`; signed in without one: 403 `no_library_role`."""

    def has_permission(self, request, view):
        user = request.user
        if not _active(user):
            return False
        if not (may_browse(user) or any(user.has_perm(p) for p in LIBRARY_PERMISSIONS)):
            raise refused(
                status.HTTP_403_FORBIDDEN,
                "",
                "Sie haben keine Rolle in der Prozessbibliothek.",
                "You have no role in the process library.",
                "no_library_role",
            )
        return True


def role_required(message: str, message_en: str, code: str) -> Refused:
    return refused(status.HTTP_403_FORBIDDEN, "", message, message_en, code)


def import_role_required() -> Refused:
    return role_required(
        "Bündel prüfen und importieren dürfen nur Personen mit der Berechtigung "
        "„Import einer Bibliothek hinzufügen“.",
        "Only people with the permission to add library imports may check and import bundles.",
        "import_permission_required",
    )


def browse_role_required() -> Refused:
    return role_required(
        "Die Bibliothek sehen Administratorinnen und Administratoren einer Kommune und "
        "Personen mit einer Rolle im Prozess-Studio.",
        "The library is shown to municipality administrators and people with a role in the "
        "process studio.",
        "browse_role_required",
    )


# --- bundle bodies -------------------------------------------------------------------------


class ZipParser(BaseParser):
    """A raw `application/zip` body: at most `bundle_limit()` bytes (413 `too_large`, the
    rest never read; the Content-Length is checked before anything is read)."""

    media_type = "application/zip"

    def parse(self, stream, media_type=None, parser_context=None):
        return read_limited(stream, parser_context, bundle_limit())


def bundle_stream_limits(request, **kwargs) -> StreamLimits:
    """The multipart body's limits (`citizen.uploads`, enforced while it streams in): the
    field `file` up to the bundle limit, no other file; also capped by the installation's
    upload ceiling FORMS_UPLOAD_MAX_BYTES."""
    limit = bundle_limit()
    return StreamLimits(
        file_limit=lambda name: limit if name == FILE_FIELD else None,
        request_bytes=limit + MULTIPART_OVERHEAD,
    )


def bundle_missing() -> Refused:
    return refused(
        status.HTTP_400_BAD_REQUEST,
        "",
        "Bitte senden Sie das Bündel (eine ZIP-Datei): als Inhalt der Anfrage mit "
        "Content-Type application/zip oder als Formularfeld „file“ (multipart/form-data).",
        "Please send the bundle (a zip file): as the request body with Content-Type "
        "application/zip or as the form field 'file' (multipart/form-data).",
        "bundle_missing",
    )


def _too_large(limit: int) -> Refused:
    mib = limit / (1024 * 1024)
    return refused(
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        "",
        f"Das Bündel ist zu groß (höchstens {mib:.0f} MiB).",
        f"The bundle is too large (at most {mib:.0f} MiB).",
        "too_large",
    )


def bundle_bytes(request) -> bytes:
    """The bundle the request carries (raw zip body or the multipart field `file`)."""
    data = request.data
    if isinstance(data, bytes):
        if not data:
            raise bundle_missing()
        return data
    refusal = upload_refusal(request)
    if refusal is not None:
        raise _too_large(bundle_limit())
    upload = request.FILES.get(FILE_FIELD) if hasattr(request, "FILES") else None
    if upload is None:
        raise bundle_missing()
    limit = bundle_limit()
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit)
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(limit)
    if not content:
        raise bundle_missing()
    return content


# Every refusal answers 422, except the archive over the size limit (413).
REFUSAL_STATUS = {"archive_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE}


def bundle_refusal(exc: BundleRefused) -> Refused:
    """A `BundleRefused` as the API answers it: 422 (413 for `archive_too_large`) with the
    refusal's code, its German and English message; `pointer` names the bundle member
    concerned (`/manifest.sig`), empty for the bundle as a whole."""
    pointer = "/" + exc.path if exc.path else ""
    return Refused(
        [error(pointer, exc.message, exc.message_en or exc.message, exc.code)],
        REFUSAL_STATUS.get(exc.code, status.HTTP_422_UNPROCESSABLE_ENTITY),
    )


class ZipOrJSONNegotiation(DefaultContentNegotiation):
    """For a view answering a zip: `Accept: application/zip` is fine too (errors still come
    as JSON: the view's only renderer)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accepts = [a.split(";")[0].strip().lower() for a in self.get_accept_list(request)]
        if "application/zip" in accepts:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
