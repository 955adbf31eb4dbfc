"""The `fitconnect` transport end to end against the stand-in Zustelldienst (in a thread).

A case is filed through the normal service, the pipeline delivers it, and a receiver (the
SDK's SubscriberClient with the destination's private key) reads what arrived. Faults:
the stand-in answering 503, the stand-in down, and runs that die between the remote steps.
Everything is checked through the pipeline service, the stand-in's state and the pages.

Transactional tests: the pipeline must never hold a transaction during network calls,
which only a test without the surrounding test transaction can observe.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from forms_engine.cases.casefile import casefile_open
from forms_engine.cases.deliveries import delivery_events_poll
from forms_engine.cases.models import (
    Case,
    CaseDelivery,
    CaseDeliveryEvent,
    CaseDocument,
    PipelineState,
)
from forms_engine.cases.pipeline import pipeline_run
from forms_engine.cases.status import case_status_url
from forms_engine.cases.tasks import fitconnect_events_poll
from forms_engine.catalog.models import Activation
from forms_engine.citizen.uploads import upload_open
from forms_engine.transports import TransportError, registry
from forms_engine.transports.fitconnect import (
    SubscriberClient,
    decrypt,
    generate_encryption_key,
    generate_signature_key,
    make_event,
    problem,
    sha512_hex,
    validate_metadata,
)
from forms_engine.transports.fitconnect import client as sdk_client
from forms_engine.transports.fitconnect.standin import StandIn, serve_in_thread
from tests.conftest import ANSWER_FIXTURES, MUSTERSTADT_ARS

pytestmark = pytest.mark.django_db(transaction=True)

LEIKA = "99123456789000"
SERVICE = f"urn:de:fim:leika:leistung:{LEIKA}"
SECRET_ENV = "FORMS_TEST_FITCONNECT_SECRET"


class Crash(BaseException):
    """A worker dying: not an Exception, so no handler of the pipeline sees it."""


@pytest.fixture
def standin(tmp_path, settings, monkeypatch):
    """The stand-in on a free loopback port: one destination (2048-bit test keys, made
    now), a route for LeiKa + Musterstadt, a sender and a subscriber client."""
    settings.FORMS_FITCONNECT_MIN_KEY_BITS = 2048
    state = tmp_path / "standin.sqlite3"
    core = StandIn(state, key_size=2048, admin_secret="test-admin")
    server, url = serve_in_thread(core)
    encryption_private, encryption_public = generate_encryption_key(2048)
    signature_private, signature_public = generate_signature_key(2048)
    destination = core.create_destination(
        encryption_key=encryption_public,
        signature_key=signature_public,
        services=[{"identifier": SERVICE, "submissionSchemas": [], "regions": [MUSTERSTADT_ARS]}],
    )
    core.add_route(destination_id=destination, leika_key=LEIKA, ars="09999")
    sender_id, sender_secret = core.register_client(role="sender")
    subscriber_id, subscriber_secret = core.register_client(
        role="subscriber", destination_id=destination
    )
    monkeypatch.setenv(SECRET_ENV, sender_secret)
    ns = SimpleNamespace(
        core=core,
        state=state,
        url=url,
        server=server,
        destination=destination,
        sender_id=sender_id,
        encryption_private=encryption_private,
        signature_private=signature_private,
        subscriber=SubscriberClient(url, f"{url}/token", subscriber_id, subscriber_secret),
    )
    yield ns
    ns.server.shutdown()
    ns.server.server_close()


def options(standin, **extra) -> dict:
    return {
        "submission_api": standin.url,
        "token_url": f"{standin.url}/token",
        "client_id": standin.sender_id,
        "client_secret_env": SECRET_ENV,
        "leika_key": LEIKA,
        "destination_id": standin.destination,
        **extra,
    }


@pytest.fixture
def no_enqueue(monkeypatch):
    """The test runs the pipeline itself (no eager task at submit)."""
    from forms_engine.cases import tasks

    monkeypatch.setattr(tasks.case_process, "delay", lambda *args, **kwargs: None)


@pytest.fixture
def network_calls(monkeypatch):
    """Every HTTP request of the SDK, with whether a database transaction was open."""
    calls = []
    real = sdk_client.urllib_transport

    def spy(method, url, **kwargs):
        calls.append((method, url, connection.in_atomic_block))
        return real(method, url, **kwargs)

    monkeypatch.setattr(sdk_client, "urllib_transport", spy)
    return calls


def file_case(published_processes, musterstadt, standin, key="fc-1", **option_overrides):
    from tests.cases.test_casefile import submit_sample

    Activation.objects.filter(
        process__identifier="hundesteuer-anmeldung", municipality=musterstadt
    ).update(transport="fitconnect", transport_options=options(standin, **option_overrides))
    path = ANSWER_FIXTURES / "hundesteuer-anmeldung" / "valid-listenhund-mit-lastschrift.json"
    return submit_sample(published_processes, musterstadt, path, key=key)


def submissions(standin) -> list[dict]:
    with sqlite3.connect(standin.state) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM submissions")]


def submitted(standin) -> list[dict]:
    return [row for row in submissions(standin) if row["status"] != "incomplete"]


def receive(standin) -> list[dict]:
    """The receiver: every submitted submission decrypted with the destination's key."""
    received = []
    for item in standin.subscriber.submissions(standin.destination):
        answer = standin.subscriber.submission(item["submissionId"])
        metadata = json.loads(decrypt(answer["encryptedMetadata"], standin.encryption_private))
        data = decrypt(answer["encryptedData"], standin.encryption_private)
        attachments = {
            entry["attachmentId"]: decrypt(
                standin.subscriber.attachment(item["submissionId"], entry["attachmentId"]),
                standin.encryption_private,
            )
            for entry in metadata["contentStructure"]["attachments"]
        }
        received.append(
            {
                "submission_id": item["submissionId"],
                "case_id": answer["caseId"],
                "metadata": metadata,
                "data": data,
                "attachments": attachments,
            }
        )
    return received


