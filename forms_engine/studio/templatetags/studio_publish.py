"""`{% open_approvals %}`: the open four-eyes requests the signed-in reviewer may decide
(for the studio start page)."""

from django import template

from forms_engine.studio.selectors import open_approvals_for

register = template.Library()


@register.inclusion_tag("studio/_open_approvals.html", takes_context=True)
def open_approvals(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"open_approvals": open_approvals_for(user) if user is not None else []}
