"""Reads for the citizen pages: what is offered where, and a citizen's own drafts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import connections, router
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from forms_engine.catalog.exceptions import AmbiguousProcess
from forms_engine.catalog.models import (
    Activation,
    Municipality,
    Process,
    ProcessVersion,
    Publisher,
)
from forms_engine.catalog.selectors import (
    Offering,
    activation_for,
    bound_definition,
    municipality_by_slug,
    municipality_for_host,
    offered_version,
    open_offerings,
    semver_key,
    shared_identifiers,
    version_definition,
)
from forms_engine.catalog.selectors import shared_catalog as catalog_shared_catalog
from forms_engine.identity.base import LEVELS, level_label, level_satisfies

from .models import Draft
from .services import identity_required_level, session_has_draft


def draft_definition(draft: Draft):
    """The definition a draft is filled against: its pinned version's compiled definition
    with the parameter values the draft started with bound (`bind`); for a definition
    without parameters the unbound definition itself."""
    return bound_definition(draft.process_version, draft.parameter_values)


@dataclass(frozen=True)
class Offer:
    """A process as the citizen sees it: offered by `offerings` (one per municipality,
    each with its pinned version and parameter values; `catalog.selectors.Offering`).
    `version` is the highest of those versions (titles and texts of a shared catalog
    entry); a draft starts on its municipality's own version."""

    process: Process
    version: ProcessVersion
    offerings: tuple[Offering, ...]

    @property
    def municipalities(self) -> list[Municipality]:
        """The offering municipalities by name (id, name, slug and ars loaded)."""
        return sorted((o.municipality for o in self.offerings), key=lambda m: m.name)

    def offering_in(self, municipality: Municipality) -> Offering | None:
        return next((o for o in self.offerings if o.municipality.pk == municipality.pk), None)

    def activation_in(self, municipality: Municipality) -> Activation | None:
        """`municipality`'s Activation (read now, one query), or None."""
        offering = self.offering_in(municipality)
        if offering is None:
            return None
        return Activation.objects.filter(pk=offering.activation_id).first()

    def version_in(self, municipality: Municipality) -> ProcessVersion | None:
        offering = self.offering_in(municipality)
        return offering.version if offering is not None else None


def _offers_from(offerings) -> list[Offer]:
    by_process: dict[int, list[Offering]] = {}
    for offering in offerings:
        by_process.setdefault(offering.process.pk, []).append(offering)
    result = []
    for group in by_process.values():
        version = max((o.version for o in group), key=lambda v: semver_key(v.version))
        result.append(Offer(group[0].process, version, tuple(group)))
    return sorted(result, key=lambda o: (o.process.identifier, o.process.publisher.slug))


def offers(municipality: Municipality | None = None) -> list[Offer]:
    """Processes offered now (an open activation with a published pinned version), in
    `municipality` or anywhere. The shared catalog reads `shared_catalog()` instead, whose
    cost does not grow with the municipalities."""
    return _offers_from(open_offerings(municipality=municipality))


def offer_definition(offer: Offer, municipality: Municipality):
    """`municipality`'s offered version bound to its activation's parameter values."""
    offering = offer.offering_in(municipality)
    if offering is None:
        return bound_definition(offer.version, {})
    return bound_definition(offering.version, offering.parameter_values)


def offer_in(municipality: Municipality, process_id: str, *, publisher: str | None = None) -> Offer:
    """The offer of the process with id `process_id` in `municipality` (404 if that
    municipality does not offer it now). Where it offers several publishers' processes
    with this id and no `publisher` (slug) is named: `AmbiguousProcess`."""
    return _one_offer(
        process_id,
        open_offerings(
            municipality=municipality, identifier=process_id, publisher=publisher or None
        ),
    )


def _one_offer(process_id: str, offerings) -> Offer:
    found = _offers_from(offerings)
    if not found:
        raise Http404
    if len(found) > 1:
        raise AmbiguousProcess(
            process_id,
            sorted((o.process.publisher.slug, o.process.publisher.name) for o in found),
        )
    return found[0]


