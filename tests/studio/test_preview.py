"""The studio's live preview over HTTP: the citizen pages in preview mode (no Draft, no
Case, no Upload, no e-mail), prefilled from a designer test, started at any step, a broken
definition in words, tests recorded from a run, and access for designers only."""

import copy
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from forms_engine.cases.models import Case
from forms_engine.catalog.services import process_version_create_draft
from forms_engine.citizen import flow
from forms_engine.citizen.models import Draft, Upload
from forms_engine.definitions import compile_definition
from tests.citizen.flow import post_data
from tests.conftest import ANSWER_FIXTURES, load_sample, stored_files

from .conftest import base_doc

pytestmark = pytest.mark.django_db

HUND_DOC = json.loads(
    (Path(settings.BASE_DIR) / "processes" / "hundesteuer-anmeldung" / "1.2.0.json").read_text()
)
SAMPLE = load_sample(
    ANSWER_FIXTURES / "hundesteuer-anmeldung" / "valid-listenhund-mit-lastschrift.json"
)
ANSWERS = SAMPLE["answers"]
DEFINITION = compile_definition(HUND_DOC)
BANNER = "Vorschau – Testlauf: es wird kein Antrag gestellt, nichts bezahlt, keine E-Mail versendet"
SHELL = re.compile(r"/studio/vorschau/(?P<id>[A-Za-z0-9_-]+)/")
# The test "Listenhund: …" of the shipped document (answers and parameters).
LISTENHUND_TEST = "1"


@pytest.fixture
def hund_draft(studio_publisher, designer):
    """The shipped Hundesteuer document as a draft of the studio publisher."""
    return process_version_create_draft(
        doc=copy.deepcopy(HUND_DOC), publisher=studio_publisher, by=designer
    )


def _start(client, version, **data) -> str:
    """Start a preview of `version`; its id."""
    response = client.post(f"/studio/versionen/{version.pk}/vorschau/", data)
    assert response.status_code == 302, response.content[:500]
    return SHELL.search(response["Location"])["id"]


def _step_url(preview_id: str, step_id: str) -> str:
    return f"/studio/vorschau/{preview_id}/schritte/{step_id}/"


def _post_step(client, preview_id, step_id, values, **extra):
    data = post_data(DEFINITION.step(step_id).fields(), values, [])
    data.update({"_action": "next", **extra})
    return client.post(_step_url(preview_id, step_id), data)


def _nothing_created():
    assert Draft.objects.count() == 0
    assert Case.objects.count() == 0
    assert Upload.objects.count() == 0
    assert stored_files("uploads") == []
    assert mail.outbox == []


