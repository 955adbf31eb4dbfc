"""Plugin bindings of an activation are checked against the plugins' option schemas."""

import pytest
from django.core.exceptions import ValidationError

from forms_engine.catalog.models import Activation

pytestmark = pytest.mark.django_db


@pytest.fixture
def activation(published_processes):
    return Activation.objects.get(
        process__identifier="hundesteuer-anmeldung", municipality__slug="musterstadt"
    )


def test_the_demo_activations_are_valid(published_processes):
    for activation in Activation.objects.all():
        activation.full_clean()


def test_an_unknown_transport_is_refused_with_a_clear_message(activation):
    activation.transport = "fax"

    with pytest.raises(ValidationError) as refused:
        activation.full_clean()

    assert "fax" in str(refused.value.message_dict["transport"])


def test_payment_options_are_checked_against_the_backends_schema(activation):
    activation.payment_backend = "xbezahldienste"
    activation.payment_options = {"base_url": 42}

    with pytest.raises(ValidationError) as refused:
        activation.full_clean()

    assert "payment_backend" in refused.value.message_dict


def test_an_authority_of_another_municipality_is_refused(activation, published_processes):
    from forms_engine.catalog.models import Authority, Municipality

    other = Municipality.objects.create(name="Nachbarstadt", ars="099990000001", slug="nachbar")
    activation.authority = Authority.objects.create(
        municipality=other, name="Steueramt Nachbarstadt", slug="steueramt"
    )

    with pytest.raises(ValidationError) as refused:
        activation.full_clean()

    assert "authority" in refused.value.message_dict