def request_municipality(request) -> Municipality | None:
    """The municipality whose own host name (`Municipality.host`) the request came to, or
    None; looked up once per request and kept as `request.municipality`.

    The host is Django's `request.get_host()`, i.e. checked against ALLOWED_HOSTS (a host
    not allowed there never gets here: CommonMiddleware refuses it with 400 first).
    """
    if hasattr(request, "municipality"):
        return request.municipality
    from django.core.exceptions import DisallowedHost

    try:
        host = request.get_host()
    except DisallowedHost:
        host = ""
    request.municipality = municipality_for_host(host) if host else None
    return request.municipality


def municipality_get(slug: str) -> Municipality:
    """The municipality of the path `/<slug>/`; 404 for an unknown one."""
    municipality = municipality_by_slug(slug)
    if municipality is None:
        raise Http404
    return municipality


def several_municipalities() -> bool:
    """More than one municipality in the installation: the shared pages offer the finder."""
    return Municipality.objects.count() > 1


def member_of(municipality: Municipality, slug: str) -> Municipality | None:
    """The member municipality `slug` of `municipality` (its `parent`), else None: the
    finder sends a citizen of a member to the parent's offering with `?fuer=<slug>`."""
    if not slug or len(slug) > 50:
        return None
    return Municipality.objects.filter(slug=slug, parent=municipality).first()


def offer_get(process_id: str, *, publisher: str | None = None) -> Offer:
    """The offer of the process with id `process_id` (404 if not offered anywhere).

    Only that process's open activations are read (light `Offering`s). Where several
    publishers' processes with this id are offered and no `publisher` (slug) is named,
    `AmbiguousProcess` (catalog.exceptions) names them; the start page lets the citizen
    choose.
    """
    return _one_offer(
        process_id, open_offerings(identifier=process_id, publisher=publisher or None)
    )


def offers_named(process_id: str) -> list[Offer]:
    """Every offered process with id `process_id`, one per publisher (the choice the
    start page shows when the id alone is ambiguous)."""
    return _offers_from(open_offerings(identifier=process_id))


def shared_catalog():
    """The shared catalog's entries (`catalog.selectors.shared_catalog`: aggregated in SQL,
    independent of the number of municipalities)."""
    return catalog_shared_catalog()


def start_url(
    process: Process,
    *,
    municipality: Municipality | None = None,
    shared: set[str] | None = None,
    qualified: bool = False,
) -> str:
    """The start page of `process`: the shared one, or `municipality`'s own
    (`/<slug>/leistungen/<id>/`). A process of another publisher than the installation's
    own (settings `FORMS_DEFAULT_PUBLISHER`) always carries `?herausgeber=<slug>`, so its
    link stays right when the id is used again elsewhere; the installation's own carries it
    where another publisher uses the same id (`shared`: the ids known to be shared; asked
    with one query when not given), or always with `qualified` (no query)."""
    if municipality is not None:
        url = reverse("citizen:municipality_start", args=[municipality.slug, process.identifier])
    else:
        url = reverse("citizen:start", args=[process.identifier])
    slug = process.publisher.slug
    if slug == settings.FORMS_DEFAULT_PUBLISHER[0] and not qualified:
        if shared is None:
            shared = shared_identifiers([process.identifier])
        if process.identifier not in shared:
            return url
    return url + "?" + urlencode({PUBLISHER_PARAMETER: slug})


#: The query parameter of the start page naming the publisher of an ambiguous process id.
PUBLISHER_PARAMETER = "herausgeber"


# --- may this application still be submitted? ------------------------------------------


@dataclass(frozen=True)
class SubmitEligibility:
    """The answer of `submit_eligibility`. `code` is "" when submitting may go on.

    `code`, `message`, `message_en` are those of the `SubmissionRefused` that `case_submit`
    raises (`version_retired`, `version_not_published`, `not_offered`,
    `version_not_offered`, `draft_mismatch`, `identity_level`, `calculator`). `submit_until` is set when the version is retired and the draft may
    still be submitted until then (`notice` / `notice_en` say so to the citizen).
    """

    code: str = ""
    message: str = ""
    message_en: str = ""
    submit_until: dt.datetime | None = None
    notice: str = ""
    notice_en: str = ""

    @property
    def allowed(self) -> bool:
        return not self.code

    def text(self, lang: str) -> str:
        """The refusal in `lang` ("de" or "en")."""
        return self.message_en if lang == "en" and self.message_en else self.message

    def notice_text(self, lang: str) -> str:
        return self.notice_en if lang == "en" and self.notice_en else self.notice


