"""The warm-up gunicorn runs in the preloaded master (gunicorn.conf.py `when_ready`)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from forms_engine.catalog import selectors
from forms_engine.catalog.models import Activation, ProcessVersion
from forms_engine.catalog.warmup import warm_up

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_warm_up_compiles_every_published_definition_loads_templates_and_pages(
    published_processes, monkeypatch
):
    from django.db import connections

    # In gunicorn's master the connections are closed before the fork; here they hold the
    # test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    selectors._compiled.clear()
    done = warm_up()
    published = ProcessVersion.objects.filter(status=ProcessVersion.Status.PUBLISHED)
    assert done["definitions"] == published.count() > 0
    assert {v.sha256 for v in published} <= set(selectors._compiled)
    assert done["templates"] > 20
    offered = {a.process.identifier for a in Activation.objects.filter(is_active=True)}
    assert offered
    assert done["pages"] == len(offered) + 1  # the catalog and every offered start page


def test_gunicorn_preloads_and_warms_the_master(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["preload_app"] is True
    assert config["workers"] == 2
    assert config["worker_class"] == "sync"
    assert callable(config["when_ready"])
