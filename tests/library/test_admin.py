"""The library's admin pages are read-only records for operators."""

import pytest

from forms_engine.library.services import bundle_import
from tests.library.helpers import definition, trusted_publisher

pytestmark = pytest.mark.django_db


def test_operators_read_keys_items_and_imports_but_change_nothing(client, admin_user):
    from forms_engine.library.bundle import BundleProcess, build_bundle

    pair = trusted_publisher("kreis-beispiel", "Landkreis Beispiel")
    bundle_import(
        build_bundle(
            publisher_id="kreis-beispiel",
            publisher_name="Landkreis Beispiel",
            processes=[BundleProcess(doc=definition("bib-admin"))],
            key=pair,
        )
    )
    client.force_login(admin_user)
    for model in ("trustedkey", "shareditem", "bundleimport"):
        listing = client.get(f"/admin/library/{model}/")
        assert listing.status_code == 200
        assert client.get(f"/admin/library/{model}/add/").status_code == 403
    page = client.get("/admin/library/trustedkey/").content.decode()
    assert "Landkreis Beispiel" in page
    assert " ".join(pair.fingerprint[i : i + 4] for i in range(0, 32, 4)) in page
