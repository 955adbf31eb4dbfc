"""Reading a bundle's zip file, hostile input included (pure: no Django, never the disk).

`read_archive(data)` returns every regular member of a zip as `{name: bytes}` in archive
order, or refuses the whole archive with `BundleRefused` (a stable `code`, a German
`message`, an English `message_en`, the member `path` where there is one) on the first
problem. Nothing else escapes for any input bytes.

The zip structures are parsed here, not by `zipfile`, so that every limit holds before the
work it guards: the entry count is checked while walking the central directory (a lying
count cannot make millions of objects), names are checked as the raw bytes in the archive
(`zipfile` cuts a name at NUL), every member's bytes must lie inside the archive without
overlapping another member's (the "overlapping files" zip bomb), and members are inflated
in 64 KiB steps with the limits checked after each step, so a header that lies about sizes
cannot make the reader allocate more than the limits allow. A member must inflate to
exactly its declared size and CRC-32, with no bytes left over.

Refusal codes: not_a_zip, archive_too_large, too_many_files, name_not_utf8, unsafe_path,
link, duplicate_entry, encrypted, unsupported_compression, file_too_large, zip_bomb,
corrupt (docs: the bundle format).
"""

from __future__ import annotations

import stat
import struct
import unicodedata
import zlib
from dataclasses import dataclass

__all__ = ["ArchiveLimits", "BundleRefused", "read_archive"]


class BundleRefused(Exception):
    """A bundle is refused: `code` (stable, snake_case), `message` (German), `message_en`.

    `path` names the member concerned ("" for the archive as a whole); it is shown with
    non-printable characters escaped, so it is safe to put in a page or a log line.
    """

    def __init__(self, code: str, message: str, message_en: str, *, path: str = ""):
        self.code = code
        self.message = message
        self.message_en = message_en
        self.path = path
        super().__init__(f"{message} / {message_en}")

    def __reduce__(self):
        return (_rebuild_refusal, (self.code, self.message, self.message_en, self.path))


def _rebuild_refusal(code: str, message: str, message_en: str, path: str) -> BundleRefused:
    return BundleRefused(code, message, message_en, path=path)


@dataclass(frozen=True)
class ArchiveLimits:
    max_archive_bytes: int = 64 * 1024 * 1024  # the zip itself
    max_files: int = 5000  # entries in the central directory, directories included
    max_file_bytes: int = 2 * 1024 * 1024  # one member, uncompressed
    max_total_bytes: int = 256 * 1024 * 1024  # all members, uncompressed
    max_ratio: int = 200  # uncompressed/compressed per member (members > 4 KiB uncompressed only)
    max_name_bytes: int = 255  # a member's name as stored, in bytes
    max_depth: int = 6  # path segments of a name ("a/b/c.json" has 3)


RATIO_FREE_BYTES = 4096  # members up to this size (uncompressed) have no ratio limit
STEP = 64 * 1024  # inflate this much at a time

STORED, DEFLATED = 0, 8
FLAG_ENCRYPTED = 0x0001
FLAG_STRONG_ENCRYPTION = 0x0040
FLAG_UTF8 = 0x0800
FLAG_MASKED_HEADERS = 0x2000

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # central directory file header
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # local file header
_LOCAL_SIGNATURE = b"PK\x03\x04"
_EXTRA_HEADER = struct.Struct("<HH")
_ZIP64_EXTRA = 0x0001
_MAX_COMMENT = 0xFFFF

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


@dataclass(frozen=True)
class _Entry:
    """One central directory entry, as stored."""

    raw_name: bytes
    flags: int
    method: int
    crc: int
    compressed: int
    size: int
    offset: int  # of the local header, in `data`
    external_attr: int

    @property
    def shown(self) -> str:
        return _shown(self.raw_name.decode("utf-8", "replace"))


