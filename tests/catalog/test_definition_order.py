"""The order of a definition's keys survives the database: it is the order of the fields a
citizen sees and a designer arranged (PostgreSQL's jsonb would sort them; the column is
`json` there, see core.fields.OrderedJSONField)."""

import pytest

from forms_engine.catalog.models import DraftRevision, ProcessVersion
from forms_engine.catalog.selectors import version_definition
from forms_engine.catalog.services import process_version_create_draft, process_version_publish

pytestmark = pytest.mark.django_db

NAMES = ["zweck", "name", "a", "familienname", "b_langer_name", "c"]


def _doc():
    return {
        "$schema": "urn:ozg-engine:process-format:1",
        "id": "reihenfolge",
        "version": "1.0.0",
        "title": {"de": "Reihenfolge"},
        "reference_prefix": "RF",
        "steps": [
            {
                "id": "z_schritt",
                "title": {"de": "Z"},
                "schema": {
                    "type": "object",
                    "properties": {n: {"type": "string", "title": n} for n in NAMES},
                },
            },
            {"id": "a", "title": {"de": "A"}, "schema": {"type": "object", "properties": {}}},
        ],
    }


def test_fields_keep_their_order_through_the_database():
    draft = process_version_create_draft(doc=_doc())
    stored = ProcessVersion.objects.get(pk=draft.pk)
    assert list(stored.definition["steps"][0]["schema"]["properties"]) == NAMES
    assert list(stored.definition) == list(_doc())
    revision = DraftRevision.objects.get(version=draft)
    assert list(revision.definition["steps"][0]["schema"]["properties"]) == NAMES
    published = process_version_publish(version=stored)
    fields = version_definition(ProcessVersion.objects.get(pk=published.pk)).steps[0].fields()
    assert [f.name for f in fields] == NAMES
