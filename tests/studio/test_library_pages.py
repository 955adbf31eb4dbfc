"""The studio's library pages over HTTP: who may see what (anonymous, a clerk without
roles, a designer, a municipality administrator, a trust-store keeper, a superuser), the
catalog's filters, a process with changelogs, offerings and "In meiner Kommune anbieten"
(the admin's activation form with process and municipality preselected), the trust store
(add in two steps, bad keys refused, revoke with a reason) and the export of a signed
bundle (or, without a signing key, the explanation how to configure one)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from forms_engine.catalog.admin_access import MUNICIPAL_ADMIN_GROUP
from forms_engine.catalog.models import Activation, Authority, Municipality, Publisher
from forms_engine.catalog.services import process_version_create_draft, process_version_publish
from forms_engine.library import signing
from forms_engine.library.bundle import BundleProcess, build_bundle, open_bundle
from forms_engine.library.models import TrustedKey
from forms_engine.library.services import bundle_import
from tests.library.helpers import database_state, definition, trusted_publisher

pytestmark = pytest.mark.django_db

LEIKA_DOG = "99108011000000"
LEIKA_TREE = "99035005000000"
CATALOG = "/studio/bibliothek/"
KEYS = "/studio/bibliothek/schluessel/"
KEY_NEW = "/studio/bibliothek/schluessel/neu/"
EXPORT = "/studio/bibliothek/export/"


def _publish(doc, publisher):
    return process_version_publish(
        version=process_version_create_draft(doc=doc, publisher=publisher)
    )


def _user(name, **extra):
    return get_user_model().objects.create_user(username=name, password=None, **extra)


@pytest.fixture
def data(db):
    own = Publisher.objects.create(name="Stadt Eigen", slug="stadt-eigen")
    title = {"de": "Hund anmelden (Eigen)", "en": "Register a dog (own)"}
    dog1 = _publish(
        definition("hund-eigen", "1.0.0", title=title, topic="tiere", leika=[LEIKA_DOG]), own
    )
    dog2 = _publish(
        definition(
            "hund-eigen",
            "1.1.0",
            title=title,
            topic="tiere",
            leika=[LEIKA_DOG],
            changelog={"de": "Neue Rasseliste.", "en": "New list of breeds."},
        ),
        own,
    )
    pair = trusted_publisher()
    tree = definition(
        "baumfaellung",
        "1.0.0",
        title={"de": "Baumfällgenehmigung beantragen", "en": "Apply to fell a tree"},
        topic="umwelt-abfall",
        leika=[LEIKA_TREE],
    )
    bundle_import(
        build_bundle(
            publisher_id="kreis-beispiel",
            publisher_name="Landkreis Beispiel",
            processes=[BundleProcess(doc=tree, changelog={"de": "Erste Fassung aus dem Kreis."})],
            key=pair,
        )
    )
    alt = Municipality.objects.create(name="Gemeinde Alt", slug="gem-alt", ars="099990000011")
    neu = Municipality.objects.create(name="Gemeinde Neu", slug="gem-neu", ars="099990000022")
    alt_authority = Authority.objects.create(municipality=alt, name="Ordnungsamt Alt", slug="oa")
    Authority.objects.create(municipality=neu, name="Ordnungsamt Neu", slug="on")
    offering = Activation.objects.create(
        process=dog1.process, version=dog1, municipality=alt, authority=alt_authority
    )

    designer = _user("lib-design", is_staff=True)
    own.designers.add(designer)
    municipal = _user("lib-kommune", is_staff=True)
    municipal.groups.add(Group.objects.get(name=MUNICIPAL_ADMIN_GROUP))
    alt.administrators.add(municipal)
    neu.administrators.add(municipal)
    keeper = _user("lib-schluessel", is_staff=True)
    keeper.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="library", codename__in=["add_trustedkey", "change_trustedkey"]
        )
    )
    return {
        "own": own,
        "dog1": dog1,
        "dog2": dog2,
        "tree": Publisher.objects.get(slug="kreis-beispiel").processes.get(),
        "pair": pair,
        "alt": alt,
        "neu": neu,
        "offering": offering,
        "designer": designer,
        "municipal": municipal,
        "keeper": keeper,
        "clerk": _user("lib-clerk"),
        "superuser": get_user_model().objects.create_superuser("lib-super", "s@example.org", None),
    }


def _as(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _processes(response) -> set[str]:
    import re

    return set(re.findall(r'data-process="([^"]+)"', response.content.decode()))


# --- access ----------------------------------------------------------------------------------

MATRIX = {
    # persona: (catalog and detail, trust store, export)
    None: (302, 302, 302),
    "clerk": (403, 403, 403),
    "designer": (200, 403, 200),
    "municipal": (200, 403, 403),
    "keeper": (403, 200, 403),
    "superuser": (200, 200, 200),
}


@pytest.mark.parametrize("persona", list(MATRIX))
def test_access_matrix(client, data, persona):
    user = data[persona] if persona else None
    browse, trust, export = MATRIX[persona]
    client = _as(client, user)
    revoke = reverse(
        "studio:library-key-revoke",
        args=[TrustedKey.objects.get(publisher_slug="kreis-beispiel").pk],
    )
    detail = reverse("studio:library-process", args=[data["dog1"].process_id])
    for url, expected in [
        (CATALOG, browse),
        (detail, browse),
        (KEYS, trust),
        (KEY_NEW, trust),
        (revoke, trust),
        (EXPORT, export),
    ]:
        response = client.get(url)
        assert response.status_code == expected, (persona, url, response.status_code)
        if expected == 302:
            assert "/sachbearbeitung/anmelden/" in response["Location"]
        if expected == 200:
            assert "no-store" in response["Cache-Control"]
    # POSTs are guarded the same way and change nothing
    before = database_state()
    for url, expected in [(KEY_NEW, trust), (EXPORT, export)]:
        if expected != 200:
            assert client.post(url, {"step": "preview"}).status_code == expected
    assert database_state() == before


def test_navigation_shows_library_to_those_who_may_see_it(client, data):
    page = _as(client, data["designer"]).get("/studio/").content.decode()
    assert 'id="nav-library"' in page and 'href="/studio/bibliothek/"' in page
    catalog = client.get(CATALOG).content.decode()
    assert 'id="tab-export"' in catalog and 'id="tab-keys"' not in catalog
    client.logout()
    catalog = _as(client, data["municipal"]).get(CATALOG).content.decode()
    assert 'id="nav-processes"' not in catalog and 'id="tab-export"' not in catalog
    client.logout()
    catalog = _as(client, data["superuser"]).get(CATALOG).content.decode()
    assert 'id="tab-keys"' in catalog and 'id="tab-export"' in catalog


def test_import_tab_where_the_wizard_is_installed_for_importers_only(data):
    from django.urls import NoReverseMatch, reverse

    from forms_engine.studio.library_access import library_nav

    try:
        wizard = reverse("studio:library-import")
    except NoReverseMatch:
        wizard = ""  # the wizard's url module is not installed (yet)
    assert library_nav(data["superuser"])["import_url"] == wizard
    assert library_nav(data["designer"])["import_url"] == ""
    importer = _user("lib-import", is_staff=True)
    importer.user_permissions.add(
        Permission.objects.get(content_type__app_label="library", codename="add_bundleimport")
    )
    assert library_nav(importer)["import_url"] == wizard


def test_detail_of_a_draft_only_process_is_404(client, data):
    draft = process_version_create_draft(
        doc=definition("nur-entwurf", "1.0.0"), publisher=data["own"]
    )
    url = reverse("studio:library-process", args=[draft.process_id])
    assert _as(client, data["superuser"]).get(url).status_code == 404
    assert client.get("/studio/bibliothek/999999/").status_code == 404


# --- catalog ---------------------------------------------------------------------------------


def test_catalog_filters_by_topic_leika_search_and_publisher(client, data):
    client = _as(client, data["designer"])
    everything = _processes(client.get(CATALOG))
    assert {"hund-eigen", "baumfaellung"} <= everything
    # (the starter library of the test database has processes with topics as well)
    animals = _processes(client.get(CATALOG, {"topic": "tiere"}))
    assert "hund-eigen" in animals and "baumfaellung" not in animals
    assert _processes(client.get(CATALOG, {"topic": "tiere", "publisher": "stadt-eigen"})) == {
        "hund-eigen"
    }
    assert _processes(client.get(CATALOG, {"leika": LEIKA_TREE})) == {"baumfaellung"}
    assert _processes(client.get(CATALOG, {"leika": "99108"})) == {"hund-eigen"}
    assert _processes(client.get(CATALOG, {"q": "baumfäll"})) == {"baumfaellung"}
    assert _processes(client.get(CATALOG, {"publisher": "kreis-beispiel"})) == {"baumfaellung"}
    none = client.get(CATALOG, {"q": "gibt es nicht"})
    assert _processes(none) == set()
    assert "Keine Verwaltungsleistung passt zu Suche und Filtern." in none.content.decode()


def test_catalog_shows_publisher_versions_topic_leika_offerings(client, data):
    page = _as(client, data["designer"]).get(CATALOG, {"topic": "tiere"}).content.decode()
    assert "Hund anmelden (Eigen)" in page and "Stadt Eigen" in page
    assert "1.1.0" in page and "1.0.0" in page and LEIKA_DOG in page and "Tiere" in page
    assert "Gemeinde Alt (1.0.0)" in page and "Neue Rasseliste." in page
    tree = client.get(CATALOG, {"topic": "umwelt-abfall"}).content.decode()
    assert "Landkreis Beispiel" in tree and "importiert" in tree
    assert "Erste Fassung aus dem Kreis." in tree


def test_catalog_bad_filters_are_explained_not_errors(client, data):
    client = _as(client, data["designer"])
    response = client.get(CATALOG, {"leika": "abc", "topic": "gibt-es-nicht"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ein LeiKa-Schlüssel besteht aus bis zu 14 Ziffern." in page
    assert "Bitte eine gültige Auswahl treffen." in page


def test_catalog_in_english(client, data):
    client = _as(client, data["designer"])
    client.cookies["django_language"] = "en"
    page = client.get(CATALOG, {"topic": "tiere"}).content.decode()
    assert "Register a dog (own)" in page and "Animals" in page and "Library" in page
    assert "New list of breeds." in page


# --- one process -----------------------------------------------------------------------------


def test_detail_shows_changelogs_offerings_and_publisher_key(client, data):
    client = _as(client, data["designer"])
    page = client.get(reverse("studio:library-process", args=[data["dog1"].process_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Neue Rasseliste." in text and "Gemeinde Alt" in text and "Stadt Eigen" in text
    assert 'id="offer-form"' not in text  # a designer administers no municipality
    tree = client.get(reverse("studio:library-process", args=[data["tree"].pk])).content.decode()
    assert "Erste Fassung aus dem Kreis." in tree
    assert signing.display_fingerprint(data["pair"].fingerprint) in tree
    assert "Noch keine Kommune bietet diese Leistung an." in tree


def test_offer_in_my_municipality_opens_the_activation_form_preselected(client, data):
    client = _as(client, data["municipal"])
    tree = data["tree"]
    page = client.get(reverse("studio:library-process", args=[tree.pk])).content.decode()
    assert 'id="offer-form"' in page and "In meiner Kommune anbieten" in page
    assert f'action="{reverse("admin:catalog_activation_add")}"' in page
    assert f'name="process" value="{tree.pk}"' in page
    # two municipalities not offering it yet: a choice
    assert f'<option value="{data["alt"].pk}">Gemeinde Alt</option>' in page
    assert f'<option value="{data["neu"].pk}">Gemeinde Neu</option>' in page
    form = client.get(
        reverse("admin:catalog_activation_add"),
        {"process": tree.pk, "municipality": data["neu"].pk},
    )
    assert form.status_code == 200
    html = form.content.decode()
    assert "baumfaellung" in html
    assert f'<option value="{data["neu"].pk}" selected>Gemeinde Neu (' in html
    # the dog is offered in Alt already: only Neu is offered as a hidden choice
    dog = client.get(reverse("studio:library-process", args=[data["dog1"].process_id]))
    text = dog.content.decode()
    assert f'name="municipality" value="{data["neu"].pk}"' in text
    assert "Gemeinde Neu bietet diese Leistung noch nicht an." in text


def test_offered_everywhere_no_offer_button(client, data):
    data["alt"].administrators.remove(data["municipal"])
    data["dog2"].process.activations.create(
        version=data["dog2"],
        municipality=data["neu"],
        authority=data["neu"].authorities.get(),
    )
    page = _as(client, data["municipal"]).get(
        reverse("studio:library-process", args=[data["dog1"].process_id])
    )
    assert 'id="offer-form"' not in page.content.decode()


def test_newer_version_links_to_the_upgrade_page(client, data):
    url = reverse("studio:library-process", args=[data["dog1"].process_id])
    page = _as(client, data["municipal"]).get(url).content.decode()
    upgrade = reverse("admin:catalog_activation_change_version", args=[data["offering"].pk])
    assert f'href="{upgrade}?version={data["dog2"].pk}"' in page
    assert "Neue Version 1.1.0 anbieten" in page
    upgrade_page = client.get(upgrade, {"version": data["dog2"].pk})
    assert upgrade_page.status_code == 200
    client.logout()
    # a designer sees that a newer version exists, without a link to someone else's offering
    page = _as(client, data["designer"]).get(url).content.decode()
    assert "neuere Version 1.1.0 verfügbar" in page and upgrade not in page


def test_process_page_links_to_export_and_library(client, data):
    page = _as(client, data["designer"]).get(
        reverse("studio:process", args=[data["dog1"].process_id])
    )
    text = page.content.decode()
    assert "Als signiertes Bündel exportieren" in text
    assert f"/studio/bibliothek/export/?publisher={data['own'].pk}&amp;process=" in text


# --- trust store -----------------------------------------------------------------------------


def test_trust_store_lists_keys_with_fingerprint_and_state(client, data):
    page = _as(client, data["keeper"]).get(KEYS).content.decode()
    assert "Landkreis Beispiel" in page
    assert signing.display_fingerprint(data["pair"].fingerprint) in page
    assert "vertrauenswürdig" in page and "data-revoke" in page and 'id="key-add"' in page


def test_add_key_preview_then_confirm(client, data):
    client = _as(client, data["keeper"])
    pair = signing.generate()
    fields = {
        "publisher_slug": "land-x",
        "publisher_name": "Land X",
        "public_key": pair.public_b64,
        "note": "per Telefon mit Frau Muster abgeglichen",
    }
    before = TrustedKey.objects.count()
    preview = client.post(KEY_NEW, {"step": "preview", **fields})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert signing.display_fingerprint(pair.fingerprint) in text
    assert 'name="confirmed"' in text
    assert TrustedKey.objects.count() == before  # nothing stored before the confirmation
    # without the confirmation: the preview again, with a German message, nothing stored
    unconfirmed = client.post(
        KEY_NEW, {"step": "confirm", "fingerprint": pair.fingerprint, **fields}
    )
    assert unconfirmed.status_code == 400
    assert "Bitte bestätigen Sie, dass der Fingerabdruck übereinstimmt." in (
        unconfirmed.content.decode()
    )
    assert TrustedKey.objects.count() == before
    # a fingerprint other than the one shown: refused
    other = signing.generate()
    swapped = client.post(
        KEY_NEW,
        {"step": "confirm", "fingerprint": other.fingerprint, "confirmed": "on", **fields},
    )
    assert swapped.status_code == 400 and TrustedKey.objects.count() == before
    done = client.post(
        KEY_NEW, {"step": "confirm", "fingerprint": pair.fingerprint, "confirmed": "on", **fields}
    )
    assert done.status_code == 302 and done["Location"] == KEYS
    key = TrustedKey.objects.get(fingerprint=pair.fingerprint)
    assert key.publisher_slug == "land-x" and key.added_by == data["keeper"]
    assert key.note == fields["note"]
    listed = client.get(KEYS).content.decode()
    assert "Land X" in listed and signing.display_fingerprint(pair.fingerprint) in listed
    assert "ist jetzt vertrauenswürdig" in listed


def test_add_key_back_keeps_the_entries(client, data):
    client = _as(client, data["keeper"])
    pair = signing.generate()
    page = client.post(
        KEY_NEW,
        {
            "step": "back",
            "publisher_slug": "land-x",
            "publisher_name": "Land X",
            "public_key": pair.public_b64,
        },
    )
    assert page.status_code == 200
    assert f'value="{pair.public_b64}"' in page.content.decode()


@pytest.mark.parametrize(
    "key, message",
    [
        ("kein-base64!", "Der öffentliche Schlüssel ist kein gültiges Base64."),
        ("QUJD", "Ein öffentlicher Ed25519-Schlüssel hat genau 32 Bytes"),
        ("", "Dieses Feld ist zwingend erforderlich."),
    ],
)
def test_bad_key_german_error_nothing_stored(client, data, key, message):
    client = _as(client, data["keeper"])
    before = database_state()
    response = client.post(
        KEY_NEW,
        {"step": "preview", "publisher_slug": "x", "publisher_name": "X", "public_key": key},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert database_state() == before
    # the same at the confirmation (hidden fields changed by hand)
    response = client.post(
        KEY_NEW,
        {
            "step": "confirm",
            "publisher_slug": "x",
            "publisher_name": "X",
            "public_key": key,
            "fingerprint": "0" * 64,
            "confirmed": "on",
        },
    )
    assert response.status_code == 400 and database_state() == before


def test_key_already_trusted_is_refused(client, data):
    client = _as(client, data["superuser"])
    response = client.post(
        KEY_NEW,
        {
            "step": "preview",
            "publisher_slug": "kreis-beispiel",
            "publisher_name": "Kreis",
            "public_key": data["pair"].public_b64,
        },
    )
    assert response.status_code == 400
    assert "Dieser Schlüssel steht schon im Vertrauensspeicher" in response.content.decode()


def test_revoke_needs_a_reason_and_a_confirmation(client, data):
    client = _as(client, data["keeper"])
    key = TrustedKey.objects.get(publisher_slug="kreis-beispiel")
    url = reverse("studio:library-key-revoke", args=[key.pk])
    assert client.get(url).status_code == 200
    for form in ({"reason": "  ", "confirmed": "on"}, {"reason": "Schlüssel verloren"}):
        response = client.post(url, form)
        assert response.status_code == 400
        key.refresh_from_db()
        assert not key.is_revoked
    text = client.post(url, {"reason": ""}).content.decode()
    assert "Bitte geben Sie einen Grund für den Widerruf an." in text
    done = client.post(url, {"reason": "Schlüssel verloren", "confirmed": "on"})
    assert done.status_code == 302
    key.refresh_from_db()
    assert key.is_revoked and key.revoke_reason == "Schlüssel verloren"
    assert key.revoked_by == data["keeper"]
    listed = client.get(KEYS).content.decode()
    assert "widerrufen" in listed and "Schlüssel verloren" in listed
    assert client.get(url).status_code == 302  # already revoked: back to the list


def test_only_adders_add_only_revokers_revoke(client, data):
    adder = _user("nur-hinzufuegen", is_staff=True)
    adder.user_permissions.add(
        Permission.objects.get(content_type__app_label="library", codename="add_trustedkey")
    )
    client = _as(client, adder)
    assert client.get(KEYS).status_code == 200
    assert "data-revoke" not in client.get(KEYS).content.decode()
    url = reverse(
        "studio:library-key-revoke",
        args=[TrustedKey.objects.get(publisher_slug="kreis-beispiel").pk],
    )
    assert client.post(url, {"reason": "x", "confirmed": "on"}).status_code == 403
    assert not TrustedKey.objects.get(publisher_slug="kreis-beispiel").is_revoked
    client.logout()
    revoker = _user("nur-widerrufen", is_staff=True)
    revoker.user_permissions.add(
        Permission.objects.get(content_type__app_label="library", codename="change_trustedkey")
    )
    client = _as(client, revoker)
    assert 'id="key-add"' not in client.get(KEYS).content.decode()
    assert client.get(KEY_NEW).status_code == 403


def test_unsigned_allowed_shows_a_warning_on_every_library_page(client, data, settings):
    client = _as(client, data["superuser"])
    assert "Unsignierte Bündel sind erlaubt" not in client.get(CATALOG).content.decode()
    settings.FORMS_BUNDLES_ALLOW_UNSIGNED = True
    detail = reverse("studio:library-process", args=[data["dog1"].process_id])
    for url in (CATALOG, detail, KEYS, KEY_NEW, EXPORT):
        page = client.get(url).content.decode()
        assert "Unsignierte Bündel sind erlaubt – nur für lokale Tests." in page, url
        assert 'id="unsigned-warning"' in page
    client.cookies["django_language"] = "en"
    assert "Unsigned bundles are allowed – for local testing only." in (
        client.get(CATALOG).content.decode()
    )


# --- export ----------------------------------------------------------------------------------


@pytest.fixture
def signing_key(monkeypatch):
    pair = signing.generate()
    monkeypatch.delenv("FORMS_BUNDLE_SIGNING_KEY_FILE", raising=False)
    monkeypatch.setenv("FORMS_BUNDLE_SIGNING_KEY", pair.private_pem().decode("ascii"))
    return pair


@pytest.fixture
def no_signing_key(monkeypatch):
    monkeypatch.delenv("FORMS_BUNDLE_SIGNING_KEY_FILE", raising=False)
    monkeypatch.delenv("FORMS_BUNDLE_SIGNING_KEY", raising=False)


def test_export_downloads_a_signed_bundle(client, data, signing_key):
    client = _as(client, data["designer"])
    page = client.get(EXPORT, {"publisher": data["own"].pk, "process": data["dog1"].process_id})
    text = page.content.decode()
    assert page.status_code == 200
    assert f'value="{data["dog2"].pk}" checked' in text  # the newest published preselected
    assert signing.display_fingerprint(signing_key.fingerprint) in text
    response = client.post(
        EXPORT, {"publisher": data["own"].pk, "versions": [data["dog1"].pk, data["dog2"].pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="stadt-eigen-')
    assert disposition.endswith('.zip"')
    bundle = open_bundle(response.content)
    assert bundle.publisher_id == "stadt-eigen"
    assert sorted(p.key for p in bundle.processes) == [
        ("hund-eigen", "1.0.0"),
        ("hund-eigen", "1.1.0"),
    ]
    assert bundle.signature.fingerprint == signing_key.fingerprint
    assert signing.verify(signing_key.public_b64, bundle.signature.raw, bundle.manifest_bytes)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "manifest.sig" in archive.namelist()


def test_export_refuses_nothing_chosen_and_foreign_publishers(client, data, signing_key):
    client = _as(client, data["designer"])
    nothing = client.post(EXPORT, {"publisher": data["own"].pk})
    assert nothing.status_code == 400
    assert "Bitte wählen Sie mindestens eine veröffentlichte Version." in nothing.content.decode()
    foreign_version = data["tree"].versions.get()
    foreign = client.post(
        EXPORT, {"publisher": data["tree"].publisher_id, "versions": [foreign_version.pk]}
    )
    assert foreign.status_code == 400
    assert foreign["Content-Type"].startswith("text/html")
    # another publisher's version smuggled into one's own export is left out
    mixed = client.post(EXPORT, {"publisher": data["own"].pk, "versions": [foreign_version.pk]})
    assert mixed.status_code == 400


def test_export_without_key_explains_how_to_configure_one(client, data, no_signing_key):
    client = _as(client, data["designer"])
    page = client.get(EXPORT)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Kein Signaturschlüssel eingerichtet" in text
    assert "FORMS_BUNDLE_SIGNING_KEY_FILE" in text and "bundle_keygen" in text
    assert 'id="export-submit"' not in text
    posted = client.post(EXPORT, {"publisher": data["own"].pk, "versions": [data["dog2"].pk]})
    assert posted.status_code == 200 and "Kein Signaturschlüssel eingerichtet" in (
        posted.content.decode()
    )
    client.cookies["django_language"] = "en"
    english = client.get(EXPORT).content.decode()
    assert "No signing key configured" in english


def test_export_with_an_unreadable_key_file_explains(client, data, monkeypatch, tmp_path):
    broken = tmp_path / "key.pem"
    broken.write_text("kein PEM")
    monkeypatch.setenv("FORMS_BUNDLE_SIGNING_KEY_FILE", str(broken))
    client = _as(client, data["designer"])
    text = client.get(EXPORT).content.decode()
    assert "keine lesbare, unverschlüsselte PEM-Datei" in text
    monkeypatch.setenv("FORMS_BUNDLE_SIGNING_KEY_FILE", str(tmp_path / "fehlt.pem"))
    response = client.post(EXPORT, {"publisher": data["own"].pk, "versions": [data["dog2"].pk]})
    assert response.status_code == 200
    assert "Die Schlüsseldatei kann nicht gelesen werden" in response.content.decode()


def test_export_for_a_publisher_without_published_versions(client, data, signing_key):
    empty = Publisher.objects.create(name="Leer", slug="leer")
    designer = _user("leer-design", is_staff=True)
    empty.designers.add(designer)
    page = _as(client, designer).get(EXPORT)
    assert page.status_code == 200
    assert 'id="nothing-to-export"' in page.content.decode()
    assert client.post(EXPORT, {"publisher": empty.pk}).status_code == 400
