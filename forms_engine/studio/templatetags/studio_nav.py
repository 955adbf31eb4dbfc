"""`{% studio_nav %}`: the studio header's home link and its navigation (Prozesse,
Bibliothek) for the signed-in user."""

from django import template

from forms_engine.studio.library_access import library_nav

register = template.Library()


@register.inclusion_tag("studio/_nav.html", takes_context=True)
def studio_nav(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    nav = library_nav(user) if user is not None else {}
    path = getattr(request, "path", "") or ""
    return {"nav": nav, "in_library": "/bibliothek/" in path}
