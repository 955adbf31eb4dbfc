"""Identity tests run with the demo backends (the BundID stand-in) switched on."""

import pytest


@pytest.fixture(autouse=True)
def _demo_backends(settings):
    settings.ENABLE_DEMO_BACKENDS = True


@pytest.fixture
def level_process(published_processes, musterstadt):
    """make(level, prefill=None) -> process id (see `helpers.level_process_factory`)."""
    from tests.identity.helpers import level_process_factory

    return level_process_factory(musterstadt)
