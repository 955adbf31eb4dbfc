"""Acceptance (issue 10): a publisher's installation A exports a signed bundle; a fresh
installation B imports it through the CLI, offers it with its own bindings, a citizen of B
files it and the case lands in B's authority; A's next version arrives and B's bindings
stay, B's offering moves only when B says so.

A is a real second installation (its own SQLite database, `manage.py` in a subprocess);
B is the test database, emptied first (`wipe_installation`). The wizard's browser round
trip is tests/browser/test_library_import.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from forms_engine.cases.models import Case
from forms_engine.cases.pipeline import pipeline_run
from forms_engine.catalog.models import Activation, Authority, Municipality, ProcessVersion
from forms_engine.catalog.services import activation_upgrade
from tests.library.helpers import parking, wipe_installation

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PUBLISHER = ("kreis-beispiel", "Landkreis Beispiel")
ARS_B = "099990000077"


class InstallationA:
    """`manage.py` of a second installation with its own database."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{directory / 'a.sqlite3'}",
            "DJANGO_DEBUG": "1",
            "DJANGO_TESTING": "",
            "CELERY_BROKER_URL": "",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def publish(self, doc: dict) -> None:
        library = self.directory / f"lib-{doc['version']}"
        (library / doc["id"]).mkdir(parents=True)
        (library / doc["id"] / f"{doc['version']}.json").write_text(json.dumps(doc), "utf-8")
        self.manage("process_sync", str(library), "--publisher", PUBLISHER[0],
                    "--publisher-name", PUBLISHER[1])  # fmt: skip

    def export(self, name: str) -> Path:
        out = self.directory / name
        self.manage("bundle_export", str(out), "--publisher", PUBLISHER[0],
                    "--key-file", str(self.directory / "key.pem"))  # fmt: skip
        return out


def test_export_in_a_import_offer_and_file_in_b_then_update_keeps_bindings(
    tmp_path, api_client, capsys
):
    a = InstallationA(tmp_path)
    a.manage("migrate", "-v0")
    public_key = a.manage("bundle_keygen", str(tmp_path / "key.pem")).split("public key: ")[1]
    public_key = public_key.split()[0]
    a.publish(parking("1.0.0"))
    first = a.export("first.zip")

    # B: a fresh installation trusts A's key and imports through the CLI.
    wipe_installation()
    call_command("bundle_trust", "add", PUBLISHER[0], PUBLISHER[1], public_key)
    call_command("bundle_import", str(first))
    version = ProcessVersion.objects.get(process__identifier="parkausweis-parameter")
    assert version.process.publisher.slug == PUBLISHER[0]

    # B offers it with its own authority and parameter values.
    municipality = Municipality.objects.create(name="Gemeinde B", ars=ARS_B, slug="gem-b")
    authority = Authority.objects.create(
        municipality=municipality, name="Bürgeramt B", slug="buergeramt"
    )
    values = {"ort": "Gemeinde B", "gebuehr": "45.00"}
    activation = Activation(
        process=version.process,
        version=version,
        municipality=municipality,
        authority=authority,
        parameter_values=values,
    )
    activation.full_clean()
    activation.save()

    # A citizen of B files it; the case lands in B's authority with B's fee.
    response = api_client.post(
        "/api/processes/parkausweis-parameter/versions/1.0.0/submissions/",
        {
            "municipality": ARS_B,
            "answers": {"antrag": {"zone": "a", "kennzeichen": "GB-X 1"}},
            "declarations": [],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    case = pipeline_run(case_id=response.json()["case_id"])
    assert (case.municipality, case.authority) == (municipality, authority)
    assert case.parameter_values == values  # B's own fee (45.00), not the default 30.70

    # A publishes 1.1.0; B imports it: bindings unchanged, the offering stays on 1.0.0.
    a.publish(parking("1.1.0", summary={"de": "Jetzt mit neuem Hinweis.", "en": "New note."}))
    second = a.export("second.zip")
    call_command("bundle_import", str(second), "--dry-run")
    out = capsys.readouterr().out
    assert "AKTUALISIERUNG" in out and "1.1.0" in out and "Gemeinde B" in out
    call_command("bundle_import", str(second))
    activation.refresh_from_db()
    assert activation.version == version
    assert (activation.authority, activation.parameter_values) == (authority, values)
    assert Case.objects.count() == 1

    # B moves when B decides.
    newer = ProcessVersion.objects.get(process=version.process, version="1.1.0")
    activation_upgrade(activation=activation, version=newer)
    activation.refresh_from_db()
    assert (activation.version, activation.parameter_values) == (newer, values)
