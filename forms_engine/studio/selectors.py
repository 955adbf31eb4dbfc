"""Reads for the studio's checks, diff, publish and approval pages: grouped problems and
findings with the link to their place, the diff in words by area, the version advice, and
what publishing or retiring does to open citizen drafts and municipalities' offerings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forms_engine.catalog.models import Activation, ProcessVersion, PublishApproval
from forms_engine.catalog.review import can_review, studio_publishers
from forms_engine.catalog.selectors import current_version, semver_key
from forms_engine.citizen.models import Draft
from forms_engine.definitions import (
    authoring_findings,
    check_definition,
    compile_definition,
    definition_diff,
    definition_warnings,
    publish_version_problems,
    required_bump,
    suggested_version,
    version_step,
)
from forms_engine.definitions.diff import AREAS

from .designer_tests import lang
from .editing import place_url


def safe_place_url(version: ProcessVersion, pointer: str) -> str | None:
    """The editor link for `pointer` in `version` when it is a draft (and the editor is
    installed); None otherwise (a published version is not edited in place)."""
    if version.status != ProcessVersion.Status.DRAFT:
        return None
    try:
        return place_url(version, pointer)
    except NoReverseMatch:
        return None


def _text(item) -> str:
    if lang() == "en" and getattr(item, "message_en", ""):
        return item.message_en
    return item.message


@dataclass
class Entry:
    pointer: str
    text: str
    url: str | None
    hint: str = ""
    code: str = ""


@dataclass
class Group:
    key: str
    title: str
    entries: list[Entry] = field(default_factory=list)


#: Authoring finding codes by group (docs/process-format.md, "Authoring checks").
FINDING_GROUPS = [
    (
        "barrierefreiheit",
        gettext_lazy("Barrierefreiheit"),
        (
            "format_hint_missing",
            "radio_too_many_options",
            "select_too_many_options",
            "checkboxes_too_many_options",
        ),
    ),
    (
        "verstaendlichkeit",
        gettext_lazy("Verständlichkeit"),
        ("label_too_long", "sentence_too_long", "step_too_many_fields"),
    ),
    ("englisch", gettext_lazy("Englisch"), ("english_missing",)),
    (
        "bedingungen",
        gettext_lazy("Bedingungen und Pflichtfelder"),
        (
            "conditional_required_looks_optional",
            "optional_label_on_required",
            "condition_true_when_empty",
        ),
    ),
    (
        "uploads",
        gettext_lazy("Hochladen von Dateien"),
        ("upload_size_missing", "upload_types_broad"),
    ),
]


def grouped_findings(version: ProcessVersion, findings) -> list[Group]:
    groups = {key: Group(key, str(title)) for key, title, _codes in FINDING_GROUPS}
    by_code = {code: key for key, _title, codes in FINDING_GROUPS for code in codes}
    other = Group("weitere", _("Weitere Hinweise"))
    for finding in findings:
        hint = finding.hint_en if lang() == "en" and finding.hint_en else finding.hint
        entry = Entry(
            finding.pointer,
            _text(finding),
            safe_place_url(version, finding.pointer),
            hint,
            finding.code,
        )
        groups.get(by_code.get(finding.code, ""), other).entries.append(entry)
    result = [g for g in groups.values() if g.entries]
    return result + ([other] if other.entries else [])


@dataclass
class Checks:
    problems: list[Entry]
    warnings: list[Entry]
    finding_groups: list[Group]
    findings_count: int
    version_problems: list[Entry]
    failed_tests: list = field(default_factory=list)
    tests_total: int = 0

    @property
    def total(self) -> int:
        return (
            len(self.problems)
            + len(self.warnings)
            + self.findings_count
            + len(self.version_problems)
            + len(self.failed_tests)
        )


def version_checks(version: ProcessVersion) -> Checks:
    """Everything to fix or consider before publishing `version`."""
    doc = version.definition
    problems = [
        Entry(p.pointer, _text(p), safe_place_url(version, p.pointer))
        for p in check_definition(doc)
    ]
    warnings, failed, total = [], [], 0
    if not problems:
        warnings = [
            Entry(p.pointer, _text(p), safe_place_url(version, p.pointer))
            for p in definition_warnings(doc)
        ]
        try:
            results = compile_definition(doc).run_tests()
        except Exception:  # noqa: BLE001 - shown as problems above; never a 500 here
            results = []
        failed = [r for r in results if not r.passed]
        total = len(results)
    findings = authoring_findings(doc)
    previous = current_version(version.process) if version.status == "draft" else None
    version_problems = []
    if previous is not None and previous.pk != version.pk:
        version_problems = [
            Entry(p.pointer, _text(p), safe_place_url(version, p.pointer))
            for p in publish_version_problems(previous.definition, doc)
        ]
    return Checks(
        problems=problems,
        warnings=warnings,
        finding_groups=grouped_findings(version, findings),
        findings_count=len(findings),
        version_problems=version_problems,
        failed_tests=failed,
        tests_total=total,
    )


# --- diff ----------------------------------------------------------------------------------

AREA_TITLES = {
    "step": gettext_lazy("Schritte"),
    "field": gettext_lazy("Felder"),
    "choice": gettext_lazy("Auswahlmöglichkeiten"),
    "condition": gettext_lazy("Bedingungen"),
    "fee": gettext_lazy("Gebühren"),
    "parameter": gettext_lazy("Parameter"),
    "declaration": gettext_lazy("Erklärungen"),
    "identity": gettext_lazy("Identifizierung"),
    "payment": gettext_lazy("Bezahlung"),
    "text": gettext_lazy("Texte"),
    "rule": gettext_lazy("Regeln"),
    "meta": gettext_lazy("Allgemeines"),
}
KIND_TITLES = {
    "added": gettext_lazy("hinzugefügt"),
    "removed": gettext_lazy("entfernt"),
    "changed": gettext_lazy("geändert"),
}
BUMP_TITLES = {
    "major": gettext_lazy("Hauptversion"),
    "minor": gettext_lazy("Nebenversion"),
    "patch": gettext_lazy("Korrektur"),
    "none": gettext_lazy("keine"),
}
STEP_TITLES = {
    **BUMP_TITLES,
    "same": gettext_lazy("dieselbe Nummer"),
    "older": gettext_lazy("eine niedrigere Nummer"),
    "unknown": gettext_lazy("keine gültige Nummer"),
}
_RANK = {"none": 0, "patch": 1, "minor": 2, "major": 3}


@dataclass
class DiffEntry:
    kind: str
    kind_title: str
    text: str
    bump: str
    bump_title: str
    url: str | None
    pointer: str


@dataclass
class Comparison:
    old: ProcessVersion
    new: ProcessVersion
    groups: list[tuple[str, str, list[DiffEntry]]]
    count: int
    bump: str
    step: str
    suggestion: str | None
    advice: str
    fits: bool
    version_problems: list[str]

    @property
    def bump_title(self) -> str:
        return str(BUMP_TITLES.get(self.bump, self.bump))

    @property
    def step_title(self) -> str:
        return str(STEP_TITLES.get(self.step, self.step))


def compare(old: ProcessVersion, new: ProcessVersion) -> Comparison:
    """`definition_diff(old, new)` in words by area, the version step the changes need
    against the step between the numbers, with advice."""
    changes = definition_diff(old.definition, new.definition)
    by_area: dict[str, list[DiffEntry]] = {}
    for change in changes:
        url = safe_place_url(new, change.pointer) if change.kind != "removed" else None
        by_area.setdefault(change.area, []).append(
            DiffEntry(
                change.kind,
                str(KIND_TITLES.get(change.kind, change.kind)),
                change.text(lang()),
                change.bump,
                str(BUMP_TITLES.get(change.bump, change.bump)),
                url,
                change.pointer,
            )
        )
    order = list(AREA_TITLES) + [a for a in AREAS if a not in AREA_TITLES]
    order += [a for a in by_area if a not in order]
    groups = [
        (area, str(AREA_TITLES.get(area, area)), by_area[area]) for area in order if area in by_area
    ]
    bump = required_bump(changes)
    step = version_step(old.version, new.version)
    fits = step in _RANK and _RANK[step] >= _RANK.get(bump, 0)
    suggestion = suggested_version(old.version, bump) if bump != "none" else None
    if bump == "none":
        advice = _("Keine Änderungen: es gibt nichts Neues zu veröffentlichen.")
    else:
        needed = {
            "major": _("Diese Änderungen verlangen eine neue Hauptversion: %(number)s."),
            "minor": _("Diese Änderungen verlangen mindestens eine neue Nebenversion: %(number)s."),
            "patch": _("Diese Änderungen verlangen mindestens eine neue Korrektur: %(number)s."),
        }[bump] % {"number": suggestion}
        if fits:
            advice = needed + " " + _("Die Nummer %(number)s passt.") % {"number": new.version}
        else:
            advice = (
                needed
                + " "
                + _("Der Schritt zu %(number)s (%(step)s) reicht nicht.")
                % {"number": new.version, "step": STEP_TITLES.get(step, step)}
            )
    problems = []
    if new.status == ProcessVersion.Status.DRAFT and semver_key(old.version) < semver_key(
        new.version
    ):
        problems = [_text(p) for p in publish_version_problems(old.definition, new.definition)]
    return Comparison(
        old=old,
        new=new,
        groups=groups,
        count=len(changes),
        bump=bump,
        step=step,
        suggestion=suggestion,
        advice=advice,
        fits=fits,
        version_problems=problems,
    )


def default_base(version: ProcessVersion) -> ProcessVersion | None:
    """What a version is compared with by default: the current published version (if it is
    not this one), else the version it was based on, else the next lower version."""
    current = current_version(version.process)
    if current is not None and current.pk != version.pk:
        return current
    if version.based_on_id and version.based_on.process_id == version.process_id:
        return version.based_on
    lower = [
        v
        for v in version.process.versions.exclude(pk=version.pk)
        if semver_key(v.version) < semver_key(version.version)
    ]
    return max(lower, key=lambda v: semver_key(v.version)) if lower else None


# --- what publishing does to drafts and offerings ------------------------------------------


def open_drafts_count(version: ProcessVersion, *, now=None) -> int:
    """Citizens' drafts on `version` not submitted and not past its retention
    (`retention.draft_days` after their last change, when `retention_purge` deletes them)."""
    now = now or timezone.now()
    try:
        days = int(compile_definition(version.definition).retention["draft_days"])
    except Exception:  # noqa: BLE001 - a published version compiles; be safe on odd data
        days = 30
    cutoff = now - dt.timedelta(days=days)
    return Draft.objects.filter(
        process_version=version, submitted_case__isnull=True, updated_at__gt=cutoff
    ).count()


@dataclass
class OfferingImpact:
    activation: Activation
    pinned: str
    moves: bool
    text: str


@dataclass
class Impact:
    published: list[tuple[ProcessVersion, int]]  # (published version, open drafts)
    offerings: list[OfferingImpact]

    @property
    def drafts_total(self) -> int:
        return sum(n for _v, n in self.published)


def publish_impact(version: ProcessVersion) -> Impact:
    """What publishing draft `version` does: open drafts on the published versions of the
    process finish on their version; offerings with `follow_patches` pinned to the same
    MAJOR.MINOR with a lower patch move automatically, every other stays until its
    municipality's administrator moves it."""
    published = list(
        version.process.versions.filter(status=ProcessVersion.Status.PUBLISHED).order_by("pk")
    )
    published.sort(key=lambda v: semver_key(v.version))
    rows = [(v, open_drafts_count(v)) for v in published]
    offerings = []
    activations = (
        Activation.objects.filter(process=version.process)
        .select_related("municipality", "version")
        .order_by("municipality__name")
    )
    for activation in activations:
        pinned = activation.version.version if activation.version else ""
        step = version_step(pinned, version.version) if pinned else "unknown"
        moves = bool(activation.follow_patches and step == "patch")
        if moves:
            text = _(
                "wechselt automatisch auf %(new)s (übernimmt Fehlerbehebungen), sofern seine "
                "Parameterwerte passen."
            ) % {"new": version.version}
        elif activation.follow_patches:
            text = _(
                "bleibt auf %(old)s: automatisch übernommen werden nur Fehlerbehebungen "
                "derselben Haupt- und Nebenversion; die Verwaltung der Kommune wechselt selbst."
            ) % {"old": pinned or "–"}
        else:
            text = _("bleibt auf %(old)s, bis die Verwaltung der Kommune das Angebot umstellt.") % {
                "old": pinned or "–"
            }
        offerings.append(OfferingImpact(activation, pinned, moves, text))
    return Impact(published=rows, offerings=offerings)


