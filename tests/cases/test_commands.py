import io
import json
import shutil

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from forms_engine.catalog.models import Activation, Authority, Municipality, ProcessVersion
from tests.conftest import FIXTURES

# These tests load the library themselves, starting from an empty catalog.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_catalog")]


def run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_process_sync_publishes_the_library_and_is_idempotent():
    first = run("process_sync")
    count = ProcessVersion.objects.filter(status="published").count()
    assert count == len(list(settings.FORMS_PROCESS_LIBRARY.glob("*/*.json")))
    assert "neu veröffentlicht" in first
    shas = dict(ProcessVersion.objects.values_list("pk", "sha256"))
    second = run("process_sync")
    assert "neu veröffentlicht" not in second
    assert f"0 neu, {count} unverändert" in second
    assert dict(ProcessVersion.objects.values_list("pk", "sha256")) == shas


def test_process_sync_exits_non_zero_on_a_refused_file(tmp_path):
    library = tmp_path / "lib"
    shutil.copytree(settings.FORMS_PROCESS_LIBRARY, library)
    run("process_sync", str(library))
    path = library / "hundesteuer-anmeldung" / "1.0.0.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["title"]["de"] = "still und heimlich geändert"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("process_sync", str(library), stdout=out)
    assert "VERWEIGERT" in out.getvalue()
    stored = ProcessVersion.objects.get(
        process__identifier="hundesteuer-anmeldung", version="1.0.0"
    )
    assert stored.definition["title"]["de"] != "still und heimlich geändert"


def test_process_sync_reports_a_broken_file_and_keeps_nothing_of_it(tmp_path):
    (tmp_path / "kaputt").mkdir()
    (tmp_path / "kaputt" / "1.0.0.json").write_text('{"id": "kaputt", "version": "1.0.0"', "utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("process_sync", str(tmp_path), stdout=out)
    assert "FEHLERHAFT" in out.getvalue()
    assert not ProcessVersion.objects.exists()


def test_process_sync_refuses_a_file_in_the_wrong_place(tmp_path):
    (tmp_path / "hundesteuer-anmeldung").mkdir()
    shutil.copy(
        settings.FORMS_PROCESS_LIBRARY / "hundesteuer-anmeldung" / "1.0.0.json",
        tmp_path / "hundesteuer-anmeldung" / "1.0.1.json",
    )
    with pytest.raises(CommandError):
        run("process_sync", str(tmp_path))
    assert not ProcessVersion.objects.exists()


def test_demo_setup_is_idempotent_and_wires_activations_and_clerks(monkeypatch):
    monkeypatch.delenv("DEMO_CLERK_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    run("process_sync")
    out = run("demo_setup")
    assert "DEMO_CLERK_PASSWORD" in out
    counts = (Municipality.objects.count(), Authority.objects.count(), Activation.objects.count())
    users = get_user_model().objects.count()
    second = run("demo_setup")
    assert "created:" not in second
    assert counts == (
        Municipality.objects.count(),
        Authority.objects.count(),
        Activation.objects.count(),
    )
    assert users == get_user_model().objects.count()
    demo = json.loads((FIXTURES / "demo.json").read_text("utf-8"))
    for muni in demo["municipalities"]:
        for process_id, spec in muni["activations"].items():
            spec = {"authority": spec} if isinstance(spec, str) else spec
            activation = Activation.objects.get(
                process__identifier=process_id, municipality__slug=muni["slug"]
            )
            assert activation.authority.slug == spec["authority"]
            if "version" in spec:
                assert activation.version.version == spec["version"]
            assert activation.parameter_values == spec.get("parameters", {})
    clerk = get_user_model().objects.get(username="steuer")
    assert not clerk.has_usable_password()
    assert list(clerk.authorities.values_list("slug", flat=True)) == ["steueramt"]
    assert not get_user_model().objects.filter(username="admin").exists()


def test_demo_setup_sets_passwords_only_when_given(monkeypatch):
    monkeypatch.setenv("DEMO_CLERK_PASSWORD", "demo-clerk-pw")
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "demo-admin-pw")
    run("demo_setup")
    User = get_user_model()
    assert User.objects.get(username="steuer").check_password("demo-clerk-pw")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("demo-admin-pw")
    run("demo_setup")
    assert User.objects.filter(username="admin").count() == 1


def test_demo_setup_notes_processes_that_are_not_synced_yet(monkeypatch):
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    out = run("demo_setup")
    assert "process_sync" in out
    assert not Activation.objects.exists()