def decide(standin, got, kind, problems=None):
    return standin.subscriber.decide(
        kind=kind,
        submission_id=got["submission_id"],
        case_id=got["case_id"],
        destination_id=standin.destination,
        signature_key=standin.signature_private,
        problems=problems,
    )


def expire_lease(case):
    CaseDelivery.objects.filter(case=case).update(
        claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )


# --- delivery --------------------------------------------------------------------------------


def test_a_case_arrives_decryptable_with_matching_hashes_valid_metadata_and_the_case_file(
    published_processes, musterstadt, standin, no_enqueue, network_calls
):
    case = file_case(published_processes, musterstadt, standin)

    done = pipeline_run(case_id=case.pk)

    assert done.pipeline_state == PipelineState.DONE, done.pipeline_error
    assert done.routed_at is not None  # the authority's clerks see it with its delivery
    delivery = CaseDelivery.objects.get(case=case)
    assert (delivery.transport, delivery.status, delivery.attempts) == (
        "fitconnect",
        "delivered",
        1,
    )
    assert delivery.state["submitted"] is True and delivery.claim_token == ""
    # Never a network call inside a database transaction.
    assert network_calls and not any(in_atomic for _, _, in_atomic in network_calls)
    assert [m for m, _, _ in network_calls].count("POST") >= 2  # token, announce

    (got,) = receive(standin)
    assert got["submission_id"] == delivery.state["submission_id"]
    metadata = got["metadata"]
    assert validate_metadata(metadata) == []
    structure = metadata["contentStructure"]
    assert structure["data"]["hash"]["content"] == sha512_hex(got["data"])
    assert json.loads(got["data"]) == case.answers
    assert structure["data"]["submissionSchema"] == {
        "schemaUri": "urn:ozg-engine:process:hundesteuer-anmeldung:"
        f"{case.process_version.version}:data",
        "mimeType": "application/json",
    }
    for entry in structure["attachments"]:
        assert entry["hash"]["content"] == sha512_hex(got["attachments"][entry["attachmentId"]])
    (form,) = [e for e in structure["attachments"] if e["purpose"] == "form"]
    casefile = CaseDocument.objects.get(case=case, kind="casefile")
    assert got["attachments"][form["attachmentId"]] == casefile_open(casefile)
    assert (form["filename"], form["mimeType"]) == (f"{case.reference}.pdf", "application/pdf")
    uploads = list(case.uploads.all())
    assert uploads
    by_name = {e["filename"]: e for e in structure["attachments"] if e["purpose"] == "attachment"}
    for upload in uploads:
        entry = by_name[upload.original_name]
        assert entry["mimeType"] == upload.media_type
        with upload_open(upload) as handle:
            assert got["attachments"][entry["attachmentId"]] == handle.read()
    assert metadata["publicServiceType"]["identifier"] == SERVICE
    assert metadata["additionalReferenceInfo"] == {
        "senderReference": case.reference,
        "applicationDate": timezone.localtime(case.submitted_at).date().isoformat(),
    }
    assert metadata["replyChannel"] == {"eMail": {"address": case.applicant_email}}


