"""The bundle zip reader (forms_engine.library.archive) against hostile archives.

Every archive is built in memory here: with `zipfile` and crafted `ZipInfo`s, and where
`zipfile` will not write the hostile thing (a NUL or non-UTF-8 bytes in a name, a header
that lies, a flipped byte) by patching the written bytes. Each refusal asserts the exact
`code` and a German and an English message naming the member.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
import stat
import struct
import subprocess
import time
import tracemalloc
import unicodedata
import warnings
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from forms_engine.library.archive import ArchiveLimits, BundleRefused, read_archive

FAST = settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

MiB = 1024 * 1024
GERMAN = ("Der ", "Die ", "Das ", " ist ", " nicht ", " enthält ", " mehr ", " als ")
ENGLISH = ("The ", " is ", " not ", " contains ", " more ", " than ", " allowed")


# --- building archives ---------------------------------------------------------------------


def build(*members, compression=zipfile.ZIP_DEFLATED, comment: bytes = b"") -> bytes:
    """A zip of `members`: (name or ZipInfo, bytes) pairs, duplicates allowed."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name"
        with zipfile.ZipFile(buffer, "w", compression) as archive:
            for name, content in members:
                archive.writestr(name, content)
            archive.comment = comment
    return buffer.getvalue()


def info(name: str, *, mode: int | None = None, method=None) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name)
    if mode is not None:
        entry.create_system = 3  # Unix
        entry.external_attr = mode << 16
    if method is not None:
        entry.compress_type = method
    return entry


def headers(data: bytes) -> list[tuple[int, int]]:
    """(central header offset, local header offset) of each entry of a plain zip."""
    end = data.rindex(b"PK\x05\x06")
    count, _, directory = struct.unpack_from("<HLL", data, end + 10)
    result, position = [], directory
    for _ in range(count):
        assert data[position : position + 4] == b"PK\x01\x02"
        name, extra, comment = struct.unpack_from("<3H", data, position + 28)
        result.append((position, struct.unpack_from("<L", data, position + 42)[0]))
        position += 46 + name + extra + comment
    return result


CENTRAL_FIELDS = {"flags": (8, "H"), "method": (10, "H"), "crc": (16, "L"), "compressed": (20, "L"), "size": (24, "L"), "offset": (42, "L")}  # fmt: skip
LOCAL_FIELDS = {"flags": (6, "H"), "method": (8, "H"), "crc": (14, "L"), "compressed": (18, "L"), "size": (22, "L")}  # fmt: skip


def patch(data: bytes, index: int = 0, *, local: bool = True, **fields) -> bytes:
    """`data` with header fields of entry `index` replaced (central directory and, unless
    `local=False`, the local header too)."""
    out = bytearray(data)
    central, local_offset = headers(data)[index]
    for field, value in fields.items():
        at, kind = CENTRAL_FIELDS[field]
        struct.pack_into("<" + kind, out, central + at, value)
        if local and field in LOCAL_FIELDS:
            at, kind = LOCAL_FIELDS[field]
            struct.pack_into("<" + kind, out, local_offset + at, value)
    return bytes(out)


def raw_zip(name: bytes, content: bytes, *, flags: int = 0) -> bytes:
    """A zip of one stored member written byte by byte: any name bytes, any flags."""
    crc, size = zlib.crc32(content), len(content)
    local = struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, flags, 0, 0, 0x21, crc, size, size, len(name), 0)  # fmt: skip
    central = struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, flags, 0, 0, 0x21, crc, size, size, len(name), 0, 0, 0, 0, 0o644 << 16, 0)  # fmt: skip
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(name), len(local) + len(name) + size, 0)  # fmt: skip
    return local + name + content + central + name + end


def data_offset(data: bytes, index: int = 0) -> int:
    """Where entry `index`'s compressed bytes start."""
    _, local = headers(data)[index]
    name, extra = struct.unpack_from("<2H", data, local + 26)
    return local + 30 + name + extra


