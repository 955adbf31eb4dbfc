"""The studio's library pages in Chromium: the catalog (filtered, and with a filter error),
a process with its changelogs and offerings, the trust store with adding a key in two
steps (its error states included) and revoking one, and the export page without a signing
key. axe-core (WCAG 2.1 A/AA) reports nothing on any of them; the "unsigned bundles
allowed" warning is checked too."""

import pytest
from django.contrib.auth import get_user_model

from forms_engine.catalog.models import Activation, Authority, Municipality, Publisher
from forms_engine.catalog.services import process_version_create_draft, process_version_publish
from forms_engine.library import signing
from forms_engine.library.bundle import BundleProcess, build_bundle
from forms_engine.library.models import TrustedKey
from forms_engine.library.services import bundle_import

from ..library.helpers import definition, trusted_publisher
from .conftest import _new_page, assert_accessible

PASSWORD = "ein-gutes-testpasswort-42"


@pytest.fixture
def wide(chromium_browser):
    contexts = []

    def make(**options):
        context, page = _new_page(
            chromium_browser, viewport=options.pop("viewport", {"width": 1280, "height": 900})
        )
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def library_data(transactional_db, settings, monkeypatch):
    settings.FORMS_STAFF_2FA_REQUIRED = False
    monkeypatch.delenv("FORMS_BUNDLE_SIGNING_KEY_FILE", raising=False)
    monkeypatch.delenv("FORMS_BUNDLE_SIGNING_KEY", raising=False)
    own = Publisher.objects.create(name="Stadt Eigen", slug="stadt-eigen")
    title = {"de": "Hund anmelden (Eigen)", "en": "Register a dog (own)"}
    first = process_version_publish(
        version=process_version_create_draft(
            doc=definition("hund-eigen", "1.0.0", title=title, topic="tiere"), publisher=own
        )
    )
    process_version_publish(
        version=process_version_create_draft(
            doc=definition(
                "hund-eigen",
                "1.1.0",
                title=title,
                topic="tiere",
                leika=["99108011000000"],
                changelog={"de": "Neue Rasseliste.", "en": "New list of breeds."},
            ),
            publisher=own,
        )
    )
    pair = trusted_publisher()
    bundle_import(
        build_bundle(
            publisher_id="kreis-beispiel",
            publisher_name="Landkreis Beispiel",
            processes=[
                BundleProcess(
                    doc=definition(
                        "baumfaellung",
                        "1.0.0",
                        title={"de": "Baumfällgenehmigung beantragen"},
                        topic="umwelt-abfall",
                    ),
                    changelog={"de": "Erste Fassung aus dem Kreis."},
                )
            ],
            key=pair,
        )
    )
    alt = Municipality.objects.create(name="Gemeinde Alt", slug="gem-alt", ars="099990000011")
    # two municipalities that do not offer it yet (with or without the shipped demo data)
    Municipality.objects.create(name="Gemeinde Neu", slug="gem-neu", ars="099990000022")
    Municipality.objects.create(name="Gemeinde Drei", slug="gem-drei", ars="099990000033")
    authority = Authority.objects.create(municipality=alt, name="Ordnungsamt Alt", slug="oa")
    Activation.objects.create(
        process=first.process, version=first, municipality=alt, authority=authority
    )
    user = get_user_model().objects.create_superuser("bibliothek", "b@example.org", PASSWORD)
    own.designers.add(user)
    return {"process": first.process, "pair": pair, "user": user}


def sign_in(page, base, path="/studio/bibliothek/"):
    page.goto(base + path)
    assert "/sachbearbeitung/anmelden/" in page.url
    page.get_by_label("Benutzername").fill("bibliothek")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url("**" + path)


