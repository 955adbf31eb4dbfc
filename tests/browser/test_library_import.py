"""Issue 10's acceptance in Chromium: a publisher ("installation A") signs a bundle; this
installation trusts its key; a superuser imports it through the wizard, checks the preview
and offers the process in her municipality with its own authority and a parameter value; a
citizen files it there and the case reaches that authority; A's next version is imported
without moving the offering, which keeps its version and values. axe-core reports nothing
on every step of the wizard, its error state and the done page."""

import pytest
from django.contrib.auth import get_user_model

from forms_engine.cases.models import Case
from forms_engine.cases.pipeline import pipeline_run
from forms_engine.catalog.models import Activation, Authority, Municipality, ProcessVersion
from forms_engine.library import signing
from forms_engine.library.bundle import BundleProcess, build_bundle
from forms_engine.library.services import trust_key_add
from tests.library.helpers import parking

from .conftest import _new_page, assert_accessible

PASSWORD = "bibliothek-import-1"
PUBLISHER = ("kreis-beispiel", "Landkreis Beispiel")
PID = "parkausweis-parameter"
SECTION = f"offers-{PID}__gem-nord"


@pytest.fixture
def installation(transactional_db, settings):
    settings.FORMS_STAFF_2FA_REQUIRED = False
    nord = Municipality.objects.create(name="Gemeinde Nord", ars="099990000091", slug="gem-nord")
    authority = Authority.objects.create(
        municipality=nord, name="Ordnungsamt Nord", slug="ordnung-nord"
    )
    get_user_model().objects.create_superuser("chefin", password=PASSWORD)
    return nord, authority


