"""The bundle import wizard over HTTP (/studio/bibliothek/import/): upload (verified
completely; a refused bundle stores nothing anywhere), preview, offers per municipality,
confirm; all or nothing; who may use it; stale sessions never answer 500."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forms_engine.catalog.models import (
    Activation,
    Authority,
    Municipality,
    ProcessVersion,
)
from forms_engine.library import signing
from forms_engine.library.bundle import BundleProcess, build_bundle
from forms_engine.library.models import BundleImport
from forms_engine.library.offers import Offer, bundle_import_with_offers
from forms_engine.library.services import BundleRefused, trust_key_add
from tests.conftest import stored_files
from tests.library.helpers import database_state, definition, parking, wipe_installation

pytestmark = pytest.mark.django_db

URL = "/studio/bibliothek/import/"
PREFIX = "library_import_wizard"
PUBLISHER = ("kreis-beispiel", "Landkreis Beispiel")
PID = "parkausweis-parameter"


def _bundle(docs, key, publisher=PUBLISHER) -> bytes:
    return build_bundle(
        publisher_id=publisher[0],
        publisher_name=publisher[1],
        processes=[BundleProcess(doc=d) for d in docs],
        shared=[],
        key=key,
    )


@pytest.fixture
def installation():
    """A fresh installation B: a superuser, Gemeinde B with two authorities, Gemeinde C,
    and the trusted key of the publisher."""
    wipe_installation()
    pair = signing.generate()
    trust_key_add(
        publisher_slug=PUBLISHER[0], publisher_name=PUBLISHER[1], public_key=pair.public_b64
    )
    b = Municipality.objects.create(name="Gemeinde B", ars="099990000077", slug="gem-b")
    c = Municipality.objects.create(name="Gemeinde C", ars="099990000078", slug="gem-c")
    ordnung = Authority.objects.create(municipality=b, name="Ordnungsamt B", slug="ordnung")
    Authority.objects.create(municipality=b, name="Bürgeramt B", slug="buerger")
    Authority.objects.create(municipality=c, name="Rathaus C", slug="rathaus")
    admin = get_user_model().objects.create_superuser("chefin", password="x")
    return {"pair": pair, "b": b, "c": c, "ordnung": ordnung, "admin": admin}


def _import_permission() -> Permission:
    """`library.add_bundleimport` (`wipe_installation` removes the auth tables' rows)."""
    from django.contrib.contenttypes.models import ContentType

    permission, _created = Permission.objects.get_or_create(
        codename="add_bundleimport",
        content_type=ContentType.objects.get_for_model(BundleImport),
        defaults={"name": "Can add bundle import"},
    )
    return permission


def _zip(data: bytes, name: str = "buendel.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/zip")


def _post(client, step: str, data: dict | None = None, **extra):
    payload = {f"{PREFIX}-current_step": step}
    for key, value in (data or {}).items():
        payload[key if key.startswith(step + "-") else f"{step}-{key}"] = value
    return client.post(URL, payload, **extra)


def _upload(client, data: bytes, **fields):
    client.get(URL)
    return _post(client, "upload", {"bundle": _zip(data), **fields})


def _offer_fields(slug: str, **values) -> dict:
    out = {}
    for key, value in values.items():
        out[f"offers-{PID}__{slug}__{key}"] = value
    return out


def _through(client, data: bytes, offers: dict | None = None):
    """Upload, preview (confirmed), offers; returns the confirm page."""
    response = _upload(client, data)
    assert response.status_code == 200
    assert "preview-confirmed" in response.content.decode(), response.content.decode()[:3000]
    response = _post(client, "preview", {"confirmed": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="step-title"' in page and "offers" in page
    response = _post(client, "offers", offers or {})
    assert response.status_code == 200
    return response


def _no_leftovers():
    return stored_files("uploads") + stored_files("casefiles")


# --- the round trip ---------------------------------------------------------------------


def test_import_and_offer_in_a_municipality_with_own_authority_and_values(installation, client):
    client.force_login(installation["admin"])
    data = _bundle([parking("1.0.0")], installation["pair"])

    response = _upload(client, data)
    page = response.content.decode()
    assert "Landkreis Beispiel" in page and "kreis-beispiel" in page
    from forms_engine.library.models import TrustedKey

    assert f"Signiert mit dem Schlüssel {TrustedKey.objects.get().short_fingerprint}" in page
    assert 'data-action="new"' in page
    assert ProcessVersion.objects.count() == 0  # nothing stored yet

    # Without the confirmation the preview stays.
    response = _post(client, "preview", {})
    assert "Bitte bestätigen Sie" in response.content.decode()

    response = _post(client, "preview", {"confirmed": "on"})
    page = response.content.decode()
    assert f"offers-{PID}__gem-b__offer" in page and f"offers-{PID}__gem-c__offer" in page
    assert "Jahresgebühr" in page  # typed parameter fields of the version

    # Offering without the required value and with a fee above the maximum is refused.
    response = _post(
        client,
        "offers",
        _offer_fields(
            "gem-b", offer="ja", authority=str(installation["ordnung"].pk), param__gebuehr="500,00"
        ),
    )
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert "Bitte geben Sie einen Wert an" in page  # ort is required (no default)

    response = _post(
        client,
        "offers",
        _offer_fields(
            "gem-b",
            offer="ja",
            authority=str(installation["ordnung"].pk),
            param__ort="Gemeinde B",
            param__gebuehr="45,00",
            param__gueltig_ab="2027-01-01",
            param__kontakt="parken@gem-b.example",
            param__info="https://gem-b.example/parken",
            param__zonen="a | Zone A",
        ),
    )
    page = response.content.decode()
    import re

    assert 'id="summary-offers"' in page, re.findall(r"kern-error.{0,400}", page, re.S)
    assert "Ordnungsamt B" in page and "Gemeinde B" in page
    assert ProcessVersion.objects.count() == 0

    response = _post(client, "confirm", {})
    assert response.status_code == 302 and response.url == reverse("studio:library-import-done")
    version = ProcessVersion.objects.get(process__identifier=PID)
    assert version.status == ProcessVersion.Status.PUBLISHED
    activation = Activation.objects.get()
    assert activation.municipality == installation["b"]
    assert activation.authority == installation["ordnung"]
    assert activation.version == version
    assert activation.parameter_values["ort"] == "Gemeinde B"
    assert activation.parameter_values["gebuehr"] == "45.00"
    assert not Activation.objects.filter(municipality=installation["c"]).exists()
    assert BundleImport.objects.get().imported_by == installation["admin"]

    done = client.get(response.url).content.decode()
    assert "parkausweis-parameter" in done and "Ordnungsamt B" in done
    assert "/gem-b/leistungen/parkausweis-parameter/" in done
    assert f"/admin/catalog/activation/{activation.pk}/change/" in done
    # The wizard's session data is gone; the next GET starts afresh.
    assert (
        f"wizard_{PREFIX}" not in client.session
        or not client.session[f"wizard_{PREFIX}"]["extra_data"]
    )


def _offered(installation, client, version="1.0.0"):
    client.force_login(installation["admin"])
    _through(
        client,
        _bundle([parking(version)], installation["pair"]),
        _offer_fields(
            "gem-b", offer="ja", authority=str(installation["ordnung"].pk), param__ort="B-Stadt"
        ),
    )
    response = _post(client, "confirm", {})
    assert response.status_code == 302
    return Activation.objects.get()


def test_an_update_keeps_the_municipalitys_offering_unless_it_moves(installation, client):
    activation = _offered(installation, client)
    first = activation.version
    second = _bundle(
        [parking("1.0.0"), parking("1.1.0", summary={"de": "Neu ab {{param:gueltig_ab}}."})],
        installation["pair"],
    )

    # The preview names the update, the previous version, the changes and who offers it.
    response = _upload(client, second)
    page = response.content.decode()
    assert 'data-action="update"' in page and 'data-action="unchanged"' in page
    assert "Gemeinde B" in page  # offered in
    assert 'class="item-previous">1.0.0' in page
    assert 'class="kern-list item-changes"' in page
    response = _post(client, "preview", {"confirmed": "on"})
    page = response.content.decode()
    assert "Angebot jetzt auf die neue Version umstellen" in page
    assert f"offers-{PID}__gem-b__move" in page
    assert f"offers-{PID}__gem-c__offer" in page  # C does not offer it yet: may offer
    _post(client, "offers", {})
    response = _post(client, "confirm", {})
    assert response.status_code == 302
    activation.refresh_from_db()
    assert activation.version == first  # not moved
    assert activation.parameter_values == {"ort": "B-Stadt"}
    assert ProcessVersion.objects.filter(process=first.process).count() == 2

    # A third version, this time moved: the stored values are kept.
    third = _bundle(
        [
            parking("1.0.0"),
            parking("1.1.0", summary={"de": "Neu ab {{param:gueltig_ab}}."}),
            parking("1.2.0", summary={"de": "Neu ab {{param:gueltig_ab}}!"}),
        ],
        installation["pair"],
    )
    _through(client, third, _offer_fields("gem-b", move="on"))
    response = _post(client, "confirm", {})
    assert response.status_code == 302
    activation.refresh_from_db()
    assert activation.version.version == "1.2.0"
    assert activation.parameter_values == {"ort": "B-Stadt"}
    assert "umgestellt von 1.0.0 auf 1.2.0" in client.get(response.url).content.decode()


# --- refusals at upload -----------------------------------------------------------------


def _refused_upload(client, data: bytes, words: str, **fields):
    before = database_state()
    files = _no_leftovers()
    response = _upload(client, data, **fields)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="bundle-refusal"' in page and words in page, page[:3000]
    assert "preview-confirmed" not in page
    assert database_state() == before
    assert _no_leftovers() == files
    session = client.session.get(f"wizard_{PREFIX}") or {}
    assert not (session.get("extra_data") or {}).get("bundle")
    return page


def test_a_tampered_bundle_is_refused_with_the_german_message(installation, client):
    import io
    import zipfile

    client.force_login(installation["admin"])
    data = _bundle([definition("bib-a")], installation["pair"])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "manifest.json":
                content = content.replace(b"Landkreis Beispiel", b"Landkreis Boese")
            target.writestr(info, content)
    page = _refused_upload(client, out.getvalue(), "Die Signatur des Manifests ist ungültig")
    assert "The manifest" in page  # and the English


def test_an_unsigned_bundle_is_refused_unless_allowed_and_ticked(installation, client, settings):
    client.force_login(installation["admin"])
    data = _bundle([definition("bib-a")], None)
    page = _refused_upload(client, data, "Das Bündel ist nicht signiert")
    assert "Unsigniertes Bündel zulassen" not in page

    settings.FORMS_BUNDLES_ALLOW_UNSIGNED = True
    page = _refused_upload(client, data, "Das Bündel ist nicht signiert")
    assert "Unsigniertes Bündel zulassen (nur lokale Tests)" in page
    assert 'id="unsigned-warning"' in page
    response = _upload(client, data, allow_unsigned="on")
    page = response.content.decode()
    assert "preview-confirmed" in page and "nicht signiert" in page
    _post(client, "preview", {"confirmed": "on"})
    _post(client, "offers", {})
    assert _post(client, "confirm", {}).status_code == 302
    assert not BundleImport.objects.get().signed


def test_an_unknown_publisher_and_a_broken_file_are_refused(installation, client):
    client.force_login(installation["admin"])
    stranger = signing.generate()
    _refused_upload(
        client, _bundle([definition("bib-a")], stranger, ("fremd", "Fremd")), "Vertrauensspeicher"
    )
    _refused_upload(client, b"not a zip at all", "")
    response = _post(client, "upload", {"bundle": _zip(b"x", name="buendel.txt")})
    assert ".zip-Datei" in response.content.decode()
    response = _post(client, "upload", {})
    assert "Bitte wählen Sie die Bündel-Datei" in response.content.decode()


# --- all or nothing ---------------------------------------------------------------------


def test_an_offer_that_fails_validation_rolls_back_the_whole_import(installation):
    data = _bundle([parking("1.0.0")], installation["pair"])
    before = database_state()
    bad = Offer(
        process=PID,
        version="1.0.0",
        municipality_id=installation["b"].pk,
        authority_id=installation["ordnung"].pk,
        parameter_values={"ort": "B", "gebuehr": "999.00"},  # above the maximum
    )
    with pytest.raises(BundleRefused) as caught:
        bundle_import_with_offers(data, offers=[bad], by=installation["admin"])
    assert caught.value.code == "import_failed"
    assert "Gemeinde B" in caught.value.message
    assert database_state() == before
    assert not ProcessVersion.objects.filter(process__identifier=PID).exists()
    assert not Activation.objects.exists()


def test_an_offer_in_a_municipality_not_administered_rolls_back(installation):
    clerk = get_user_model().objects.create_user("b-admin", password="x", is_staff=True)
    installation["b"].administrators.add(clerk)
    data = _bundle([parking("1.0.0")], installation["pair"])
    before = database_state()
    offer = Offer(
        process=PID,
        version="1.0.0",
        municipality_id=installation["c"].pk,
        authority_id=Authority.objects.get(municipality=installation["c"]).pk,
        parameter_values={"ort": "C"},
    )
    with pytest.raises(BundleRefused):
        bundle_import_with_offers(data, offers=[offer], by=clerk)
    assert database_state() == before


def test_a_failure_at_confirm_returns_to_the_offers_with_nothing_stored(installation, client):
    client.force_login(installation["admin"])
    data = _bundle([parking("1.0.0")], installation["pair"])
    _through(
        client,
        data,
        _offer_fields(
            "gem-b", offer="ja", authority=str(installation["ordnung"].pk), param__ort="B"
        ),
    )
    # Meanwhile someone else offers the process in Gemeinde B... by moving the authority
    # away: the offering no longer validates; the whole import is rolled back.
    before = database_state()
    installation["ordnung"].municipality = installation["c"]
    installation["ordnung"].save()
    before = database_state()
    response = _post(client, "confirm", {})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"offers-{PID}__gem-b__offer" in page  # back at the offers
    assert database_state() == before
    assert not ProcessVersion.objects.filter(process__identifier=PID).exists()


def test_a_database_level_offer_failure_goes_back_to_the_offers_step(
    installation, client, monkeypatch
):
    from forms_engine.library import offers as offers_module

    client.force_login(installation["admin"])
    data = _bundle([parking("1.0.0")], installation["pair"])
    _through(
        client,
        data,
        _offer_fields(
            "gem-b", offer="ja", authority=str(installation["ordnung"].pk), param__ort="B"
        ),
    )
    real = offers_module.offers_apply

    def failing(result, offers, by):
        real(result, offers, by)
        raise offers_module.OfferError("Test: abgelehnt.", "Test: refused.")

    monkeypatch.setattr(offers_module, "offers_apply", failing)
    before = database_state()
    response = _post(client, "confirm", {})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Der Import wurde vollständig zurückgenommen" in page
    assert f"offers-{PID}__gem-b__offer" in page
    assert database_state() == before
    monkeypatch.setattr(offers_module, "offers_apply", real)
    # The data is kept: confirming again now goes through.
    response = _post(
        client,
        "offers",
        {
            **_offer_fields(
                "gem-b", offer="ja", authority=str(installation["ordnung"].pk), param__ort="B"
            )
        },
    )
    response = _post(client, "confirm", {})
    assert response.status_code == 302
    assert Activation.objects.count() == 1


# --- access and robustness --------------------------------------------------------------


def test_access_matrix(installation, client):
    assert client.get(URL).status_code == 302  # anonymous: sign in
    assert "/sachbearbeitung/anmelden/" in client.get(URL).url
    User = get_user_model()
    staff = User.objects.create_user("staff", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {}).status_code == 403
    assert client.get(reverse("studio:library-import-done")).status_code == 403
    importer = User.objects.create_user("importer", password="x", is_staff=True)
    importer.user_permissions.add(_import_permission())
    client.force_login(importer)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'name="upload-bundle"' in response.content.decode()
    client.force_login(installation["admin"])
    assert client.get(URL).status_code == 200


def test_an_importer_offers_only_in_municipalities_it_administers(installation, client):
    importer = get_user_model().objects.create_user("importer", password="x", is_staff=True)
    importer.user_permissions.add(_import_permission())
    installation["b"].administrators.add(importer)
    client.force_login(importer)
    response = _upload(client, _bundle([parking("1.0.0")], installation["pair"]))
    response = _post(client, "preview", {"confirmed": "on"})
    page = response.content.decode()
    assert f"offers-{PID}__gem-b__offer" in page
    assert f"offers-{PID}__gem-c__offer" not in page


def test_stale_or_missing_session_never_answers_500(installation, client):
    client.force_login(installation["admin"])
    # A POST to step 3 without any wizard in the session: back to step 1 with a message.
    response = _post(client, "offers", _offer_fields("gem-b", offer="ja"))
    assert response.status_code == 302 and response.url == URL
    page = client.get(URL).content.decode()
    assert "Sitzung des Imports ist abgelaufen" in page
    # Management form missing or tampered.
    response = client.post(URL, {"upload-bundle": "x"})
    assert response.status_code == 302 and response.url == URL
    response = client.post(URL, {f"{PREFIX}-current_step": "gibt-es-nicht"})
    assert response.status_code == 302
    response = client.post(URL, {"wizard_goto_step": "confirm"})
    assert response.status_code == 302
    # The done page without an import.
    response = client.get(reverse("studio:library-import-done"))
    assert response.status_code == 302


def test_a_key_revoked_during_the_wizard_sends_back_to_the_start(installation, client):
    from forms_engine.library.models import TrustedKey
    from forms_engine.library.services import trust_key_revoke

    client.force_login(installation["admin"])
    _upload(client, _bundle([parking("1.0.0")], installation["pair"]))
    trust_key_revoke(key=TrustedKey.objects.get())
    before = database_state()
    response = _post(client, "preview", {"confirmed": "on"})
    assert response.status_code == 302
    assert "widerrufen" in client.get(URL).content.decode()
    assert database_state() == before


def test_back_to_the_upload_keeps_the_verified_bundle(installation, client):
    client.force_login(installation["admin"])
    _upload(client, _bundle([parking("1.0.0")], installation["pair"]))
    response = client.post(URL, {f"{PREFIX}-current_step": "preview", "wizard_goto_step": "upload"})
    page = response.content.decode()
    assert "Bereits geprüft: buendel.zip" in page
    response = _post(client, "upload", {})
    assert "preview-confirmed" in response.content.decode()


def test_an_oversized_upload_is_cut_off_and_refused_with_nothing_stored(
    installation, client, settings
):
    settings.FORMS_UPLOAD_MAX_BYTES = 1000
    client.force_login(installation["admin"])
    before = database_state()
    response = _upload(client, b"x" * 5000)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="bundle-refusal"' in page and "Die Datei ist zu groß" in page
    assert database_state() == before


def test_the_wizard_speaks_english(installation, client):
    client.force_login(installation["admin"])
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Import a bundle" in page and "Upload the bundle" in page
    response = _post(client, "upload", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Please choose the bundle file (.zip)." in response.content.decode()
