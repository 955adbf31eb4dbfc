"""Hashes, keys, JWE (RSA-OAEP-256 / A256GCM, compact) and JWS (PS512) for FIT-Connect.

Keys are JWK dicts (RFC 7517). FIT-Connect requires RSA keys of 4096 bits: an encryption
key pair has `alg: RSA-OAEP-256` and `key_ops` `["wrapKey"]` (public) / `["unwrapKey"]`
(private); a signature key pair `alg: PS512` and `["verify"]` / `["sign"]`. The `size`
parameter of the generators exists so tests can use fast 2048-bit keys.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException, base64url_decode

from .errors import PermanentError

JWE_ALG = "RSA-OAEP-256"
JWE_ENC = "A256GCM"
JWS_ALG = "PS512"
DEFAULT_KEY_SIZE = 4096


def sha512_hex(data: bytes) -> str:
    """SHA-512 of the exact bytes, as 128 lower-case hex digits (metadata `hash.content`)."""
    return hashlib.sha512(data).hexdigest()


def _generate(size: int, alg: str, private_ops: list[str], public_ops: list[str]):
    key = jwk.JWK.generate(kty="RSA", size=size, kid=str(uuid.uuid4()), alg=alg)
    private = key.export_private(as_dict=True)
    public = key.export_public(as_dict=True)
    private["key_ops"] = private_ops
    public["key_ops"] = public_ops
    return private, public


def generate_encryption_key(size: int = DEFAULT_KEY_SIZE) -> tuple[dict, dict]:
    """A new RSA key pair for JWE: (private JWK with unwrapKey, public JWK with wrapKey)."""
    return _generate(size, JWE_ALG, ["unwrapKey"], ["wrapKey"])


def generate_signature_key(size: int = DEFAULT_KEY_SIZE) -> tuple[dict, dict]:
    """A new RSA key pair for PS512 signatures: (private JWK with sign, public with verify)."""
    return _generate(size, JWS_ALG, ["sign"], ["verify"])


def key_bits(public_jwk: dict) -> int:
    """The size of an RSA key in bits (0 if it is not a readable RSA key)."""
    try:
        return len(base64url_decode(public_jwk["n"]).lstrip(b"\0")) * 8
    except (KeyError, TypeError, ValueError):
        return 0


def _load_key(key: dict, *, op: str, alg: str, private: bool) -> jwk.JWK:
    """A JWK dict as a jwcrypto key, checked for the use FIT-Connect allows it."""
    if not isinstance(key, dict) or key.get("kty") != "RSA":
        raise PermanentError(
            "Der Schlüssel ist kein RSA-Schlüssel (JWK).", "The key is not an RSA JWK."
        )
    if key.get("alg") not in (None, alg):
        raise PermanentError(
            f"Der Schlüssel ist für „{key.get('alg')}“ bestimmt, nicht für „{alg}“.",
            f"The key is meant for {key.get('alg')!r}, not {alg!r}.",
        )
    if "key_ops" in key and op not in key["key_ops"]:
        raise PermanentError(
            f"Der Schlüssel erlaubt „{op}“ nicht (key_ops).",
            f"The key does not allow {op!r} (key_ops).",
        )
    if private and "d" not in key:
        raise PermanentError(
            "Dafür wird der private Schlüssel gebraucht.", "This needs the private key."
        )
    if not private:
        # Never use a private key where a public one is expected (it would leak on export).
        key = {name: value for name, value in key.items() if name not in _PRIVATE_PARTS}
    try:
        return jwk.JWK(**key)
    except (JWException, ValueError, TypeError) as error:
        raise PermanentError(
            "Der Schlüssel ist kein gültiger JWK.", f"The key is not a valid JWK: {error}"
        ) from error


_PRIVATE_PARTS = {"d", "p", "q", "dp", "dq", "qi", "oth"}


_PUBLIC_OPS = {"sign": "verify", "unwrapKey": "wrapKey", "decrypt": "encrypt"}


def public_part(key: dict) -> dict:
    """The public part of a JWK dict: drops the private parameters and turns private
    `key_ops` into their public counterparts (sign → verify, unwrapKey → wrapKey)."""
    public = {name: value for name, value in key.items() if name not in _PRIVATE_PARTS}
    if isinstance(public.get("key_ops"), list) and "d" in key:
        public["key_ops"] = [_PUBLIC_OPS.get(op, op) for op in public["key_ops"]]
    return public


def encrypt(plaintext: bytes, public_jwk: dict, *, cty: str) -> str:
    """Encrypt `plaintext` for the holder of `public_jwk`: a compact JWE with `alg`
    RSA-OAEP-256, `enc` A256GCM, `kid` from the key and the given content type `cty`."""
    if not isinstance(plaintext, bytes | bytearray):
        raise TypeError("plaintext must be bytes")
    kid = public_jwk.get("kid") if isinstance(public_jwk, dict) else None
    if not kid:
        raise PermanentError(
            "Der Schlüssel hat keine Kennung (kid).", "The public key has no key id (kid)."
        )
    key = _load_key(public_jwk, op="wrapKey", alg=JWE_ALG, private=False)
    header = {"alg": JWE_ALG, "enc": JWE_ENC, "kid": kid, "cty": cty}
    token = jwe.JWE(bytes(plaintext), protected=json.dumps(header))
    token.add_recipient(key)
    return token.serialize(compact=True)


def jwe_header(token: str) -> dict:
    """The protected header of a compact JWE, checked for shape only (5 base64url parts,
    JSON header). Raises PermanentError otherwise. Needs no key: the Zustelldienst uses it."""
    if not isinstance(token, str):
        raise PermanentError("Der JWE ist kein Text.", "The JWE is not a string.")
    parts = token.split(".")
    if len(parts) != 5 or not parts[0] or not parts[2] or not parts[3] or not parts[4]:
        raise PermanentError(
            "Der JWE ist nicht kompakt serialisiert (5 Teile).",
            "The JWE is not in compact serialisation (5 parts).",
        )
    try:
        for part in parts:
            base64url_decode(part)
        header = json.loads(base64url_decode(parts[0]))
    except (ValueError, UnicodeDecodeError) as error:
        raise PermanentError(
            "Der JWE ist nicht lesbar (base64url/JSON).",
            "The JWE is not readable (base64url/JSON).",
        ) from error
    if not isinstance(header, dict):
        raise PermanentError("Der JWE-Kopf ist kein Objekt.", "The JWE header is not an object.")
    return header


def authentication_tag(token: str) -> str:
    """The authentication tag (last part) of a compact JWE: what the submit event records."""
    return token.rsplit(".", 1)[-1]


def decrypt(token: str, private_jwk: dict) -> bytes:
    """Decrypt a compact JWE made by `encrypt`. Tampering, a wrong key or other algorithms
    than RSA-OAEP-256/A256GCM raise PermanentError."""
    header = jwe_header(token)
    if header.get("alg") != JWE_ALG or header.get("enc") != JWE_ENC:
        raise PermanentError(
            "Der JWE nutzt nicht RSA-OAEP-256/A256GCM.",
            "The JWE does not use RSA-OAEP-256/A256GCM.",
        )
    if private_jwk.get("kid") and header.get("kid") != private_jwk.get("kid"):
        raise PermanentError(
            "Der JWE ist für einen anderen Schlüssel verschlüsselt (kid).",
            "The JWE was encrypted for another key (kid).",
        )
    key = _load_key(private_jwk, op="unwrapKey", alg=JWE_ALG, private=True)
    token_object = jwe.JWE()
    token_object.allowed_algs = [JWE_ALG, JWE_ENC]
    try:
        token_object.deserialize(token, key=key)
    except (JWException, ValueError, TypeError) as error:
        raise PermanentError(
            "Der JWE ließ sich nicht entschlüsseln (verändert oder falscher Schlüssel).",
            "The JWE could not be decrypted (tampered with or wrong key).",
        ) from error
    return bytes(token_object.payload)


def sign_jws(payload: bytes, private_jwk: dict, *, typ: str) -> str:
    """A compact JWS (PS512) over `payload` with `kid` from the key and the given `typ`."""
    kid = private_jwk.get("kid")
    if not kid:
        raise PermanentError("Der Schlüssel hat keine Kennung (kid).", "The key has no kid.")
    key = _load_key(private_jwk, op="sign", alg=JWS_ALG, private=True)
    token = jws.JWS(payload)
    token.add_signature(
        key, alg=JWS_ALG, protected=json.dumps({"alg": JWS_ALG, "kid": kid, "typ": typ})
    )
    return token.serialize(compact=True)


def verify_jws(token: str, keys: list[dict], *, typ: str | None = None) -> tuple[dict, bytes]:
    """Verify a compact PS512 JWS against the key in `keys` with the header's `kid`.
    Returns (header, payload bytes); anything wrong raises PermanentError."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise PermanentError("Das Token ist keine kompakte JWS.", "The token is not a compact JWS.")
    try:
        header = json.loads(base64url_decode(token.split(".", 1)[0]))
    except (ValueError, UnicodeDecodeError) as error:
        raise PermanentError(
            "Der Token-Kopf ist nicht lesbar.", "Unreadable token header."
        ) from error
    if not isinstance(header, dict) or header.get("alg") != JWS_ALG:
        raise PermanentError(
            "Das Token ist nicht mit PS512 signiert.", "The token is not signed with PS512."
        )
    if typ is not None and header.get("typ") != typ:
        raise PermanentError(
            f"Das Token hat nicht den Typ „{typ}“.", f"The token's typ is not {typ!r}."
        )
    kid = header.get("kid")
    matching = [key for key in keys if isinstance(key, dict) and key.get("kid") == kid]
    if not kid or not matching:
        raise PermanentError(
            "Für die Signatur gibt es keinen bekannten Schlüssel (kid).",
            "There is no known key for the signature (kid).",
        )
    key = _load_key(matching[0], op="verify", alg=JWS_ALG, private=False)
    token_object = jws.JWS()
    token_object.allowed_algs = [JWS_ALG]
    try:
        token_object.deserialize(token)
        token_object.verify(key, alg=JWS_ALG)
    except (JWException, ValueError, TypeError) as error:
        raise PermanentError("Die Signatur ist ungültig.", "The signature is invalid.") from error
    return header, bytes(token_object.payload)