def zeros_member(name: str, size: int) -> bytes:
    """A zip with one deflated member of `size` zero bytes, written without holding them."""
    buffer = io.BytesIO()
    chunk = bytes(MiB)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w") as member,
    ):
        for start in range(0, size, MiB):
            member.write(chunk[: min(MiB, size - start)])
    return buffer.getvalue()


class Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes data descriptors (flag 0x08)."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, chunk):
        self.buffer += chunk
        return len(chunk)


# --- asserting refusals --------------------------------------------------------------------


def refused(data: bytes, code: str, *, path: str | None = None, **limits) -> BundleRefused:
    with pytest.raises(BundleRefused) as caught:
        read_archive(data, ArchiveLimits(**limits))
    refusal = caught.value
    assert refusal.code == code, (refusal.code, str(refusal))
    assert refusal.message and refusal.message_en and refusal.message != refusal.message_en
    assert any(word in refusal.message for word in GERMAN), refusal.message
    assert any(word in refusal.message_en for word in ENGLISH), refusal.message_en
    assert str(refusal) == f"{refusal.message} / {refusal.message_en}"
    if path is not None:
        assert refusal.path == path
    if path:
        assert f"„{path}“" in refusal.message and f"“{path}”" in refusal.message_en
    return refusal


def peak_bytes(call) -> int:
    """The most memory `call()` holds at once (Python allocations)."""
    tracemalloc.start()
    try:
        call()
    except BundleRefused:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


# --- what is read ----------------------------------------------------------------------------


def test_members_come_back_in_archive_order_directories_skipped():
    json_text = '{"id": "hundesteuer", "titel": "Straße"}'.encode() * 200
    data = build(
        ("prozesse/", b""),
        ("prozesse/hundesteuer/", b""),
        ("prozesse/hundesteuer/1.0.0.json", json_text),
        ("prozesse/straße.json", "ä".encode()),
        (info("prozesse/leer.txt"), b""),
        (info("manifest.json", method=zipfile.ZIP_STORED), b'{"format": 1}'),
        (info("a/b/c/d/e/f.txt"), b"six levels"),
    )
    assert read_archive(data) == {
        "prozesse/hundesteuer/1.0.0.json": json_text,
        "prozesse/straße.json": "ä".encode(),
        "prozesse/leer.txt": b"",
        "manifest.json": b'{"format": 1}',
        "a/b/c/d/e/f.txt": b"six levels",
    }
    assert list(read_archive(data)) == [
        "prozesse/hundesteuer/1.0.0.json",
        "prozesse/straße.json",
        "prozesse/leer.txt",
        "manifest.json",
        "a/b/c/d/e/f.txt",
    ]
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("prozesse/straße.json").flag_bits & 0x800


def test_stored_deflated_and_an_empty_archive():
    members = [("a.txt", b"x" * 4000), ("b.bin", os.urandom(3000)), ("c/", b"")]
    for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        assert read_archive(build(*members, compression=method)) == dict(members[:2])
    assert read_archive(build()) == {}


def test_unix_modes_of_regular_files_and_directories_are_fine():
    data = build(
        (info("d/", mode=stat.S_IFDIR | 0o755), b""),
        (info("d/run.sh", mode=stat.S_IFREG | 0o755), b"#!/bin/sh\n"),
    )
    assert read_archive(data) == {"d/run.sh": b"#!/bin/sh\n"}


def test_data_descriptors_comments_and_prepended_bytes_are_read():
    stream = Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.json", b"[1, 2, 3]" * 100)
        archive.writestr("b.json", b"{}")
        archive.comment = "Kommentar: wird übergangen".encode()
    data = bytes(stream.buffer)
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x08
    assert read_archive(data) == {"a.json": b"[1, 2, 3]" * 100, "b.json": b"{}"}
    # a self-extracting stub in front, as zipfile allows
    prefixed = b"#!/bin/sh\nexit 0\n" + build(("x.txt", b"x"), comment=b"kommentar")
    assert read_archive(prefixed) == {"x.txt": b"x"}


def test_zip64_records_and_extra_fields_are_read(monkeypatch):
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 10)  # zipfile then writes ZIP64 sizes
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)  # ... and a ZIP64 end record
    data = build(("a.txt", b"a" * 100), ("b.txt", b"bb"), ("c/", b""))
    monkeypatch.undo()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data
    assert read_archive(data) == {"a.txt": b"a" * 100, "b.txt": b"bb"}