def test_a_designer_previews_the_steps_with_the_test_banner(client_for, designer, hund_draft):
    client = client_for(designer)
    launcher = client.get(f"/studio/versionen/{hund_draft.pk}/vorschau/")
    assert launcher.status_code == 200
    assert 'id="preview-start-form"' in launcher.content.decode()

    preview_id = _start(client, hund_draft, test=LISTENHUND_TEST)
    shell = client.get(f"/studio/vorschau/{preview_id}/")
    content = shell.content.decode()
    assert shell.status_code == 200
    assert BANNER in content
    assert f'src="{_step_url(preview_id, "halter")}"' in content
    assert shell["X-Frame-Options"] == "DENY", "the studio page itself is never framed"

    page = client.get(_step_url(preview_id, "halter"))
    assert page.status_code == 200
    assert BANNER in page.content.decode()
    assert page["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in page["Content-Security-Policy"]
    assert "frame-ancestors 'none'" not in page["Content-Security-Policy"]
    assert 'id="link-account"' not in page.content.decode()
    assert f'id="link-home" href="{_step_url(preview_id, "halter")}"' in page.content.decode()

    response = _post_step(client, preview_id, "halter", ANSWERS["halter"])
    assert response.status_code == 302
    assert response["Location"] == _step_url(preview_id, "hund")
    _nothing_created()


def test_the_preview_follows_conditional_steps(client_for, designer, hund_draft):
    client = client_for(designer)
    preview_id = _start(client, hund_draft)
    normal = dict(ANSWERS["hund"], listenhund=False)
    assert _post_step(client, preview_id, "hund", normal)["Location"] == _step_url(
        preview_id, "zahlung"
    )
    # an inapplicable step sends to the first one, as in the citizen flow
    assert client.get(_step_url(preview_id, "sachkunde"))["Location"] == _step_url(
        preview_id, "halter"
    )
    assert _post_step(client, preview_id, "hund", ANSWERS["hund"])["Location"] == _step_url(
        preview_id, "sachkunde"
    )


def test_a_file_is_checked_but_never_stored(client_for, designer, hund_draft):
    client = client_for(designer)
    preview_id = _start(client, hund_draft)
    _post_step(client, preview_id, "hund", ANSWERS["hund"])
    broken = dict(ANSWERS["sachkunde"], nachweis="@file:fake.pdf")
    refused = _post_step(client, preview_id, "sachkunde", broken)
    assert refused.status_code == 200
    assert "Dateityp ist nicht erlaubt" in refused.content.decode()

    accepted = _post_step(client, preview_id, "sachkunde", ANSWERS["sachkunde"])
    assert accepted["Location"] == _step_url(preview_id, "zahlung")
    again = client.get(_step_url(preview_id, "sachkunde")).content.decode()
    assert "sachkunde.pdf" in again
    _nothing_created()


def test_summary_and_submit_end_the_test_run_creating_nothing(client_for, designer, hund_draft):
    client = client_for(designer)
    preview_id = _start(client, hund_draft, test=LISTENHUND_TEST)
    for step_id in ("halter", "hund", "sachkunde", "zahlung"):
        response = _post_step(client, preview_id, step_id, ANSWERS[step_id])
        assert response.status_code == 302, step_id
    assert response["Location"] == f"/studio/vorschau/{preview_id}/zusammenfassung/"

    summary = client.get(response["Location"])
    content = summary.content.decode()
    assert summary.status_code == 200 and BANNER in content
    assert "600,00" in content  # the test's parameter: the rate for a dangerous dog
    assert f'href="/studio/vorschau/{preview_id}/absenden/"' in content

    submit_url = f"/studio/vorschau/{preview_id}/absenden/"
    missing = client.post(submit_url, {})
    assert "Bitte bestätigen Sie diese Erklärung." in missing.content.decode()
    done = client.post(submit_url, {"declaration": SAMPLE["declarations"]})
    text = done.content.decode()
    assert done.status_code == 200
    assert "Testlauf beendet – es wurde kein Antrag gestellt" in text
    assert "Rocky" in text and "600,00" in text
    _nothing_created()


def test_submit_names_missing_answers_with_links_into_the_preview(client_for, designer, hund_draft):
    client = client_for(designer)
    preview_id = _start(client, hund_draft)
    response = client.post(
        f"/studio/vorschau/{preview_id}/absenden/", {"declaration": SAMPLE["declarations"]}
    )
    content = response.content.decode()
    assert "Testlauf beendet" not in content
    assert f"/studio/vorschau/{preview_id}/schritte/halter/?return=summary" in content


def test_a_preview_is_prefilled_from_a_test_and_starts_at_a_step(client_for, designer, hund_draft):
    client = client_for(designer)
    response = client.post(
        f"/studio/versionen/{hund_draft.pk}/vorschau/",
        {"test": HUND_DOC["tests"][1]["name"], "step": "hund"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?schritt=hund")
    preview_id = SHELL.search(response["Location"])["id"]
    state = flow.preview_get(client.session, preview_id)
    assert state.answers == HUND_DOC["tests"][1]["answers"]
    assert state.parameters == HUND_DOC["tests"][1]["parameters"]
    shell = client.get(response["Location"]).content.decode()
    assert f'src="{_step_url(preview_id, "hund")}"' in shell
    assert "Vorbelegt aus dem Test" in shell
    # the conditional step applies with the test's answers: it can be started at
    assert f'id="preview-step-sachkunde" href="{_step_url(preview_id, "sachkunde")}"' in shell


def test_an_unknown_test_starts_nothing(client_for, designer, hund_draft):
    response = client_for(designer).post(
        f"/studio/versionen/{hund_draft.pk}/vorschau/", {"test": "gibt es nicht"}
    )
    assert response.status_code == 400
    assert "Diesen Test gibt es nicht." in response.content.decode()


def test_an_unsaved_document_is_previewed_and_its_test_offered_as_json(client_for, designer, draft):
    client = client_for(designer)
    doc = base_doc(title={"de": "Ungespeicherter Titel"})
    response = client.post("/studio/vorschau/", {"version": draft.pk, "document": json.dumps(doc)})
    assert response.status_code == 302
    preview_id = SHELL.search(response["Location"])["id"]
    page = client.get(_step_url(preview_id, "antrag"))
    assert "Ungespeicherter Titel" in page.content.decode()
    client.post(_step_url(preview_id, "antrag"), {"name": "Erika", "_action": "next"})

    recorded = client.post(f"/studio/vorschau/{preview_id}/als-test/", {"name": "Erika"})
    assert recorded.status_code == 200
    text = recorded.content.decode()
    assert 'id="test-json"' in text
    assert "&quot;name&quot;: &quot;Erika&quot;" in text
    draft.refresh_from_db()
    assert "tests" not in draft.definition and draft.revision == 1


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("{kein json", "JSON"),
        (json.dumps(base_doc(steps=[])), "/steps"),
        (json.dumps(base_doc(reference_prefix=7)), "/reference_prefix"),
    ],
)
def test_a_broken_definition_shows_its_problems_in_words(
    client_for, designer, draft, document, expected
):
    response = client_for(designer).post(
        "/studio/vorschau/", {"version": draft.pk, "document": document}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="preview-problems"' in content and expected in content
    assert not client_for(designer).session.get(flow.PREVIEW_SESSION_KEY)


def test_a_saved_broken_draft_shows_its_problems_instead_of_the_preview(
    client_for, designer, studio_publisher
):
    broken = base_doc()
    broken["steps"].append(copy.deepcopy(broken["steps"][0]))  # the step id twice
    version = process_version_create_draft(doc=broken, publisher=studio_publisher, by=designer)
    client = client_for(designer)
    page = client.get(f"/studio/versionen/{version.pk}/vorschau/")
    assert page.status_code == 200
    assert 'id="preview-problems"' in page.content.decode()
    assert client.post(f"/studio/versionen/{version.pk}/vorschau/", {}).status_code == 400


def test_a_run_is_recorded_as_a_test_of_the_draft(client_for, designer, hund_draft):
    client = client_for(designer)
    preview_id = _start(client, hund_draft, test=LISTENHUND_TEST)
    for step_id in ("halter", "hund", "sachkunde", "zahlung"):
        _post_step(client, preview_id, step_id, ANSWERS[step_id])
    url = f"/studio/vorschau/{preview_id}/als-test/"
    response = client.post(url, {"name": "Aus der Vorschau", "revision": hund_draft.revision})
    assert response.status_code == 302
    hund_draft.refresh_from_db()
    assert hund_draft.revision == 2
    recorded = hund_draft.definition["tests"][-1]
    assert recorded["name"] == "Aus der Vorschau"
    assert recorded["expect"] == {
        "steps": ["halter", "hund", "sachkunde", "zahlung"],
        "fee_total": "600.00",
        "valid": True,
    }
    assert recorded["parameters"] == HUND_DOC["tests"][1]["parameters"]
    results = compile_definition(hund_draft.definition).run_tests()
    assert all(r.passed for r in results), [r.failures for r in results if not r.passed]

    # the same name twice: refused, nothing saved
    again = client.post(url, {"name": "Aus der Vorschau", "revision": 2})
    assert again.status_code == 400
    assert "Einen Test mit diesem Namen gibt es schon." in again.content.decode()
    empty = client.post(url, {"name": " ", "revision": 2})
    assert empty.status_code == 400
    hund_draft.refresh_from_db()
    assert hund_draft.revision == 2


def test_a_stale_revision_records_nothing(client_for, designer, hund_draft):
    client = client_for(designer)
    preview_id = _start(client, hund_draft)
    response = client.post(
        f"/studio/vorschau/{preview_id}/als-test/", {"name": "Alt", "revision": 99}
    )
    assert response.status_code == 302
    hund_draft.refresh_from_db()
    assert hund_draft.revision == 1 and len(hund_draft.definition["tests"]) == len(
        HUND_DOC["tests"]
    )


def test_only_designers_of_the_publisher_may_preview(
    client, client_for, designer, outsider, other_designer, reviewer, hund_draft
):
    url = f"/studio/versionen/{hund_draft.pk}/vorschau/"
    assert client.get(url).status_code == 302  # to the staff sign-in
    assert client_for(outsider).get(url).status_code == 403
    assert client_for(other_designer).get(url).status_code == 404
    assert client_for(reviewer).get(url).status_code == 403
    assert client_for(other_designer).post(
        "/studio/vorschau/", {"version": hund_draft.pk, "document": json.dumps(HUND_DOC)}
    ).status_code in (403, 404)


def test_a_preview_of_another_session_is_not_found(client_for, designer, hund_draft, client):
    preview_id = _start(client_for(designer), hund_draft)
    client.logout()
    from django.test import Client

    stranger = Client()
    stranger.force_login(designer)  # the same designer in another session
    assert stranger.get(f"/studio/vorschau/{preview_id}/").status_code == 404
    assert stranger.get(_step_url(preview_id, "halter")).status_code == 404


def test_the_banner_names_the_sign_in_a_citizen_would_need(client_for, designer, studio_publisher):
    doc = base_doc(identity={"level": "substanziell"})
    version = process_version_create_draft(doc=doc, publisher=studio_publisher, by=designer)
    client = client_for(designer)
    preview_id = _start(client, version)
    page = client.get(_step_url(preview_id, "antrag"))
    assert page.status_code == 200, "no sign-in in a preview: the level counts as met"
    content = page.content.decode()
    assert "Vertrauensniveau „substanziell (zum Beispiel ELSTER-Zertifikat)“" in content
    assert BANNER in content


def test_saving_for_later_in_a_preview_sends_no_link(client_for, designer, draft):
    client = client_for(designer)
    preview_id = _start(client, draft)
    response = client.post(_step_url(preview_id, "antrag"), {"name": "Erika", "_action": "save"})
    assert response.status_code == 200
    assert "Vorschau: Zwischengespeichert." in response.content.decode()
    assert flow.preview_get(client.session, preview_id).answers == {"antrag": {"name": "Erika"}}
    _nothing_created()
