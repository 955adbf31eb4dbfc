"""Offer the processes of an imported bundle in municipalities, inside the import's
transaction (`bundle_import(..., after=...)`): a new offering (an Activation with the
municipality's own authority and parameter values) or, where the municipality already
offers the process and says so, a move of its offering to the new version.

Contract: `offers_apply` checks every offering like the admin does (`Activation.full_clean`,
the parameter values against the version's declarations) and that `by` administers the
municipality; the first problem raises `OfferError` (German and English), and since it runs
inside `bundle_import`'s transaction the whole import is rolled back: no process version, no
shared item, no offering stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from forms_engine.catalog.admin_access import administered_municipalities
from forms_engine.catalog.exceptions import CatalogError
from forms_engine.catalog.models import Activation, Authority, Municipality, ProcessVersion
from forms_engine.catalog.services import activation_upgrade
from forms_engine.core.audit import audit_log

from .archive import ArchiveLimits, BundleRefused
from .services import ImportResult, bundle_import

__all__ = ["Offer", "OfferError", "OfferOutcome", "bundle_import_with_offers", "offers_apply"]


class OfferError(CatalogError):
    """An offering could not be made; `bundle_import` rolls the whole import back."""


@dataclass(frozen=True)
class Offer:
    """What one municipality decided for one process version of the bundle.

    `move`: the municipality already offers the process and moves its offering to
    `version`, keeping its parameter values; otherwise a new offering with `authority_id`,
    `parameter_values` and `follow_patches`."""

    process: str
    version: str
    municipality_id: int
    move: bool = False
    authority_id: int | None = None
    parameter_values: dict = field(default_factory=dict)
    follow_patches: bool = False


@dataclass
class OfferOutcome:
    offer: Offer
    activation: Activation
    action: str  # "offered" or "moved"
    previous: str = ""  # the version offered before a move


def _fail(offer: Offer, municipality: str, message: str, message_en: str) -> OfferError:
    return OfferError(
        f"Angebot von „{offer.process}“ {offer.version} in {municipality}: {message}",
        f"Offering '{offer.process}' {offer.version} in {municipality}: {message_en}",
    )


def offers_apply(result: ImportResult, offers: Iterable[Offer], by) -> list[OfferOutcome]:
    """Make the `offers` for the versions of `result` (publisher of its bundle).

    Raises `OfferError` at the first offering that is not allowed or not valid."""
    publisher = result.plan.publisher_id
    allowed = set(administered_municipalities(by).values_list("pk", flat=True))
    outcomes: list[OfferOutcome] = []
    for offer in offers:
        municipality = Municipality.objects.filter(pk=offer.municipality_id).first()
        name = municipality.name if municipality else str(offer.municipality_id)
        if municipality is None or municipality.pk not in allowed:
            raise _fail(
                offer,
                name,
                "Sie verwalten diese Kommune nicht.",
                "You do not administer this municipality.",
            )
        version = (
            ProcessVersion.objects.select_related("process")
            .filter(
                process__publisher__slug=publisher,
                process__identifier=offer.process,
                version=offer.version,
            )
            .first()
        )
        if version is None or version.status != ProcessVersion.Status.PUBLISHED:
            raise _fail(
                offer,
                name,
                "Diese Version ist nicht veröffentlicht.",
                "This version is not published.",
            )
        existing = Activation.objects.filter(
            process=version.process, municipality=municipality
        ).first()
        if offer.move:
            if existing is None:
                raise _fail(
                    offer,
                    name,
                    "Die Kommune bietet die Verwaltungsleistung noch nicht an.",
                    "The municipality does not offer the process yet.",
                )
            previous = existing.version.version if existing.version else ""
            if existing.version_id == version.pk:
                continue
            try:
                activation_upgrade(activation=existing, version=version, by=by)
            except CatalogError as exc:
                raise _fail(offer, name, exc.message, exc.message_en) from exc
            existing.refresh_from_db()
            outcomes.append(OfferOutcome(offer, existing, "moved", previous))
            continue
        if existing is not None:
            raise _fail(
                offer,
                name,
                "Die Kommune bietet die Verwaltungsleistung schon an.",
                "The municipality already offers the process.",
            )
        authority = Authority.objects.filter(
            pk=offer.authority_id, municipality=municipality
        ).first()
        if authority is None:
            raise _fail(
                offer,
                name,
                "Bitte wählen Sie eine Behörde dieser Kommune.",
                "Please choose an authority of this municipality.",
            )
        activation = Activation(
            process=version.process,
            version=version,
            municipality=municipality,
            authority=authority,
            parameter_values=dict(offer.parameter_values),
            follow_patches=offer.follow_patches,
        )
        try:
            activation.full_clean()
        except ValidationError as exc:
            text = "; ".join(exc.messages)
            raise _fail(offer, name, text, text) from exc
        activation.save()
        audit_log(
            actor=by,
            action="library.offered",
            data={
                "process": offer.process,
                "version": offer.version,
                "municipality": municipality.slug,
                "authority": authority.slug,
            },
        )
        outcomes.append(OfferOutcome(offer, activation, "offered"))
    return outcomes


def bundle_import_with_offers(
    data: bytes,
    *,
    offers: list[Offer],
    by,
    allow_unsigned: bool = False,
    limits: ArchiveLimits | None = None,
) -> tuple[ImportResult, list[OfferOutcome]]:
    """`bundle_import` with `offers_apply` in its transaction: all or nothing.

    Raises `BundleRefused`; where an offering failed its `code` is "import_failed" and its
    `__cause__` the `OfferError`."""
    outcomes: list[OfferOutcome] = []

    def after(result: ImportResult) -> None:
        outcomes.extend(offers_apply(result, offers, by))

    try:
        result = bundle_import(
            data, by=by, allow_unsigned=allow_unsigned, limits=limits, after=after
        )
    except OfferError as exc:  # a bundle with nothing new: `after` ran outside the import
        raise BundleRefused(
            "import_failed",
            f"Der Import wurde vollständig zurückgenommen: {exc.message}",
            f"The import was rolled back completely: {exc.message_en}",
        ) from exc
    return result, outcomes
