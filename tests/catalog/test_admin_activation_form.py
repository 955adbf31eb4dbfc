"""The typed activation form: parameters, plugins and their options as form fields.

A third municipality (Seedorf) with its administrator adds the shared parameterised
process in two steps (process, then the form for it); invalid input is refused at the
field it concerns and nothing is saved.
"""

import pytest

from forms_engine.catalog.models import Activation, Authority, Municipality, Process
from tests.catalog.municipal_admin import logged_in, municipal_admin

pytestmark = pytest.mark.django_db

ADD = "/admin/catalog/activation/add/"


@pytest.fixture
def seedorf(municipal_shared_version):
    municipality = Municipality.objects.create(name="Seedorf", ars="099990000203", slug="seedorf")
    authority = Authority.objects.create(
        municipality=municipality, name="Ordnungsamt Seedorf", slug="ordnungsamt"
    )
    admin = municipal_admin("seedorf_admin", municipality)
    return municipality, authority, admin, municipal_shared_version


def add_url(version) -> str:
    return f"{ADD}?process={version.process_id}"


def valid_data(authority, version, /, **changes) -> dict:
    data = {
        "version": version.pk,
        "parameters_for": version.pk,
        "authority": authority.pk,
        "is_active": "on",
        "transport": "inbox",
        "payment_backend": "",
        "identity_backend": "",
        "identity_min_level": "",
        "param__ort": "Seedorf",
        "param__gebuehr": "120,50",
        "param__zonen": "d | Zone D – Hafen | Zone D – harbour\ne | Zone E",
        "param__kontakt": "parken@seedorf.example",
        "param__info": "https://seedorf.example/parken",
        "param__gueltig_ab": "2027-03-01",
        "contact_text": "Ordnungsamt, Zimmer 3",
        "contact_text_en": "",
        "available_from_0": "",
        "available_from_1": "",
        "available_until_0": "",
        "available_until_1": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def form_of(response):
    return response.context["adminform"].form


def test_adding_starts_with_the_choice_of_the_process(seedorf):
    *_, admin, version = seedorf
    client = logged_in(admin)

    step1 = client.get(ADD)
    step2 = client.get(add_url(version))

    assert step1.status_code == 200
    assert 'name="process"' in step1.content.decode()
    assert "parkausweis-efa" in step1.content.decode()
    assert step2.status_code == 200
    form = form_of(step2)
    assert [label for _, label in form.fields["version"].choices] == [
        "1.0.0 – Bewohnerparkausweis in [Name der Kommune] beantragen"
    ]
    assert "{{param:" not in step2.content.decode()


def test_a_process_without_published_version_is_refused_at_step_one(seedorf, published_processes):
    *_, admin, _version = seedorf
    unpublished = Process.objects.create(
        publisher=Process.objects.first().publisher, identifier="nur-entwurf"
    )

    response = logged_in(admin).get(f"{ADD}?process={unpublished.pk}")

    assert response.status_code == 200
    assert 'name="process"' in response.content.decode()
    assert "errornote" in response.content.decode()


def test_one_typed_field_per_declared_parameter(seedorf):
    *_, admin, version = seedorf

    form = form_of(logged_in(admin).get(add_url(version)))

    fields = form.fields
    assert fields["param__ort"].required is True  # no default: required
    assert fields["param__gebuehr"].required is False  # has a default
    assert fields["param__gebuehr"].__class__.__name__ == "DecimalField"
    assert fields["param__gebuehr"].min_value == 10 and fields["param__gebuehr"].max_value == 200
    assert fields["param__kontakt"].__class__.__name__ == "EmailField"
    assert fields["param__info"].__class__.__name__ == "URLField"
    assert fields["param__gueltig_ab"].__class__.__name__ == "DateField"
    assert fields["param__zonen"].__class__.__name__ == "OptionListField"
    assert str(fields["param__gebuehr"].initial) == "30.70"
    assert fields["municipality"].disabled  # the administrator's only municipality


def test_a_valid_form_stores_typed_values(seedorf):
    municipality, authority, admin, version = seedorf

    response = logged_in(admin).post(
        add_url(version),
        valid_data(
            authority,
            version,
            payment_backend="xbezahldienste",
            payments__xbezahldienste__base_url="https://epay.example/api/v1",
            payments__xbezahldienste__originator_id="seedorf-01",
            payments__xbezahldienste__end_point_id="parken",
            payments__xbezahldienste__client_secret_env="SEEDORF_EPAY_SECRET",
            payments__xbezahldienste__timeout="20",
            identity_min_level="basis",
        ),
    )

    assert response.status_code == 302, form_of(response).errors
    activation = Activation.objects.get(municipality=municipality)
    assert activation.version == version and activation.process == version.process
    assert activation.parameter_values == {
        "ort": "Seedorf",
        "gebuehr": "120.50",
        "zonen": [
            {"value": "d", "label": {"de": "Zone D – Hafen", "en": "Zone D – harbour"}},
            {"value": "e", "label": {"de": "Zone E"}},
        ],
        "kontakt": "parken@seedorf.example",
        "info": "https://seedorf.example/parken",
        "gueltig_ab": "2027-03-01",
    }
    assert activation.payment_options == {
        "base_url": "https://epay.example/api/v1",
        "originator_id": "seedorf-01",
        "end_point_id": "parken",
        "client_secret_env": "SEEDORF_EPAY_SECRET",
        "timeout": 20,
    }
    assert activation.identity_min_level == "basis"
    assert activation.transport_options == {}


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"param__gebuehr": "500,00"}, "param__gebuehr", "200"),
        ({"param__gebuehr": "9,99"}, "param__gebuehr", "10"),
        ({"param__gebuehr": "zehn"}, "param__gebuehr", ""),
        ({"param__ort": ""}, "param__ort", ""),
        ({"param__ort": None}, "param__ort", ""),
        ({"param__kontakt": "kein-mail"}, "param__kontakt", ""),
        ({"param__info": "ftp://seedorf.example"}, "param__info", "http"),
        ({"param__gueltig_ab": "2025-12-31"}, "param__gueltig_ab", "2026-01-01"),
        ({"param__gueltig_ab": "31.02.2027"}, "param__gueltig_ab", ""),
        ({"param__zonen": "d"}, "param__zonen", "Zeile 1"),
        ({"param__zonen": "d | Zone D\nd | Noch mal D"}, "param__zonen", "doppelt"),
        ({"transport": "fax"}, "transport", "fax"),
        ({"payment_backend": "bitcoin"}, "payment_backend", "bitcoin"),
        ({"identity_min_level": "sehr-hoch"}, "identity_min_level", "sehr-hoch"),
        ({"authority": "999999"}, "authority", ""),
        ({"version": "999999"}, "version", ""),
    ],
    ids=[
        "money-above-maximum",
        "money-below-minimum",
        "money-not-a-number",
        "required-empty",
        "required-missing",
        "email",
        "url-scheme",
        "date-before-minimum",
        "date-invalid",
        "choices-line",
        "choices-duplicate",
        "unknown-transport",
        "unknown-payment",
        "unknown-level",
        "unknown-authority",
        "unknown-version",
    ],
)
def test_invalid_input_is_refused_at_its_field_and_nothing_is_saved(seedorf, changes, field, text):
    municipality, authority, admin, version = seedorf

    response = logged_in(admin).post(add_url(version), valid_data(authority, version, **changes))

    assert response.status_code == 200
    errors = form_of(response).errors
    assert field in errors, errors
    assert text in " ".join(errors[field])
    assert not Activation.objects.filter(municipality=municipality).exists()


