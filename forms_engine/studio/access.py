"""Who may do what in the studio, per publisher (object-level): designers edit, test and
publish their publisher's drafts; reviewers see them and approve; superusers do all.
Everyone else gets 404 for a process they may not see (its existence is not revealed)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache

from forms_engine.catalog.models import Process, ProcessVersion
from forms_engine.catalog.review import can_design, can_review, can_see, studio_publishers

LOGIN_URL = reverse_lazy("clerk:login")


def studio_login_required(view):
    """Signed in (password and, outside demo mode, the second factor) with a studio role
    for at least one publisher; otherwise 403 with an explanation."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not studio_publishers(request.user).exists():
            raise PermissionDenied(
                "Sie haben keine Rolle im Prozess-Studio. / You have no role in the studio."
            )
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped), login_url=LOGIN_URL)


def process_for(user, process_id: int) -> Process:
    process = get_object_or_404(Process.objects.select_related("publisher"), pk=process_id)
    if not can_see(user, process.publisher):
        raise Http404
    return process


def version_for(user, version_id: int, *, design: bool = False) -> ProcessVersion:
    """The version `version_id` if `user` may see it (404 otherwise); with `design`, the
    designer role is required as well (403)."""
    version = get_object_or_404(
        ProcessVersion.objects.select_related("process__publisher"), pk=version_id
    )
    publisher = version.process.publisher
    if not can_see(user, publisher):
        raise Http404
    if design and not can_design(user, publisher):
        raise PermissionDenied(
            "Dafür brauchen Sie die Design-Rolle dieses Herausgebers. / "
            "This needs the designer role of this publisher."
        )
    return version


def roles(user, publisher) -> dict:
    return {"can_design": can_design(user, publisher), "can_review": can_review(user, publisher)}
