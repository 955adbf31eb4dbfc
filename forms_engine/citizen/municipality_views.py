"""A municipality's own pages besides its catalog and start page (`views.py`): its legal
pages, its theme stylesheet and logo; and the responsibility finder that leads a citizen
from the shared pages to the right municipality.

Thin: the reads are `catalog.selectors` (`legal_page_for`, `responsibility_find`) and
`citizen.selectors`; the checks of colour and logo `catalog.profile`.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from forms_engine.catalog import profile
from forms_engine.catalog.exceptions import AmbiguousProcess
from forms_engine.catalog.selectors import (
    legal_page_for,
    municipality_contacts,
    responsibility_find,
)
from forms_engine.core.formatting import i18n

from . import selectors, services
from .branding import branding_for, logo_token, theme_token, version_token
from .legal import legal_html
from .views import _lang

LEGAL_TITLES = {
    "barrierefreiheit": gettext_lazy("Erklärung zur Barrierefreiheit"),
    "datenschutz": gettext_lazy("Datenschutzerklärung"),
    "impressum": gettext_lazy("Impressum"),
}

# The arbitration body for accessibility disputes under § 16 BGG (federal); Länder have
# their own bodies for their and their municipalities' websites (see the statement).
ARBITRATION = {
    "name": "Schlichtungsstelle nach dem Behindertengleichstellungsgesetz bei dem Beauftragten "
    "der Bundesregierung für die Belange von Menschen mit Behinderungen",
    "address": ("Mauerstraße 53", "10117 Berlin"),
    "email": "info@schlichtungsstelle-bgg.de",
    "url": "https://www.schlichtungsstelle-bgg.de",
}

# A year: the URL carries a version token (`?v=`) that changes with the content.
LONG_CACHE = 365 * 24 * 3600
SHORT_CACHE = 300


# --- legal pages ----------------------------------------------------------------------------


@require_safe
def municipality_legal(request, municipality_slug: str, kind: str):
    """`/<slug>/impressum/`, `/<slug>/datenschutz/`, `/<slug>/barrierefreiheit/`."""
    return legal_page(request, selectors.municipality_get(municipality_slug), kind)


def legal_page(request, municipality, kind: str):
    """The municipality's own text for `kind` in the page language (the other language's
    text, marked with its `lang`, when only that exists), a redirect to its URL when only a
    URL is set, else the generated accessibility statement or a "not provided yet" page with
    its contact. Never another municipality's text."""
    if kind not in LEGAL_TITLES:
        raise Http404
    lang = _lang()
    context = {
        "municipality": municipality,
        "site_name": municipality.name,
        "title": LEGAL_TITLES[kind],
        "kind": kind,
    }
    page = legal_page_for(municipality, kind)
    if page is not None:
        texts = {"de": page.body.strip(), "en": page.body_en.strip()}
        body_lang = lang if texts.get(lang) else ("de" if texts["de"] else "en")
        if texts[body_lang]:
            context.update(
                {
                    "body": legal_html(texts[body_lang]),
                    # Marked when it is not the page's language (WCAG 3.1.2).
                    "body_lang": body_lang if body_lang != lang else "",
                    "updated_at": page.updated_at,
                }
            )
            return render(request, "citizen/legal.html", context)
        if page.url.lower().startswith(("https://", "http://")):
            return redirect(page.url)
    context.update(_contact_context(municipality))
    if kind == "barrierefreiheit":
        context.update(
            {
                "generated_on": timezone.localdate(),
                "catalog_url": request.build_absolute_uri(
                    reverse("citizen:municipality_catalog", args=[municipality.slug])
                ),
                "arbitration": ARBITRATION,
            }
        )
        return render(request, "citizen/legal_accessibility.html", context)
    return render(request, "citizen/legal_missing.html", context)


def _contact_context(municipality) -> dict:
    brand = branding_for(municipality, _lang())
    direct = bool(brand.email or brand.phone)
    return {
        "contact": brand,
        # No e-mail or phone in the profile: its authorities' addresses instead.
        "authority_contacts": [] if direct else municipality_contacts(municipality),
    }


# --- theme and logo -------------------------------------------------------------------------


def _cacheable(request, response, etag: str, *, versioned: bool):
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, public=True, max_age=LONG_CACHE if versioned else SHORT_CACHE)
    if versioned:
        patch_cache_control(response, immutable=True)
    return get_conditional_response(request, etag=etag, response=response)


