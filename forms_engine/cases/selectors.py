"""Reads of cases for the clerk side.

`access_case_for_clerk(user, case_id)` is the one door through which clerk code obtains a
case (house rule 5): a missing case, a malformed id, a case not yet in an inbox and another
authority's case all raise the same `Http404`, so nothing tells them apart.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from forms_engine.catalog.models import Activation, Authority, ProcessVersion
from forms_engine.catalog.selectors import semver_key

from .models import Case, CaseDocument, CaseNote, CaseStatusChange

INBOX_PAGE_SIZE = 25
# Above this many matches the inbox says "more than 1,000" instead of counting them all:
# the count is a bounded subquery (LIMIT), never a COUNT(*) over the authority's history.
INBOX_COUNT_CAP = 1000

# What an inbox row shows; everything else (answers JSON, pipeline fields) stays unread.
INBOX_COLUMNS = (
    "id",
    "reference",
    "status",
    "submitted_at",
    "applicant_name",
    "authority_id",
    "process_version__id",
    "process_version__title",
    "assigned_to__id",
    "assigned_to__username",
    "assigned_to__first_name",
    "assigned_to__last_name",
)


def _is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def clerk_authority_ids(user) -> list[int]:
    """Ids of the authorities whose cases `user` works (empty for anyone else)."""
    if not _is_active_user(user):
        return []
    return list(Authority.objects.filter(clerks=user).values_list("id", flat=True))


def is_clerk(user) -> bool:
    return _is_active_user(user) and Authority.objects.filter(clerks=user).exists()


def access_case_for_clerk(user, case_id) -> Case:
    """The case `case_id` if `user` is an active clerk of its authority and it is routed.

    Contract: raises `Http404` for an anonymous or inactive user, a malformed or unknown
    id, a case not yet routed to the inbox (`routed_at` is null) and another authority's
    case alike. The only way clerk code obtains a case.
    """
    if not _is_active_user(user):
        raise Http404
    try:
        pk = case_id if isinstance(case_id, uuid.UUID) else uuid.UUID(str(case_id))
    except (TypeError, ValueError, AttributeError):
        raise Http404 from None
    case = (
        Case.objects.select_related(
            "authority", "authority__municipality", "process_version", "assigned_to"
        )
        .filter(pk=pk, routed_at__isnull=False, authority__clerks=user)
        .first()
    )
    if case is None:
        raise Http404
    return case


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def inbox_cases(
    user,
    *,
    status: str | None = None,
    process: str | None = None,
    received_from: datetime.date | None = None,
    received_to: datetime.date | None = None,
    assigned: str | None = None,
    q: str | None = None,
):
    """Routed cases of the authorities `user` works, filtered, newest first.

    `process` is a process identifier, or `<publisher slug>/<identifier>` where several
    publishers use the id (as `inbox_processes` offers it); `received_from`/`received_to` are local dates
    (both inclusive) on the submission date; `assigned` is "me" or "unassigned"; `q`
    matches the reference by prefix (case-insensitive; a full reference is a prefix of
    itself) or the applicant name by substring (case-insensitive). Only the inbox columns
    are read (`INBOX_COLUMNS`); the answers JSON is never loaded.
    """
    authority_ids = clerk_authority_ids(user)
    qs = Case.objects.filter(authority_id__in=authority_ids, routed_at__isnull=False)
    if status:
        qs = qs.filter(status=status)
    if process:
        qs = qs.filter(process_version_id__in=list(_process_version_ids(process)))
    if received_from:
        qs = qs.filter(submitted_at__gte=_day_start(received_from))
    if received_to:
        qs = qs.filter(submitted_at__lt=_day_start(received_to + datetime.timedelta(days=1)))
    if assigned == "me":
        qs = qs.filter(assigned_to=user)
    elif assigned == "unassigned":
        qs = qs.filter(assigned_to__isnull=True)
    q = (q or "").strip()
    if q:
        qs = qs.filter(inbox_search_q(q))
    return (
        qs.select_related("process_version", "assigned_to")
        .only(*INBOX_COLUMNS)
        .order_by("-submitted_at", "-id")
    )


def inbox_search_q(q: str) -> Q:
    """The inbox search term as a filter: reference prefix or applicant name substring.

    Written to match the PostgreSQL indexes exactly (migration cases/0004): references are
    stored upper case (`HST-2026-000042`), so the upper-cased term is a `LIKE 'X%'` on the
    `varchar_pattern_ops` index; `icontains` is `UPPER(applicant_name::text) LIKE
    UPPER('%x%')`, the expression of the trigram index `cases_case_applicant_trgm`
    (gin_trgm_ops). Changing either lookup (e.g. `Lower`, `contains`) loses the index;
    tests/clerk/test_inbox_search_plan.py checks the plan.
    """
    return Q(reference__startswith=q.upper()) | Q(applicant_name__icontains=q)


@dataclass
class InboxPage:
    """One page of the inbox without a full count: `count` stops at `INBOX_COUNT_CAP`."""

    cases: list
    number: int
    per_page: int
    has_next: bool
    count: int
    count_capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.cases else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.cases)


def inbox_page(queryset, *, number: int = 1, per_page: int = INBOX_PAGE_SIZE) -> InboxPage:
    """Page `number` (1-based) of `queryset`: one row more than the page says if there is a
    next page, and a count bounded by `INBOX_COUNT_CAP` (a LIMITed subquery)."""
    number = max(1, int(number))
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    if number == 1 and not has_next:
        count = len(rows)
    else:
        count = queryset.order_by().values("pk")[: INBOX_COUNT_CAP + 1].count()
    return InboxPage(
        cases=rows,
        number=number,
        per_page=per_page,
        has_next=has_next,
        count=min(count, INBOX_COUNT_CAP),
        count_capped=count > INBOX_COUNT_CAP,
    )


def _process_version_ids(process: str):
    """Version ids of the process named `identifier` or `<publisher slug>/<identifier>`."""
    publisher, _, identifier = process.rpartition("/")
    qs = ProcessVersion.objects.filter(process__identifier=identifier)
    if publisher:
        qs = qs.filter(process__publisher__slug=publisher)
    return qs.values_list("id", flat=True)


def inbox_processes(user) -> list[tuple[str, str]]:
    """(filter value, title) of the processes whose cases land in `user`'s inboxes.

    The value is the process identifier; where the user's processes include several
    publishers' processes with the same id, `<publisher slug>/<identifier>`, and the title
    names the publisher."""
    authority_ids = clerk_authority_ids(user)
    processes = sorted(
        set(
            Activation.objects.filter(authority_id__in=authority_ids).values_list(
                "process_id",
                "process__identifier",
                "process__publisher__slug",
                "process__publisher__name",
            )
        ),
        key=lambda row: (row[1], row[2]),
    )
    best: dict[int, tuple] = {}
    for process_id, status, version, title in (
        ProcessVersion.objects.filter(process_id__in=[row[0] for row in processes])
        .exclude(status=ProcessVersion.Status.DRAFT)
        .values_list("process_id", "status", "version", "title")
    ):
        # The current version's title (as `catalog.selectors.current_version` picks it:
        # highest published semantic version); a process with only retired versions
        # shows its highest retired one.
        key = (status == ProcessVersion.Status.PUBLISHED, semver_key(version))
        if process_id not in best or key > best[process_id][0]:
            best[process_id] = (key, title)
    counts: dict[str, int] = {}
    for _pk, identifier, _slug, _name in processes:
        counts[identifier] = counts.get(identifier, 0) + 1
    choices = []
    for pk, identifier, slug, name in processes:
        title = best[pk][1] if pk in best else identifier
        if counts[identifier] > 1:
            choices.append((f"{slug}/{identifier}", f"{title} – {name}"))
        else:
            choices.append((identifier, title))
    return choices


def authority_clerks(authority_id: int):
    """Active users who work `authority_id`, by name (the assign select)."""
    return (
        Authority.objects.get(pk=authority_id)
        .clerks.filter(is_active=True)
        .order_by("last_name", "first_name", "username")
    )


@dataclass
class CaseDetail:
    """What the case page shows, besides the case itself."""

    casefile: CaseDocument | None
    supplements: list[CaseDocument] = field(default_factory=list)
    uploads: list = field(default_factory=list)
    status_changes: list[CaseStatusChange] = field(default_factory=list)
    notes: list[CaseNote] = field(default_factory=list)
    clerks: list = field(default_factory=list)


def case_detail(case: Case) -> CaseDetail:
    """Documents, uploads, history, notes and colleagues of a case obtained through
    `access_case_for_clerk` (the caller has checked access)."""
    documents = list(CaseDocument.objects.filter(case=case))
    casefile = next((d for d in documents if d.kind == CaseDocument.Kind.CASEFILE), None)
    return CaseDetail(
        casefile=casefile,
        supplements=[d for d in documents if d.kind != CaseDocument.Kind.CASEFILE],
        uploads=list(case.uploads.order_by("created_at", "pk")),
        status_changes=list(case.status_changes.select_related("changed_by")),
        notes=list(case.notes.select_related("author")),
        clerks=list(authority_clerks(case.authority_id)),
    )


def case_upload(case: Case, upload_id):
    """An upload attached to `case` (obtained through `access_case_for_clerk`), else 404."""
    try:
        pk = uuid.UUID(str(upload_id))
    except (TypeError, ValueError):
        raise Http404 from None
    upload = case.uploads.filter(pk=pk).first()
    if upload is None:
        raise Http404
    return upload


def case_casefile(case: Case) -> CaseDocument | None:
    return CaseDocument.objects.filter(case=case, kind=CaseDocument.Kind.CASEFILE).first()


def account_cases(bpk2: str):
    """Cases submitted with this bPK2, newest first (answers not loaded)."""
    if not bpk2:
        return []
    return list(
        Case.objects.filter(identity_bpk2=bpk2)
        .select_related("process_version__process", "municipality")
        .defer("answers", "process_version__definition")
        .order_by("-submitted_at")[:100]
    )