@pytest.mark.skipif(shutil.which("zip") is None, reason="Info-ZIP's zip is not installed")
def test_an_archive_made_by_info_zip(tmp_path):
    (tmp_path / "prozesse").mkdir()
    (tmp_path / "prozesse" / "a.json").write_text('{"a": 1}' * 1000)
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "prozesse" / "link").symlink_to("/etc/passwd")
    zip_binary = shutil.which("zip")
    run = [zip_binary, "-q", "-r", "-X"]
    for arguments in (
        ["plain.zip", "manifest.json", "prozesse/a.json"],
        ["-y", "links.zip", "prozesse"],
    ):
        subprocess.run([*run, *arguments], cwd=tmp_path, check=True)  # noqa: S603 - fixed arguments
    plain = read_archive((tmp_path / "plain.zip").read_bytes())
    assert plain == {"manifest.json": b"{}", "prozesse/a.json": b'{"a": 1}' * 1000}
    refused((tmp_path / "links.zip").read_bytes(), "link", path="prozesse/link")


@settings(FAST, max_examples=60)
@given(
    st.dictionaries(
        st.lists(st.text("abcxyzäöü-_.0123456789", min_size=1, max_size=8), min_size=1, max_size=4)
        .map("/".join)
        .filter(lambda name: all(part not in (".", "..") for part in name.split("/"))),
        st.binary(max_size=3000) | st.text("ab ", max_size=4000).map(str.encode),
        max_size=6,
    ),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)
def test_whatever_zipfile_writes_comes_back_unchanged(members, method):
    parents = {
        "/".join(parts[:depth])
        for parts in (name.split("/") for name in members)
        for depth in range(1, len(parts))
    }
    assume(not parents & set(members))  # a file and a folder at once: refused, tested below
    assert read_archive(build(*members.items(), compression=method)) == members


def test_a_refusal_pickles_and_is_one_exception_type():
    refusal = refused(b"", "not_a_zip")
    again = pickle.loads(pickle.dumps(refusal))  # noqa: S301 - our own bytes
    assert (again.code, again.message, again.message_en, again.path) == (
        refusal.code,
        refusal.message,
        refusal.message_en,
        refusal.path,
    )
    assert isinstance(refusal, Exception)
    with pytest.raises(TypeError):
        read_archive("not bytes")  # type: ignore[arg-type]


# --- not a zip, too large, too many ----------------------------------------------------------


GOOD = build(
    ("manifest.json", b'{"format": 1}'), ("prozesse/a.json", str(list(range(2000))).encode())
)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK",
        b"hallo welt, das ist kein zip" * 10,
        GOOD[: len(GOOD) // 2],  # truncated: no end record
        GOOD[:-10],  # truncated end record
        GOOD[: GOOD.rindex(b"PK\x01\x02")] + GOOD[GOOD.rindex(b"PK\x05\x06") :],  # a lost entry
        b"PK\x05\x06" + struct.pack("<4H2LH", 0, 0, 1, 1, 46, 0, 0),  # directory before byte 0
        b"PK\x05\x06" + struct.pack("<4H2LH", 1, 1, 0, 0, 0, 0, 0),  # a part of a split archive
        GOOD.replace(b"PK\x01\x02", b"PK\x01\x03"),
    ],
    ids=[
        "empty",
        "two-bytes",
        "text",
        "half",
        "cut-end",
        "lost-entry",
        "before-start",
        "split",
        "bad-signature",
    ],  # fmt: skip
)
def test_what_is_not_a_zip(data):
    refused(data, "not_a_zip", path="")


def test_an_archive_over_the_size_limit():
    refused(GOOD, "archive_too_large", max_archive_bytes=len(GOOD) - 1)
    assert read_archive(GOOD, ArchiveLimits(max_archive_bytes=len(GOOD)))