@require_safe
def municipality_theme(request, municipality_slug: str):
    """`/<slug>/theme.css`: the municipality's colour as custom properties (no inline
    styles under the CSP); cacheable, with an ETag."""
    municipality = selectors.municipality_get(municipality_slug)
    css = profile.theme_css(municipality.primary_color)
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    versioned = request.GET.get("v") == theme_token(municipality)
    return _cacheable(request, response, f'"{version_token(css)}"', versioned=versioned)


@require_safe
def municipality_logo(request, municipality_slug: str):
    """`/<slug>/logo`: the logo from storage, typed by its bytes (never by its name),
    `nosniff`, and a policy that keeps an SVG opened on its own from running anything."""
    municipality = selectors.municipality_get(municipality_slug)
    if not municipality.logo:
        raise Http404
    try:
        with municipality.logo.open("rb") as stored:
            data = stored.read(profile.LOGO_MAX_BYTES + 1)
    except (OSError, ValueError):
        raise Http404 from None
    media_type = profile.logo_media_type(data) if len(data) <= profile.LOGO_MAX_BYTES else None
    if media_type is None:
        raise Http404  # stored before the checks, or changed in storage: never served
    response = HttpResponse(data, content_type=media_type)
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Content-Disposition"] = f'inline; filename="logo{profile.LOGO_TYPES[media_type]}"'
    etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    versioned = request.GET.get("v") == logo_token(municipality)
    return _cacheable(request, response, etag, versioned=versioned)


# --- the responsibility finder --------------------------------------------------------------


@require_safe
def finder(request):
    """`/kommune-finden/?q=…[&leistung=<process id>]`: one municipality (or the one
    responsible for it) → there; several → a list to choose from; none → what to try."""
    lang = _lang()
    query = request.GET.get("q", "")
    process_id = request.GET.get("leistung", "")
    # Where several publishers use the process id, the start page passes its publisher on.
    publisher = request.GET.get(selectors.PUBLISHER_PARAMETER, "")[:100]
    process_title = ""
    if process_id:
        try:
            offer = selectors.offer_get(process_id, publisher=publisher)  # 404: offered nowhere
        except AmbiguousProcess:
            offer = selectors.offers_named(process_id)[0]  # same id: the title is the same kind
        doc = services.definition_for(offer.version).bound_doc
        process_title = i18n(doc.get("title"), lang) or offer.version.title
    result = responsibility_find(
        query=query, process_identifier=process_id, publisher=publisher or None
    )
    target = result.target if not result.code else None

    def start_url(municipality, member=None):
        url = reverse("citizen:municipality_start", args=[municipality.slug, process_id])
        params = {selectors.PUBLISHER_PARAMETER: publisher} if publisher else {}
        if member is not None:
            params["fuer"] = member.slug
        return f"{url}?{urlencode(params)}" if params else url

    if target is not None:
        if not process_id:
            return redirect("citizen:municipality_catalog", municipality_slug=target.slug)
        members = [e.municipality for e in result.entries if e.via_parent]
        member = members[0] if len(members) == 1 and len(result.entries) == 1 else None
        return redirect(start_url(target, member))
    choices = []
    for municipality in result.targets:
        served = [
            e.municipality.name
            for e in result.entries
            if e.responsible is not None
            and e.responsible.pk == municipality.pk
            and e.municipality.pk != municipality.pk
        ]
        url = (
            start_url(municipality)
            if process_id
            else reverse("citizen:municipality_catalog", args=[municipality.slug])
        )
        choices.append(
            {
                "name": municipality.name,
                "kind": municipality.get_kind_display(),
                "served": served,
                "url": url,
            }
        )
    input_error = result.code in ("empty", "too_long", "invalid")
    return render(
        request,
        "citizen/finder.html",
        {
            "site_name": _("Bürgerservice online"),
            "municipality": None,
            "process_id": process_id,
            "process_title": process_title,
            "choices": choices,
            "message": result.text(lang),
            "code": result.code,
            "finder_process": process_id,
            "finder_query": result.query if result.code != "too_long" else "",
            "finder_error": result.text(lang) if input_error else "",
            "catalog_url": reverse("citizen:catalog"),
        },
        status=400 if result.code in ("too_long", "invalid") else 200,
    )