def _deadline(value: dt.datetime) -> tuple[str, str]:
    local = timezone.localtime(value)
    return local.strftime("%d.%m.%Y, %H:%M Uhr"), local.strftime("%d %B %Y, %H:%M")


def version_grace_notice(version: ProcessVersion, *, now=None) -> tuple[str, str]:
    """(de, en) telling the citizen that a draft's retired version may be finished until
    its `submit_until`; ("", "") for a published version or one past its grace period.

    Reads only `status` and `submit_until` (cheap enough for the step page)."""
    now = now or timezone.now()
    until = version.submit_until
    if version.status != ProcessVersion.Status.RETIRED or until is None or now >= until:
        return "", ""
    de, en = _deadline(until)
    return (
        f"Diese Version des Antrags wurde zurückgezogen. Sie können Ihren Antrag bis zum {de} "
        "abschließen und absenden.",
        f"This version of the application has been retired. You can finish and submit your "
        f"application until {en}.",
    )


def _achieved_level(identity) -> str:
    identity = identity if isinstance(identity, Mapping) else {}
    level = identity.get("level") or "none"
    return level if level in LEVELS and identity.get("bpk2") else "none"


def _draft_paid(draft) -> bool:
    # Payment attempts point at the draft (payments.PaymentTransaction.draft); read through
    # the reverse relation so this module does not import the payments app.
    return draft.payment_transactions.filter(status="PAYED", case__isnull=True).exists()


def submit_eligibility(
    *,
    process_version: ProcessVersion,
    municipality: Municipality,
    draft: Draft | None = None,
    identity: Mapping | None = None,
    now=None,
) -> SubmitEligibility:
    """May an application on `process_version` in `municipality` be submitted now?

    The one truth for the summary, submit and pay pages (checked *before* any payment
    starts) and `case_submit`. Checks, in this order:

    - the version is published; a retired one only for a `draft` started on it, until
      the `submit_until` chosen at retiring, or after that when the draft was already
      paid (a completed payment is honoured); API submissions (no draft) never;
    - the process is offered (active Activation) in `municipality`; without a draft (API)
      on the version the municipality offers now (`version_not_offered`: a municipality
      that moved on takes API submissions only on its new version);
    - the `draft`, if given, belongs to this version and municipality;
    - the identity reaches the version's `identity.level` (Schriftform: "hoch"): the
      draft's identity when a draft is given, else `identity` ({level, bpk2, …});
    - the version is no calculator (`calculator`: it shows a result and files nothing).
    """
    now = now or timezone.now()
    version = process_version
    submit_until = None
    notice = ("", "")
    if version.status == ProcessVersion.Status.RETIRED:
        in_grace = version.submit_until is not None and now < version.submit_until
        if draft is None or not (in_grace or _draft_paid(draft)):
            return SubmitEligibility(
                "version_retired",
                "Diese Version des Antrags wurde zurückgezogen. Bitte beginnen Sie den Antrag neu.",
                "This version of the application has been retired. Please start again.",
            )
        submit_until = version.submit_until
        notice = version_grace_notice(version, now=now)
    elif version.status != ProcessVersion.Status.PUBLISHED:
        return SubmitEligibility(
            "version_not_published",
            "Diese Version des Antrags ist nicht veröffentlicht.",
            "This version of the application is not published.",
        )
    activation = activation_for(version.process, municipality)
    if activation is None:
        return SubmitEligibility(
            "not_offered",
            f"Diese Leistung wird in {municipality.name} nicht online angeboten.",
            f"This service is not offered online in {municipality.name}.",
        )
    offered = offered_version(activation) if draft is None else None
    if draft is None and offered != version:
        # Without a draft (API) only the version the municipality offers now; a draft
        # finishes on the version it started with.
        hint = (
            (
                f" Angeboten wird Version {offered.version}.",
                f" It offers version {offered.version}.",
            )
            if offered is not None
            else ("", "")
        )
        return SubmitEligibility(
            "version_not_offered",
            f"{municipality.name} bietet diese Version des Antrags nicht (mehr) an.{hint[0]}",
            f"{municipality.name} does not offer this version of the application (any more)."
            f"{hint[1]}",
        )
    if draft is not None and (
        draft.process_version_id != version.pk or draft.municipality_id != municipality.pk
    ):
        return SubmitEligibility(
            "draft_mismatch",
            "Der Entwurf gehört zu einer anderen Version oder Kommune.",
            "The draft belongs to another version or municipality.",
        )
    if draft is not None:
        identity = {"level": draft.identity_level, "bpk2": draft.identity_bpk2}
    # The municipality's minimum level: the draft's snapshot, else (API) the activation's.
    minimum = draft.identity_min_level if draft is not None else activation.identity_min_level
    required = identity_required_level(version_definition(version), minimum)
    if not level_satisfies(_achieved_level(identity), required):
        return SubmitEligibility(
            "identity_level",
            "Für diesen Antrag müssen Sie sich mit dem Vertrauensniveau "
            f"„{level_label(required)}“ anmelden. Ihre Anmeldung reicht dafür nicht aus.",
            f"This application requires signing in at trust level "
            f"“{level_label(required, 'en')}”. Your sign-in is not sufficient.",
        )
    if version_definition(version).is_calculator:
        # A calculator shows its result and files nothing (docs/process-format.md).
        return SubmitEligibility(
            "calculator",
            "Dies ist ein Rechner: Er zeigt ein unverbindliches Ergebnis. Es wird kein Antrag "
            "gestellt.",
            "This is a calculator: it shows a result that is not binding. No application is "
            "submitted.",
        )
    return SubmitEligibility(submit_until=submit_until, notice=notice[0], notice_en=notice[1])


