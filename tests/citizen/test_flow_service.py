"""The step flow service (`citizen.flow`) in both modes: citizen (a Draft) and preview (the
session only: no Draft, no Case, no stored file)."""

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from forms_engine.cases.models import Case
from forms_engine.citizen import flow
from forms_engine.citizen.models import Draft, Upload
from forms_engine.definitions import DefinitionError, compile_definition
from tests.citizen.flow import Flow, post_data
from tests.conftest import ANSWER_FIXTURES, load_sample, stored_files

HUND_DOC = json.loads(
    (Path(settings.BASE_DIR) / "processes" / "hundesteuer-anmeldung" / "1.2.0.json").read_text()
)
LISTENHUND = load_sample(
    ANSWER_FIXTURES / "hundesteuer-anmeldung" / "valid-listenhund-mit-lastschrift.json"
)
PARAMETERS = HUND_DOC["tests"][0]["parameters"]


class Session(dict):
    """A stand-in for request.session: a dict that notes changes."""

    modified = False


def _request_data(step, values: dict, action: str = "next"):
    """(POST QueryDict, FILES MultiValueDict) for `values` in the form's naming."""
    data = post_data(step.fields(), values, [])
    post = QueryDict(mutable=True)
    files = MultiValueDict()
    for key, value in data.items():
        if hasattr(value, "read"):
            files[key] = value
        elif isinstance(value, list):
            post.setlist(key, value)
        else:
            post[key] = value
    post["_action"] = action
    return post, files


def _post(state, step_id, values, action="next", **kwargs):
    post, files = _request_data(state.definition.step(step_id), values, action)
    return flow.step_post(state, step_id, post=post, files=files, lang="de", **kwargs)


# --- citizen mode -----------------------------------------------------------------------


def test_citizen_mode_saves_the_step_on_the_draft_and_goes_to_the_next(client, published_processes):
    draft, _url = Flow(client, "hundesteuer-anmeldung").start()
    state = flow.DraftFlowState(draft, flow.services.definition_for(draft.process_version))
    assert state.mode == flow.FlowMode.CITIZEN

    page = flow.step_page(state, "halter", lang="de").page
    assert page.step.id == "halter" and page.number == 1 and page.previous_step is None

    outcome = _post(state, "halter", LISTENHUND["answers"]["halter"])
    assert outcome.go_to_step == "hund"
    draft.refresh_from_db()
    assert draft.answers["halter"]["vorname"] == "Erika"
    assert draft.current_step == "halter"


def test_citizen_mode_shows_errors_and_keeps_what_was_typed(client, published_processes):
    draft, _url = Flow(client, "hundesteuer-anmeldung").start()
    state = flow.DraftFlowState(draft, flow.services.definition_for(draft.process_version))
    outcome = _post(state, "halter", {"vorname": "Erika"})
    assert outcome.page is not None and outcome.go_to_step is None
    assert any("Familienname" in text for _anchor, text in outcome.page.form.error_list)
    draft.refresh_from_db()
    assert draft.answers["halter"]["vorname"] == "Erika"


def test_citizen_mode_sends_an_inapplicable_step_to_the_first(client, published_processes):
    draft, _url = Flow(client, "hundesteuer-anmeldung").start()
    state = flow.DraftFlowState(draft, flow.services.definition_for(draft.process_version))
    assert flow.step_page(state, "sachkunde", lang="de").go_to_step == "halter"


def test_citizen_mode_stores_an_uploaded_file(client, published_processes):
    draft, _url = Flow(client, "hundesteuer-anmeldung").start()
    definition = flow.services.definition_for(draft.process_version)
    state = flow.DraftFlowState(draft, definition)
    _post(state, "hund", LISTENHUND["answers"]["hund"])
    outcome = _post(state, "sachkunde", LISTENHUND["answers"]["sachkunde"])
    assert outcome.go_to_step == "zahlung"
    upload = Upload.objects.get(draft=draft)
    assert draft.answers["sachkunde"]["nachweis"] == upload.ref
    assert len(stored_files("uploads")) == 1


# --- preview mode -----------------------------------------------------------------------


def test_a_preview_runs_the_steps_in_the_session_only(db):
    session = Session()
    state = flow.preview_start(session, doc=HUND_DOC, parameters=PARAMETERS)
    assert state.mode == flow.FlowMode.PREVIEW
    assert flow.preview_get(session, state.preview_id) is not None

    page = flow.step_page(state, "halter", lang="de").page
    assert page.step.id == "halter"
    assert _post(state, "halter", LISTENHUND["answers"]["halter"]).go_to_step == "hund"
    assert session.modified

    again = flow.preview_get(session, state.preview_id)
    assert again.answers["halter"]["familienname"] == "Mustermann"
    assert again.steps_seen == ["halter"]
    assert Draft.objects.count() == 0 and Case.objects.count() == 0


def test_a_preview_follows_conditional_steps(db):
    state = flow.preview_start(Session(), doc=HUND_DOC, parameters=PARAMETERS)
    normal = dict(LISTENHUND["answers"]["hund"], listenhund=False)
    assert _post(state, "hund", normal).go_to_step == "zahlung"
    assert _post(state, "hund", LISTENHUND["answers"]["hund"]).go_to_step == "sachkunde"
    assert flow.next_step(state, "sachkunde") == "zahlung"
    assert flow.previous_step(state, "sachkunde") == "hund"


