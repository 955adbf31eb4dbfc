"""BundID attributes: the engine's vocabulary names and their OIDs (see the package doc)."""

from __future__ import annotations

BPK2_OID = "urn:oid:1.3.6.1.4.1.25484.494450.3"

# vocabulary name -> (OID, SAML FriendlyName)
ATTRIBUTES: dict[str, tuple[str, str]] = {
    "givenName": ("urn:oid:2.5.4.42", "givenName"),
    "familyName": ("urn:oid:2.5.4.4", "surname"),
    "birthName": ("urn:oid:1.2.40.0.10.2.1.1.225566", "birthName"),
    "birthDate": ("urn:oid:1.2.40.0.10.2.1.1.55", "birthdate"),
    "placeOfBirth": ("urn:oid:1.3.6.1.5.5.7.9.2", "placeOfBirth"),
    "street": ("urn:oid:2.5.4.16", "postalAddress"),
    "postalCode": ("urn:oid:2.5.4.17", "postalCode"),
    "city": ("urn:oid:2.5.4.7", "localityName"),
    "country": ("urn:oid:1.2.40.0.10.2.1.1.225599", "country"),
    "nationality": ("urn:oid:1.2.40.0.10.2.1.1.225577", "nationality"),
    "email": ("urn:oid:0.9.2342.19200300.100.1.3", "mail"),
    "phone": ("urn:oid:2.5.4.20", "telephoneNumber"),
}
NAME_BY_OID = {oid: name for name, (oid, _friendly) in ATTRIBUTES.items()}

# Trust levels BundID reports per attribute (akdb:TrustLevel); these two are "confirmed".
CONFIRMED_TRUST = frozenset({"SUBSTANZIELL", "HOCH"})


def attribute_name(reference: str) -> str | None:
    """The vocabulary name for a prefill reference (a name or an OID); None if unknown."""
    if reference in ATTRIBUTES:
        return reference
    if not reference.startswith("urn:oid:") and reference.startswith(tuple("0123456789")):
        reference = "urn:oid:" + reference
    return NAME_BY_OID.get(reference)


def is_confirmed(attribute: dict | None) -> bool:
    return bool(attribute) and attribute.get("trust") in CONFIRMED_TRUST
