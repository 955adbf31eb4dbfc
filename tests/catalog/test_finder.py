"""The responsibility finder's selector on its own: which municipality a postcode, place or
name means, and who offers a service there (itself, else its parent)."""

import pytest

from forms_engine.catalog.models import Municipality
from forms_engine.catalog.selectors import (
    municipalities_matching,
    place_normalize,
    responsibility_find,
)
from tests.citizen.municipalities import DOG_TAX, PROCESS_ID, create_towns, media_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _logos_in_tmp(settings, tmp_path):
    media_in(settings, tmp_path / "media")


@pytest.fixture
def towns(published_processes):
    return create_towns(logo=False)


def _slugs(municipalities) -> list[str]:
    return sorted(m.slug for m in municipalities)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("St. Augustin", "Sankt Augustin"),
        ("St.Wendel", "sankt wendel"),
        ("Müllheim", "Muellheim"),
        ("MÜLLHEIM", "müllheim"),
        ("Groß-Umstadt", "gross umstadt"),
        ("Bad  Dürkheim ", "bad duerkheim"),
        ("Müllheim", "Mu\u0308llheim"),  # decomposed umlaut
    ],
)
def test_place_names_are_compared_without_case_umlauts_or_punctuation(a, b):
    assert place_normalize(a) == place_normalize(b)


def test_a_postcode_finds_its_municipality(towns):
    assert _slugs(municipalities_matching("24103")) == ["hafenau"]
    assert _slugs(municipalities_matching("56002")) == ["talheim"]


def test_a_place_or_name_finds_its_municipality_in_any_spelling(towns):
    assert _slugs(municipalities_matching("nordstrand")) == ["hafenau"]
    assert _slugs(municipalities_matching("OBERWEILER")) == ["talheim"]
    assert _slugs(municipalities_matching("Stadt Hafenau")) == ["hafenau"]
    assert _slugs(municipalities_matching("Verbandsgemeinde Bergland")) == ["bergland"]


def test_an_address_finds_the_municipality_by_its_postcode_or_place(towns):
    assert _slugs(municipalities_matching("Hauptstraße 5, 56002 Talheim")) == ["talheim"]
    assert _slugs(municipalities_matching("Hauptstraße 5, Talheim")) == ["talheim"]


def test_a_name_beginning_finds_every_municipality_it_begins(towns):
    Municipality.objects.create(
        name="Hafenberg", ars="099990000204", slug="hafenberg", postcodes="24201"
    )

    assert _slugs(municipalities_matching("Hafen")) == ["hafenau", "hafenberg"]


def test_a_member_is_preferred_to_its_parent_that_lists_it_as_a_place(towns):
    bergland = towns["bergland"]
    bergland.places = "Bergland, Talheim, Oberweiler"
    bergland.save()

    assert _slugs(municipalities_matching("Talheim")) == ["talheim"]


def test_without_a_service_the_matches_are_the_targets(towns):
    result = responsibility_find(query="24101")

    assert result.code == "" and result.target == towns["hafenau"]


def test_a_service_is_found_at_the_municipality_that_offers_it(towns):
    result = responsibility_find(query="Nordstrand", process_identifier=PROCESS_ID)

    assert result.target == towns["hafenau"]
    assert not result.entries[0].via_parent


def test_a_service_the_member_does_not_offer_is_found_at_its_parent(towns):
    result = responsibility_find(query="Oberweiler", process_identifier=PROCESS_ID)

    assert result.target == towns["bergland"]
    assert result.entries[0].municipality == towns["talheim"]
    assert result.entries[0].via_parent


def test_several_responsible_municipalities_are_all_offered(towns):
    result = responsibility_find(query="Hafenau Talheim", process_identifier=PROCESS_ID)

    assert result.target is None
    assert _slugs(result.targets) == ["bergland", "hafenau"]


def test_a_service_offered_neither_there_nor_by_the_parent_is_said_so(towns):
    result = responsibility_find(query="Talheim", process_identifier=DOG_TAX)

    assert result.code == "not_offered" and result.targets == []
    assert "Talheim" in result.message and "Talheim" in result.message_en


def test_nothing_found_says_what_to_try(towns):
    result = responsibility_find(query="Atlantis")

    assert result.code == "not_found"
    assert "Schreibweise" in result.message and "spelling" in result.message_en
    assert "fünf Ziffern" in responsibility_find(query="2410").message


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "empty"),
        ("  ,;- ", "empty"),
        ("a" * 201, "too_long"),
        ("Tal\x00heim", "invalid"),
        ("Tal\ud800heim", "invalid"),
        (None, "empty"),
    ],
)
def test_unusable_input_gets_a_code_and_a_message_never_an_exception(towns, query, code):
    result = responsibility_find(query=query)

    assert result.code == code
    assert result.message and result.message_en
    assert result.targets == []
