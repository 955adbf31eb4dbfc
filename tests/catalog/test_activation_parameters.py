"""A municipality's activation carries the parameter values of the version it offers.

Two municipalities offer one shared parameterised version at different fees; each draft
keeps the values it started with, and the case keeps them too.
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from forms_engine.catalog.models import Activation, Authority, Municipality
from forms_engine.catalog.selectors import bound_definition
from forms_engine.catalog.services import process_version_create_draft, process_version_publish
from forms_engine.citizen.models import Draft
from forms_engine.citizen.selectors import draft_definition
from forms_engine.payments.services import payment_required_amount
from tests.citizen.flow import Flow

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).parents[1] / "definitions" / "examples" / "parkausweis-parameter.json"
PROCESS_ID = "parkausweis-efa"


def _municipality(slug: str, name: str, ars: str) -> tuple[Municipality, Authority]:
    municipality = Municipality.objects.create(name=name, ars=ars, slug=slug)
    authority = Authority.objects.create(
        municipality=municipality, name=f"Ordnungsamt {name}", slug="ordnungsamt"
    )
    return municipality, authority


def _activate(municipality, authority, values) -> Activation:
    from forms_engine.catalog.models import Process

    activation = Activation(
        process=Process.objects.get(identifier=PROCESS_ID),
        municipality=municipality,
        authority=authority,
        parameter_values=values,
    )
    activation.full_clean()
    activation.save()
    return activation


@pytest.fixture
def shared_version(published_processes):
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    doc["id"] = PROCESS_ID
    return process_version_publish(version=process_version_create_draft(doc=doc))


@pytest.fixture
def two_towns(shared_version):
    hafen, hafen_amt = _municipality("hafenstadt", "Hafenstadt", "099990000101")
    berg, berg_amt = _municipality("bergdorf", "Bergdorf", "099990000102")
    return {
        "hafenstadt": _activate(
            hafen,
            hafen_amt,
            {
                "ort": "Hafenstadt",
                "gebuehr": "120.00",
                "zonen": [{"value": "d", "label": {"de": "Zone D – Hafen"}}],
            },
        ),
        "bergdorf": _activate(berg, berg_amt, {"ort": "Bergdorf", "gebuehr": "45.50"}),
    }


SAMPLES = {
    "hafenstadt": {"answers": {"antrag": {"zone": "d", "kennzeichen": "HS-X 1"}}},
    "bergdorf": {"answers": {"antrag": {"zone": "a", "kennzeichen": "BD-Y 2"}}},
}


def _filled_draft(client, slug: str) -> Draft:
    result = Flow(client, PROCESS_ID, municipality_slug=slug).run(SAMPLES[slug], submit=False)
    assert result.pointers == []
    result.draft.refresh_from_db()
    return result.draft


def test_each_municipality_shows_and_charges_its_own_fee(client, two_towns):
    hafen = _filled_draft(client, "hafenstadt")
    berg = _filled_draft(client, "bergdorf")

    hafen_summary = client.get(reverse("citizen:summary", args=[hafen.pk])).content.decode()
    berg_summary = client.get(reverse("citizen:summary", args=[berg.pk])).content.decode()

    assert "120,00 €" in hafen_summary and "45,50 €" not in hafen_summary
    assert "45,50 €" in berg_summary and "120,00 €" not in berg_summary
    assert payment_required_amount(draft=hafen) == Decimal("120.00")
    assert payment_required_amount(draft=berg) == Decimal("45.50")


def test_the_case_keeps_its_municipalitys_values(client, two_towns):
    for slug, fee in (("hafenstadt", "120.00"), ("bergdorf", "45.50")):
        result = Flow(client, PROCESS_ID, municipality_slug=slug).run(SAMPLES[slug])
        assert result.case_reference, result.pointers
        case = result.draft.submitted_case

        assert case.parameter_values == two_towns[slug].parameter_values
        assert case.authority == two_towns[slug].authority
        definition = bound_definition(case.process_version, case.parameter_values)
        assert definition.fee_total(case.answers) == Decimal(fee)
        assert slug.capitalize() in definition.title["de"]


def test_a_zone_of_another_municipality_is_refused_in_this_one(client, two_towns):
    sample = {"answers": {"antrag": {"zone": "a", "kennzeichen": "HS-X 1"}}}

    result = Flow(client, PROCESS_ID, municipality_slug="hafenstadt").run(sample, submit=False)

    assert "/antrag/zone" in result.pointers


def test_changing_the_activation_later_does_not_change_an_open_draft(client, two_towns):
    draft = _filled_draft(client, "bergdorf")
    activation = two_towns["bergdorf"]
    activation.parameter_values = {"ort": "Bergdorf", "gebuehr": "99.00"}
    activation.full_clean()
    activation.save()

    draft.refresh_from_db()
    assert draft.parameter_values["gebuehr"] == "45.50"
    assert draft_definition(draft).fee_total(draft.answers) == Decimal("45.50")
    summary = client.get(reverse("citizen:summary", args=[draft.pk])).content.decode()
    assert "45,50 €" in summary and "99,00 €" not in summary
    fresh = _filled_draft(client, "bergdorf")
    assert payment_required_amount(draft=fresh) == Decimal("99.00")


@pytest.mark.parametrize(
    ("values", "pointer"),
    [
        ({"ort": "Hafenstadt", "gebuehr": "500.00"}, "/gebuehr"),
        ({"gebuehr": "40.00"}, "/ort"),
        ({"ort": "Hafenstadt", "rabatt": "5.00"}, "/rabatt"),
        ({"ort": 42}, "/ort"),
    ],
    ids=["above-maximum", "missing-required", "undeclared-name", "wrong-type"],
)
def test_parameter_values_that_do_not_fit_are_refused_with_a_clear_message(
    two_towns, values, pointer
):
    activation = two_towns["hafenstadt"]
    activation.parameter_values = values

    with pytest.raises(ValidationError) as refused:
        activation.full_clean()

    messages = refused.value.message_dict["parameter_values"]
    assert any(m.startswith(f"{pointer}:") and " / " in m for m in messages), messages


def test_parameter_values_must_be_an_object(two_towns):
    activation = two_towns["hafenstadt"]
    activation.parameter_values = ["120.00"]

    with pytest.raises(ValidationError) as refused:
        activation.full_clean()

    assert "JSON-Objekt" in str(refused.value.message_dict["parameter_values"])


def test_processes_without_parameters_keep_their_unbound_definition(published_processes):
    version = published_processes["hundesteuer-anmeldung"]

    assert bound_definition(version, {}) is bound_definition(version, None)


def test_a_single_municipalitys_start_page_shows_its_own_fee(client, shared_version):
    hafen, hafen_amt = _municipality("hafenstadt", "Hafenstadt", "099990000101")
    _activate(hafen, hafen_amt, {"ort": "Hafenstadt", "gebuehr": "120.00"})

    page = client.get(reverse("citizen:start", args=[PROCESS_ID])).content.decode()

    assert "120,00 €" in page and "Hafenstadt" in page


def test_the_admin_form_refuses_values_outside_the_limits_at_the_field(
    client, admin_user, two_towns
):
    activation = two_towns["bergdorf"]
    client.force_login(admin_user)
    url = f"/admin/catalog/activation/{activation.pk}/change/"
    data = {
        "authority": activation.authority_id,
        "is_active": "on",
        "transport": "inbox",
        "payment_backend": "",
        "param__ort": "Bergdorf",
        "param__gebuehr": "5,00",
    }

    response = client.post(url, data)

    assert response.status_code == 200
    assert "param__gebuehr" in response.context["adminform"].form.errors
    activation.refresh_from_db()
    assert activation.parameter_values["gebuehr"] == "45.50"


def test_the_catalog_shows_no_raw_parameter_references(client, two_towns):
    page = client.get(reverse("citizen:catalog")).content.decode()

    assert "Bewohnerparkausweis" in page
    assert "{{param:" not in page


def test_a_submission_without_draft_takes_the_activations_values(two_towns, shared_version):
    from forms_engine.cases.services import case_submit

    activation = two_towns["hafenstadt"]

    case = case_submit(
        process_version=shared_version,
        municipality=activation.municipality,
        answers={"antrag": {"zone": "d", "kennzeichen": "HS-X 9"}},
        declarations=[],
        submission_key="parameter-api-1",
    )

    assert case.parameter_values == activation.parameter_values
    assert case.authority == activation.authority
