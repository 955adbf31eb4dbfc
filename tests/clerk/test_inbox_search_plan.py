"""On PostgreSQL the inbox name search is answered from its trigram index
(`cases_case_applicant_trgm`, migration cases/0004): the lookup the selector writes must
match the indexed expression UPPER(applicant_name) and its gin_trgm_ops opclass."""

import copy

import pytest
from django.db import connection

from forms_engine.cases import selectors
from tests.clerk.conftest import file_case, sample

NAMES = ["Anna Schmidt", "Bernd Kowalski", "Clara Özdemir", "Dirk Weber", "Elif Yılmaz"]


@pytest.fixture
def named_cases(published_processes, musterstadt):
    park = published_processes["anwohnerparkausweis"]
    data = sample("anwohnerparkausweis", "valid-ein-fahrzeug-12-monate")
    cases = [file_case(park, musterstadt, data, applicant_name=name) for name in NAMES]
    # An authority with a history: copies of one case under other names, so that neither the
    # authority index nor the inbox order is a cheaper way to a few matching names.
    from forms_engine.cases.models import Case

    template = Case.objects.get(pk=cases[0].pk)
    copies = []
    for i in range(3000):
        template.pk = None
        template.reference = f"APA-2026-9{i:05d}"
        template.submission_key = f"plan-{i}"
        template.applicant_name = f"Person {i:05d} Muster"
        copies.append(copy.copy(template))
    Case.objects.bulk_create(copies, batch_size=1000)
    return cases


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        # Few rows: make every other path expensive so the plan shows what *can* be used.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("ANALYZE cases_case")
    return queryset.explain()


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram index: PostgreSQL only"),
]


@pytest.mark.parametrize("term", ["kowals", "ÖZDEM", "Elif Yıl"])
def test_the_inbox_search_term_is_answered_from_the_trigram_index(named_cases, term):
    from forms_engine.cases.models import Case

    matching = Case.objects.filter(selectors.inbox_search_q(term))
    assert [c.applicant_name for c in matching] == [n for n in NAMES if term.upper() in n.upper()]
    plan = _plan(Case.objects.filter(selectors.inbox_search_q(term)).values("pk"))
    assert "cases_case_applicant_trgm" in plan, plan


def test_the_inbox_uses_the_search_filter(named_cases, clerk_ordnung):
    found = selectors.inbox_cases(clerk_ordnung, q="kowals")
    assert [c.applicant_name for c in found] == ["Bernd Kowalski"]