def test_without_a_destination_the_route_for_leika_and_ars_is_used(
    published_processes, musterstadt, standin, no_enqueue
):
    case = file_case(published_processes, musterstadt, standin, destination_id="")
    Activation.objects.filter(municipality=musterstadt, transport="fitconnect").update(
        transport_options={k: v for k, v in options(standin).items() if k != "destination_id"}
    )

    done = pipeline_run(case_id=case.pk)

    assert done.pipeline_state == PipelineState.DONE, done.pipeline_error
    assert CaseDelivery.objects.get(case=case).state["destination_id"] == standin.destination
    assert len(submitted(standin)) == 1


def test_a_missing_client_secret_fails_the_delivery_clearly_and_sends_nothing(
    published_processes, musterstadt, standin, no_enqueue, monkeypatch, clerk_steuer
):
    case = file_case(published_processes, musterstadt, standin)
    monkeypatch.delenv(SECRET_ENV)

    failed = pipeline_run(case_id=case.pk)

    assert failed.pipeline_state == PipelineState.FAILED
    assert SECRET_ENV in failed.pipeline_error
    delivery = CaseDelivery.objects.get(case=case)
    assert delivery.status == "failed" and SECRET_ENV in delivery.last_error
    assert submissions(standin) == []
    # The authority's clerks get the case here instead, with the failed delivery.
    page = clerk_page(failed, clerk_steuer)
    assert 'data-status="failed"' in page and SECRET_ENV in page


def test_the_secret_is_never_an_option():
    problems = registry.validate_options(
        "fitconnect",
        {
            "submission_api": "https://example.org",
            "token_url": "https://example.org/token",
            "client_id": "x",
            "client_secret": "geheim",
        },
    )
    assert problems


# --- faults ------------------------------------------------------------------------------------


def test_503_answers_are_retried_and_the_case_is_delivered_once(
    published_processes, musterstadt, standin, no_enqueue
):
    case = file_case(published_processes, musterstadt, standin)
    standin.core.inject_faults(3, 503)

    runs = 0
    while True:
        runs += 1
        try:
            done = pipeline_run(case_id=case.pk)
            break
        except TransportError as error:
            assert not error.permanent
            stored = Case.objects.get(pk=case.pk)
            assert stored.pipeline_error.startswith("vorübergehend / transient")
            assert stored.pipeline_state == PipelineState.CASEFILE
        assert runs < 10

    assert runs > 1
    assert done.pipeline_state == PipelineState.DONE
    assert len(submissions(standin)) == 1
    assert len(submitted(standin)) == 1
    assert CaseDelivery.objects.get(case=case).attempts == runs


def test_the_stand_in_down_is_transient_and_delivery_happens_when_it_returns(
    published_processes, musterstadt, standin, no_enqueue
):
    case = file_case(published_processes, musterstadt, standin)
    port = standin.server.server_port
    standin.server.shutdown()
    standin.server.server_close()

    with pytest.raises(TransportError) as raised:
        pipeline_run(case_id=case.pk)
    assert not raised.value.permanent
    assert CaseDelivery.objects.get(case=case).claim_token == ""  # the lease is released

    standin.server, _ = serve_in_thread(standin.core, port=port)
    done = pipeline_run(case_id=case.pk)

    assert done.pipeline_state == PipelineState.DONE
    assert len(submitted(standin)) == 1


def test_a_run_dying_between_announce_and_submit_is_continued_not_repeated(
    published_processes, musterstadt, standin, no_enqueue, monkeypatch
):
    case = file_case(published_processes, musterstadt, standin)
    real_upload = sdk_client.SenderClient.upload_attachment
    uploads = []

    def dying_upload(self, submission_id, attachment_id, jwe):
        real_upload(self, submission_id, attachment_id, jwe)
        uploads.append(attachment_id)
        raise Crash  # killed right after the first upload

    monkeypatch.setattr(sdk_client.SenderClient, "upload_attachment", dying_upload)
    with pytest.raises(Crash):
        pipeline_run(case_id=case.pk)
    half = CaseDelivery.objects.get(case=case)
    assert half.state["submission_id"] and not half.state.get("submit_sent")
    assert half.claim_token  # the dead run's lease
    monkeypatch.setattr(sdk_client.SenderClient, "upload_attachment", real_upload)

    # While the lease lives, another run leaves it alone (transient: retried later).
    with pytest.raises(TransportError, match="anderen Lauf"):
        pipeline_run(case_id=case.pk)
    expire_lease(case)
    done = pipeline_run(case_id=case.pk)

    assert done.pipeline_state == PipelineState.DONE, done.pipeline_error
    rows = submissions(standin)
    assert len(rows) == 1 and rows[0]["status"] != "incomplete"  # the same submission
    assert rows[0]["submission_id"] == half.state["submission_id"]
    (got,) = receive(standin)
    assert len(got["attachments"]) == len(half.state["attachments"])


