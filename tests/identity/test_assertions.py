"""The engine accepts only a genuine, fresh, own, unused assertion from the stand-in."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse

from forms_engine.identity.attributes import BPK2_OID
from forms_engine.identity.services import session_identity
from forms_engine.identity.stub_idp import MEANS, assertion_issue, persona_get
from tests.identity.helpers import post_assertion, sign_in, start_sign_in, stub_assertion

pytestmark = pytest.mark.django_db


def _error_code(response) -> str:
    content = response.content.decode()
    return content.split('data-code="', 1)[1].split('"', 1)[0]


def test_sign_in_with_the_online_id_gives_level_hoch_attributes_and_bpk2(client):
    location = sign_in(client, means="eid", level="hoch", next_url="/konto/")
    assert location == "/konto/"
    identity = session_identity(client.session)
    assert identity["level"] == "hoch"
    assert identity["means"] == "Online-Ausweis"
    assert identity["attributes"]["familyName"] == {
        "value": "Mustermann",
        "trust": "HOCH",
        "oid": "urn:oid:2.5.4.4",
    }
    # The e-mail address is never confirmed by an ID card.
    assert identity["attributes"]["email"]["trust"] == "NORMAL"
    assert identity["bpk2"] and "Mustermann" not in identity["bpk2"]


@pytest.mark.parametrize(
    ("means", "level"), [("benutzername", "basis"), ("elster", "substanziell"), ("eid", "hoch")]
)
def test_each_means_gives_its_level(client, means, level):
    sign_in(client, means=means)
    assert session_identity(client.session)["level"] == level


def test_the_assertion_carries_bundid_claims_and_oids(client):
    params = start_sign_in(client, level="hoch")
    assertion = stub_assertion(client, params)
    claims = jwt.decode(assertion, options={"verify_signature": False})
    assert jwt.get_unverified_header(assertion)["alg"] == "RS256"
    assert claims["authn_context_class_ref"] == "STORK-QAA-Level-4"
    assert claims["in_response_to"] == params["request_id"]
    assert claims["aud"] == params["service"]
    assert claims["exp"] > claims["iat"]
    assert claims["attributes"]["urn:oid:2.5.4.42"]["value"] == "Erika"
    assert claims["attributes"]["urn:oid:1.2.40.0.10.2.1.1.55"]["value"] == "1964-08-12"
    assert claims["attributes"]["urn:oid:2.5.4.17"]["trust_level"] == "HOCH"
    assert BPK2_OID in claims["attributes"]


def test_the_same_person_gets_the_same_bpk2_in_another_session(client):
    sign_in(client, means="elster")
    other = Client()
    sign_in(other, means="eid")
    third = Client()
    sign_in(third, persona="leonie-schmitt")
    bpk2 = session_identity(client.session)["bpk2"]
    assert session_identity(other.session)["bpk2"] == bpk2
    assert session_identity(third.session)["bpk2"] != bpk2


def test_a_forged_signature_is_rejected(client):
    params = start_sign_in(client)
    genuine = stub_assertion(client, params)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, forger, algorithm="RS256")
    response = post_assertion(client, forged)
    assert response.status_code == 400
    assert _error_code(response) == "signature"
    assert "nicht gültig signiert" in response.content.decode()
    assert session_identity(client.session) is None


def test_a_tampered_claim_is_rejected(client):
    params = start_sign_in(client, level="hoch")
    header, payload, signature = stub_assertion(client, params, means="benutzername").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["authn_context_class_ref"] = "STORK-QAA-Level-4"  # basis pretending to be hoch
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    response = post_assertion(client, f"{header}.{payload}.{signature}")
    assert _error_code(response) == "signature"
    assert session_identity(client.session) is None


def test_an_unsigned_assertion_is_rejected(client):
    params = start_sign_in(client)
    claims = jwt.decode(stub_assertion(client, params), options={"verify_signature": False})
    response = post_assertion(client, jwt.encode(claims, None, algorithm="none"))
    assert response.status_code == 400
    assert session_identity(client.session) is None


def test_an_expired_assertion_is_rejected(client):
    params = start_sign_in(client)
    expired = assertion_issue(
        persona=persona_get("erika-mustermann"),
        means=MEANS["eid"],
        service_id=params["service"],
        in_response_to=params["request_id"],
        now=time.time() - 3600,
    )
    response = post_assertion(client, expired)
    assert _error_code(response) == "expired"
    assert "abgelaufen" in response.content.decode()


def test_an_assertion_for_another_service_is_rejected(client):
    params = start_sign_in(client)
    response = post_assertion(
        client, stub_assertion(client, {**params, "service": "https://anderer-dienst.example/"})
    )
    assert _error_code(response) == "audience"
    assert "anderen Dienst" in response.content.decode()


def test_a_replayed_assertion_is_rejected(client):
    params = start_sign_in(client)
    assertion = stub_assertion(client, params)
    assert post_assertion(client, assertion).status_code == 302
    response = post_assertion(client, assertion)
    assert response.status_code == 400
    assert _error_code(response) == "replay"
    assert "bereits verwendet" in response.content.decode()


def test_an_assertion_from_another_session_is_rejected(client):
    params = start_sign_in(client)
    assertion = stub_assertion(client, params)
    attacker = Client()
    response = post_assertion(attacker, assertion)
    assert _error_code(response) == "no_request"
    start_sign_in(attacker)  # the attacker's own pending request does not match either
    assert _error_code(post_assertion(attacker, assertion)) == "wrong_request"
    assert session_identity(attacker.session) is None


def test_an_assertion_for_an_older_request_is_rejected(client):
    first = start_sign_in(client)
    stale = stub_assertion(client, first)
    start_sign_in(client)  # a newer sign-in replaces the pending request
    assert _error_code(post_assertion(client, stale)) == "wrong_request"


def test_garbage_is_rejected(client):
    start_sign_in(client)
    assert _error_code(post_assertion(client, "kein.jwt.hier")) in {"malformed", "signature"}
    assert _error_code(post_assertion(client, "")) == "malformed"


def test_the_stand_in_answers_404_without_demo_backends(client, settings):
    params = start_sign_in(client)
    settings.ENABLE_DEMO_BACKENDS = False
    url = reverse("citizen:bundid_stub")
    assert client.get(url, params).status_code == 404
    assert (
        client.post(url, {**params, "persona": "erika-mustermann", "means": "eid"}).status_code
        == 404
    )
    response = client.post(reverse("citizen:identity_sign_in"), {"level": "hoch", "next": "/"})
    assert response.status_code == 503
    assert "nicht verfügbar" in response.content.decode()


def test_without_demo_backends_the_stand_ins_key_is_not_trusted(client, settings):
    params = start_sign_in(client)
    assertion = stub_assertion(client, params)
    settings.ENABLE_DEMO_BACKENDS = False
    assert post_assertion(client, assertion).status_code == 400
    assert session_identity(client.session) is None


def test_the_stand_in_refuses_an_external_acs_url(client):
    params = start_sign_in(client)
    response = client.get(
        reverse("citizen:bundid_stub"), {**params, "acs": "https://evil.example/"}
    )
    assert response.status_code == 400


def test_the_stand_in_asks_for_persona_and_means(client):
    params = start_sign_in(client, level="substanziell")
    page = client.get(reverse("citizen:bundid_stub"), params).content.decode()
    assert "Erika Mustermann" in page and "Online-Ausweis" in page
    assert "STORK-QAA-Level-3" in page
    response = client.post(reverse("citizen:bundid_stub"), params)
    assert response.status_code == 400
    assert "Bitte wählen Sie eine Testperson aus." in response.content.decode()


def test_the_return_url_stays_on_the_site(client):
    location = sign_in(client, next_url="https://evil.example/")
    assert location == "/"


def test_a_signed_assertion_with_a_nul_in_an_attribute_is_refused_and_nothing_kept(client):
    # Issue 7, observation 4: a NUL from the identity provider must not reach the session,
    # a draft or a case (PostgreSQL cannot store it).
    params = start_sign_in(client)
    persona = {**persona_get("erika-mustermann"), "givenName": "Erika\x00"}
    assertion = assertion_issue(
        persona=persona,
        means=MEANS["eid"],
        service_id=params["service"],
        in_response_to=params["request_id"],
    )
    response = post_assertion(client, assertion)
    assert response.status_code == 400
    assert _error_code(response) == "malformed"
    assert "ungültige Zeichen" in response.content.decode()
    assert session_identity(client.session) is None
