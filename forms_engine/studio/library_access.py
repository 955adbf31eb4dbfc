"""Who may use the library pages of the studio (`/studio/bibliothek/…`).

- browse the library catalog: signed-in staff who are superusers, administer a municipality
  (`Municipality.administrators`) or hold a studio role (designer or reviewer);
- the trust store: superusers or users with `library.add_trustedkey` (add) or
  `library.change_trustedkey` (revoke); either lets them see the list;
- offer a process in a municipality: superusers or that municipality's administrators
  (the activation form in the admin checks it again);
- export a bundle: designers of the publisher (`catalog.review.can_design`);
- import a bundle (the wizard's own pages; here only its tab): superusers or users with
  `library.add_bundleimport`.

Anonymous users go to the staff sign-in (which asks for the second factor where it is
required); signed-in users without the role get 403 with an explanation. Every page is
`never_cache` (no-store)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache

from forms_engine.catalog.review import studio_publishers
from forms_engine.library.roles import (
    ADD_KEY_PERM,
    IMPORT_PERM,
    REVOKE_KEY_PERM,
    may_add_keys,
    may_browse_library,
    may_import,
    may_offer,
    may_revoke_keys,
)
from forms_engine.library.roles import active as _active

from .access import LOGIN_URL

__all__ = [
    "ADD_KEY_PERM",
    "IMPORT_PERM",
    "REVOKE_KEY_PERM",
    "may_add_keys",
    "may_browse_library",
    "may_import",
    "may_offer",
    "may_revoke_keys",
]


def may_see_trust_store(user) -> bool:
    return may_add_keys(user) or may_revoke_keys(user)


def may_export(user) -> bool:
    from forms_engine.library.selectors import export_publishers

    return bool(export_publishers(user))


def _import_url() -> str:
    """The import wizard's address, where it is installed (its own url module)."""
    try:
        return reverse("studio:library-import")
    except NoReverseMatch:
        return ""


def library_nav(user) -> dict:
    """What the studio header and the library's own navigation show for `user`."""
    return {
        "studio": _active(user) and studio_publishers(user).exists(),
        "library": may_browse_library(user),
        "trust": may_see_trust_store(user),
        "export": _active(user) and may_export(user),
        "import_url": _import_url() if may_import(user) else "",
    }


def _guard(check, message: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return login_required(never_cache(wrapped), login_url=LOGIN_URL)

    return decorator


library_login_required = _guard(
    may_browse_library,
    "Die Bibliothek sehen Administratorinnen und Administratoren einer Kommune und Personen "
    "mit einer Rolle im Prozess-Studio. / The library is for administrators of a "
    "municipality and people with a role in the studio.",
)

trust_store_required = _guard(
    may_see_trust_store,
    "Den Vertrauensspeicher verwalten nur Berechtigte (Schlüssel hinzufügen oder widerrufen). "
    "/ Only authorised people manage the trust store (add or revoke keys).",
)

export_required = _guard(
    may_export,
    "Bündel exportieren Personen mit der Design-Rolle eines Herausgebers. / Bundles are "
    "exported by people with the designer role of a publisher.",
)
