"""`{% municipality_branding as brand %}`: the branding of the page's municipality."""

from django import template
from django.utils.translation import get_language

from forms_engine.citizen.branding import branding_for
from forms_engine.citizen.selectors import request_municipality

register = template.Library()


def _page_municipality(context):
    """The page's municipality: `municipality` when the view names one (None: unbranded),
    else the draft's or the case's, else the one whose own host name the request came to."""
    if "municipality" in context:
        return context["municipality"]
    for holder in ("draft", "case"):
        owner = context.get(holder)
        if owner is not None and getattr(owner, "municipality_id", None):
            return owner.municipality
    request = context.get("request")
    return request_municipality(request) if request is not None else None


@register.simple_tag(takes_context=True)
def municipality_branding(context):
    lang = (get_language() or "de")[:2]
    return branding_for(_page_municipality(context), "en" if lang == "en" else "de")