def draft_version_context(*, draft: Draft, lang: str, eligibility=None) -> dict:
    """What a draft's pages say about its version (`citizen/_version_notice.html`):
    `version_notice` (the grace period of a retired version) or `version_refusal` with
    `restart_url` (the draft can no longer be submitted). An identity refusal is left to
    the submit page, which offers the sign-in.

    Without `eligibility` (the step page) nothing is read for a published version.
    """
    if eligibility is None:
        if draft.process_version.status == ProcessVersion.Status.PUBLISHED:
            return {}
        eligibility = submit_eligibility(
            process_version=draft.process_version, municipality=draft.municipality, draft=draft
        )
    if eligibility.allowed:
        return {"version_notice": eligibility.notice_text(lang)} if eligibility.notice else {}
    if eligibility.code in ("identity_level", "calculator"):
        return {}
    return {
        "version_refusal": eligibility.text(lang),
        # Starting again in the same municipality (its path, not the shared start page).
        "restart_url": start_url(draft.process_version.process, municipality=draft.municipality),
    }


def draft_for_session(request, draft_id) -> Draft:
    """The draft if this session created or resumed it; 404 for anything else."""
    if not session_has_draft(request.session, draft_id):
        raise Http404
    draft = (
        # The definition JSON is not read per request: the compiled form is cached by sha256.
        Draft.objects.select_related("process_version__process", "municipality")
        .defer("process_version__definition")
        .filter(pk=draft_id)
        .first()
    )
    if draft is None:
        raise Http404
    return draft


# The step page is the hot path (a GET and a POST per step and citizen). Building the SQL of
# the draft query with its three joins costs the ORM about 0.4 ms per request, several times
# what SQLite needs to run it; the statement never changes, so it is built once per database.
_STEP_DRAFT_SQL: dict[str, str] = {}


# What the pages of a draft show of its municipality (name, path, branding in the header and
# footer); the step page reads them with the draft, other columns stay deferred.
_BRANDING = (
    "name",
    "slug",
    "kind",
    "logo",
    "primary_color",
    "address",
    "phone",
    "email",
    "website",
)


