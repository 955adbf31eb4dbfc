"""The settings pages: process settings, declarations, parameters (HTTP)."""

import pytest
from django.urls import reverse

from forms_engine.catalog.models import ProcessVersion
from forms_engine.catalog.services import process_version_update_draft
from forms_engine.definitions import check_definition

from .conftest import base_doc

pytestmark = pytest.mark.django_db


def _settings_post(draft, **changes):
    data = {
        "revision": str(draft.revision),
        "title_de": "Sondernutzung einer Straße",
        "title_en": "Special use of a street",
        "summary_de": "",
        "summary_en": "",
        "reference_prefix": "SNU",
        "leika": "",
        "identity_level": "none",
        "payment_policy": "none",
        "applicant_name_1": "",
        "applicant_name_2": "",
        "applicant_name_3": "",
        "applicant_email": "",
        "draft_days": "",
        "case_days": "",
        "version": "1.0.0",
    }
    data.update(changes)
    return data


def test_the_settings_page_shows_the_settings(draft, designer, client_for):
    response = client_for(designer).get(reverse("studio:settings", args=[draft.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Sondernutzung einer Straße"' in html
    assert 'id="setting-identity"' in html
    assert "Online-Ausweis" in html
