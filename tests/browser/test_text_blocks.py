"""Text blocks (`ui.blocks`) in Chromium: a citizen step shows the paragraphs before their
field and after the last one; a designer adds one keyboard-only on the step page; both
pages have zero axe-core violations."""

from importlib import import_module

from django.conf import settings as django_settings

from forms_engine.catalog.models import Municipality, ProcessVersion
from forms_engine.citizen.services import draft_start, session_add_draft
from tests.citizen.test_text_blocks import publish_with_blocks
from tests.conftest import MUSTERSTADT_ARS

from .conftest import assert_accessible
from .test_studio_editor import studio_draft  # noqa: F401 - fixture


def test_step_with_text_blocks_is_accessible(library, live_server, page):
    current = (
        ProcessVersion.objects.filter(
            process__identifier="hundesteuer-anmeldung", status=ProcessVersion.Status.PUBLISHED
        )
        .order_by("-published_at")
        .first()
    )
    version = publish_with_blocks(current)
    draft = draft_start(
        process_version=version, municipality=Municipality.objects.get(ars=MUSTERSTADT_ARS)
    )
    session = import_module(django_settings.SESSION_ENGINE).SessionStore()
    session_add_draft(session, draft)
    session.save()
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/antrag/{draft.pk}/halter/")
    block = page.locator("#textblock-geburt")
    assert block.inner_text() == "Das Geburtsdatum steht in Ihrem Ausweis."
    # it stands right before the date of birth (the next element holds the field)
    assert block.evaluate(
        "el => el.nextElementSibling.querySelector('[name=\"geburtsdatum\"]') !== null"
    )
    assert page.locator("#textblock-schluss").is_visible()
    assert_accessible(page, "step with text blocks")


def test_a_designer_adds_a_text_block_keyboard_only(
    studio_draft,  # noqa: F811 - fixture
    live_server,
    page,
):
    from .test_studio_editor import choose, press, sign_in, type_into

    draft, designer = studio_draft
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, designer)
    page.goto(f"{live_server.url}/studio/versionen/{draft.pk}/bearbeiten/schritte/0/")
    type_into(page, "#id_newblock-text", "Bitte beschreiben Sie den Zweck genau.")
    type_into(page, "#id_newblock-text_en", "Please describe the purpose exactly.")
    choose(page, "#id_newblock-before", "zweck")
    press(page, "#block-add")
    item = page.locator("#textblock-0")
    assert "Bitte beschreiben Sie den Zweck genau." in item.inner_text()
    assert "vor Feld „Zweck“" in item.inner_text()
    page.focus("#textblock-0 summary")
    page.keyboard.press("Enter")  # open the edit form
    assert page.locator("#id_block0-text").is_visible()
    assert_accessible(page, "step page with a text block")