def test_catalog_and_process_pages_are_accessible(library_data, live_server, wide, settings):
    base = live_server.url
    page = wide()
    sign_in(page, base)
    assert page.locator("#nav-library").get_attribute("aria-current") == "page"
    assert page.locator("[data-process=hund-eigen]").count() == 1
    assert page.locator("[data-process=baumfaellung]").count() == 1
    assert_accessible(page, "catalog")
    page.locator("#id_topic").select_option("tiere")
    page.locator("#filter-submit").click()
    page.wait_for_url("**topic=tiere**")
    assert page.locator("[data-process=baumfaellung]").count() == 0
    assert page.locator("[data-process=hund-eigen]").count() == 1
    page.locator("[data-process=hund-eigen] summary").click()
    assert page.get_by_text("Neue Rasseliste.").is_visible()
    assert_accessible(page, "catalog filtered, changelog open")
    page.goto(base + "/studio/bibliothek/?leika=abc")
    assert page.locator("#error-summary").is_visible()
    assert_accessible(page, "catalog with a filter error")
    page.goto(base + f"/studio/bibliothek/{library_data['process'].pk}/")
    assert "Gemeinde Alt" in page.locator("#library-offerings").inner_text()
    assert page.locator("#offer-form").is_visible()
    assert page.locator("[data-upgrade]").count() == 1
    assert_accessible(page, "process page")
    # narrow screen, and the warning while unsigned bundles are allowed
    settings.FORMS_BUNDLES_ALLOW_UNSIGNED = True
    narrow = wide(viewport={"width": 390, "height": 844})
    narrow.context.add_cookies(page.context.cookies())
    narrow.goto(base + "/studio/bibliothek/")
    assert narrow.locator("#unsigned-warning").is_visible()
    assert_accessible(narrow, "catalog (narrow, unsigned warning)")
    # the offer button opens the admin's activation form with process and municipality
    page.locator("#offer-municipality").select_option(label="Gemeinde Neu")
    page.locator("#offer-submit").click()
    page.wait_for_url("**/admin/catalog/activation/add/**")
    assert page.locator("#id_municipality option:checked").inner_text().startswith("Gemeinde Neu")


def test_trust_store_pages_are_accessible(library_data, live_server, wide):
    base = live_server.url
    page = wide()
    sign_in(page, base, "/studio/bibliothek/schluessel/")
    assert_accessible(page, "trust store")
    page.locator("#key-add").click()
    page.wait_for_url("**/schluessel/neu/")
    assert_accessible(page, "add a key")
    page.locator("#id_publisher_slug").fill("land-x")
    page.locator("#id_publisher_name").fill("Land X")
    page.locator("#id_public_key").fill("kein-base64!")
    page.locator("#key-preview").click()
    assert page.get_by_text("Der öffentliche Schlüssel ist kein gültiges Base64.").is_visible()
    assert_accessible(page, "add a key: bad key")
    pair = signing.generate()
    page.locator("#id_public_key").fill(pair.public_b64)
    page.locator("#key-preview").click()
    fingerprint = signing.display_fingerprint(pair.fingerprint)
    assert page.locator("#fingerprint").inner_text() == fingerprint
    assert_accessible(page, "confirm the fingerprint")
    page.locator("#key-confirm").click()  # not confirmed yet
    assert page.get_by_text("Bitte bestätigen Sie, dass der Fingerabdruck").is_visible()
    assert_accessible(page, "confirm the fingerprint: not confirmed")
    assert not TrustedKey.objects.filter(fingerprint=pair.fingerprint).exists()
    page.locator("#id_confirmed").check()
    page.locator("#key-confirm").click()
    page.wait_for_url("**/studio/bibliothek/schluessel/")
    assert page.locator(f'[data-fingerprint="{pair.fingerprint}"]').count() == 1
    assert_accessible(page, "trust store after adding")
    page.locator(f'[data-fingerprint="{pair.fingerprint}"] [data-revoke]').click()
    page.wait_for_url("**/widerrufen/")
    assert_accessible(page, "revoke")
    page.locator("#revoke-submit").click()
    assert page.get_by_text("Bitte geben Sie einen Grund für den Widerruf an.").first.is_visible()
    assert_accessible(page, "revoke: errors")
    page.locator("#id_reason").fill("Testschlüssel")
    page.locator("#id_confirmed").check()
    page.locator("#revoke-submit").click()
    page.wait_for_url("**/studio/bibliothek/schluessel/")
    assert TrustedKey.objects.get(fingerprint=pair.fingerprint).is_revoked
    assert_accessible(page, "trust store with a revoked key")


def test_export_page_without_key_is_accessible(library_data, live_server, wide):
    base = live_server.url
    page = wide()
    sign_in(page, base, "/studio/bibliothek/export/")
    assert page.locator("#no-signing-key").is_visible()
    assert_accessible(page, "export without a signing key")