def read_archive(data: bytes, limits: ArchiveLimits = ArchiveLimits()) -> dict[str, bytes]:
    """All regular members of the zip, name -> bytes, in archive order; refuses the whole
    archive (BundleRefused) on the first problem. Never writes to disk.

    Directory entries (names ending in "/") are checked like the rest and skipped.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"read_archive expects bytes, not {type(data).__name__}")
    view = memoryview(data).cast("B")
    if len(view) > limits.max_archive_bytes:
        raise BundleRefused(
            "archive_too_large",
            f"Das Archiv ist mit {len(view)} Bytes größer als erlaubt ({limits.max_archive_bytes} Bytes).",
            f"The archive is {len(view)} bytes, more than the allowed {limits.max_archive_bytes} bytes.",
        )
    entries, directory_start = _central_directory(view, limits)
    members = _check_entries(view, entries, directory_start, limits)
    result: dict[str, bytes] = {}
    total = 0
    for name, entry, start in members:
        content = _inflate(view, entry, start, total, limits)
        total += len(content)
        result[name] = content
    return result


# --- the central directory ---------------------------------------------------------------


def _central_directory(view: memoryview, limits: ArchiveLimits) -> tuple[list[_Entry], int]:
    """The entries of the central directory, and where it starts in `view`."""
    size = len(view)
    if size == 0:
        raise _not_a_zip("die Datei ist leer", "the file is empty")
    if size < _EOCD.size:
        raise _not_a_zip("die Datei ist zu kurz", "the file is too short")
    end = _find_end_record(view)
    (_, disk, directory_disk, disk_entries, count, directory_size, directory_offset, _) = (
        _EOCD.unpack_from(view, end)
    )
    anchor = end  # the directory ends right before the (zip64) end record
    if end >= _ZIP64_LOCATOR.size and (
        bytes(view[end - _ZIP64_LOCATOR.size : end - _ZIP64_LOCATOR.size + 4])
        == _ZIP64_LOCATOR_SIGNATURE
    ):
        anchor = end - _ZIP64_LOCATOR.size - _ZIP64_EOCD.size
        if anchor < 0 or bytes(view[anchor : anchor + 4]) != _ZIP64_EOCD_SIGNATURE:
            raise _not_a_zip(
                "der ZIP64-Endsatz fehlt",
                "the ZIP64 end of central directory record is missing",
            )
        zip64 = _ZIP64_EOCD.unpack_from(view, anchor)
        disk, directory_disk, disk_entries, count, directory_size, directory_offset = zip64[4:]
    if disk != 0 or directory_disk != 0 or disk_entries != count:
        raise _not_a_zip(
            "mehrteilige Archive werden nicht unterstützt",
            "multi-part (split) archives are not supported",
        )
    if count > limits.max_files:
        raise _too_many_files(limits)
    start = anchor - directory_size
    shift = start - directory_offset  # bytes before the archive proper (as zipfile allows)
    if start < 0 or shift < 0:
        raise _not_a_zip(
            "das Inhaltsverzeichnis liegt außerhalb der Datei",
            "the central directory lies outside the file",
        )
    entries: list[_Entry] = []
    position = start
    while position < anchor:
        if len(entries) >= limits.max_files:
            raise _too_many_files(limits)
        if position + _CENTRAL.size > anchor or (
            bytes(view[position : position + 4]) != _CENTRAL_SIGNATURE
        ):
            raise _broken_directory()
        fields = _CENTRAL.unpack_from(view, position)
        flags, method, crc, compressed, uncompressed = fields[5], fields[6], *fields[9:12]
        name_length, extra_length, comment_length = fields[12:15]
        external_attr, offset = fields[17], fields[18]
        name_start = position + _CENTRAL.size
        extra_start = name_start + name_length
        position = extra_start + extra_length + comment_length
        if position > anchor:
            raise _broken_directory()
        uncompressed, compressed, offset = _zip64_values(
            view[extra_start : extra_start + extra_length], uncompressed, compressed, offset
        )
        entries.append(
            _Entry(
                raw_name=bytes(view[name_start:extra_start]),
                flags=flags,
                method=method,
                crc=crc,
                compressed=compressed,
                size=uncompressed,
                offset=offset + shift,
                external_attr=external_attr,
            )
        )
    if position != anchor or len(entries) != count:
        raise _broken_directory()
    return entries, start


def _find_end_record(view: memoryview) -> int:
    """Where the end of central directory record starts (as zipfile finds it)."""
    size = len(view)
    last = size - _EOCD.size
    if bytes(view[last : last + 4]) == _EOCD_SIGNATURE and bytes(view[-2:]) == b"\0\0":
        return last
    tail_start = max(0, size - _EOCD.size - _MAX_COMMENT)
    found = bytes(view[tail_start:]).rfind(_EOCD_SIGNATURE)
    if found < 0 or tail_start + found + _EOCD.size > size:
        raise _not_a_zip(
            "der Endsatz des Inhaltsverzeichnisses fehlt",
            "the end of central directory record is missing",
        )
    return tail_start + found


def _zip64_values(
    extra: memoryview, uncompressed: int, compressed: int, offset: int
) -> tuple[int, int, int]:
    """The sizes and offset, taken from the ZIP64 extra field where the header says so."""
    position = 0
    while len(extra) - position >= _EXTRA_HEADER.size:
        kind, length = _EXTRA_HEADER.unpack_from(extra, position)
        body = extra[position + 4 : position + 4 + length]
        if len(body) != length:
            raise _broken_directory()
        position += 4 + length
        if kind != _ZIP64_EXTRA:
            continue
        values = [uncompressed, compressed, offset]
        read = 0
        for index, value in enumerate(values):
            if value == 0xFFFFFFFF:
                if read + 8 > length:
                    raise _broken_directory()
                values[index] = struct.unpack_from("<Q", body, read)[0]
                read += 8
        uncompressed, compressed, offset = values
    return uncompressed, compressed, offset


# --- checks before anything is inflated --------------------------------------------------


def _check_entries(
    view: memoryview, entries: list[_Entry], directory_start: int, limits: ArchiveLimits
) -> list[tuple[str, _Entry, int]]:
    """Every entry's name, type, method, declared sizes and place; the regular members as
    (name, entry, where its compressed bytes start)."""
    names = _Names()
    members: list[tuple[str, _Entry, int]] = []
    extents: list[tuple[int, int, _Entry]] = []
    declared_total = 0
    for entry in entries:
        name = _checked_name(entry, limits)
        is_directory = name.endswith("/")
        _check_type(entry, is_directory)
        if entry.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS):
            raise BundleRefused(
                "encrypted",
                f"Der Eintrag „{entry.shown}“ ist verschlüsselt; verschlüsselte Archive werden nicht unterstützt.",
                f"The entry “{entry.shown}” is encrypted; encrypted archives are not supported.",
                path=entry.shown,
            )
        if entry.method not in (STORED, DEFLATED):
            raise BundleRefused(
                "unsupported_compression",
                f"Der Eintrag „{entry.shown}“ verwendet die Kompressionsmethode {entry.method}; "
                "erlaubt sind nur „stored“ (0) und „deflate“ (8).",
                f"The entry “{entry.shown}” uses compression method {entry.method}; "
                "only “stored” (0) and “deflate” (8) are allowed.",
                path=entry.shown,
            )
        names.add(name, entry.shown)
        if not is_directory:
            if entry.size > RATIO_FREE_BYTES and entry.size > limits.max_ratio * entry.compressed:
                raise _ratio_bomb(entry, limits)
            if entry.size > limits.max_file_bytes:
                raise _file_too_large(entry, limits)
            declared_total += entry.size
            if declared_total > limits.max_total_bytes:
                raise _total_bomb(entry, limits)
        start = _data_start(view, entry)
        end = start + entry.compressed
        if end > directory_start:
            raise _corrupt(
                entry,
                "die Daten reichen über das Archiv hinaus",
                "its data runs past the end of the archive",
            )
        extents.append((entry.offset, end, entry))
        if not is_directory:
            members.append((name, entry, start))
    extents.sort(key=lambda extent: extent[:2])
    for (_, end, first), (offset, _, second) in zip(extents, extents[1:], strict=False):
        if offset < end:
            raise BundleRefused(
                "zip_bomb",
                f"Die Einträge „{first.shown}“ und „{second.shown}“ überlappen sich im Archiv "
                "– das Archiv wird als mögliche ZIP-Bombe abgelehnt.",
                f"The entries “{first.shown}” and “{second.shown}” overlap in the archive "
                "– the archive is refused as a possible zip bomb.",
                path=second.shown,
            )
    return members


def _checked_name(entry: _Entry, limits: ArchiveLimits) -> str:
    raw = entry.raw_name
    if entry.flags & FLAG_UTF8:
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _not_utf8(entry, "ist kein gültiges UTF-8", "is not valid UTF-8") from None
    elif raw.isascii():
        name = raw.decode("ascii")
    else:
        raise _not_utf8(
            entry,
            "enthält Nicht-ASCII-Zeichen, ist aber nicht als UTF-8 gekennzeichnet",
            "has non-ASCII characters but is not marked as UTF-8",
        )
    shown = _shown(name)

    def unsafe(reason: str, reason_en: str) -> BundleRefused:
        return BundleRefused(
            "unsafe_path",
            f"Der Pfad „{shown}“ ist nicht erlaubt: {reason}.",
            f"The path “{shown}” is not allowed: {reason_en}.",
            path=shown,
        )

    if not name:
        raise unsafe("der Name ist leer", "the name is empty")
    if len(raw) > limits.max_name_bytes:
        raise unsafe(
            f"er ist länger als {limits.max_name_bytes} Bytes",
            f"it is longer than {limits.max_name_bytes} bytes",
        )
    if any(unicodedata.category(char) in _UNSAFE_CATEGORIES for char in name):
        raise unsafe(
            "er enthält Steuer- oder unsichtbare Formatzeichen",
            "it contains control or invisible format characters",
        )
    if "\\" in name:
        raise unsafe("er enthält einen Rückwärtsschrägstrich (\\)", "it contains a backslash (\\)")
    if name.startswith("/"):
        raise unsafe("er ist absolut", "it is absolute")
    if ":" in name:  # "C:", "C:\\x", NTFS streams ("a:b")
        raise unsafe(
            "er enthält eine Laufwerksangabe oder einen Doppelpunkt",
            "it contains a drive letter or a colon",
        )
    segments = (name[:-1] if name.endswith("/") else name).split("/")
    if "" in segments:
        raise unsafe("er enthält einen leeren Abschnitt (//)", "it contains an empty segment (//)")
    if ".." in segments:
        raise unsafe("er enthält „..“", "it contains “..”")
    if "." in segments:
        raise unsafe("er enthält „.“", "it contains “.”")
    if len(segments) > limits.max_depth:
        raise unsafe(
            f"er ist tiefer als {limits.max_depth} Ebenen",
            f"it is deeper than {limits.max_depth} levels",
        )
    return name


def _check_type(entry: _Entry, is_directory: bool) -> None:
    """Only regular files and directories: no symbolic links, devices, FIFOs, sockets."""
    kind = stat.S_IFMT(entry.external_attr >> 16)
    if kind == 0 or kind == (stat.S_IFDIR if is_directory else stat.S_IFREG):
        return
    if kind == stat.S_IFLNK:
        raise BundleRefused(
            "link",
            f"Der Eintrag „{entry.shown}“ ist eine symbolische Verknüpfung; Verknüpfungen sind nicht erlaubt.",
            f"The entry “{entry.shown}” is a symbolic link; links are not allowed.",
            path=entry.shown,
        )
    raise BundleRefused(
        "link",
        f"Der Eintrag „{entry.shown}“ ist keine gewöhnliche Datei und kein Ordner "
        "(sondern z. B. ein Gerät, eine FIFO oder ein Socket, oder sein Typ passt nicht zum Namen).",
        f"The entry “{entry.shown}” is neither a regular file nor a directory "
        "(but e.g. a device, FIFO or socket, or its type does not match its name).",
        path=entry.shown,
    )


class _Names:
    """The names seen so far, compared as a case-insensitive file system (and macOS's
    normalisation) would: a name may not repeat, differ from another only in case or
    Unicode normalisation, or be a file and a folder at once."""

    def __init__(self):
        self.files: dict[str, str] = {}
        self.directories: dict[str, str] = {}  # given as entries
        self.parents: dict[str, str] = {}  # implied by a member's path

    def add(self, name: str, shown: str) -> None:
        is_directory = name.endswith("/")
        segments = name.rstrip("/").split("/")
        key = _fold(name.rstrip("/"))
        same_kind = self.directories if is_directory else self.files
        other_kind = self.files if is_directory else self.directories
        if key in same_kind:
            raise _duplicate(shown, same_kind[key])
        if key in other_kind:
            raise _file_and_folder(shown, other_kind[key])
        if not is_directory and key in self.parents:
            raise _file_and_folder(shown, self.parents[key])
        for depth in range(1, len(segments)):
            parent = _fold("/".join(segments[:depth]))
            if parent in self.files:
                raise _file_and_folder(shown, self.files[parent])
            self.parents.setdefault(parent, shown)
        same_kind[key] = shown


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _data_start(view: memoryview, entry: _Entry) -> int:
    """Where the entry's compressed bytes start, after its local header (which must be
    there and carry the same name)."""
    offset = entry.offset
    if offset + _LOCAL.size > len(view) or bytes(view[offset : offset + 4]) != _LOCAL_SIGNATURE:
        raise _corrupt(entry, "der lokale Kopf fehlt", "its local header is missing")
    fields = _LOCAL.unpack_from(view, offset)
    name_length, extra_length = fields[10], fields[11]
    name_start = offset + _LOCAL.size
    if bytes(view[name_start : name_start + name_length]) != entry.raw_name:
        raise _corrupt(
            entry,
            "der Name im lokalen Kopf weicht vom Inhaltsverzeichnis ab",
            "the name in its local header differs from the central directory",
        )
    return name_start + name_length + extra_length


# --- reading the members -----------------------------------------------------------------


def _inflate(
    view: memoryview, entry: _Entry, start: int, total_before: int, limits: ArchiveLimits
) -> bytes:
    """The member's bytes, checked against the limits while they are produced."""
    data = view[start : start + entry.compressed]
    if entry.method == STORED:
        _check_growth(entry, len(data), total_before, limits)
        content = bytes(data)
    else:
        content = _deflated(data, entry, total_before, limits)
    if len(content) != entry.size:
        raise _corrupt(
            entry,
            f"er ergibt {len(content)} statt der angegebenen {entry.size} Bytes",
            f"it yields {len(content)} bytes instead of the declared {entry.size}",
        )
    if zlib.crc32(content) != entry.crc:
        raise _corrupt(entry, "die Prüfsumme (CRC-32) stimmt nicht", "its CRC-32 does not match")
    return content