def retire_impact(version: ProcessVersion) -> Impact:
    """What retiring published `version` touches: its open drafts and the offerings pinned
    to it (moved to the current version where their values fit, else they stay)."""
    offerings = []
    for activation in (
        Activation.objects.filter(version=version)
        .select_related("municipality")
        .order_by("municipality__name")
    ):
        offerings.append(
            OfferingImpact(
                activation,
                version.version,
                True,
                _(
                    "wechselt auf die aktuelle Version, sofern seine Parameterwerte passen; "
                    "sonst bleibt es stehen, bis die Verwaltung der Kommune es umstellt."
                ),
            )
        )
    return Impact(published=[(version, open_drafts_count(version))], offerings=offerings)


# --- approvals -----------------------------------------------------------------------------


def open_approvals_for(user):
    """Open four-eyes requests that `user` may decide (reviewer of the publisher, not their
    own request), oldest first."""
    publishers = [p for p in studio_publishers(user) if can_review(user, p)]
    if not publishers:
        return []
    return list(
        PublishApproval.objects.filter(
            status=PublishApproval.Status.OPEN, version__process__publisher__in=publishers
        )
        .exclude(Q(requested_by=user))
        .select_related("version__process__publisher", "requested_by")
        .order_by("requested_at")
    )


def latest_approval(version: ProcessVersion) -> PublishApproval | None:
    return version.approvals.select_related("requested_by", "decided_by").order_by("-pk").first()
