"""Two municipalities, each with its administrator, authority, clerk, legal page,
activation of one shared parameterised version, and one case (tests of the admin).

A municipality administrator is set up as the demo data should do it: `is_staff`, member
of the group "Kommunale Administration", listed in `Municipality.administrators`.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from forms_engine.catalog.admin_access import MUNICIPAL_ADMIN_GROUP
from forms_engine.catalog.models import Activation, Authority, LegalPage, Municipality
from forms_engine.catalog.services import process_version_create_draft, process_version_publish
from tests.clerk.conftest import file_case

EXAMPLE = Path(__file__).parents[1] / "definitions" / "examples" / "parkausweis-parameter.json"
PROCESS_ID = "parkausweis-efa"


@dataclass
class Town:
    municipality: Municipality
    authority: Authority
    clerk: object
    admin: object
    legal_page: LegalPage
    activation: Activation
    case: object


def municipal_admin(username: str, *municipalities: Municipality):
    user = get_user_model().objects.create_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=MUNICIPAL_ADMIN_GROUP))
    for municipality in municipalities:
        municipality.administrators.add(user)
    return user


def _town(version, slug: str, name: str, ars: str, fee: str) -> Town:
    municipality = Municipality.objects.create(name=name, ars=ars, slug=slug)
    authority = Authority.objects.create(
        municipality=municipality, name=f"Ordnungsamt {name}", slug="ordnungsamt"
    )
    clerk = get_user_model().objects.create_user(
        f"{slug}_clerk", first_name="Clara", last_name=f"{name}-Clerk", email=f"c@{slug}.example"
    )
    authority.clerks.add(clerk)
    admin = municipal_admin(f"{slug}_admin", municipality)
    legal_page = LegalPage.objects.create(
        municipality=municipality, kind=LegalPage.Kind.IMPRINT, body=f"Impressum {name}"
    )
    activation = Activation(
        process=version.process,
        version=version,
        municipality=municipality,
        authority=authority,
        parameter_values={"ort": name, "gebuehr": fee},
    )
    activation.full_clean()
    activation.save()
    case = file_case(
        version,
        municipality,
        {"answers": {"antrag": {"zone": "a", "kennzeichen": "HS-X 1"}}, "declarations": []},
        applicant_name=f"Antragsteller {name}",
    )
    return Town(municipality, authority, clerk, admin, legal_page, activation, case)


@pytest.fixture
def municipal_shared_version(published_processes):
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    doc["id"] = PROCESS_ID
    return process_version_publish(version=process_version_create_draft(doc=doc))


@pytest.fixture
def towns(municipal_shared_version):
    """{"a": Hafenstadt, "b": Bergdorf}."""
    return {
        "a": _town(municipal_shared_version, "hafenstadt", "Hafenstadt", "099990000201", "120.00"),
        "b": _town(municipal_shared_version, "bergdorf", "Bergdorf", "099990000202", "45.50"),
    }


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
