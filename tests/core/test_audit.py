import uuid

import pytest
from django.contrib.auth import get_user_model

from forms_engine.core.audit import audit_log, audit_trail

pytestmark = pytest.mark.django_db


def test_entries_of_a_case_come_back_in_order_with_their_actor():
    case_id = uuid.uuid4()
    clerk = get_user_model().objects.create_user("clerk")

    audit_log(actor="system", action="pipeline.routed", case_id=case_id)
    audit_log(actor=clerk, action="case.viewed", case_id=case_id, data={"page": "detail"})
    audit_log(actor=clerk, action="case.viewed", case_id=uuid.uuid4())

    trail = audit_trail(case_id)
    assert [(e.actor_label, e.action) for e in trail] == [
        ("system", "pipeline.routed"),
        ("clerk", "case.viewed"),
    ]
    assert trail[1].actor == clerk and trail[1].data == {"page": "detail"}


def test_the_record_outlives_the_user():
    clerk = get_user_model().objects.create_user("gone")
    entry = audit_log(actor=clerk, action="case.viewed", case_id=uuid.uuid4())

    clerk.delete()
    entry.refresh_from_db()

    assert entry.actor is None and entry.actor_label == "gone"