def test_too_many_entries_directories_included():
    files = [(f"f{number}.txt", b"") for number in range(4)]
    refused(build(*files), "too_many_files", max_files=3)
    refused(build(("d/", b""), *files[:3]), "too_many_files", max_files=3)
    assert len(read_archive(build(*files), ArchiveLimits(max_files=4))) == 4


def test_a_count_that_lies_does_not_let_more_entries_in():
    data = bytearray(build(*[(f"f{number}.txt", b"") for number in range(50)]))
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 2, 2)  # "2 entries"
    refused(bytes(data), "too_many_files", max_files=3)
    refused(bytes(data), "not_a_zip")  # within the limit, the count still has to be right


# --- names ---------------------------------------------------------------------------------


def test_a_hand_written_zip_is_read():
    data = raw_zip(b"a/b.json", b"{}")
    assert (
        read_archive(data)
        == {"a/b.json": b"{}"}
        == {
            entry.filename: zipfile.ZipFile(io.BytesIO(data)).read(entry)
            for entry in zipfile.ZipFile(io.BytesIO(data)).infolist()
        }
    )
    assert read_archive(raw_zip("ä.json".encode(), b"", flags=0x800)) == {"ä.json": b""}


def test_non_ascii_names_without_the_utf8_flag():
    refused(raw_zip(b"stra\xdfe.json", b"{}"), "name_not_utf8", path="stra\ufffde.json")  # latin-1
    refused(raw_zip("straße.json".encode("cp437"), b"{}"), "name_not_utf8")
    # a UTF-8 name whose flag is cleared
    flagged = build(("straße.json", b"{}"))
    flags = zipfile.ZipFile(io.BytesIO(flagged)).infolist()[0].flag_bits
    refused(patch(flagged, flags=flags & ~0x800), "name_not_utf8", path="straße.json")


def test_names_flagged_utf8_that_are_not():
    broken = raw_zip(b"stra\xff\xfee.json", b"{}", flags=0x800)
    refused(broken, "name_not_utf8", path="stra\ufffd\ufffde.json")
    surrogate = raw_zip(b"s\xed\xa0\x80e.json", b"{}", flags=0x800)  # an encoded surrogate
    refused(surrogate, "name_not_utf8")
    overlong = raw_zip(b"\xc0\xaf.json", b"{}", flags=0x800)  # "/" in two bytes
    refused(overlong, "name_not_utf8")


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd",
        "/",
        "\\windows\\system32",
        "C:x",
        "C:\\x",
        "c:/x.json",
        "datei.json:versteckt",
        "../x.json",
        "..",
        "a/../../b.json",
        "a/..",
        "a\\b.json",
        "a//b.json",
        "//a.json",
        "./a.json",
        "a/./b.json",
        "./",
        "a\x01b.json",
        "a\nb.json",
        "a\x7fb.json",
        "rechnung\u202enosj.exe",  # right-to-left override
        "a\u200bb.json",  # zero-width space
        "a\u2028b.json",  # line separator
        "a/b/c/d/e/f/g.json",  # 7 levels
        "a/b/c/d/e/f/g/",
        "x" * 256,
        "ä" * 128,  # 256 bytes
    ],
)
def test_unsafe_paths(name):
    refused(build((info(name), b"x")), "unsafe_path")


def test_an_empty_name():
    refused(raw_zip(b"", b"x"), "unsafe_path")


@pytest.mark.parametrize("raw", [b"a\x00b.json", b"\x00bc.json", b"ab.json\x00"])
def test_a_nul_in_a_name_is_seen_although_zipfile_cuts_the_name_there(raw):
    data = raw_zip(raw, b"x")
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == [raw.split(b"\0")[0].decode()]
    refusal = refused(data, "unsafe_path")
    assert "\\x00" in refusal.path and "\x00" not in refusal.message


def test_the_name_and_depth_limits_are_limits():
    assert read_archive(build(("x" * 255, b"")))
    refused(build(("x" * 21, b"")), "unsafe_path", path="x" * 21, max_name_bytes=20)
    refused(build(("a/b/c.json", b"")), "unsafe_path", path="a/b/c.json", max_depth=2)
    assert read_archive(build(("a/b.json", b"")), ArchiveLimits(max_depth=2))


