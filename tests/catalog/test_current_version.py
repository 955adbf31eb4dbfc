"""One answer to "which version is current": the highest published semantic version.

Publishing a 1.0.1 patch after 2.0.0 leaves 2.0.0 current for the API list. A municipality
offers its pinned version: publishing does not move it; once it moves to the current version,
the catalog, the start page and new drafts all show that one.
"""

import copy
import re

import pytest

from forms_engine.catalog.models import Activation
from forms_engine.catalog.selectors import current_version, current_versions
from forms_engine.catalog.services import (
    activation_upgrade,
    process_version_create_draft,
    process_version_publish,
)
from forms_engine.citizen.models import Draft

pytestmark = pytest.mark.django_db

HST = "hundesteuer-anmeldung"


def _publish(base, version: str, title: str):
    doc = copy.deepcopy(base.definition)
    doc["version"] = version
    doc["title"] = {"de": title, "en": title}
    return process_version_publish(version=process_version_create_draft(doc=doc))


@pytest.fixture
def two_then_patch(published_processes):
    """1.0.0 (shipped), then 2.0.0, then a 1.0.1 patch published last."""
    base = published_processes[HST]
    two = _publish(base, "2.0.0", "Hundesteuer Zwei")
    _publish(base, "1.0.1", "Hundesteuer Patch")
    return two


def test_a_patch_published_after_a_major_leaves_the_major_current(two_then_patch):
    process = two_then_patch.process
    assert current_version(process) == two_then_patch
    assert two_then_patch in current_versions()


def _move_musterstadt(version):
    activation = Activation.objects.get(process=version.process, municipality__slug="musterstadt")
    activation_upgrade(activation=activation, version=version)


def test_publishing_does_not_move_an_offering(client, two_then_patch):
    catalog = client.get("/").content.decode()
    assert "Hundesteuer Zwei" not in catalog
    assert "Hundesteuer Patch" not in catalog
    activation = Activation.objects.get(
        process=two_then_patch.process, municipality__slug="musterstadt"
    )
    assert activation.version == two_then_patch.process.versions.get(version="1.2.0")
    assert activation.version.version == "1.2.0"  # pinned in fixtures/demo.json


def test_api_catalog_and_start_page_agree_on_the_current_version(client, two_then_patch):
    _move_musterstadt(two_then_patch)
    items = {item["id"]: item for item in client.get("/api/processes/").json()}
    assert items[HST]["version"] == "2.0.0"
    assert items[HST]["sha256"] == two_then_patch.sha256

    catalog = client.get("/").content.decode()
    assert "Hundesteuer Zwei" in catalog
    assert "Hundesteuer Patch" not in catalog

    start = client.get(f"/leistungen/{HST}/").content.decode()
    assert "Hundesteuer Zwei" in start
    assert "Hundesteuer Patch" not in start


def test_a_new_draft_is_pinned_to_the_offered_version(client, two_then_patch):
    _move_musterstadt(two_then_patch)
    response = client.post(f"/leistungen/{HST}/", {"municipality": "musterstadt"})
    assert response.status_code == 302
    draft_id = re.search(r"/antrag/([0-9a-f-]+)/", response["Location"]).group(1)
    draft = Draft.objects.get(pk=draft_id)
    assert draft.process_version == two_then_patch
    assert draft.definition_sha256 == two_then_patch.sha256


def test_the_clerk_inbox_names_the_process_by_its_current_version(clerk_steuer, two_then_patch):
    from forms_engine.cases.selectors import inbox_processes

    assert (HST, "Hundesteuer Zwei") in inbox_processes(clerk_steuer)
