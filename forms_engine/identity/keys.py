"""Key material of the BundID stand-in.

The stand-in IdP signs with the private key from the environment variable
`BUNDID_STUB_PRIVATE_KEY` (PEM). Without it, in demo mode only, a key is generated once and
kept in `var/bundid-stub/signing-key.pem` (var/ is never committed). The engine verifies
with a public key named in the backend options (`public_key_env`); where that variable is
unset, demo mode uses the stand-in's own public key.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

PRIVATE_KEY_ENV = "BUNDID_STUB_PRIVATE_KEY"
_lock = threading.Lock()
_cache: dict[str, object] = {}


def key_file() -> Path:
    configured = getattr(settings, "BUNDID_STUB_KEY_FILE", None)
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR) / "var" / "bundid-stub" / "signing-key.pem"


def _load_or_create_pem() -> bytes:
    pem = os.environ.get(PRIVATE_KEY_ENV, "").strip()
    if pem:
        return pem.encode("ascii")
    path = key_file()
    if path.exists():
        return path.read_bytes()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with owner-only permissions; a concurrent creator wins and is used instead.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return data


def stub_private_key() -> rsa.RSAPrivateKey:
    """The stand-in IdP's signing key (cached per process)."""
    with _lock:
        pem = os.environ.get(PRIVATE_KEY_ENV, "").strip() or str(key_file())
        key = _cache.get(pem)
        if key is None:
            key = serialization.load_pem_private_key(_load_or_create_pem(), password=None)
            _cache[pem] = key
        return key


def stub_public_pem() -> str:
    return (
        stub_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def stub_key_id() -> str:
    import hashlib

    return hashlib.sha256(stub_public_pem().encode("ascii")).hexdigest()[:16]


def verification_key(public_key_env: str) -> str | None:
    """The PEM the engine verifies assertions with: the named variable, else (demo) the
    stand-in's own key; None if neither is available."""
    pem = os.environ.get(public_key_env, "").strip() if public_key_env else ""
    if pem:
        return pem
    if getattr(settings, "ENABLE_DEMO_BACKENDS", False):
        return stub_public_pem()
    return None