def test_a_local_header_with_another_name():
    data = build(("aaaa.json", b"{}"))
    _, local = headers(data)[0]
    changed = data[: local + 30] + b"bbbb" + data[local + 34 :]
    refused(changed, "corrupt", path="aaaa.json")


# --- links and special files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("prozesse/link", stat.S_IFLNK | 0o777),
        ("link/", stat.S_IFLNK | 0o777),
        ("fifo", stat.S_IFIFO | 0o644),
        ("char-device", stat.S_IFCHR | 0o644),
        ("block-device", stat.S_IFBLK | 0o644),
        ("socket", stat.S_IFSOCK | 0o644),
        ("a-directory-without-slash", stat.S_IFDIR | 0o755),
        ("a-file-with-slash/", stat.S_IFREG | 0o644),
    ],
)
def test_links_and_special_files(name, mode):
    refused(build((info(name, mode=mode), b"/etc/passwd")), "link", path=name)


def test_a_symlink_says_so():
    refusal = refused(build((info("l", mode=stat.S_IFLNK | 0o777), b"../..")), "link")
    assert "symbolische Verknüpfung" in refusal.message and "symbolic link" in refusal.message_en


# --- duplicates and collisions ------------------------------------------------------------------


TWICE, FOLDED, FILE_AND_FOLDER = "mehrfach", "Groß-/Kleinschreibung", "Datei und einem Ordner"


@pytest.mark.parametrize(
    ("names", "kind"),
    [
        (["manifest.json", "manifest.json"], TWICE),
        (["d/", "d/"], TWICE),
        (["Manifest.json", "manifest.json"], FOLDED),
        (["prozesse/a.json", "PROZESSE/A.JSON"], FOLDED),
        (["ÜBER.json", "über.json"], FOLDED),
        (["straße.json", "STRASSE.json"], FOLDED),  # casefold: ß = ss
        ([unicodedata.normalize("NFC", "grüße"), unicodedata.normalize("NFD", "grüße")], FOLDED),
        (["a", "a/b.json"], FILE_AND_FOLDER),
        (["a/b.json", "a"], FILE_AND_FOLDER),
        (["A/b.json", "a"], FILE_AND_FOLDER),
        (["d/", "D"], FILE_AND_FOLDER),
        (["d", "d/"], FILE_AND_FOLDER),
    ],
)
def test_duplicates_and_names_that_collide(names, kind):
    data = build(*[(name, b"x") for name in names])
    assert kind in refused(data, "duplicate_entry", path=names[1]).message


def test_a_folder_given_after_its_files_is_fine():
    data = build(("a/b.json", b"1"), ("a/", b""), ("A/c.json", b"2"))
    assert read_archive(data) == {"a/b.json": b"1", "A/c.json": b"2"}


# --- encryption and compression methods ------------------------------------------------------


@pytest.mark.parametrize("flag", [0x1, 0x40, 0x2000])
def test_encrypted_entries(flag):
    refused(patch(build(("geheim.json", b"{}")), flags=flag), "encrypted", path="geheim.json")
    refused(raw_zip(b"geheim.json", b"{}", flags=flag), "encrypted", path="geheim.json")


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_compression_methods_other_than_stored_and_deflate(method):
    data = build((info("a.json", method=method), b"{}" * 100))
    refusal = refused(data, "unsupported_compression", path="a.json")
    assert str(method) in refusal.message


def test_an_unknown_compression_method():
    refused(patch(build(("a.json", b"{}")), method=99), "unsupported_compression", path="a.json")


# --- sizes and zip bombs ---------------------------------------------------------------------


def test_a_member_over_the_file_limit():
    refused(build(("gross.bin", os.urandom(2 * MiB + 1))), "file_too_large", path="gross.bin")
    assert read_archive(build(("ok.bin", os.urandom(2 * MiB))))
    refused(build(("a.txt", os.urandom(101))), "file_too_large", path="a.txt", max_file_bytes=100)


