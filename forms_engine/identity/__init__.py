"""Identity plugins: who the citizen is, how sure we are, and what the ID confirmed.

Pieces:
- `base.py`: `registry = Registry("identity")`, `IdentityProvider` (hooks `start`,
  `complete`), `IdentityResult`, `IdentityError`, the levels and `level_satisfies`.
- `backends/bundid_stub.py`: the engine side of the BundID stand-in (verifies the signed
  assertion). `stub_idp.py` + `views.py`: the stand-in IdP itself, served at
  `/bundid-stub/` only where `settings.ENABLE_DEMO_BACKENDS` is on (404 otherwise).
- `services.py`: the identity in the session, prefill of answers, locked fields.

Prefill vocabulary (`identity.prefill` in a process definition maps an answer pointer to
one of these names; the BundID attribute OID is accepted too, e.g. "urn:oid:2.5.4.42"):

| name          | BundID attribute OID                      | value                      |
|---------------|-------------------------------------------|----------------------------|
| givenName     | urn:oid:2.5.4.42                          | text                       |
| familyName    | urn:oid:2.5.4.4                           | text                       |
| birthName     | urn:oid:1.2.40.0.10.2.1.1.225566          | text                       |
| birthDate     | urn:oid:1.2.40.0.10.2.1.1.55              | ISO date `YYYY-MM-DD`      |
| placeOfBirth  | urn:oid:1.3.6.1.5.5.7.9.2                 | text                       |
| street        | urn:oid:2.5.4.16                          | street and house number    |
| postalCode    | urn:oid:2.5.4.17                          | 5 digits                   |
| city          | urn:oid:2.5.4.7                           | text                       |
| country       | urn:oid:1.2.40.0.10.2.1.1.225599          | ISO 3166-1 alpha-2         |
| nationality   | urn:oid:1.2.40.0.10.2.1.1.225577          | ICAO code, e.g. D          |
| email         | urn:oid:0.9.2342.19200300.100.1.3         | e-mail address             |
| phone         | urn:oid:2.5.4.20                          | phone number               |

The bPK2 (urn:oid:1.3.6.1.4.1.25484.494450.3) is never prefilled: it is the account key.

Each attribute carries the trust level BundID reports for it (`NORMAL`, `SUBSTANZIELL`,
`HOCH`). Attributes at `SUBSTANZIELL` or `HOCH` are *confirmed*: their prefilled fields are
read-only ("aus Ihrem Ausweis übernommen") and the server ignores any other posted value.
`NORMAL` attributes (self-declared in the account, e.g. the e-mail) are prefilled but
remain editable.
"""
