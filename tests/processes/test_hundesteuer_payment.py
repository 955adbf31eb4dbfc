"""The shipped dog tax keeps payment and mandate in agreement.

The dog tax is an annual tax assessed by a Steuerbescheid: the citizen gives a SEPA mandate
for the future tax and is never sent to pay the same tax online before submitting. The fix
is a new version (1.1.0, policy "deferred", and so are the later ones); 1.0.0 stays published
and unchanged (published versions are immutable), but new drafts get the current version.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from forms_engine.cases.models import Case, PaymentStatus
from forms_engine.catalog.selectors import version_definition
from tests.citizen.flow import Flow
from tests.conftest import ANSWER_FIXTURES, load_sample

DOG = "hundesteuer-anmeldung"


def _asks_for_bank_account(fields) -> bool:
    return any(f.type == "iban" or _asks_for_bank_account(f.children or []) for f in fields)


def test_no_current_shipped_process_asks_for_a_bank_account_and_demands_payment_online(
    published_processes,
):
    for identifier, version in published_processes.items():
        definition = version_definition(version)
        fields = [f for step in definition.steps for f in step.fields()]
        if _asks_for_bank_account(fields):
            assert definition.payment_policy != "required", identifier


def test_the_current_dog_tax_is_a_new_version_and_the_old_one_is_untouched(published_processes):
    from forms_engine.catalog.models import ProcessVersion

    current = published_processes[DOG]
    assert current.version != "1.0.0"
    assert current.definition["payment"]["policy"] == "deferred"
    old = ProcessVersion.objects.get(process__identifier=DOG, version="1.0.0")
    assert old.status == ProcessVersion.Status.PUBLISHED
    assert old.definition["payment"]["policy"] == "required"


@pytest.mark.django_db
def test_a_citizen_with_a_sepa_mandate_is_not_sent_to_pay_and_is_told_the_notice_follows(
    client, published_processes, settings, upload_file
):
    # Online payment is set up (the demo stand-in), so a "required" policy would gate here.
    settings.ENABLE_DEMO_BACKENDS = True
    sample = load_sample(ANSWER_FIXTURES / DOG / "valid-listenhund-mit-lastschrift.json")
    result = Flow(client, DOG).run(sample, submit=False)
    assert result.pointers == []
    draft = result.draft
    assert draft.process_version == published_processes[DOG]

    submit_url = reverse("citizen:submit", args=[draft.pk])
    page = client.get(submit_url)
    assert page.status_code == 200, page.get("Location")
    response = client.post(submit_url, {"declaration": sample["declarations"]})
    assert response.status_code == 302

    case = Case.objects.get(
        reference=draft.__class__.objects.get(pk=draft.pk).submitted_case.reference
    )
    assert case.payment_status == PaymentStatus.INVOICE
    assert case.payment_amount == Decimal("600.00")
    assert case.answers["zahlung"]["sepa_mandat"] is True
