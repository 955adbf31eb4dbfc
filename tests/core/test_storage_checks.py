"""System check W001: files left where older versions kept them are not silently lost."""

from pathlib import Path

from forms_engine.core.checks import legacy_file_directories_check
from tests.conftest import storages_in


def test_files_left_in_the_old_default_directories_are_reported(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    settings.STORAGES = storages_in(tmp_path / "media")
    old = tmp_path / "var" / "uploads" / "ab"
    old.mkdir(parents=True)
    (old / "ab12").write_bytes(b"%PDF-1.7")
    (tmp_path / "var" / "casefiles").mkdir()  # empty: nothing to report

    [warning] = legacy_file_directories_check()

    assert warning.id == "forms_engine.core.W001"
    assert warning.obj == "STORAGES['uploads']"
    assert "var/uploads" in warning.msg and "FORMS_UPLOAD_ROOT" in warning.hint


def test_old_directories_that_are_the_storage_itself_are_fine(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    settings.STORAGES = storages_in(tmp_path / "var")  # var/uploads, var/casefiles
    for name in ("uploads", "casefiles"):
        directory = Path(tmp_path / "var" / name / "cd")
        directory.mkdir(parents=True)
        (directory / "cd34").write_bytes(b"%PDF-1.7")

    assert legacy_file_directories_check() == []


def test_no_old_directories_nothing_to_say(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    assert legacy_file_directories_check() == []