def _deflated(data: memoryview, entry: _Entry, total_before: int, limits: ArchiveLimits) -> bytes:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pieces: list[bytes] = []
    produced = 0
    fed = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                chunk: bytes | memoryview = inflater.unconsumed_tail
            else:
                chunk = data[fed : fed + STEP]
                fed += len(chunk)
            piece = inflater.decompress(chunk, STEP)
            if not piece and not chunk:
                break  # no input left, stream not finished
            produced += len(piece)
            _check_growth(entry, produced, total_before, limits)
            pieces.append(piece)
    except zlib.error:
        raise _corrupt(
            entry, "die Deflate-Daten sind fehlerhaft", "its deflate data is broken"
        ) from None
    if not inflater.eof:
        raise _corrupt(entry, "die Daten sind unvollständig", "its data is truncated")
    if inflater.unused_data or fed < len(data):
        raise _corrupt(
            entry,
            "nach dem Ende der Deflate-Daten folgen weitere Bytes",
            "there are bytes after the end of its deflate data",
        )
    return b"".join(pieces)


def _check_growth(entry: _Entry, produced: int, total_before: int, limits: ArchiveLimits) -> None:
    """The bytes really produced so far for `entry` within the limits and its declared size
    (which passed the limits already: a header that understates it stops here)."""
    if produced > RATIO_FREE_BYTES and produced > limits.max_ratio * entry.compressed:
        raise _ratio_bomb(entry, limits)
    if produced > limits.max_file_bytes:
        raise _file_too_large(entry, limits)
    if total_before + produced > limits.max_total_bytes:
        raise _total_bomb(entry, limits)
    if produced > entry.size:
        raise _corrupt(
            entry,
            f"er ergibt mehr als die angegebenen {entry.size} Bytes",
            f"it yields more than the declared {entry.size} bytes",
        )


