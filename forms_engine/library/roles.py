"""Who may do what with process libraries; one set of rules for the studio's library pages
(`studio/library_access.py`) and the library API (`api/library_support.py`).

- browse the library catalog: signed-in users who are superusers, administer a municipality
  (`Municipality.administrators`) or hold a studio role (designer or reviewer);
- import bundles: superusers or perm `library.add_bundleimport`;
- the trust store: add with `library.add_trustedkey`, revoke with `library.change_trustedkey`
  (superusers both);
- offer a process in a municipality: superusers or that municipality's administrators;
- export: designers of the publisher (`catalog.review.can_design`; `selectors.export_publishers`).
"""

from __future__ import annotations

from forms_engine.catalog.admin_access import administered_municipalities
from forms_engine.catalog.review import studio_publishers

IMPORT_PERM = "library.add_bundleimport"
ADD_KEY_PERM = "library.add_trustedkey"
REVOKE_KEY_PERM = "library.change_trustedkey"


def active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def may_browse_library(user) -> bool:
    if not active(user):
        return False
    return (
        user.is_superuser
        or administered_municipalities(user).exists()
        or studio_publishers(user).exists()
    )


def may_import(user) -> bool:
    return active(user) and (user.is_superuser or user.has_perm(IMPORT_PERM))


def may_add_keys(user) -> bool:
    return active(user) and (user.is_superuser or user.has_perm(ADD_KEY_PERM))


def may_revoke_keys(user) -> bool:
    return active(user) and (user.is_superuser or user.has_perm(REVOKE_KEY_PERM))


def may_offer(user, municipality_id: int) -> bool:
    """Superuser or administrator of the municipality."""
    return active(user) and administered_municipalities(user).filter(pk=municipality_id).exists()
