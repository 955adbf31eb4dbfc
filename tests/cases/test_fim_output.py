"""FIM-conformant output of a filed case (issue 11, point 2): a case of a process imported
from FIM is handed over as FIM-JSON (FIM ids as keys) or FIM-XML (elements named by FIM
ids), each validated against the schema derived from the XDatenfelder message the process
was imported from and the code lists imported with it; answers that do not fit are refused,
never sent changed."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from forms_engine.cases.fim_output import FimOutputRefused, case_fim_data
from forms_engine.catalog.models import Activation, Authority
from forms_engine.catalog.selectors import version_definition
from forms_engine.catalog.services import process_version_publish
from forms_engine.citizen.uploads import upload_store
from forms_engine.core.answer_fields import upload_spec_for
from forms_engine.studio.fim_import import fim_import
from forms_engine.transports import TransportError
from forms_engine.transports.data_formats import data_payload
from tests.cases.test_case_submit import sample, submit
from tests.conftest import substitute_files, upload_file
from tests.fim.helpers import DATA, REFERENCE
from tests.studio.fim_answers import minimal_answers

pytestmark = pytest.mark.django_db

BLAUE_KARTE = REFERENCE / "xdf2-S00000121-blaue-karte.xml"


@pytest.fixture
def fim_case(musterstadt):
    return file_fim_case(musterstadt)


def file_fim_case(musterstadt, **activation_fields):
    """A Blaue-Karte case (imported with its code lists, published, offered in Musterstadt
    with `activation_fields`), filed with uploads."""
    from django.contrib.auth import get_user_model

    from forms_engine.catalog.models import Publisher

    studio_publisher = Publisher.objects.create(name="Stadt Teststadt", slug="teststadt")
    designer = get_user_model().objects.create_user(username="designerin", is_staff=True)
    studio_publisher.designers.add(designer)
    if not BLAUE_KARTE.exists():
        pytest.skip(f"{BLAUE_KARTE} is absent (../shared/reference/fim)")
    codelists = [(p.name, p.read_bytes()) for p in sorted(DATA.glob("*.gc.xml"))]
    result = fim_import(
        xml=BLAUE_KARTE.read_bytes(), codelists=codelists, publisher=studio_publisher, by=designer
    )
    version = process_version_publish(version=result.version)
    activation = Activation(
        process=version.process,
        version=version,
        municipality=musterstadt,
        authority=Authority.objects.filter(municipality=musterstadt).first(),
        **activation_fields,
    )
    activation.full_clean()
    activation.save()
    tokens = {}

    def upload(name, pointer):
        stored, token = upload_store(
            file=upload_file(name),
            process_version=version,
            field_pointer=pointer,
            upload_spec=upload_spec_for(version_definition(version), pointer),
        )
        tokens[stored.ref] = token
        return stored.ref

    answers = substitute_files(minimal_answers(version.definition), "", upload)
    data = {"answers": answers, "declarations": []}
    return submit(version, musterstadt, data, key="fim-1", upload_owner=tokens)


def test_fim_json_has_fim_ids_as_keys_and_fits_the_source_schema(fim_case):
    data = case_fim_data(fim_case, fmt="fim-json")

    assert data.mime_type == "application/json"
    assert data.schema_uri == "https://schema.fitko.de/fim/s00000121_1.0.schema.json"
    document = json.loads(data.content)
    assert document and all(key[0] in "GF" and key[1:].isdigit() for key in document)
    # what the citizen answered is there, under the FIM ids of the source
    step = fim_case.process_version.definition["steps"][0]
    group_id = step["schema"]["x-fim"]["id"]
    assert group_id in document


def test_fim_xml_is_named_by_fim_ids_and_fits_the_source_xsd(fim_case):
    data = case_fim_data(fim_case, fmt="fim-xml")

    assert data.mime_type == "application/xml"
    root = etree.fromstring(data.content)
    assert etree.QName(root).localname == "S00000121"
    assert etree.QName(root).namespace == data.schema_uri
    assert all(etree.QName(child).localname[0] in "GF" for child in root)


def test_answers_that_do_not_fit_the_source_schema_are_refused(fim_case):
    step = fim_case.process_version.definition["steps"][0]
    first = next(iter(fim_case.answers[step["id"]]))
    fim_case.answers[step["id"]][first] = {"unerwartet": True}

    with pytest.raises(FimOutputRefused) as refused:
        case_fim_data(fim_case, fmt="fim-json")
    assert "FIM-Schema S00000121" in refused.value.message
    assert refused.value.problems
    with pytest.raises(TransportError) as error:
        data_payload(fim_case, "fim-xml")
    assert error.value.permanent


def test_a_process_not_imported_from_fim_has_no_fim_data(published_processes, musterstadt):
    case = submit(
        published_processes["hundesteuer-anmeldung"],
        musterstadt,
        sample("hundesteuer-anmeldung", "valid-normaler-hund"),
    )
    with pytest.raises(FimOutputRefused) as refused:
        case_fim_data(case, fmt="fim-json")
    assert "nicht aus FIM importiert" in refused.value.message
    # the engine's own JSON is always there
    payload = data_payload(case, "engine-json")
    assert json.loads(payload.content) == case.answers
    assert payload.schema_uri.startswith("urn:ozg-engine:process:hundesteuer-anmeldung:")


def test_an_offering_may_choose_fim_data_only_for_a_process_imported_from_fim(
    published_processes, musterstadt
):
    from django.core.exceptions import ValidationError

    activation = Activation.objects.get(
        process__identifier="hundesteuer-anmeldung", municipality=musterstadt
    )
    activation.transport = "fitconnect"
    activation.transport_options = {
        "submission_api": "https://zustelldienst.example/",
        "token_url": "https://zustelldienst.example/token",
        "client_id": "demo",
        "data_format": "fim-xml",
    }
    with pytest.raises(ValidationError) as refused:
        activation.full_clean()
    assert "nicht aus FIM importiert" in str(refused.value.message_dict["transport"])
    activation.transport_options["data_format"] = "engine-json"
    activation.full_clean()
