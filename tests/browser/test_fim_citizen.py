"""A citizen files an imported FIM process on the real citizen pages: the Blaue Karte
(the largest reference file) imported with its code lists, published, offered by a
municipality; in Chromium the citizen starts it from the catalog, fills what is required
step by step, submits and gets a case number; the case's data are valid FIM-JSON against
the schema of the source. axe-core on every page."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from forms_engine.cases.fim_output import case_fim_data
from forms_engine.cases.models import Case
from forms_engine.catalog.models import Activation, Authority, Municipality, Publisher
from forms_engine.catalog.services import process_version_publish
from forms_engine.studio.fim_import import fim_import
from tests.fim.helpers import DATA, REFERENCE
from tests.studio.fim_answers import minimal_answers

from .conftest import assert_accessible
from .driver import BrowserFlow

BLAUE_KARTE = REFERENCE / "xdf2-S00000121-blaue-karte.xml"

pytestmark = pytest.mark.skipif(not BLAUE_KARTE.exists(), reason=f"{BLAUE_KARTE} is absent")


class MunicipalityFlow(BrowserFlow):
    """Starts from the municipality's own catalog (the process comes from another publisher,
    so its links carry that publisher)."""

    def open_catalog_and_start(self) -> None:
        page = self.page
        page.goto(f"{self.base_url}/{self.municipality_slug}/")
        self.on_page("catalog of the municipality")
        page.click(f'a[href*="/leistungen/{self.process_id}/"]')
        page.wait_for_selector("#btn-start")
        self.on_page("start")
        page.click("#btn-start")


@pytest.fixture
def offered(transactional_db):
    publisher = Publisher.objects.create(name="Land Beispiel", slug="land-beispiel")
    designer = get_user_model().objects.create_user("designerin", password="x", is_staff=True)
    publisher.designers.add(designer)
    codelists = [(p.name, p.read_bytes()) for p in sorted(DATA.glob("*.gc.xml"))]
    result = fim_import(
        xml=BLAUE_KARTE.read_bytes(), codelists=codelists, publisher=publisher, by=designer
    )
    version = process_version_publish(version=result.version)
    town, _ = Municipality.objects.get_or_create(
        slug="musterstadt", defaults={"name": "Musterstadt", "ars": "099990000000"}
    )
    authority, _ = Authority.objects.get_or_create(
        municipality=town,
        slug="auslaenderbehoerde",
        defaults={"name": "Ausländerbehörde Musterstadt"},
    )
    activation = Activation(
        process=version.process, version=version, municipality=town, authority=authority
    )
    activation.full_clean()
    activation.save()
    return version


def test_a_citizen_files_the_imported_blaue_karte_on_the_citizen_pages(offered, live_server, page):
    answers = minimal_answers(offered.definition)
    flow = MunicipalityFlow(
        page,
        live_server.url,
        offered.process.identifier,
        on_page=lambda label: assert_accessible(page, f"Blaue Karte: {label}"),
    )

    reference = flow.run({"answers": answers, "declarations": []})

    assert flow.steps_seen == [step["id"] for step in offered.definition["steps"]]
    case = Case.objects.get(reference=reference)
    assert case.process_version == offered
    data = case_fim_data(case, fmt="fim-json")
    assert data.schema_uri == "https://schema.fitko.de/fim/s00000121_1.0.schema.json"
    assert json.loads(data.content)
