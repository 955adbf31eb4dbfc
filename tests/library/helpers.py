"""Helpers for bundle tests: definitions, keys, a trusted publisher, a fresh installation."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from forms_engine.definitions import load_definition
from forms_engine.library import signing

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "fixtures" / "broken" / "valid-minimal.json"
PARKING = ROOT / "tests" / "definitions" / "examples" / "parkausweis-parameter.json"


def definition(identifier: str = "bibliothek-test", version: str = "1.0.0", **changes) -> dict:
    """A valid definition (fixtures/broken/valid-minimal.json) under another id/version."""
    doc = copy.deepcopy(load_definition(MINIMAL.read_bytes()))
    doc["id"] = identifier
    doc["version"] = version
    doc.update(changes)
    return doc


def parking(version: str = "1.0.0", **changes) -> dict:
    """A definition with parameters (fees, zones) a municipality binds."""
    doc = copy.deepcopy(load_definition(PARKING.read_bytes()))
    doc["version"] = version
    doc.update(changes)
    return doc


def trusted_publisher(slug: str = "kreis-beispiel", name: str = "Landkreis Beispiel"):
    """A key pair and its trust-store entry."""
    from forms_engine.library.services import trust_key_add

    pair = signing.generate()
    trust_key_add(publisher_slug=slug, publisher_name=name, public_key=pair.public_b64)
    return pair


def dump(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def database_state() -> dict:
    """Row counts of every table of the project plus auth (to prove "nothing changed")."""
    from django.apps import apps

    counts = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.app_label
        if model.__module__.startswith("forms_engine.") or label in ("auth", "django_otp"):
            counts[model._meta.label] = model._base_manager.count()
    return counts


def wipe_installation() -> None:
    """Turn the test database into a fresh installation (no processes, municipalities,
    keys, users); rolled back with the test's transaction."""
    from django.apps import apps
    from django.db import connection

    for model in apps.get_models(include_auto_created=True):
        label = model._meta.app_label
        if model.__module__.startswith("forms_engine.") or label == "auth":
            model._base_manager.all()._raw_delete(connection.alias)