def _step_draft_sql(alias: str) -> str:
    sql = _STEP_DRAFT_SQL.get(alias)
    if sql is None:
        query = (
            Draft.objects.using(alias)
            .filter(pk=uuid.UUID(int=0))
            .annotate(
                **{f"step_municipality_{name}": F(f"municipality__{name}") for name in _BRANDING},
                step_version_sha256=F("process_version__sha256"),
                step_version_status=F("process_version__status"),
                step_version_submit_until=F("process_version__submit_until"),
                step_process_id=F("process_version__process_id"),
                step_process_identifier=F("process_version__process__identifier"),
                step_publisher_id=F("process_version__process__publisher_id"),
                step_publisher_slug=F("process_version__process__publisher__slug"),
            )
            .query
        )
        sql, params = query.sql_with_params()
        if len(params) != 1:  # only the primary key may be a parameter
            raise AssertionError(f"unexpected parameters in the draft query: {params!r}")
        _STEP_DRAFT_SQL[alias] = sql
    return sql


def draft_for_step(request, draft_id) -> Draft:
    """`draft_for_session` for the step page: the same access check, one prepared query.

    The draft comes with what the step page reads of its relations: `municipality` (id,
    name, slug and what its branding shows) and `process_version` (id, sha256, `process`
    with id, identifier and its `publisher`'s id and slug); their other columns are
    deferred (loaded on access, as `definition` always was).
    """
    if not session_has_draft(request.session, draft_id):
        raise Http404
    alias = router.db_for_read(Draft)
    connection = connections[alias]
    try:
        pk = Draft._meta.pk.get_db_prep_value(uuid.UUID(str(draft_id)), connection)
    except ValueError:
        raise Http404 from None
    draft = next(iter(Draft.objects.using(alias).raw(_step_draft_sql(alias), [pk])), None)
    if draft is None:
        raise Http404
    # from_db takes the values in the model's field order.
    loaded = {"id": draft.municipality_id}
    loaded.update({name: getattr(draft, f"step_municipality_{name}") for name in _BRANDING})
    fields = [f.attname for f in Municipality._meta.concrete_fields if f.attname in loaded]
    draft.municipality = Municipality.from_db(alias, fields, [loaded[f] for f in fields])
    submit_until = draft.step_version_submit_until
    if submit_until is not None and timezone.is_naive(submit_until):
        submit_until = timezone.make_aware(submit_until, dt.UTC)  # SQLite keeps UTC, naive
    # from_db takes the values in the model's field order (id, process, status, sha256, …).
    version = ProcessVersion.from_db(
        alias,
        [ProcessVersion._meta.pk.attname, "process_id", "status", "sha256", "submit_until"],
        [
            draft.process_version_id,
            draft.step_process_id,
            draft.step_version_status,
            draft.step_version_sha256,
            submit_until,
        ],
    )
    version.process = Process.from_db(
        alias,
        [Process._meta.pk.attname, "publisher_id", "identifier"],
        [draft.step_process_id, draft.step_publisher_id, draft.step_process_identifier],
    )
    version.process.publisher = Publisher.from_db(
        alias,
        [Publisher._meta.pk.attname, "slug"],
        [draft.step_publisher_id, draft.step_publisher_slug],
    )
    draft.process_version = version
    return draft


# --- the citizen account: found by bPK2 only (never by name) ------------------------


def account_drafts(bpk2: str) -> list[Draft]:
    """Open drafts signed in with this bPK2, newest first."""
    if not bpk2:
        return []
    return list(
        Draft.objects.filter(identity_bpk2=bpk2, submitted_case__isnull=True)
        .select_related("process_version__process", "municipality")
        .defer("process_version__definition")
        .order_by("-updated_at")[:100]
    )


def account_draft_get(bpk2: str, draft_id) -> Draft:
    """An open draft of this bPK2; 404 for any other."""
    if not bpk2:
        raise Http404
    draft = Draft.objects.filter(
        pk=draft_id, identity_bpk2=bpk2, submitted_case__isnull=True
    ).first()
    if draft is None:
        raise Http404
    return draft
