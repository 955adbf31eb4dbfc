"""The step page's fast path: few queries, prepared draft reads and saves, escaped markup."""

import re

import pytest
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from forms_engine.citizen import selectors, services
from forms_engine.citizen.forms import build_form
from forms_engine.citizen.models import Draft
from tests.citizen.flow import FIELDS, Flow, post_data
from tests.conftest import ANSWER_FIXTURES, load_sample

HUND = load_sample(ANSWER_FIXTURES / "hundesteuer-anmeldung" / "valid-normaler-hund.json")
STATEMENT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _statements(queries) -> list[str]:
    return [q["sql"] for q in queries if STATEMENT.match(q["sql"])]


def _step_post(draft, step_id, content):
    step = services.definition_for(draft.process_version).step(step_id)
    data = post_data(step.fields(), HUND["answers"][step_id], [])
    data.update({"_action": "next", "_fields": FIELDS.search(content)[1]})
    return data


def test_a_step_without_uploads_reads_only_the_session_and_the_draft(client, published_processes):
    draft, url = Flow(client, "hundesteuer-anmeldung").start()
    client.get(url)  # the first GET stores the current step
    with CaptureQueriesContext(connection) as get_queries:
        page = client.get(url)
    assert page.status_code == 200
    assert len(_statements(get_queries.captured_queries)) == 2  # session, draft

    data = _step_post(draft, "halter", page.content.decode())
    with CaptureQueriesContext(connection) as post_queries:
        response = client.post(url, data)
    assert response.status_code == 302
    # session, draft, the locked read of the answers, the update
    assert len(_statements(post_queries.captured_queries)) == 4
    draft.refresh_from_db()
    assert draft.answers["halter"]["vorname"] == HUND["answers"]["halter"]["vorname"]
    assert draft.current_step == "halter"


def test_draft_for_step_loads_what_the_page_needs_and_checks_the_session(
    client, published_processes
):
    draft, url = Flow(client, "hundesteuer-anmeldung").start()
    request = RequestFactory().get(url)
    request.session = client.session
    loaded = selectors.draft_for_step(request, draft.pk)
    assert loaded.pk == draft.pk
    assert loaded.answers == draft.answers
    assert loaded.municipality.name == draft.municipality.name
    assert loaded.process_version.pk == draft.process_version_id
    assert loaded.process_version.sha256 == draft.definition_sha256
    assert loaded.process_version.process.identifier == "hundesteuer-anmeldung"
    # Deferred columns still load on access.
    assert loaded.process_version.definition["id"] == "hundesteuer-anmeldung"
    assert loaded.municipality.slug == draft.municipality.slug

    stranger = RequestFactory().get(url)
    stranger.session = {}
    with pytest.raises(Http404):
        selectors.draft_for_step(stranger, draft.pk)


def test_saving_a_step_keeps_answers_saved_meanwhile_by_another_request(
    client, published_processes
):
    draft, _url = Flow(client, "hundesteuer-anmeldung").start()
    stale = Draft.objects.get(pk=draft.pk)
    services.draft_save_step(draft=draft, step_id="halter", step_data={"vorname": "Erika"})
    before = Draft.objects.get(pk=draft.pk).updated_at
    services.draft_save_step(draft=stale, step_id="hund", step_data={"name": "Bello"})
    stored = Draft.objects.get(pk=draft.pk)
    assert stored.answers == {"halter": {"vorname": "Erika"}, "hund": {"name": "Bello"}}
    assert stored.current_step == "hund"
    assert stored.updated_at >= before
    assert stale.answers == stored.answers and stale.current_step == "hund"


def test_field_markup_escapes_labels_values_and_errors(published_processes):
    version = published_processes["hundesteuer-anmeldung"]
    step = services.definition_for(version).step("halter")
    form = build_form(
        step=step,
        fields=step.fields(),
        data={"vorname": "a\"<b>&'", "anschrift": {"ort": "<script>"}},
        errors={"vorname": "<i>falsch</i>"},
        lang="de",
        uploads={},
    )
    html = str(form.html)
    assert 'value="a&quot;&lt;b&gt;&amp;&#x27;"' in html
    assert 'value="&lt;script&gt;"' in html
    assert "<span>&lt;i&gt;falsch&lt;/i&gt;</span>" in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="f-vorname-error"' in html
    assert "<script>" not in html and "<i>" not in html