def test_a_deflate_bomb_is_refused_quickly_without_inflating_it():
    bomb = zeros_member("daten/bombe.json", 50 * MiB)
    assert len(bomb) < 100_000
    started = time.perf_counter()
    refused(bomb, "zip_bomb", path="daten/bombe.json")
    assert time.perf_counter() - started < 1
    assert peak_bytes(lambda: read_archive(bomb)) < 1 * MiB


def test_the_ratio_limit_spares_small_members_only():
    assert read_archive(build(("klein.txt", bytes(4096))))  # 4 KiB of zeros: no ratio limit
    refused(build(("gross.txt", bytes(4097))), "zip_bomb", path="gross.txt", max_ratio=10)
    text = b"abcdefghij" * 1000  # compresses about 200:1
    ratio = (
        len(text)
        // zipfile.ZipFile(io.BytesIO(build(("t.txt", text)))).getinfo("t.txt").compress_size
    )
    refused(build(("t.txt", text)), "zip_bomb", path="t.txt", max_ratio=ratio - 1)
    assert read_archive(build(("t.txt", text)), ArchiveLimits(max_ratio=ratio + 1))


def test_a_bomb_whose_header_understates_its_size_stops_at_the_declared_size():
    bomb = zeros_member("bombe.json", 50 * MiB)
    lying = patch(bomb, size=1000)  # small: no ratio limit applies
    started = time.perf_counter()
    refusal = refused(lying, "corrupt", path="bombe.json")
    assert "1000" in refusal.message
    assert time.perf_counter() - started < 1
    assert peak_bytes(lambda: read_archive(lying)) < 1 * MiB


def test_a_bomb_that_claims_the_largest_allowed_size_stops_at_the_limit():
    bomb = zeros_member("bombe.json", 50 * MiB)
    lying = patch(bomb, size=2 * MiB)  # 2 MiB from ~50 KB: within 200:1
    refused(lying, "file_too_large", path="bombe.json")  # the real bytes pass the limit
    assert peak_bytes(lambda: read_archive(lying)) < 4 * MiB
    refusal = refused(lying, "corrupt", path="bombe.json", max_file_bytes=3 * MiB)
    assert str(2 * MiB) in refusal.message  # ... or the declared size


def test_a_header_that_overstates_the_size():
    data = patch(build(("a.txt", b"hallo" * 100)), size=600)
    refusal = refused(data, "corrupt", path="a.txt")
    assert "500" in refusal.message and "600" in refusal.message
    stored = build(("a.txt", b"hallo"), compression=zipfile.ZIP_STORED)
    refused(patch(stored, size=4), "corrupt", path="a.txt")


def test_the_total_limit_counts_all_members():
    members = [(f"{number}.bin", os.urandom(400)) for number in range(3)]
    refused(build(*members), "zip_bomb", path="2.bin", max_total_bytes=1000)
    assert len(read_archive(build(*members), ArchiveLimits(max_total_bytes=1200))) == 3


def test_entries_that_share_bytes_are_a_bomb():
    """The "overlapping files" construction: one entry's data covers the next entry."""
    data = build(("a.bin", b"a" * 100), ("b.bin", b"b" * 100), compression=zipfile.ZIP_STORED)
    _, second = headers(data)[1]
    covering = second + 30 + 5 + 100 - data_offset(data, 0)
    refused(patch(data, 0, local=False, compressed=covering), "zip_bomb", path="b.bin")
    # two entries pointing at the same bytes
    same = patch(data, 1, offset=headers(data)[0][1])
    refused(same, "corrupt", path="b.bin")  # the local header names a.bin


def test_data_beyond_the_archive():
    data = build(("a.bin", b"a" * 100), compression=zipfile.ZIP_STORED)
    refused(patch(data, compressed=10_000, size=10_000), "corrupt", path="a.bin")
    refused(patch(data, offset=len(data) + 5), "corrupt", path="a.bin")


# --- damaged members ---------------------------------------------------------------------------


def test_a_flipped_byte_in_deflated_data():
    data = bytearray(build(("a.json", os.urandom(2000)), ("b.json", b"{}")))
    data[data_offset(bytes(data)) + 1000] ^= 0xFF
    refused(bytes(data), "corrupt", path="a.json")


