"""Every shipped process, completed (or refused) through the citizen pages without JavaScript."""

import re

import pytest

from forms_engine.cases.models import Case
from forms_engine.citizen.services import definition_for
from tests.citizen.flow import Flow
from tests.conftest import load_sample, sample_answer_files

VALID = [p for p in sample_answer_files() if p.name.startswith("valid-")]
INVALID = [p for p in sample_answer_files() if p.name.startswith("invalid-")]


def _ids(paths):
    return [f"{p.parent.name}/{p.stem}" for p in paths]


def normalise_uploads(value):
    if isinstance(value, dict):
        return {k: normalise_uploads(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise_uploads(v) for v in value]
    if isinstance(value, str) and (value.startswith("upload:") or value.startswith("@file:")):
        return "<upload>"
    return value


@pytest.mark.parametrize("path", VALID, ids=_ids(VALID))
def test_valid_sample_is_filed_as_one_case_through_the_pages(client, published_processes, path):
    sample = load_sample(path)
    result = Flow(client, path.parent.name).run(sample)
    assert result.pointers == [], result.pointers
    assert re.fullmatch(r"[A-Z]{2,5}-\d{4}-\d{6}", result.case_reference)
    case = Case.objects.get(reference=result.case_reference)
    definition = definition_for(case.process_version)
    expected = definition.prune(sample["answers"])
    assert normalise_uploads(case.answers) == normalise_uploads(expected)
    assert case.definition_sha256 == case.process_version.sha256
    assert result.draft.submitted_case_id == case.pk
    names = sorted(u.original_name for u in case.uploads.all())
    files = sorted(
        v[len("@file:") :] for v in re.findall(r'"(@file:[^"]+)"', path.read_text("utf-8"))
    )
    assert names == sorted(files)


@pytest.mark.parametrize("path", INVALID, ids=_ids(INVALID))
def test_invalid_sample_is_refused_with_the_expected_field_errors(
    client, published_processes, path
):
    sample = load_sample(path)
    result = Flow(client, path.parent.name).run(sample)
    assert result.case_reference == ""
    assert Case.objects.count() == 0
    shown = set(result.pointers) | set(result.blocked)
    for pointer in sample["expect"].get("errors", []):
        assert any(p == pointer or p.startswith(pointer + "/") for p in shown), (
            pointer,
            sorted(shown),
        )
