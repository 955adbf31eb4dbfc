"""JWE round trip and tamper detection, hashes, keys."""

import hashlib
import json

import pytest
from jwcrypto.common import base64url_decode, base64url_encode

from forms_engine.transports.fitconnect import (
    PermanentError,
    decrypt,
    encrypt,
    generate_encryption_key,
    jwe_header,
    sha512_hex,
)
from forms_engine.transports.fitconnect.crypto import key_bits, public_part


def test_sha512_hex_is_the_lower_case_hex_digest_of_the_exact_bytes():
    assert sha512_hex(b"") == hashlib.sha512(b"").hexdigest()
    assert len(sha512_hex(b"Antrag")) == 128
    assert sha512_hex(b"Antrag") != sha512_hex(b"Antrag\n")


def test_generated_keys_carry_what_fit_connect_requires(encryption_keys, signature_keys):
    private, public = encryption_keys
    assert public["alg"] == private["alg"] == "RSA-OAEP-256"
    assert public["key_ops"] == ["wrapKey"] and private["key_ops"] == ["unwrapKey"]
    assert public["kid"] == private["kid"]
    assert "d" not in public and "d" in private
    assert key_bits(public) == 2048
    sign_private, sign_public = signature_keys
    assert sign_public["alg"] == "PS512" and sign_public["key_ops"] == ["verify"]
    assert sign_private["key_ops"] == ["sign"]
    assert public_part(sign_private)["key_ops"] == ["verify"]


def test_the_default_key_size_is_4096_bits():
    import inspect

    assert inspect.signature(generate_encryption_key).parameters["size"].default == 4096


def test_jwe_round_trip_with_the_required_header(encryption_keys):
    private, public = encryption_keys
    plaintext = "Grüße aus Musterstadt".encode() + bytes(range(256))

    token = encrypt(plaintext, public, cty="application/json")

    assert token.count(".") == 4
    header = jwe_header(token)
    assert header == {
        "alg": "RSA-OAEP-256",
        "enc": "A256GCM",
        "kid": public["kid"],
        "cty": "application/json",
    }
    assert decrypt(token, private) == plaintext


def test_a_tampered_ciphertext_is_refused(encryption_keys):
    private, public = encryption_keys
    parts = encrypt(b"Betrag: 10 EUR", public, cty="application/json").split(".")
    ciphertext = bytearray(base64url_decode(parts[3]))
    ciphertext[0] ^= 1
    parts[3] = base64url_encode(bytes(ciphertext))

    with pytest.raises(PermanentError) as caught:
        decrypt(".".join(parts), private)

    assert "entschlüsseln" in caught.value.message
    assert caught.value.status is None


def test_a_tampered_header_or_tag_is_refused(encryption_keys):
    private, public = encryption_keys
    parts = encrypt(b"x", public, cty="application/json").split(".")
    header = json.loads(base64url_decode(parts[0]))
    header["cty"] = "application/xml"
    forged = [base64url_encode(json.dumps(header).encode()), *parts[1:]]
    with pytest.raises(PermanentError):
        decrypt(".".join(forged), private)
    tag = bytearray(base64url_decode(parts[4]))
    tag[-1] ^= 0x80
    with pytest.raises(PermanentError):
        decrypt(".".join([*parts[:4], base64url_encode(bytes(tag))]), private)


def test_the_wrong_private_key_is_refused(encryption_keys):
    _, public = encryption_keys
    other_private, _ = generate_encryption_key(2048)
    token = encrypt(b"x", public, cty="application/json")

    with pytest.raises(PermanentError) as caught:
        decrypt(token, other_private)
    assert "kid" in caught.value.message_en

    with pytest.raises(PermanentError):  # same kid, other key material
        decrypt(token, {**other_private, "kid": public["kid"]})


@pytest.mark.parametrize(
    "token",
    ["", "a.b.c", "a.b.c.d.e.f", "!!.b.c.d.e", "....", 42],
)
def test_malformed_tokens_are_refused_with_a_clear_error(encryption_keys, token):
    with pytest.raises(PermanentError):
        decrypt(token, encryption_keys[0])


def test_encrypt_refuses_keys_that_are_not_for_wrapping(encryption_keys, signature_keys):
    with pytest.raises(PermanentError):
        encrypt(b"x", signature_keys[1], cty="application/json")  # PS512 verify key
    with pytest.raises(PermanentError):
        encrypt(b"x", {**encryption_keys[1], "key_ops": ["verify"]}, cty="application/json")
    with pytest.raises(PermanentError):
        encrypt(b"x", {"kty": "EC", "kid": "k"}, cty="application/json")
    with pytest.raises(PermanentError):
        encrypt(b"x", {k: v for k, v in encryption_keys[1].items() if k != "kid"}, cty="a/b")


def test_a_private_key_given_to_encrypt_never_ends_up_in_the_token(encryption_keys):
    private, _ = encryption_keys
    token = encrypt(b"x", {**private, "key_ops": ["wrapKey"]}, cty="application/json")
    assert private["d"] not in token
    assert "d" not in jwe_header(token)