@pytest.fixture
def staff_page(chromium_browser):
    context, page = _new_page(chromium_browser, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


def _installation_a(tmp_path):
    """Installation A's publisher: a key pair and two signed bundles (1.0.0; 1.0.0 + 1.1.0)."""
    pair = signing.generate()
    newer = parking(
        "1.1.0",
        summary={
            "de": "Der Ausweis kostet {{param:gebuehr}} im Jahr; gilt ab {{param:gueltig_ab}}."
        },
    )
    files = []
    for name, docs in (("erste", [parking("1.0.0")]), ("zweite", [parking("1.0.0"), newer])):
        data = build_bundle(
            publisher_id=PUBLISHER[0],
            publisher_name=PUBLISHER[1],
            processes=[
                BundleProcess(doc=d, changelog={"de": f"Version {d['version']}"}) for d in docs
            ],
            shared=[],
            key=pair,
        )
        path = tmp_path / f"{name}.zip"
        path.write_bytes(data)
        files.append(path)
    return pair, files


def _next(page):
    with page.expect_navigation():
        page.locator("#import-next").click()


def _upload_and_preview(page, base, path):
    page.goto(base + "/studio/bibliothek/import/")
    page.locator("#id_upload-bundle").set_input_files(str(path))
    _next(page)
    page.locator("#bundle-publisher").wait_for()


def test_import_offer_file_and_update_without_moving(
    installation, live_server, staff_page, chromium_browser, tmp_path
):
    nord, authority = installation
    page, base = staff_page, live_server.url
    pair, (first, second) = _installation_a(tmp_path)
    key = trust_key_add(
        publisher_slug=PUBLISHER[0], publisher_name=PUBLISHER[1], public_key=pair.public_b64
    )

    # Sign in as the superuser; the wizard's first step, then its error state.
    page.goto(base + "/studio/bibliothek/import/")
    page.get_by_label("Benutzername").fill("chefin")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.locator("#login-submit").click()
    page.wait_for_url("**/studio/bibliothek/import/")
    assert_accessible(page, "wizard: upload")
    _next(page)
    page.locator("#error-summary").wait_for()
    assert "Bitte wählen Sie die Bündel-Datei" in page.content()
    assert_accessible(page, "wizard: upload error")

    # Upload: verified; the preview names publisher, key and the new process.
    page.locator("#id_upload-bundle").set_input_files(str(first))
    _next(page)
    facts = page.locator("#bundle-publisher").inner_text()
    assert "Landkreis Beispiel" in facts and "kreis-beispiel" in facts
    assert key.short_fingerprint in page.locator("#bundle-signature").inner_text()
    item = page.locator(f'[data-item="process:{PID}:1.0.0"]')
    assert item.get_attribute("data-action") == "new"
    assert "Version 1.0.0" in item.locator(".item-changelog").inner_text()
    assert ProcessVersion.objects.filter(process__identifier=PID).count() == 0
    assert_accessible(page, "wizard: preview")
    page.get_by_label("Ich habe die Änderungen geprüft").check()
    _next(page)

    # Offer it in Gemeinde Nord with its own authority and a parameter value.
    page.locator(f"#{SECTION}__offer-ja".replace("#", "#id_", 1)).wait_for()
    assert_accessible(page, "wizard: offers")
    page.locator(f"#id_{SECTION}__offer-ja").check()
    page.locator(f"#id_{SECTION}__authority").select_option(str(authority.pk))
    page.locator(f"#id_{SECTION}__param__ort").fill("Nordhausen")
    page.locator(f"#id_{SECTION}__param__gebuehr").fill("45,00")
    _next(page)
    summary = page.locator("#summary-offers").inner_text()
    assert "Gemeinde Nord" in summary and "Ordnungsamt Nord" in summary
    assert_accessible(page, "wizard: confirm")
    _next(page)
    page.wait_for_url("**/studio/bibliothek/import/fertig/")
    assert PID in page.locator("#done-created").inner_text()
    assert "Ordnungsamt Nord" in page.locator("#done-offers").inner_text()
    assert_accessible(page, "wizard: done")
    activation = Activation.objects.get(process__identifier=PID, municipality=nord)
    assert activation.authority == authority
    assert activation.version.version == "1.0.0"
    values = activation.parameter_values
    assert (values["ort"], values["gebuehr"]) == ("Nordhausen", "45.00")

    # A citizen files it on Gemeinde Nord's page; the case goes to Ordnungsamt Nord.
    context, citizen = _new_page(chromium_browser, viewport={"width": 390, "height": 844})
    citizen.goto(f"{base}/gem-nord/leistungen/{PID}/")
    assert "Nordhausen" in citizen.content()
    citizen.click("#btn-start")
    citizen.locator('[name="zone"]').first.wait_for()
    zone = citizen.locator('[name="zone"]').first
    if zone.evaluate("e => e.tagName") == "SELECT":
        zone.select_option("a")
    else:
        citizen.check('input[name="zone"][value="a"]')
    citizen.fill('[name="kennzeichen"]', "NH-AB 12")
    citizen.click("#btn-next")
    citizen.wait_for_url("**/zusammenfassung/")
    assert "45,00" in citizen.content()
    citizen.click("#link-to-submit")
    citizen.click("#btn-submit")
    citizen.wait_for_selector("#case-reference")
    reference = citizen.inner_text("#case-reference").strip()
    context.close()
    case = Case.objects.get(reference=reference)
    # The pipeline (routing into the inbox) runs here, whether or not a worker listens.
    pipeline_run(case_id=case.pk)
    case.refresh_from_db()
    assert case.municipality == nord and case.authority == authority
    assert case.process_version == activation.version

    # A's next version arrives; imported without moving: the offering stays as it is.
    _upload_and_preview(page, base, second)
    update = page.locator(f'[data-item="process:{PID}:1.1.0"]')
    assert update.get_attribute("data-action") == "update"
    assert update.locator(".item-previous").inner_text() == "1.0.0"
    assert update.locator(".item-changes li").count() >= 1
    assert "Gemeinde Nord" in update.locator(".item-offered").inner_text()
    assert page.locator(f'[data-item="process:{PID}:1.0.0"]').get_attribute("data-action") == (
        "unchanged"
    )
    assert_accessible(page, "wizard: preview of an update")
    page.get_by_label("Ich habe die Änderungen geprüft").check()
    _next(page)
    move = page.locator(f"#id_{SECTION}__move")
    assert not move.is_checked()
    assert_accessible(page, "wizard: offers of an update")
    _next(page)
    assert_accessible(page, "wizard: confirm of an update")
    _next(page)
    page.wait_for_url("**/studio/bibliothek/import/fertig/")
    assert f"{PID}:1.1.0" in page.locator("#done-created").inner_html()
    assert_accessible(page, "wizard: done after an update")
    activation.refresh_from_db()
    assert activation.version.version == "1.0.0"
    assert activation.parameter_values == values
    assert ProcessVersion.objects.filter(process__identifier=PID).count() == 2