# --- refusals ----------------------------------------------------------------------------


def _shown(name: str, limit: int = 160) -> str:
    """`name` fit to be shown: non-printable characters escaped, long names shortened."""
    text = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in name
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _not_a_zip(detail: str, detail_en: str) -> BundleRefused:
    return BundleRefused(
        "not_a_zip",
        f"Die Datei ist kein gültiges ZIP-Archiv: {detail}.",
        f"The file is not a valid zip archive: {detail_en}.",
    )


def _broken_directory() -> BundleRefused:
    return _not_a_zip("das Inhaltsverzeichnis ist beschädigt", "the central directory is damaged")


def _too_many_files(limits: ArchiveLimits) -> BundleRefused:
    return BundleRefused(
        "too_many_files",
        f"Das Archiv enthält mehr als {limits.max_files} Einträge.",
        f"The archive contains more than {limits.max_files} entries.",
    )


def _not_utf8(entry: _Entry, detail: str, detail_en: str) -> BundleRefused:
    return BundleRefused(
        "name_not_utf8",
        f"Der Name des Eintrags „{entry.shown}“ {detail}.",
        f"The name of the entry “{entry.shown}” {detail_en}.",
        path=entry.shown,
    )


def _duplicate(shown: str, earlier: str) -> BundleRefused:
    if shown == earlier:
        return BundleRefused(
            "duplicate_entry",
            f"Der Eintrag „{shown}“ kommt mehrfach vor.",
            f"The entry “{shown}” occurs more than once.",
            path=shown,
        )
    return BundleRefused(
        "duplicate_entry",
        f"Die Einträge „{earlier}“ und „{shown}“ unterscheiden sich nur in Groß-/Kleinschreibung "
        "oder Unicode-Normalisierung; sie würden auf manchen Dateisystemen zusammenfallen.",
        f"The entries “{earlier}” and “{shown}” differ only in case or Unicode normalisation; "
        "they would collide on some file systems.",
        path=shown,
    )