def test_an_undeclared_parameter_cannot_be_set(seedorf):
    municipality, authority, admin, version = seedorf

    response = logged_in(admin).post(
        add_url(version),
        valid_data(authority, version, param__rabatt="5,00", parameter_values='{"rabatt": "5"}'),
    )

    assert response.status_code == 302
    assert "rabatt" not in Activation.objects.get(municipality=municipality).parameter_values


def test_an_optional_parameter_left_empty_takes_the_default(seedorf):
    municipality, authority, admin, version = seedorf

    logged_in(admin).post(
        add_url(version), valid_data(authority, version, param__gebuehr="", param__zonen="")
    )

    values = Activation.objects.get(municipality=municipality).parameter_values
    assert "gebuehr" not in values and "zonen" not in values


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({}, "payments__xbezahldienste__base_url"),
        (
            {"payments__xbezahldienste__base_url": "epay.example"},
            "payments__xbezahldienste__base_url",
        ),
        (
            {"payments__xbezahldienste__client_id_env": "geheim passwort!"},
            "payments__xbezahldienste__client_id_env",
        ),
        ({"payments__xbezahldienste__timeout": "600"}, "payments__xbezahldienste__timeout"),
        (
            {"payments__xbezahldienste__originator_id": "x" * 40},
            "payments__xbezahldienste__originator_id",
        ),
    ],
    ids=["required-missing", "url-pattern", "env-name", "timeout-max", "id-too-long"],
)
def test_payment_options_are_validated_at_their_fields(seedorf, options, field):
    municipality, authority, admin, version = seedorf
    base = {
        "payments__xbezahldienste__base_url": "https://epay.example",
        "payments__xbezahldienste__originator_id": "seedorf-01",
        "payments__xbezahldienste__end_point_id": "parken",
    }
    if not options:
        base.pop("payments__xbezahldienste__base_url")

    response = logged_in(admin).post(
        add_url(version),
        valid_data(authority, version, payment_backend="xbezahldienste", **{**base, **options}),
    )

    assert response.status_code == 200
    assert field in form_of(response).errors, form_of(response).errors
    assert not Activation.objects.filter(municipality=municipality).exists()


