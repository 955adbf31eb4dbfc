"""Where stored files live: Django's storage API (`settings.STORAGES`), nothing else.

Two storages hold every file the engine keeps:

- `UPLOADS` ("uploads"): the citizens' files (wizard, API, postbox answers);
- `CASEFILES` ("casefiles"): the generated PDFs of a case (case file, supplements).

Both are a directory on a shared volume by default (`FileSystemStorage` under
`DJANGO_MEDIA_ROOT`) or, with `FORMS_STORAGE_BACKEND=s3`, an S3-compatible bucket
(django-storages), so any web node and any worker reads what another one wrote. Names are
random, relative and stored in the database (`Upload.storage_name`,
`CaseDocument.storage_name`). No code asks a storage for a local path (`path()`) or a URL
(`url()`): files are written with `save()`, read with `open()` and served only by the
permission-checked download views, never publicly.
"""

from __future__ import annotations

import logging

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

logger = logging.getLogger(__name__)

UPLOADS = "uploads"
CASEFILES = "casefiles"


def file_storage(alias: str) -> Storage:
    """The storage configured as `settings.STORAGES[alias]`."""
    return storages[alias]


def file_save(alias: str, name: str, content: bytes | File) -> str:
    """Store `content` (bytes, or a file object read from its start) under `name`.

    Returns the name the storage used, which is what must be kept: a storage that already
    holds `name` picks another one instead of overwriting it.
    """
    if isinstance(content, bytes | bytearray):
        content = ContentFile(bytes(content))
    elif not isinstance(content, File):
        content = File(content)
    return file_storage(alias).save(name, content)


def file_open(alias: str, name: str) -> File:
    """Open a stored file for reading (binary); the caller closes it.

    Raises `FileNotFoundError` when the storage has no such file. Permission checks are
    the caller's: never hand this to a request unchecked.
    """
    if not name:
        raise FileNotFoundError("no stored file")
    return file_storage(alias).open(name, "rb")


def file_read(alias: str, name: str) -> bytes:
    """The whole content of a stored file (for e-mail attachments and small PDFs)."""
    with file_open(alias, name) as handle:
        return handle.read()


def file_delete(alias: str, name: str) -> bool:
    """Delete a stored file; True if it was there and is gone now.

    A missing file is not an error (retention and rollbacks may run twice); a storage that
    fails is logged and answers False, so one broken file never stops a purge.
    """
    if not name:
        return False
    storage = file_storage(alias)
    try:
        if not storage.exists(name):
            return False
        storage.delete(name)
    except Exception:  # noqa: BLE001 - any storage error: logged, the caller carries on
        logger.exception("Could not delete %s from the %s storage", name, alias)
        return False
    return True
