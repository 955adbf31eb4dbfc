"""Two municipalities on one installation: the clerks and the administrator of one see
nothing of the other's cases on any clerk page, download or the API (issue 8).

Demo data: Stadt Musterstadt (clerk `steuer`, administrator `admin-musterstadt`) and
Verbandsgemeinde Beispieltal (clerk `vg-steuer`, administrator `admin-beispieltal`) both
offer the same shared dog-tax version. The case under test is Musterstadt's (filed through
the citizen pages, see `test_access.citizen_case`); a Beispieltal case is the positive
control for Beispieltal's own clerk.
"""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from forms_engine.catalog.models import Municipality
from tests.clerk.conftest import file_case, logged_in, sample
from tests.clerk.test_access import URL_NAMES, assert_nothing_leaks, snapshot, urls

pytestmark = pytest.mark.django_db

DOG = "hundesteuer-anmeldung"


def _user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def other_municipality_users(published_processes):
    """Beispieltal's dog-tax clerk and its municipality administrator (demo data)."""
    return {"clerk": _user("vg-steuer"), "administrator": _user("admin-beispieltal")}


@pytest.mark.parametrize("who", ["clerk", "administrator"])
@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
def test_the_other_municipality_sees_and_changes_nothing(
    citizen_case, other_municipality_users, who, index
):
    assert citizen_case.municipality.slug == "musterstadt"
    method, url, data = urls(citizen_case)[index]
    before = snapshot(citizen_case)
    response = getattr(logged_in(other_municipality_users[who]), method)(url, data)
    if URL_NAMES[index] in ("inbox", "search"):
        assert response.status_code == 200  # their own inbox, without this case
    else:
        assert response.status_code == 404
    assert_nothing_leaks(response, citizen_case)
    assert snapshot(citizen_case) == before


@pytest.mark.parametrize("who", ["clerk", "administrator"])
def test_the_api_gives_the_other_municipality_nothing(citizen_case, other_municipality_users, who):
    client = APIClient()
    client.force_login(other_municipality_users[who])
    response = client.get(f"/api/sachbearbeitung/faelle/{citizen_case.pk}/")
    assert response.status_code == 404
    assert citizen_case.reference not in response.content.decode()


def test_each_clerk_sees_their_own_municipalitys_case_only(published_processes, clerk_steuer):
    beispieltal = Municipality.objects.get(slug="beispieltal")
    version = published_processes[DOG]
    case = file_case(
        version,
        beispieltal,
        sample(DOG, "valid-normaler-hund"),
        applicant_name="Bea Beispiel",
    )
    assert case.authority.municipality == beispieltal
    own = logged_in(_user("vg-steuer")).get(f"/sachbearbeitung/faelle/{case.pk}/")
    assert own.status_code == 200 and case.reference in own.content.decode()
    foreign = logged_in(clerk_steuer).get(f"/sachbearbeitung/faelle/{case.pk}/")
    assert foreign.status_code == 404
    assert case.reference not in foreign.content.decode()
    inbox = logged_in(clerk_steuer).get("/sachbearbeitung/").content.decode()
    assert case.reference not in inbox and "Bea Beispiel" not in inbox
