"""Every refusal of issue 10 point 5, end to end: a hostile bundle goes through
`bundle_import` (the path of the CLI, the wizard and the API) and is refused with its code and
a German and English message; afterwards the database and the storages are unchanged.

Archive-level bundles start from a genuine signed bundle (so nothing else would refuse
them) and add the one hostile member or header; the reader's own fine-grained tests are in
test_archive.py, the manifest/trust refusals in test_bundles.py."""

from __future__ import annotations

import io
import random
import stat
import zipfile

import pytest

from forms_engine.library.archive import ArchiveLimits
from forms_engine.library.bundle import BundleProcess, build_bundle
from forms_engine.library.services import BundleRefused, bundle_import
from tests.conftest import stored_files
from tests.library.helpers import database_state, definition, trusted_publisher
from tests.library.test_archive import build, info, patch, raw_zip, zeros_member

pytestmark = pytest.mark.django_db

PUBLISHER = ("kreis-beispiel", "Landkreis Beispiel")


@pytest.fixture
def genuine():
    """The members of a genuine, trusted, signed bundle: [(name, bytes)]."""
    pair = trusted_publisher(*PUBLISHER)
    data = build_bundle(
        publisher_id=PUBLISHER[0],
        publisher_name=PUBLISHER[1],
        processes=[BundleProcess(doc=definition("bib-a"))],
        key=pair,
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    return [(i.filename, archive.read(i)) for i in archive.infolist()]


def _refused(data: bytes, code: str, limits: ArchiveLimits | None = None) -> None:
    before = database_state()
    files = stored_files("uploads") + stored_files("casefiles")
    with pytest.raises(BundleRefused) as caught:
        bundle_import(data, limits=limits)
    assert caught.value.code == code, (caught.value.code, str(caught.value))
    assert caught.value.message and caught.value.message_en
    assert caught.value.message != caught.value.message_en
    assert database_state() == before
    assert stored_files("uploads") + stored_files("casefiles") == files


def test_the_genuine_bundle_is_accepted(genuine):
    assert len(bundle_import(build(*genuine)).created) == 1


@pytest.mark.parametrize(
    "name", ["../evil.json", "/etc/passwd", "C:\\evil.json", "C:/evil.json", "a/../../x.json"]
)
def test_paths_escaping_the_bundle(genuine, name):
    _refused(build(*genuine, (name, b"{}")), "unsafe_path")


def test_symbolic_links(genuine):
    _refused(build(*genuine, (info("link", mode=stat.S_IFLNK | 0o777), b"/etc/passwd")), "link")


def test_duplicate_entries(genuine):
    _refused(build(*genuine, genuine[-1]), "duplicate_entry")


def test_zip_bomb_by_ratio(genuine):
    bomb = zeros_member("processes/bib-a/bomb.json", 1_500_000)
    members = zipfile.ZipFile(io.BytesIO(bomb))
    _refused(
        build(*genuine, ("processes/bib-a/bomb.json", members.read("processes/bib-a/bomb.json"))),
        "zip_bomb",
    )


def test_zip_bomb_by_total_size(genuine):
    _refused(build(*genuine), "zip_bomb", ArchiveLimits(max_total_bytes=1000))


def test_too_many_files(genuine):
    extra = [(f"processes/x/{i}.json", b"{}") for i in range(20)]
    _refused(build(*genuine, *extra), "too_many_files", ArchiveLimits(max_files=10))


def test_oversize_files(genuine):
    big = random.Random(10).randbytes(3_000_000)  # 3 MB that do not compress
    _refused(build(*genuine, ("processes/bib-a/big.json", big)), "file_too_large")


def test_non_utf8_names():
    _refused(raw_zip("prozess-ä.json".encode("latin-1"), b"{}"), "name_not_utf8")


def test_encrypted_members(genuine):
    _refused(patch(build(*genuine), 0, flags=0x1), "encrypted")


def test_not_a_zip():
    _refused(b"PK\x03\x04 this is not a bundle", "not_a_zip")
