"""The inbox: own authority only, routed only, filters, search, pagination, counts."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from forms_engine.cases import selectors
from forms_engine.cases.models import Case
from tests.clerk.conftest import file_case, logged_in, sample

pytestmark = pytest.mark.django_db

INBOX = "/sachbearbeitung/"


def local(year, month, day, hour=12):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


@pytest.fixture
def ordnung_cases(published_processes, musterstadt, clerk_ordnung):
    """Four Ordnungsamt cases with distinct names, dates, processes, statuses, assignees."""
    park = published_processes["anwohnerparkausweis"]
    gewerbe = published_processes["gewerbeanmeldung"]
    park_data = sample("anwohnerparkausweis", "valid-ein-fahrzeug-12-monate")
    gewerbe_data = sample("gewerbeanmeldung", "valid-einzelhandel")
    return {
        "anna": file_case(
            park, musterstadt, park_data, applicant_name="Anna Schmidt",
            submitted_at=local(2026, 3, 1),
        ),
        "bernd": file_case(
            park, musterstadt, park_data, applicant_name="Bernd Schmidtke",
            submitted_at=local(2026, 3, 10), status=Case.Status.IN_PROGRESS,
            assigned_to=clerk_ordnung,
        ),
        "clara": file_case(
            gewerbe, musterstadt, gewerbe_data, applicant_name="Clara Özdemir",
            submitted_at=local(2026, 3, 20), status=Case.Status.IN_PROGRESS,
        ),
        "dirk": file_case(
            gewerbe, musterstadt, gewerbe_data, applicant_name="Dirk Weber",
            submitted_at=local(2026, 4, 2), status=Case.Status.QUERY,
            assigned_to=clerk_ordnung,
        ),
    }  # fmt: skip


def names(user, **filters):
    return [c.applicant_name.split()[0] for c in selectors.inbox_cases(user, **filters)]


def page_names(client, query=""):
    content = client.get(INBOX + query).content.decode()
    return re.findall(r"<td class=\"kern-table__cell\" data-applicant>(\w+) ", content)


def test_a_clerk_sees_only_routed_cases_of_their_authority_newest_first(
    ordnung_cases, hund_case, clerk_ordnung, published_processes, musterstadt
):
    file_case(
        published_processes["anwohnerparkausweis"],
        musterstadt,
        sample("anwohnerparkausweis", "valid-ein-fahrzeug-12-monate"),
        routed=False,
        applicant_name="Ungeroutet Noch",
    )
    assert names(clerk_ordnung) == ["Dirk", "Clara", "Bernd", "Anna"]
    content = logged_in(clerk_ordnung).get(INBOX).content.decode()
    assert hund_case.reference not in content and "Ungeroutet" not in content
    assert "4 Anträge" in content


def test_filter_by_status(ordnung_cases, clerk_ordnung):
    assert names(clerk_ordnung, status="in_progress") == ["Clara", "Bernd"]
    assert page_names(logged_in(clerk_ordnung), "?status=query") == ["Dirk"]


def test_filter_by_process(ordnung_cases, clerk_ordnung):
    assert names(clerk_ordnung, process="gewerbeanmeldung") == ["Dirk", "Clara"]
    client = logged_in(clerk_ordnung)
    assert page_names(client, "?process=anwohnerparkausweis") == ["Bernd", "Anna"]
    # A process of another authority is not even a choice: the filter is ignored.
    content = client.get(INBOX + "?process=hundesteuer-anmeldung").content.decode()
    assert 'value="hundesteuer-anmeldung"' not in content


def test_filter_by_received_dates_in_german_format_inclusive(ordnung_cases, clerk_ordnung):
    client = logged_in(clerk_ordnung)
    assert page_names(client, "?received_from=10.03.2026&received_to=20.03.2026") == [
        "Clara",
        "Bernd",
    ]
    assert page_names(client, "?received_from=21.03.2026") == ["Dirk"]
    assert page_names(client, "?received_to=01.03.2026") == ["Anna"]
    assert names(
        clerk_ordnung,
        received_from=datetime.date(2026, 3, 2),
        received_to=datetime.date(2026, 4, 1),
    ) == ["Clara", "Bernd"]


def test_a_wrong_date_is_explained_and_the_other_filters_still_apply(ordnung_cases, clerk_ordnung):
    client = logged_in(clerk_ordnung)
    content = client.get(INBOX + "?received_from=32.13.2026&status=query").content.decode()
    assert "Bitte geben Sie ein Datum im Format TT.MM.JJJJ ein." in content
    assert 'href="#f-received_from"' in content
    assert 'aria-invalid="true"' in content
    assert page_names(client, "?received_from=32.13.2026&status=query") == ["Dirk"]
    content = client.get(INBOX + "?received_from=02.04.2026&received_to=01.04.2026").content
    assert "Das Enddatum darf nicht vor dem Anfangsdatum liegen." in content.decode()


def test_filter_assigned_to_me_and_unassigned(ordnung_cases, clerk_ordnung):
    assert names(clerk_ordnung, assigned="me") == ["Dirk", "Bernd"]
    assert names(clerk_ordnung, assigned="unassigned") == ["Clara", "Anna"]
    assert page_names(logged_in(clerk_ordnung), "?assigned=me") == ["Dirk", "Bernd"]


def test_search_by_reference_exact_and_prefix_case_insensitive(ordnung_cases, clerk_ordnung):
    anna = ordnung_cases["anna"]
    assert names(clerk_ordnung, q=anna.reference) == ["Anna"]
    assert names(clerk_ordnung, q=anna.reference.lower()) == ["Anna"]
    gewerbe_prefix = ordnung_cases["clara"].reference.split("-")[0]
    assert names(clerk_ordnung, q=gewerbe_prefix.lower() + "-") == ["Dirk", "Clara"]
    # The middle of a reference is no match (prefix search, not substring).
    assert names(clerk_ordnung, q=anna.reference[3:]) == []


def test_search_by_applicant_name_substring_case_insensitive(ordnung_cases, clerk_ordnung):
    assert names(clerk_ordnung, q="schmidt") == ["Bernd", "Anna"]
    assert names(clerk_ordnung, q="SCHMIDTKE") == ["Bernd"]
    assert names(clerk_ordnung, q="  weber ") == ["Dirk"]
    client = logged_in(clerk_ordnung)
    assert page_names(client, "?q=schmidt") == ["Bernd", "Anna"]
    assert "Keine Anträge gefunden" in client.get(INBOX + "?q=niemand").content.decode()


def test_search_never_finds_another_authoritys_case(ordnung_cases, hund_case, clerk_ordnung):
    assert names(clerk_ordnung, q=hund_case.reference) == []
    assert names(clerk_ordnung, q="Mustermann") == []


def test_filters_combine(ordnung_cases, clerk_ordnung):
    assert names(
        clerk_ordnung, status="in_progress", process="gewerbeanmeldung", assigned="unassigned"
    ) == ["Clara"]


def test_an_empty_inbox_says_so(clerk_ordnung, published_processes):
    content = logged_in(clerk_ordnung).get(INBOX).content.decode()
    assert "Keine Anträge im Posteingang." in content
    assert "inbox-table" not in content


def test_a_user_without_an_authority_sees_an_empty_inbox(admin_user, ordnung_cases):
    content = logged_in(admin_user).get(INBOX).content.decode()
    assert 'id="not-a-clerk"' in content
    assert "Schmidt" not in content and "inbox-table" not in content
    assert selectors.inbox_processes(admin_user) == []


def test_pagination_25_per_page_with_previous_and_next(
    published_processes, musterstadt, clerk_steuer
):
    version = published_processes["hundesteuer-anmeldung"]
    data = sample("hundesteuer-anmeldung", "valid-normaler-hund")
    start = local(2026, 1, 1)
    for i in range(53):
        file_case(
            version,
            musterstadt,
            data,
            applicant_name=f"Person{i:02d} Test",
            submitted_at=start + datetime.timedelta(hours=i),
        )
    client = logged_in(clerk_steuer)
    first = client.get(INBOX).content.decode()
    assert first.count('scope="row"') == 25
    assert "Person52" in first and "Person28" in first and "Person27" not in first
    assert 'id="page-next"' in first and 'id="page-previous"' not in first
    assert "53 Anträge" in first
    third = client.get(INBOX + "?seite=3").content.decode()
    assert third.count('scope="row"') == 3
    assert 'id="page-next"' not in third and 'id="page-previous"' in third
    assert "angezeigt: 51 bis 53" in third
    # Filters survive paging.
    filtered = client.get(INBOX + "?q=person&seite=2").content.decode()
    assert 'href="?q=person&amp;seite=3"' in filtered
    assert client.get(INBOX + "?seite=abc").status_code == 200
    assert client.get(INBOX + "?seite=99").content.decode().count('scope="row"') == 0


def test_the_count_is_capped_instead_of_counting_everything(
    published_processes, musterstadt, clerk_steuer, monkeypatch
):
    monkeypatch.setattr(selectors, "INBOX_COUNT_CAP", 3)
    version = published_processes["hundesteuer-anmeldung"]
    data = sample("hundesteuer-anmeldung", "valid-normaler-hund")
    for _ in range(5):
        file_case(version, musterstadt, data)
    page = selectors.inbox_page(selectors.inbox_cases(clerk_steuer), per_page=2)
    assert page.count_capped and page.count == 3 and page.has_next
    content = logged_in(clerk_steuer).get(INBOX).content.decode()
    assert "Mehr als 3 Anträge" in content


def test_the_inbox_does_not_load_the_answers(ordnung_cases, clerk_ordnung):
    case = selectors.inbox_cases(clerk_ordnung)[0]
    assert "answers" in case.get_deferred_fields()


def test_the_inbox_needs_a_fixed_number_of_queries(
    ordnung_cases, clerk_ordnung, django_assert_max_num_queries
):
    client = logged_in(clerk_ordnung)
    client.get(INBOX)
    with django_assert_max_num_queries(10):
        response = client.get(INBOX + "?status=in_progress&q=schmidt")
    assert response.status_code == 200


def test_the_inbox_links_each_case_to_its_page(ordnung_cases, clerk_ordnung):
    content = logged_in(clerk_ordnung).get(INBOX).content.decode()
    for case in ordnung_cases.values():
        assert reverse("clerk:case", args=[case.pk]) in content