def test_a_flipped_byte_in_stored_data_fails_the_crc():
    data = bytearray(build(("a.json", b'{"a": 1}'), compression=zipfile.ZIP_STORED))
    data[data_offset(bytes(data)) + 2] ^= 0x01
    refusal = refused(bytes(data), "corrupt", path="a.json")
    assert "CRC" in refusal.message and "CRC" in refusal.message_en


def test_a_wrong_crc_in_the_directory():
    data = build(("a.json", b"{}" * 100))
    crc = zipfile.ZipFile(io.BytesIO(data)).infolist()[0].CRC
    refused(patch(data, local=False, crc=crc ^ 1), "corrupt", path="a.json")


def test_broken_deflate_streams():
    text = os.urandom(3000)
    data = build(("a.bin", text))
    start = data_offset(data)
    garbage = bytearray(data)
    garbage[start] = 0xFF  # an invalid block type
    refused(bytes(garbage), "corrupt", path="a.bin")
    compressed = zipfile.ZipFile(io.BytesIO(data)).getinfo("a.bin").compress_size
    refused(patch(data, compressed=compressed - 10), "corrupt", path="a.bin")  # truncated
    # bytes hidden after the end of the deflate stream, inside the member
    stream = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = stream.compress(b"{}") + stream.flush() + b"hidden"
    stored = build(("a.json", body), compression=zipfile.ZIP_STORED)
    refused(patch(stored, method=8, size=2, crc=zlib.crc32(b"{}")), "corrupt", path="a.json")
    exact = build(("a.json", body[:-6]), compression=zipfile.ZIP_STORED)
    assert read_archive(patch(exact, method=8, size=2, crc=zlib.crc32(b"{}"))) == {"a.json": b"{}"}


def test_a_missing_local_header():
    data = build(("a.json", b"{}"), ("b.json", b"[]"))
    refused(patch(data, 1, offset=3), "corrupt", path="b.json")


def test_the_first_problem_wins():
    data = build(("../a.json", b"{}"), (info("b", mode=stat.S_IFLNK | 0o777), b"x"))
    refused(data, "unsafe_path", path="../a.json")


# --- anything at all ---------------------------------------------------------------------------


def outcome(data: bytes, limits: ArchiveLimits) -> None:
    try:
        result = read_archive(data, limits)
    except BundleRefused as refusal:
        assert refusal.code and refusal.message and refusal.message_en
        return
    assert isinstance(result, dict)
    assert all(
        isinstance(name, str) and isinstance(content, bytes) for name, content in result.items()
    )
    assert sum(map(len, result.values())) <= limits.max_total_bytes


SMALL = ArchiveLimits(max_file_bytes=20_000, max_total_bytes=40_000, max_ratio=50)


@FAST
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_give_a_dict_or_a_refusal(data):
    outcome(data, ArchiveLimits())
    outcome(b"PK\x03\x04" + data + b"PK\x05\x06" + data[:18], ArchiveLimits())


SAMPLE = build(
    ("manifest.json", b'{"format": 1, "name": "Musterbibliothek"}'),
    ("prozesse/", b""),
    ("prozesse/hund.json", b'{"steps": []}' * 40),
    (info("prozesse/leer.txt", method=zipfile.ZIP_STORED), b""),
    ("prozesse/straße.json", "Grüße".encode() * 30),
)


@FAST
@given(
    st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=8),
    st.integers(0, len(SAMPLE)),
    st.binary(max_size=30),
)
def test_damaged_archives_give_a_dict_or_a_refusal(changes, keep, inserted):
    data = bytearray(SAMPLE)
    for position, value in changes:
        data[position] = value
    outcome(bytes(data), SMALL)
    outcome(bytes(data[:keep]) + inserted + bytes(data[keep:]), SMALL)
    outcome(bytes(data[:keep]), SMALL)


def test_the_reader_is_pure():
    """No Django and nothing of the project: only the standard library's parsing pieces."""
    import ast
    from pathlib import Path

    import forms_engine.library.archive as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= {"__future__", "dataclasses", "stat", "struct", "unicodedata", "zlib"}