def test_options_of_a_plugin_not_chosen_are_not_stored(seedorf):
    municipality, authority, admin, version = seedorf

    response = logged_in(admin).post(
        add_url(version),
        valid_data(authority, version, payments__xbezahldienste__base_url="kein-url"),
    )

    assert response.status_code == 302
    assert Activation.objects.get(municipality=municipality).payment_options == {}


def test_plugins_are_offered_by_label_and_demo_plugins_only_in_demo_mode(seedorf, settings):
    *_, admin, version = seedorf
    client = logged_in(admin)

    settings.ENABLE_DEMO_BACKENDS = False
    form = form_of(client.get(add_url(version)))
    payments = dict(form.fields["payment_backend"].choices)
    identity = dict(form.fields["identity_backend"].choices)
    settings.ENABLE_DEMO_BACKENDS = True
    demo_form = form_of(client.get(add_url(version)))

    assert dict(form.fields["transport"].choices)["inbox"].startswith("Postfach")
    assert payments["xbezahldienste"].startswith("XBezahldienste")
    assert "demo" not in payments and "bundid-stub" not in identity
    assert "demo" in dict(demo_form.fields["payment_backend"].choices)
    assert "bundid-stub" in dict(demo_form.fields["identity_backend"].choices)


def test_identity_levels_below_the_definitions_requirement_are_not_offered(
    seedorf, published_processes
):
    """A minimum only raises the definition's level (Activation.MIN_LEVELS): the form
    offers nothing below what the definition requires."""
    municipality, authority, admin, _version = seedorf
    version = published_processes["meldebescheinigung"]  # requires "hoch"
    client = logged_in(admin)

    form = form_of(client.get(f"{ADD}?process={version.process_id}"))
    response = client.post(
        f"{ADD}?process={version.process_id}",
        {
            "version": version.pk,
            "parameters_for": version.pk,
            "authority": authority.pk,
            "transport": "inbox",
            "identity_min_level": "basis",
        },
    )

    assert [value for value, _ in form.fields["identity_min_level"].choices] == ["", "hoch"]
    assert "identity_min_level" in form_of(response).errors
    assert not Activation.objects.filter(municipality=municipality).exists()


def test_the_change_form_shows_the_version_read_only_and_edits_the_values(seedorf):
    municipality, authority, admin, version = seedorf
    client = logged_in(admin)
    client.post(add_url(version), valid_data(authority, version))
    activation = Activation.objects.get(municipality=municipality)
    url = f"/admin/catalog/activation/{activation.pk}/change/"

    page = client.get(url)
    data = valid_data(authority, version, param__gebuehr="99,00")
    data.pop("parameters_for")
    response = client.post(url, {**data, "version": "999999"})

    assert "Version wechseln" in page.content.decode()
    assert "1.0.0 – Bewohnerparkausweis" in page.content.decode()
    assert "version" not in form_of(page).fields
    assert str(form_of(page).fields["param__gebuehr"].initial) == "120.50"
    assert response.status_code == 302, form_of(response).errors
    activation.refresh_from_db()
    assert activation.parameter_values["gebuehr"] == "99.00"
    assert activation.version == version


def test_choosing_another_version_asks_to_check_its_parameters(seedorf):
    municipality, authority, admin, version = seedorf

    response = logged_in(admin).post(
        add_url(version), valid_data(authority, version, parameters_for="1")
    )

    assert response.status_code == 200
    assert "andere Version" in " ".join(form_of(response).non_field_errors())
    assert not Activation.objects.filter(municipality=municipality).exists()


def test_the_process_already_offered_is_refused(seedorf):
    municipality, authority, admin, version = seedorf
    client = logged_in(admin)
    client.post(add_url(version), valid_data(authority, version))

    response = client.post(add_url(version), valid_data(authority, version))

    assert response.status_code == 200
    assert "schon an" in str(form_of(response).errors)
    assert Activation.objects.filter(municipality=municipality).count() == 1


def test_english_labels_and_messages(seedorf):
    *_, admin, version = seedorf
    client = logged_in(admin)
    client.cookies["django_language"] = "en"

    page = client.get(add_url(version), HTTP_ACCEPT_LANGUAGE="en")

    form = form_of(page)
    assert form.fields["param__gebuehr"].label == "Annual fee"
    assert "€200.00" in form.fields["param__gebuehr"].help_text
