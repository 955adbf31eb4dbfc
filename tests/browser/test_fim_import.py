"""FIM import in the browser: a designer uploads a reference XDatenfelder file in the studio,
sees the warnings and the to-do list, opens the draft; then, for every file in
../shared/reference/fim/, a citizen completes the imported draft in the studio's preview
(the real citizen pages in preview mode), filling what is required step by step, up to the
end of the test run. axe-core (WCAG 2.1 A/AA) on every page shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from forms_engine.catalog.models import FimSource, Publisher
from forms_engine.definitions import compile_definition
from forms_engine.studio.fim_import import fim_import
from tests.citizen.flow import post_data
from tests.conftest import UPLOAD_FIXTURES
from tests.studio.fim_answers import minimal_answers

from .conftest import assert_accessible

REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "reference" / "fim"
CODELISTS = Path(settings.BASE_DIR) / "tests" / "fim" / "data"
REFERENCE_FILES = sorted(REFERENCE.glob("*.xml")) if REFERENCE.is_dir() else []

pytestmark = pytest.mark.skipif(not REFERENCE_FILES, reason=f"no reference files in {REFERENCE}")


@pytest.fixture
def designer_of(transactional_db):
    publisher = Publisher.objects.create(name="Stadt Teststadt", slug="teststadt")
    designer = get_user_model().objects.create_user("designerin", password="x", is_staff=True)
    publisher.designers.add(designer)
    return designer, publisher


def _sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_a_designer_imports_a_fim_file_sees_the_warnings_and_opens_the_draft(
    designer_of, live_server, page
):
    designer, publisher = designer_of
    _sign_in(page, live_server, designer)
    page.goto(f"{live_server.url}/studio/")
    assert_accessible(page, "process list")
    page.locator("#fim-import").click()
    page.wait_for_url("**/studio/fim-import/")
    assert_accessible(page, "FIM import page")

    # a broken file first: a form error, nothing made
    page.set_input_files(
        "#id_xml", files=[{"name": "kaputt.xml", "mimeType": "text/xml", "buffer": b"<a><b>"}]
    )
    page.locator("#fim-import-submit").click()
    page.wait_for_selector("#id_xml-error")
    assert_accessible(page, "FIM import page with an error")
    assert not FimSource.objects.exists()

    page.set_input_files("#id_xml", str(REFERENCE / "xdf2-S00000121-blaue-karte.xml"))
    page.set_input_files("#id_codelists", [str(p) for p in sorted(CODELISTS.glob("*.gc.xml"))])
    page.locator("#fim-import-submit").click()
    page.wait_for_url("**/studio/fim-import/*/")
    source = FimSource.objects.get()
    assert page.locator("#fim-origin").inner_text().count("S00000121") >= 1
    assert page.locator("#fim-warnings-title").is_visible()
    assert page.locator("#fim-todo-title").is_visible()
    assert_accessible(page, "FIM import result")
    page.locator("details summary").first.click()
    assert page.locator("#fim-ids tbody tr").count() > 50
    assert_accessible(page, "FIM import result with the FIM ids")

    page.locator("#fim-open-editor").click()
    page.wait_for_url(f"**/studio/versionen/{source.version.pk}/**")
    assert_accessible(page, "editor of the imported draft")

    page.goto(f"{live_server.url}/studio/versionen/{source.version.pk}/hinweise/")
    assert page.locator("#fim-todo-title").is_visible()
    assert_accessible(page, "checks page with the import's to-do list")
    page.goto(f"{live_server.url}/studio/prozesse/{source.process_id}/")
    assert "§ 19a AufenthG" in page.locator("#fim-origin").inner_text()
    assert_accessible(page, "process page with the FIM origin")


def _fill(frame, data: dict) -> None:
    for key, value in data.items():
        if key.endswith("._count"):
            continue
        elements = frame.locator(f'[name="{key}"]')
        if elements.count() == 0:
            continue
        first = elements.first
        tag = first.evaluate("e => e.tagName.toLowerCase()")
        kind = (first.get_attribute("type") or "").lower()
        if hasattr(value, "name") and hasattr(value, "read"):
            first.set_input_files(str(UPLOAD_FIXTURES / value.name))
        elif tag == "select":
            first.select_option(str(value))
        elif kind == "radio":
            frame.check(f'input[name="{key}"][value="{value}"]')
        elif kind == "checkbox":
            wanted = {str(v) for v in (value if isinstance(value, list) else [value])}
            for i in range(elements.count()):
                box = elements.nth(i)
                box.set_checked(box.get_attribute("value") in wanted)
        elif kind != "hidden":
            first.fill(str(value))


def _grow_repeats(frame, data: dict) -> None:
    for key, value in data.items():
        if not key.endswith("._count"):
            continue
        group = key[: -len("._count")]
        counter = frame.locator(f'input[name="{key}"]')
        while counter.count() and int(counter.input_value()) < int(value):
            frame.click(f"#btn-add-{group.replace('.', '-')}")
            frame.wait_for_load_state()


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=[p.stem for p in REFERENCE_FILES])
def test_a_citizen_completes_every_imported_reference_file(designer_of, live_server, page, path):
    designer, publisher = designer_of
    codelists = [(p.name, p.read_bytes()) for p in sorted(CODELISTS.glob("*.gc.xml"))]
    result = fim_import(
        xml=path.read_bytes(), codelists=codelists, publisher=publisher, by=designer
    )
    version = result.version
    compiled = compile_definition(version.definition)
    # The page shows one blank entry of an optional repeatable field; a person fills it.
    answers = minimal_answers(version.definition, repeats_shown=True)

    _sign_in(page, live_server, designer)
    page.goto(f"{live_server.url}/studio/versionen/{version.pk}/vorschau/")
    assert_accessible(page, "preview launcher")
    page.locator("#preview-start").click()
    page.wait_for_url("**/studio/vorschau/*/**")
    frame = page.frame(name="preview-frame")
    frame.wait_for_load_state()
    frame.wait_for_selector("#preview-banner")
    assert_accessible(page, "preview shell")

    seen = []
    for step in compiled.steps:
        frame.wait_for_url(f"**/schritte/{step.id}/")
        frame.wait_for_selector("#btn-next")
        assert_accessible(frame, f"{path.stem}: step {step.id}")
        data = post_data(step.fields(), answers.get(step.id, {}), [])
        _grow_repeats(frame, data)
        _fill(frame, data)
        with frame.expect_navigation():
            frame.click("#btn-next")
        frame.wait_for_load_state()
        assert f"/schritte/{step.id}/" not in frame.url, (
            frame.locator("#error-summary").inner_text()
            if frame.locator("#error-summary").count()
            else frame.locator("main").inner_text()[:3000]
        )
        seen.append(step.id)
    assert seen == [s.id for s in compiled.steps]

    frame.wait_for_url("**/zusammenfassung/")
    assert_accessible(frame, f"{path.stem}: summary")
    frame.click("#link-to-submit")
    frame.wait_for_selector("#btn-submit")
    assert_accessible(frame, f"{path.stem}: submit")
    for box in frame.locator('input[name="declaration"]').all():
        box.check()
    frame.click("#btn-submit")
    frame.wait_for_selector("#preview-done")
    assert_accessible(frame, f"{path.stem}: done")
