"""The starter library (library/starter/): a demo publisher's processes, installed the way
every library arrives — as a signed bundle, verified against the trust store and imported.

`starter_library_install` signs the source directory with the demo publisher's key (kept in
a file outside the repository, made on first use), trusts that key once and imports the
bundle; run again, it recognises everything as unchanged."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from . import signing
from .models import TrustedKey
from .services import ImportResult, bundle_build_directory, bundle_import, trust_key_add

STARTER_PUBLISHER = ("musterverbund", "Kommunaler Musterverbund (Demo-Herausgeber)")
STARTER_TITLE = {
    "de": "Starterbibliothek: Verwaltungsleistungen, die jede Kommune braucht",
    "en": "Starter library: services every municipality needs",
}


def _demo_key(key_file: Path | None) -> signing.KeyPair:
    if key_file is None:
        return signing.generate()
    if key_file.exists():
        return signing.load_private_pem(key_file.read_bytes())
    key_file.parent.mkdir(parents=True, exist_ok=True)
    pair = signing.generate()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pair.private_pem())
    return pair


def starter_library_bundle(*, key: signing.KeyPair, directory: Path | None = None) -> bytes:
    """The starter library as a bundle signed with `key`."""
    return bundle_build_directory(
        directory or settings.FORMS_STARTER_LIBRARY,
        publisher_id=STARTER_PUBLISHER[0],
        publisher_name=STARTER_PUBLISHER[1],
        key=key,
        title=STARTER_TITLE,
    )


def starter_library_install(
    *, key_file: Path | None = None, out: Path | None = None, by=None
) -> ImportResult:
    """Sign, trust (once) and import the starter library; `out` keeps a copy of the bundle
    (for trying the import wizard). `key_file` None: a key for this run only."""
    pair = _demo_key(key_file)
    if not TrustedKey.objects.filter(fingerprint=pair.fingerprint).exists():
        trust_key_add(
            publisher_slug=STARTER_PUBLISHER[0],
            publisher_name=STARTER_PUBLISHER[1],
            public_key=pair.public_b64,
            note="Demo-Schlüssel der Starterbibliothek / demo key of the starter library",
            by=by,
        )
    data = starter_library_bundle(key=pair)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    return bundle_import(data, by=by)
