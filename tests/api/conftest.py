import pytest
from django.core.cache import cache

# The studio's personas and its draft, for the studio API tests (test_studio_api*.py).
from tests.studio.conftest import (  # noqa: F401
    client_for,
    designer,
    designer2,
    draft,
    other_designer,
    outsider,
    reviewer,
    studio_publisher,
)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()