def test_a_preview_checks_a_file_and_keeps_only_its_name_and_type(db):
    state = flow.preview_start(Session(), doc=HUND_DOC, parameters=PARAMETERS)
    _post(state, "hund", LISTENHUND["answers"]["hund"])
    outcome = _post(state, "sachkunde", LISTENHUND["answers"]["sachkunde"])
    assert outcome.go_to_step == "zahlung"
    ref = state.answers["sachkunde"]["nachweis"]
    kept = state.uploads()[ref]
    assert (kept.original_name, kept.media_type) == ("sachkunde.pdf", "application/pdf")
    assert kept.size > 0
    assert Upload.objects.count() == 0
    assert stored_files("uploads") == []
    # the session holds no bytes
    assert set(state.data["uploads"][ref]) == {"name", "media_type", "size"}


def test_a_preview_refuses_a_broken_file_as_the_citizen_flow_would(db):
    state = flow.preview_start(Session(), doc=HUND_DOC, parameters=PARAMETERS)
    _post(state, "hund", LISTENHUND["answers"]["hund"])
    values = dict(LISTENHUND["answers"]["sachkunde"], nachweis="@file:fake.pdf")
    outcome = _post(state, "sachkunde", values)
    assert outcome.page is not None
    assert any(
        "Dateityp ist nicht erlaubt" in text for _anchor, text in outcome.page.form.error_list
    )
    assert state.uploads() == {} and stored_files("uploads") == []


def test_preview_summary_binds_the_parameters(db):
    parameters = dict(PARAMETERS, steuer_gefaehrlicher_hund="700.00")
    state = flow.preview_start(
        Session(), doc=HUND_DOC, parameters=parameters, answers=LISTENHUND["answers"]
    )
    data = flow.summary_data(state, "de")
    assert [s["id"] for s in data["sections"]] == ["halter", "hund", "sachkunde", "zahlung"]
    assert str(data["fee_total_amount"]) == "700.00"
    assert data["last_step"] == "zahlung"


def test_a_preview_without_parameters_shows_placeholders(db):
    state = flow.preview_start(Session(), doc=HUND_DOC)
    assert "steuer_hund" in state.definition.missing_parameters


def test_a_broken_definition_or_unfit_parameters_start_no_preview(db):
    session = Session()
    broken = copy.deepcopy(HUND_DOC)
    broken["steps"][0]["id"] = "hund"  # two steps with one id
    with pytest.raises(DefinitionError) as raised:
        flow.preview_start(session, doc=broken)
    assert raised.value.problems
    with pytest.raises(DefinitionError):
        flow.preview_start(session, doc=HUND_DOC, parameters={"steuer_hund": "-1"})
    with pytest.raises(DefinitionError):
        flow.preview_start(session, doc=["not", "a", "definition"])
    assert not session.get(flow.PREVIEW_SESSION_KEY)


def test_unknown_or_malformed_preview_ids_find_nothing(db):
    session = Session()
    flow.preview_start(session, doc=HUND_DOC)
    assert flow.preview_get(session, "x" * 24) is None
    assert flow.preview_get(session, "../../etc") is None


def test_a_session_keeps_only_the_newest_previews(db):
    session = Session()
    first = flow.preview_start(session, doc=HUND_DOC)
    for _ in range(flow.PREVIEWS_PER_SESSION):
        flow.preview_start(session, doc=HUND_DOC)
    assert flow.preview_get(session, first.preview_id) is None
    assert len(session[flow.PREVIEW_SESSION_KEY]) == flow.PREVIEWS_PER_SESSION


def test_prefilled_answers_keep_only_steps_of_the_definition(db):
    answers = {"hund": {"listenhund": True}, "nirgends": {"x": 1}, "halter": "kein Objekt"}
    state = flow.preview_start(Session(), doc=HUND_DOC, answers=answers)
    assert state.answers == {"hund": {"listenhund": True}}


@pytest.mark.parametrize("sample", ["valid-listenhund-mit-lastschrift", "invalid-email"])
def test_a_recorded_test_passes_against_the_previewed_definition(db, sample):
    answers = load_sample(ANSWER_FIXTURES / "hundesteuer-anmeldung" / f"{sample}.json")["answers"]
    state = flow.preview_start(Session(), doc=HUND_DOC, parameters=PARAMETERS)
    for step_id in ("halter", "hund", "sachkunde", "zahlung"):
        if step_id in answers:
            _post(state, step_id, answers[step_id])
    test = flow.preview_as_test(state, "Aufgenommen")
    assert test["name"] == "Aufgenommen"
    assert test["parameters"] == PARAMETERS
    assert test["expect"]["steps"][:2] == ["halter", "hund"]
    assert test["expect"]["valid"] is sample.startswith("valid")
    if not test["expect"]["valid"]:
        assert "/halter/email" in test["expect"]["errors"]
    doc = dict(HUND_DOC, tests=[test])
    results = compile_definition(doc).run_tests()
    assert [(r.passed, r.failures) for r in results] == [(True, [])]