def test_a_run_dying_after_the_submit_was_sent_is_recorded_without_sending_again(
    published_processes, musterstadt, standin, no_enqueue, monkeypatch
):
    case = file_case(published_processes, musterstadt, standin)
    real_submit = sdk_client.SenderClient.submit

    def submit_then_die(self, *args, **kwargs):
        real_submit(self, *args, **kwargs)
        raise Crash  # the Zustelldienst has it; the worker dies before recording it

    monkeypatch.setattr(sdk_client.SenderClient, "submit", submit_then_die)
    with pytest.raises(Crash):
        pipeline_run(case_id=case.pk)
    assert CaseDelivery.objects.get(case=case).state.get("submit_sent") is True
    assert CaseDelivery.objects.get(case=case).status == "pending"

    calls = []
    monkeypatch.setattr(
        sdk_client.SenderClient, "submit", lambda *a, **k: calls.append(a) or real_submit(*a, **k)
    )
    expire_lease(case)
    done = pipeline_run(case_id=case.pk)

    assert done.pipeline_state == PipelineState.DONE, done.pipeline_error
    assert calls == []  # asked the status, did not send again
    assert len(submitted(standin)) == 1


def test_a_submission_the_zustelldienst_lost_is_announced_anew(
    published_processes, musterstadt, standin, no_enqueue, monkeypatch
):
    case = file_case(published_processes, musterstadt, standin)

    def die(self, *args, **kwargs):
        raise Crash

    real_upload = sdk_client.SenderClient.upload_attachment
    monkeypatch.setattr(sdk_client.SenderClient, "upload_attachment", die)
    with pytest.raises(Crash):
        pipeline_run(case_id=case.pk)
    lost = CaseDelivery.objects.get(case=case).state["submission_id"]
    with sqlite3.connect(standin.state) as db:  # deleted (incomplete for more than a day)
        db.execute("DELETE FROM submissions")
    monkeypatch.setattr(sdk_client.SenderClient, "upload_attachment", real_upload)
    expire_lease(case)

    done = pipeline_run(case_id=case.pk)

    assert done.pipeline_state == PipelineState.DONE, done.pipeline_error
    state = CaseDelivery.objects.get(case=case).state
    assert state["submission_id"] != lost and state["restarts"] == 1
    assert len(submitted(standin)) == 1


# --- events ------------------------------------------------------------------------------------


@pytest.fixture
def delivered(published_processes, musterstadt, standin, no_enqueue):
    case = file_case(published_processes, musterstadt, standin)
    assert pipeline_run(case_id=case.pk).pipeline_state == PipelineState.DONE
    mail.outbox.clear()
    (got,) = receive(standin)
    return case, got


