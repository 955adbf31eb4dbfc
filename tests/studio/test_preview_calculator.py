"""The studio preview of a calculator ends on its result page, as the citizen's run does:
the computed values and "Neu berechnen", no submit page, nothing created."""

import pytest

from forms_engine.catalog.services import process_version_create_draft
from forms_engine.citizen.models import Draft
from tests.citizen.calculator import calculator_doc

from .test_preview import _start, _step_url

pytestmark = pytest.mark.django_db


def test_a_calculator_preview_ends_on_its_result(client_for, designer, studio_publisher):
    version = process_version_create_draft(
        doc=calculator_doc(), publisher=studio_publisher, by=designer
    )
    client = client_for(designer)
    preview_id = _start(client, version)
    steps = {
        "haushalt": {"personen": "1", "mietstufe": "3"},
        "geld": {"miete": "500,00", "einkommen": "1500,00", "abzuege": "30"},
    }
    for step_id, data in steps.items():
        response = client.post(_step_url(preview_id, step_id), {**data, "_action": "next"})
        assert response.status_code == 302, response.content[:300]
    result = client.get(response["Location"])
    content = result.content.decode()
    assert result.status_code == 200
    assert "Ihr Ergebnis" in content and "213,64 €" in content
    assert f'href="{_step_url(preview_id, "haushalt")}"' in content  # Neu berechnen
    assert "/absenden/" not in content
    assert Draft.objects.count() == 0
