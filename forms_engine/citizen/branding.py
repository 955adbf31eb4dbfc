"""A municipality's branding on the citizen pages: name and logo in the header, address,
contact and its own legal pages in the footer, its colour through `/<slug>/theme.css`.

`base.html` asks `{% municipality_branding as brand %}` (templatetags/citizen_branding.py):
the page's `municipality` (the draft's, the case's, the one in the path) or the one whose
own host name the request came to; none on the installation's shared pages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from forms_engine.catalog.models import Municipality

LEGAL_KINDS = ("barrierefreiheit", "datenschutz", "impressum")

# "Logo der Stadt Musterstadt": the article and kind word per kind (German genitive).
_KIND_GENITIVE = {
    Municipality.Kind.CITY: "der Stadt",
    Municipality.Kind.MUNICIPALITY: "der Gemeinde",
    Municipality.Kind.ASSOCIATION: "der Verbandsgemeinde",
    Municipality.Kind.DISTRICT: "des Landkreises",
    Municipality.Kind.STATE: "des Landes",
}
_KIND_PREFIXES = (
    "stadt",
    "gemeinde",
    "verbandsgemeinde",
    "amt",
    "samtgemeinde",
    "landkreis",
    "kreis",
    "land",
    "markt",
    "hansestadt",
)


@dataclass(frozen=True)
class Branding:
    name: str
    slug: str
    catalog_url: str
    logo_url: str
    logo_alt: str
    theme_url: str
    address_lines: tuple[str, ...]
    phone: str
    email: str
    website: str
    legal_links: tuple[tuple[str, str], ...]

    @property
    def has_contact(self) -> bool:
        return bool(self.address_lines or self.phone or self.email or self.website)

    @property
    def phone_href(self) -> str:
        return phone_href(self.phone)

    @property
    def website_label(self) -> str:
        """The website as people read it: without "https://" and the final slash."""
        return self.website.split("://", 1)[-1].rstrip("/")


def logo_alt(municipality: Municipality, lang: str) -> str:
    """ "Logo der Stadt Musterstadt" / "Logo of Musterstadt" (the name alone when it already
    says what it is, e.g. "Landkreis Musterland")."""
    name = municipality.name
    if lang == "en":
        return f"Logo of {name}"
    first = name.split(" ", 1)[0].casefold()
    genitive = _KIND_GENITIVE.get(municipality.kind)
    if genitive is None or first in _KIND_PREFIXES:
        return f"Logo: {name}"
    return f"Logo {genitive} {name}"


def version_token(text: str) -> str:
    """A short token that changes with `text` (the cache key of the theme and the logo)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def theme_token(municipality: Municipality) -> str:
    return version_token(municipality.primary_color or "")


def logo_token(municipality: Municipality) -> str:
    return version_token(municipality.logo.name or "")


def branding_for(municipality: Municipality | None, lang: str) -> Branding | None:
    """What the header and footer show of `municipality` (None: the installation's own)."""
    if municipality is None or not municipality.slug:
        return None
    slug = municipality.slug
    logo_url = ""
    if municipality.logo:
        logo_url = (
            reverse("citizen:municipality_logo", args=[slug]) + f"?v={logo_token(municipality)}"
        )
    theme_url = ""
    if municipality.primary_color:
        theme_url = (
            reverse("citizen:municipality_theme", args=[slug]) + f"?v={theme_token(municipality)}"
        )
    labels = {
        "barrierefreiheit": _("Barrierefreiheit"),
        "datenschutz": _("Datenschutz"),
        "impressum": _("Impressum"),
    }
    return Branding(
        name=municipality.name,
        slug=slug,
        catalog_url=reverse("citizen:municipality_catalog", args=[slug]),
        logo_url=logo_url,
        logo_alt=logo_alt(municipality, lang) if logo_url else "",
        theme_url=theme_url,
        address_lines=tuple(
            line.strip() for line in (municipality.address or "").splitlines() if line.strip()
        ),
        phone=municipality.phone or "",
        email=municipality.email or "",
        website=municipality.website or "",
        legal_links=tuple(
            (labels[kind], reverse("citizen:municipality_legal", args=[slug, kind]))
            for kind in LEGAL_KINDS
        ),
    )


def phone_href(phone: str) -> str:
    """`tel:` link target of a phone number as people write it ("0 12 34 / 56-78")."""
    digits = "".join(c for c in phone if c.isdigit() or c == "+")
    return f"tel:{digits}" if digits else ""
