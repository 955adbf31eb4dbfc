"""Ed25519 keys and signatures for bundles (decision: docs/decisions/0007-bundle-signatures.md).

No Django here. A key pair is Ed25519 (`cryptography`); the public key travels as the
base64 of its 32 raw bytes, the private key as an unencrypted PKCS#8 PEM file (mode 0600)
or the same PEM text in an environment variable. The fingerprint of a public key is the
hex SHA-256 of its 32 raw bytes; people compare it in groups of four (`display_fingerprint`).
The signature file `manifest.sig` is JSON: `{"alg": "Ed25519", "key": <fingerprint>,
"sig": <base64 of the 64-byte signature over the exact bytes of manifest.json>}`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"


class KeyError_(ValueError):
    """A key or signature that cannot be read: `message` (German), `message_en`."""

    def __init__(self, message: str, message_en: str):
        super().__init__(f"{message} / {message_en}")
        self.message = message
        self.message_en = message_en


@dataclass(frozen=True)
class KeyPair:
    private: Ed25519PrivateKey

    @property
    def public_b64(self) -> str:
        return public_key_b64(self.private.public_key())

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.public_b64)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def private_pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def generate() -> KeyPair:
    return KeyPair(Ed25519PrivateKey.generate())


def load_private_pem(pem: bytes | str) -> KeyPair:
    data = pem.encode("utf-8") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyError_(
            "Der private Schlüssel ist keine lesbare, unverschlüsselte PEM-Datei (PKCS#8).",
            "The private key is not a readable, unencrypted PEM file (PKCS#8).",
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_(
            "Der private Schlüssel ist kein Ed25519-Schlüssel.",
            "The private key is not an Ed25519 key.",
        )
    return KeyPair(key)


def public_key_b64(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyError_(
            "Der öffentliche Schlüssel ist kein gültiges Base64.",
            "The public key is not valid base64.",
        ) from exc
    if len(raw) != 32:
        raise KeyError_(
            "Ein öffentlicher Ed25519-Schlüssel hat genau 32 Bytes (44 Zeichen Base64).",
            "An Ed25519 public key has exactly 32 bytes (44 characters of base64).",
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint_of(public_b64: str) -> str:
    """Hex SHA-256 of the raw public key (validated first)."""
    key = public_key_from_b64(public_b64)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def display_fingerprint(fingerprint: str) -> str:
    """The first 128 bits of a fingerprint in groups of four: `3f2a 91bc …` (8 groups)."""
    head = fingerprint[:32]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4))


def signature_document(pair: KeyPair, manifest_bytes: bytes) -> bytes:
    """The bytes of `manifest.sig` for `manifest_bytes`."""
    doc = {
        "alg": ALGORITHM,
        "key": pair.fingerprint,
        "sig": base64.b64encode(pair.sign(manifest_bytes)).decode("ascii"),
    }
    return json.dumps(doc, indent=2).encode("utf-8") + b"\n"


@dataclass(frozen=True)
class Signature:
    fingerprint: str
    raw: bytes


def read_signature(data: bytes) -> Signature:
    """Parse `manifest.sig`; raises KeyError_ when it is not a well-formed Ed25519 signature."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise KeyError_(
            "Die Signaturdatei ist kein gültiges JSON.", "The signature file is not valid JSON."
        ) from exc
    if (
        not isinstance(doc, dict)
        or doc.get("alg") != ALGORITHM
        or not isinstance(doc.get("key"), str)
        or not isinstance(doc.get("sig"), str)
        or len(doc["key"]) != 64
    ):
        raise KeyError_(
            "Die Signaturdatei ist unvollständig oder nennt ein anderes Verfahren als Ed25519.",
            "The signature file is incomplete or names an algorithm other than Ed25519.",
        )
    try:
        raw = base64.b64decode(doc["sig"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyError_(
            "Die Signatur ist kein gültiges Base64.", "The signature is not valid base64."
        ) from exc
    if len(raw) != 64:
        raise KeyError_(
            "Eine Ed25519-Signatur hat genau 64 Bytes.",
            "An Ed25519 signature has exactly 64 bytes.",
        )
    return Signature(fingerprint=doc["key"].lower(), raw=raw)


def verify(public_b64: str, signature: bytes, data: bytes) -> bool:
    try:
        public_key_from_b64(public_b64).verify(signature, data)
    except InvalidSignature:
        return False
    return True