def clerk_page(case, clerk) -> str:
    client = Client()
    client.force_login(clerk)
    response = client.get(f"/sachbearbeitung/faelle/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def status_page(case) -> str:
    response = Client().get(case_status_url(case))
    assert response.status_code == 200
    return response.content.decode()


def test_an_accept_event_moves_the_case_and_both_pages_show_it(
    delivered, standin, clerk_steuer, eager_celery
):
    case, got = delivered
    decide(standin, got, "accept")

    fitconnect_events_poll()

    delivery = CaseDelivery.objects.get(case=case)
    assert delivery.outcome == "accepted"
    events = CaseDeliveryEvent.objects.filter(delivery=delivery)
    assert {e.kind for e in events} >= {"create", "submit", "accept"}
    assert all(e.verified for e in events)
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS
    change = case.status_changes.get(to_status=Case.Status.IN_PROGRESS)
    assert change.changed_by is None
    assert change.message == "Ihr Antrag wurde vom Fachverfahren angenommen."
    assert "Ihr Antrag wurde vom Fachverfahren angenommen." in status_page(case)
    page = clerk_page(case, clerk_steuer)
    assert 'data-outcome="accepted"' in page
    # The status e-mail of the change (the existing workflow e-mail).
    assert [m.to for m in mail.outbox] == [[case.applicant_email]]
    # A second poll adds nothing.
    assert delivery_events_poll().new_events == 0


def test_a_reject_event_is_shown_to_clerk_and_citizen_and_e_mailed_once(
    delivered, standin, clerk_steuer
):
    case, got = delivered
    decide(
        standin,
        got,
        "reject",
        problems=[problem("hash-mismatch", "Prüfsumme falsch", "Anlage 2 passt nicht", "data")],
    )

    fitconnect_events_poll()
    fitconnect_events_poll()

    delivery = CaseDelivery.objects.get(case=case)
    assert delivery.outcome == "rejected" and delivery.outcome_notice == "sent"
    case.refresh_from_db()
    assert case.status == Case.Status.RECEIVED  # not a decision on the application
    page = clerk_page(case, clerk_steuer)
    assert "Das Fachverfahren hat den Antrag zurückgewiesen." in page
    assert "Prüfsumme falsch: Anlage 2 passt nicht" in page
    citizen = status_page(case)
    assert "Ihr Antrag konnte nicht zugestellt werden" in citizen
    assert "Prüfsumme falsch: Anlage 2 passt nicht" in citizen
    (message,) = mail.outbox
    assert message.to == [case.applicant_email]
    assert "konnte nicht zugestellt werden" in message.subject
    assert "Prüfsumme falsch: Anlage 2 passt nicht" in message.body


def test_a_forged_accept_is_kept_as_unverified_and_changes_nothing(delivered, standin):
    case, got = delivered
    forger, _ = generate_signature_key(2048)
    forger["kid"] = standin.signature_private["kid"]  # claims the destination's key id
    token = make_event(
        kind="accept",
        submission_id=got["submission_id"],
        case_id=got["case_id"],
        issuer=standin.destination,
        private_jwk=forger,
    )
    # A Zustelldienst that let it through (the stand-in itself checks what is posted).
    with sqlite3.connect(standin.state) as db:
        db.execute(
            "INSERT INTO events (case_id, submission_id, token) VALUES (?, ?, ?)",
            (got["case_id"], got["submission_id"], token),
        )

    delivery_events_poll()

    delivery = CaseDelivery.objects.get(case=case)
    forged = CaseDeliveryEvent.objects.get(delivery=delivery, token=token)
    assert forged.verified is False and forged.kind == "accept"
    assert delivery.outcome == ""
    case.refresh_from_db()
    assert case.status == Case.Status.RECEIVED


def test_a_run_that_lost_its_lease_stops_before_sending_more(
    published_processes, musterstadt, standin, no_enqueue, monkeypatch
):
    case = file_case(published_processes, musterstadt, standin)
    real_upload = sdk_client.SenderClient.upload_attachment

    def taken_over(self, *args, **kwargs):
        real_upload(self, *args, **kwargs)
        # Meanwhile the lease ran out and another run claimed the delivery.
        CaseDelivery.objects.filter(case=case).update(claim_token="another-run")

    monkeypatch.setattr(sdk_client.SenderClient, "upload_attachment", taken_over)
    with pytest.raises(TransportError, match="anderen Lauf"):
        pipeline_run(case_id=case.pk)

    delivery = CaseDelivery.objects.get(case=case)
    assert delivery.claim_token == "another-run"  # the other run's claim is left alone
    assert delivery.state.get("uploaded") == []  # the lost run recorded nothing more
    assert submitted(standin) == []


def test_the_clerk_refreshes_the_delivery_status_on_the_case_page(delivered, standin, clerk_steuer):
    case, got = delivered
    client = Client()
    client.force_login(clerk_steuer)
    assert (
        "Zustellstatus aktualisieren"
        in client.get(f"/sachbearbeitung/faelle/{case.pk}/").content.decode()
    )
    decide(standin, got, "accept")

    response = client.post(f"/sachbearbeitung/faelle/{case.pk}/zustellung/")

    assert response.status_code == 302
    assert CaseDelivery.objects.get(case=case).outcome == "accepted"
    page = client.get(f"/sachbearbeitung/faelle/{case.pk}/").content.decode()
    assert 'data-outcome="accepted"' in page and "Zustellstatus aktualisieren" not in page


def test_another_authoritys_clerk_cannot_refresh(delivered, clerk_ordnung):
    case, _ = delivered
    client = Client()
    client.force_login(clerk_ordnung)

    response = client.post(f"/sachbearbeitung/faelle/{case.pk}/zustellung/")

    assert response.status_code == 404


def test_the_payment_of_a_case_paid_online_is_valid_payment_information():
    from decimal import Decimal

    from forms_engine.transports.backends.fitconnect import FitConnectTransport
    from forms_engine.transports.fitconnect import build_metadata

    paid = SimpleNamespace(
        payment_status="PAYED",
        payment_transaction_id="tx 2026/0001",
        payment_reference="KZ-2026-0001",
        payment_method="paypal",
        payment_amount=Decimal("12.50"),
        reference="HST-2026-00001",
    )
    info = FitConnectTransport._payment(paid)
    metadata = build_metadata(  # raises if the result does not validate
        data=b"{}",
        data_mime="application/json",
        schema_uri="urn:ozg-engine:process:x:1:data",
        attachments=[],
        service_name="Hundesteuer",
        service_identifier=SERVICE,
        payment=info,
    )

    assert metadata["paymentInformation"] == {
        "transactionId": "tx-2026-0001",
        "transactionReference": "KZ-2026-0001",
        "paymentMethod": "PAYPAL",
        "status": "BOOKED",
        "grossAmount": 12.5,
    }
    assert FitConnectTransport._payment(SimpleNamespace(payment_status="invoice")) is None


def test_an_accept_signed_by_the_service_instead_of_the_destination_changes_nothing(
    delivered, standin
):
    case, got = delivered
    token = make_event(
        kind="accept",
        submission_id=got["submission_id"],
        case_id=got["case_id"],
        issuer=standin.destination,
        private_jwk=standin.core.service_key,
    )
    with sqlite3.connect(standin.state) as db:
        db.execute(
            "INSERT INTO events (case_id, submission_id, token) VALUES (?, ?, ?)",
            (got["case_id"], got["submission_id"], token),
        )

    delivery_events_poll()

    event = CaseDeliveryEvent.objects.get(token=token)
    assert event.verified is False and "destination" in event.note
    assert CaseDelivery.objects.get(case=case).outcome == ""


def test_deliveries_older_than_the_poll_window_are_not_polled(delivered, settings):
    case, _ = delivered
    settings.FORMS_FITCONNECT_POLL_DAYS = 30
    CaseDelivery.objects.filter(case=case).update(
        delivered_at=timezone.now() - datetime.timedelta(days=31)
    )

    assert delivery_events_poll().deliveries == 0


@pytest.mark.parametrize("fmt", ["fim-json", "fim-xml"])
def test_a_fim_process_is_delivered_as_fim_data_valid_against_its_source_schema(
    musterstadt, standin, no_enqueue, fmt
):
    from lxml import etree

    from forms_engine.cases.fim_output import case_fim_source
    from forms_engine.fim.output import (
        fim_json_schema,
        fim_validate_json,
        fim_validate_xml,
        fim_xsd,
    )
    from forms_engine.fim.xdf import parse_xdf
    from tests.cases.test_fim_output import BLAUE_KARTE, file_fim_case

    if not BLAUE_KARTE.exists():
        pytest.skip(f"{BLAUE_KARTE} is absent (../shared/reference/fim)")
    case = file_fim_case(
        musterstadt,
        transport="fitconnect",
        transport_options=options(standin, data_format=fmt),
    )

    done = pipeline_run(case_id=case.pk)

    assert done.pipeline_state == PipelineState.DONE, done.pipeline_error
    (got,) = receive(standin)
    data_entry = got["metadata"]["contentStructure"]["data"]
    assert data_entry["hash"]["content"] == sha512_hex(got["data"])
    source = parse_xdf(bytes(case_fim_source(case).source))
    if fmt == "fim-json":
        assert data_entry["submissionSchema"] == {
            "schemaUri": "https://schema.fitko.de/fim/s00000121_1.0.schema.json",
            "mimeType": "application/json",
        }
        assert fim_validate_json(json.loads(got["data"]), fim_json_schema(source)) == []
    else:
        assert data_entry["submissionSchema"]["mimeType"] == "application/xml"
        assert etree.QName(etree.fromstring(got["data"])).localname == "S00000121"
        assert fim_validate_xml(got["data"], fim_xsd(source)) == []