def _file_and_folder(shown: str, earlier: str) -> BundleRefused:
    return BundleRefused(
        "duplicate_entry",
        f"Die Einträge „{earlier}“ und „{shown}“ machen denselben Namen zugleich zu einer Datei "
        "und einem Ordner.",
        f"The entries “{earlier}” and “{shown}” make the same name both a file and a directory.",
        path=shown,
    )


def _file_too_large(entry: _Entry, limits: ArchiveLimits) -> BundleRefused:
    return BundleRefused(
        "file_too_large",
        f"Der Eintrag „{entry.shown}“ ist entpackt größer als erlaubt ({limits.max_file_bytes} Bytes).",
        f"The entry “{entry.shown}” is larger than allowed when unpacked ({limits.max_file_bytes} bytes).",
        path=entry.shown,
    )


def _ratio_bomb(entry: _Entry, limits: ArchiveLimits) -> BundleRefused:
    return BundleRefused(
        "zip_bomb",
        f"Der Eintrag „{entry.shown}“ ist stärker als {limits.max_ratio}:1 komprimiert "
        "– das Archiv wird als mögliche ZIP-Bombe abgelehnt.",
        f"The entry “{entry.shown}” is compressed more than {limits.max_ratio}:1 "
        "– the archive is refused as a possible zip bomb.",
        path=entry.shown,
    )


def _total_bomb(entry: _Entry, limits: ArchiveLimits) -> BundleRefused:
    return BundleRefused(
        "zip_bomb",
        f"Das Archiv ist entpackt größer als erlaubt ({limits.max_total_bytes} Bytes; "
        f"überschritten bei „{entry.shown}“) – es wird als mögliche ZIP-Bombe abgelehnt.",
        f"The archive is larger than allowed when unpacked ({limits.max_total_bytes} bytes; "
        f"exceeded at “{entry.shown}”) – it is refused as a possible zip bomb.",
        path=entry.shown,
    )


def _corrupt(entry: _Entry, detail: str, detail_en: str) -> BundleRefused:
    return BundleRefused(
        "corrupt",
        f"Der Eintrag „{entry.shown}“ ist beschädigt: {detail}.",
        f"The entry “{entry.shown}” is damaged: {detail_en}.",
        path=entry.shown,
    )
