"""Fixtures of the catalog tests: two municipalities with administrators (admin tests)."""

from tests.catalog.municipal_admin import municipal_shared_version, towns  # noqa: F401
