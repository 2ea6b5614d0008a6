"""Upload checks by content, never by name or declared type (P-29).

This module is pure Python with no Django import: it runs inside the sandbox subprocess
(see `sandbox.py`), under a time and memory limit, because the parsers it drives (pypdf,
Pillow, zipfile) read hostile bytes. It answers with a `Refusal` carrying a reason code;
the Django side (`errors.UploadRefused`) turns the code into a translated message.

Accepted: PDF, DOCX, ODT, RTF, plain text (UTF-8, or Windows-1252/Latin-1), JPEG, PNG.
Decisions worth knowing:
- A PDF is refused when any object uses JavaScript, launch/import/submit actions, embedded
  files, rich media or XFA forms. A plain `/OpenAction` that only opens a page is allowed
  (Word and LibreOffice write one); an `/OpenAction` that runs an action is caught by the
  action type it names. A PDF with any encryption (even an empty user password) is refused.
- Images are re-encoded by Pillow (`image_sanitise`), which drops EXIF (GPS included), XMP,
  ICC profiles and text chunks, and anything appended to the file.
- Data after the end of a JPEG is allowed only when it holds no other file type's
  signature (phones append a second JPEG or a motion video); re-encoding drops it anyway.
  Data after a PNG's IEND, a PDF's last `%%EOF` (beyond a little padding) or a ZIP's end
  record is refused.
- Old binary Office files (OLE containers: .doc) are refused; an OLE container holding
  `EncryptionInfo` is a password-protected DOCX and is refused as encrypted.
- ZIP-based documents: the encryption flag is checked before anything is read; declared
  sizes, entry count and ratio are checked next; then every entry is decompressed in
  chunks against one byte budget shared with any archive nested inside (at most two
  levels), and checked for programs, macros (vbaProject.bin, macro-enabled content types,
  ActiveX, ODF Basic/ modules and Scripts/, event listeners), DDE fields and external
  templates. A plain ZIP is refused as an archive, after the same checks (so that a bomb
  or an encrypted archive is named as such).
- RTF with embedded objects (`\\object`, `\\objdata`) is refused: that is how most
  hostile RTF files carry their payload.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

# Reason codes. Each has a translated message in upload.py.
EMPTY = "empty"
TOO_LARGE = "too_large"
UNSUPPORTED = "unsupported"
LEGACY_OFFICE = "legacy_office"
ARCHIVE = "archive"
EXECUTABLE = "executable"
ACTIVE_CONTENT = "active_content"
ENCRYPTED = "encrypted"
BOMB = "bomb"
POLYGLOT = "polyglot"
MALFORMED = "malformed"
TOO_MANY_PIXELS = "too_many_pixels"
TOO_COMPLEX = "too_complex"

REASONS = (
    EMPTY,
    TOO_LARGE,
    UNSUPPORTED,
    LEGACY_OFFICE,
    ARCHIVE,
    EXECUTABLE,
    ACTIVE_CONTENT,
    ENCRYPTED,
    BOMB,
    POLYGLOT,
    MALFORMED,
    TOO_MANY_PIXELS,
    TOO_COMPLEX,
)

PDF = "pdf"
DOCX = "docx"
ODT = "odt"
RTF = "rtf"
TEXT = "txt"
JPEG = "jpeg"
PNG = "png"

CONTENT_TYPES = {
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ODT: "application/vnd.oasis.opendocument.text",
    RTF: "application/rtf",
    JPEG: "image/jpeg",
    PNG: "image/png",
}
# The extension a stored file is served with; other accepted spellings per format.
EXTENSIONS = {
    PDF: ("pdf",),
    DOCX: ("docx",),
    ODT: ("odt",),
    RTF: ("rtf",),
    TEXT: ("txt", "text"),
    JPEG: ("jpg", "jpeg", "jpe"),
    PNG: ("png",),
}
IMAGE_FORMATS = (JPEG, PNG)


@dataclass(frozen=True)
class Limits:
    """Bounds on what a check may expand or parse. Defaults suit CVs and diplomas."""

    max_pixels: int = 40_000_000
    zip_max_entries: int = 1_000
    zip_max_total_bytes: int = 150 * 1024 * 1024
    # Above this size an entry may not expand more than `zip_max_ratio` times: zeros and
    # repeated bytes compress a thousandfold, real XML and images a few dozen times.
    zip_ratio_min_bytes: int = 2 * 1024 * 1024
    zip_max_ratio: int = 200
    zip_max_depth: int = 2
    pdf_max_objects: int = 200_000
    pdf_max_pages: int = 2_000


class Refusal(Exception):
    """The file is refused. `reason` is one of REASONS."""

    def __init__(self, reason: str) -> None:
        assert reason in REASONS
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Verdict:
    """An accepted file: its format, the type to serve it as, and the bytes to store."""

    format: str
    content_type: str
    extension: str
    content: bytes


# --- signatures -----------------------------------------------------------------------

_PDF_MAGIC = b"%PDF-"
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_ZIP_SPANNED = b"PK\x07\x08"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_RTF_MAGIC = b"{\\rtf"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Programs, whatever the file is called.
_EXECUTABLE_MAGICS = (
    b"\x7fELF",  # Linux and most Unix
    b"\xfe\xed\xfa\xce",  # Mach-O 32-bit
    b"\xfe\xed\xfa\xcf",  # Mach-O 64-bit
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit, little-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary, and Java class files
    b"\xca\xfe\xd0\x0d",  # Java pack200
    b"dex\n",  # Android Dalvik
    b"\x00asm",  # WebAssembly
    b"#!",  # scripts with an interpreter line
    b"#@~^",  # encoded VBScript/JScript
    b"L\x00\x00\x00\x01\x14\x02\x00",  # Windows shortcut (.lnk)
    b"MSCF",  # Windows cabinet
    b"ITSF",  # compiled HTML help (.chm)
)

# Other formats that we recognise, to refuse them as unsupported or as archives rather
# than try to read them as text.
_ARCHIVE_MAGICS = (
    b"\x1f\x8b",  # gzip
    b"BZh",  # bzip2
    b"\xfd7zXZ\x00",  # xz
    b"7z\xbc\xaf\x27\x1c",  # 7-Zip
    b"Rar!\x1a\x07",  # RAR
    b"\x28\xb5\x2f\xfd",  # zstd
    b"MSCF",
)
_OTHER_MAGICS = (
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"BM",  # bitmap
    b"RIFF",  # WebP, WAV, AVI
    b"\x00\x00\x01\x00",  # ICO
    b"OggS",
    b"ID3",
    b"fLaC",
)

# Signatures that must not hide inside or after another format (polyglots).
_FOREIGN_SIGNATURES = (
    _PDF_MAGIC,
    _ZIP_LOCAL,
    _RTF_MAGIC,
    _OLE_MAGIC,
    b"\x7fELF",
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"<script",
    b"<html",
    b"<svg",
    b"<?php",
)


def _is_pe(data: bytes) -> bool:
    """True for a DOS or Windows executable (MZ header)."""
    if not data.startswith(b"MZ") or len(data) < 64:
        return False
    (pe_offset,) = struct.unpack_from("<I", data, 0x3C)
    if pe_offset + 4 <= len(data) and data[pe_offset : pe_offset + 4] == b"PE\x00\x00":
        return True
    # A DOS program has binary header fields; a text file that starts with "MZ" does not.
    return b"\x00" in data[:64]


def _executable_signature(data: bytes) -> bool:
    return _is_pe(data) or any(data.startswith(magic) for magic in _EXECUTABLE_MAGICS)


# --- entry point ----------------------------------------------------------------------


def check_content(data: bytes, limits: Limits | None = None) -> Verdict:
    """Decide whether `data` may be stored, by its content alone.

    Returns the Verdict (images re-encoded without metadata). Raises Refusal.
    """
    limits = limits or Limits()
    if not data:
        raise Refusal(EMPTY)
    if _executable_signature(data):
        raise Refusal(EXECUTABLE)
    if data.startswith(_OLE_MAGIC):
        _refuse_ole(data)
    if data.startswith(_PDF_MAGIC):
        return _check_pdf(data, limits)
    # Whatever else this is, it must not also be a PDF (the PDF magic away from offset 0).
    _refuse_embedded_pdf(data)
    if data.startswith(_ZIP_LOCAL) or data.startswith(_ZIP_EMPTY) or data.startswith(_ZIP_SPANNED):
        return _check_zip_document(data, limits)
    if data.startswith(_JPEG_MAGIC):
        return _check_image(data, JPEG, limits)
    if data.startswith(_PNG_MAGIC):
        return _check_image(data, PNG, limits)
    if data.startswith(_RTF_MAGIC):
        return _check_rtf(data)
    if any(data.startswith(magic) for magic in _ARCHIVE_MAGICS):
        raise Refusal(ARCHIVE)
    if any(data.startswith(magic) for magic in _OTHER_MAGICS):
        raise Refusal(UNSUPPORTED)
    return _check_text(data)


# --- shared polyglot checks -----------------------------------------------------------


def _opens_as_zip(data: bytes) -> bool:
    """True when a ZIP reader would find an archive in these bytes (zipfile tolerates
    data before the archive, as self-extracting programs have)."""
    if _ZIP_EMPTY not in data[-(65_536 + 22) :]:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if not infos:
                return False
            # The first entry's local header must be where the directory says it is;
            # open() checks that before it looks at encryption or compression.
            try:
                archive.open(infos[0]).close()
            except (RuntimeError, NotImplementedError):
                return True  # an encrypted or oddly compressed entry: still a ZIP
            return True
    except Exception:
        return False


def _refuse_embedded_pdf(data: bytes) -> None:
    """A PDF reader finds a PDF that starts anywhere in the first kilobyte, and some
    readers further on: a `%PDF-` followed by `%%EOF` makes a non-PDF file a PDF too."""
    start = data.find(_PDF_MAGIC)
    if start != -1 and (start < 1024 or data.find(b"%%EOF", start) != -1):
        raise Refusal(POLYGLOT)


def _refuse_foreign_signatures(tail: bytes) -> None:
    lowered = tail.lower()
    if any(signature.lower() in lowered for signature in _FOREIGN_SIGNATURES):
        raise Refusal(POLYGLOT)
    if _executable_signature(tail):
        raise Refusal(POLYGLOT)


# --- OLE (old Office, encrypted OOXML) ------------------------------------------------


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _refuse_ole(data: bytes) -> None:
    # The stream names sit in the container's directory as UTF-16 strings; looking for
    # them is enough to tell the cases apart without a full OLE parser.
    if _utf16("EncryptionInfo") in data or _utf16("EncryptedPackage") in data:
        raise Refusal(ENCRYPTED)
    if _ole_has_active_content(data):
        raise Refusal(ACTIVE_CONTENT)
    raise Refusal(LEGACY_OFFICE)


def _ole_has_active_content(data: bytes) -> bool:
    markers = ("_VBA_PROJECT", "VBA", "Macros", "Ole10Native", "\x01Ole10Native")
    return any(_utf16(marker) in data for marker in markers)


# --- PDF ------------------------------------------------------------------------------

# Names that mark scripts, actions that run or fetch something, and embedded files. The
# walk below sees names after pypdf has decoded them, so `/J#61vaScript` is caught too.
_PDF_ACTIVE_NAMES = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/RichMedia",
        "/RichMediaExecute",
        "/XFA",
        "/ImportData",
        "/SubmitForm",
        "/GoToE",
        "/Rendition",
        "/Sound",
        "/Movie",
    }
)
_PDF_RAW_MARKERS = (b"/JavaScript", b"/EmbeddedFile", b"/Launch", b"/RichMedia")


def _check_pdf(data: bytes, limits: Limits) -> Verdict:
    if _opens_as_zip(data):
        raise Refusal(POLYGLOT)
    last_eof = data.rfind(b"%%EOF")
    if last_eof == -1 or data.rfind(b"startxref", 0, last_eof) == -1:
        # Cut short: a complete PDF ends with its cross-reference pointer and %%EOF.
        raise Refusal(MALFORMED)
    trailing = data[last_eof + 5 :]
    if trailing.strip(b"\r\n\t \x00"):
        _refuse_foreign_signatures(trailing)
        # Readers look for %%EOF in the last kilobyte only; a few stray bytes are common.
        if len(trailing) > 1024:
            raise Refusal(MALFORMED)
    if any(marker in data for marker in _PDF_RAW_MARKERS):
        raise Refusal(ACTIVE_CONTENT)

    import pypdf
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Refusal(ENCRYPTED)
        pages = len(reader.pages)
        if pages == 0:
            raise Refusal(MALFORMED)
        if pages > limits.pdf_max_pages:
            raise Refusal(TOO_COMPLEX)
        for page in reader.pages:
            page.mediabox  # noqa: B018 - reading it proves the page dictionary loads

        ids: set[tuple[int, int]] = set()
        for generation, table in reader.xref.items():
            ids.update((number, generation) for number in table)
        ids.update((number, 0) for number in reader.xref_objStm)
        if len(ids) > limits.pdf_max_objects:
            raise Refusal(TOO_COMPLEX)

        def walk(value: Any, depth: int) -> None:
            if depth > 64:
                raise Refusal(TOO_COMPLEX)
            if isinstance(value, NameObject):
                if str(value) in _PDF_ACTIVE_NAMES:
                    raise Refusal(ACTIVE_CONTENT)
            elif isinstance(value, DictionaryObject):
                for key, item in value.items():
                    if str(key) in _PDF_ACTIVE_NAMES:
                        raise Refusal(ACTIVE_CONTENT)
                    walk(item, depth + 1)
            elif isinstance(value, ArrayObject):
                for item in value:
                    walk(item, depth + 1)

        walk(reader.trailer, 0)
        for number, generation in sorted(ids):
            try:
                obj = reader.get_object(IndirectObject(number, generation, reader))
            except Exception:  # noqa: S112 - nothing to log: the checker has no logger
                # A dangling cross-reference entry: readers skip it too. The byte search
                # above still saw any script names in it.
                continue
            walk(obj, 0)
    except Refusal:
        raise
    except (MemoryError, RecursionError) as exc:
        raise Refusal(TOO_COMPLEX) from exc
    except Exception as exc:
        raise Refusal(MALFORMED) from exc
    return Verdict(PDF, CONTENT_TYPES[PDF], "pdf", data)


# --- ZIP-based documents (DOCX, ODT) ---------------------------------------------------

_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_EXECUTABLE_ENTRY_SUFFIXES = (
    ".exe",
    ".dll",
    ".scr",
    ".com",
    ".bat",
    ".cmd",
    ".ps1",
    ".vbs",
    ".vbe",
    ".js",
    ".jse",
    ".wsf",
    ".hta",
    ".jar",
    ".class",
    ".sh",
    ".msi",
    ".lnk",
    ".dex",
    ".apk",
)


class _Budget:
    """Bytes that may still be decompressed, shared by nested archives."""

    def __init__(self, total: int) -> None:
        self.left = total

    def spend(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise Refusal(BOMB)


def _zip_trailing_data(data: bytes) -> bool:
    """True when bytes follow the archive's end record (and its comment)."""
    end = data.rfind(_ZIP_EMPTY)
    if end == -1 or end + 22 > len(data):
        return True
    (comment_length,) = struct.unpack_from("<H", data, end + 20)
    return end + 22 + comment_length != len(data)


def _open_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.LargeZipFile as exc:
        raise Refusal(BOMB) from exc
    except Exception as exc:
        raise Refusal(MALFORMED) from exc
    if len(infos) > limits.zip_max_entries:
        raise Refusal(BOMB)
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        # Two entries with one name: readers disagree on which one counts.
        raise Refusal(MALFORMED)
    if infos and infos[0].header_offset != 0 and data.startswith(_ZIP_LOCAL):
        raise Refusal(POLYGLOT)
    # The encryption flag first: an encrypted entry cannot be inspected at all.
    if any(info.flag_bits & 0x1 for info in infos):
        raise Refusal(ENCRYPTED)
    declared = sum(info.file_size for info in infos)
    if declared > limits.zip_max_total_bytes:
        raise Refusal(BOMB)
    for info in infos:
        if (
            info.file_size > limits.zip_ratio_min_bytes
            and info.file_size > limits.zip_max_ratio * max(info.compress_size, 1)
        ):
            raise Refusal(BOMB)
    return archive


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    """Decompress one entry in chunks, counting what actually comes out: the sizes in
    the headers are the attacker's to choose."""
    chunks: list[bytes] = []
    try:
        with archive.open(info) as handle:
            while True:
                chunk = handle.read(64 * 1024)
                if not chunk:
                    break
                budget.spend(len(chunk))
                chunks.append(chunk)
    except Refusal:
        raise
    except NotImplementedError as exc:
        # An unknown compression method.
        raise Refusal(UNSUPPORTED) from exc
    except Exception as exc:
        # CRC mismatch, truncated stream, lying sizes.
        raise Refusal(MALFORMED) from exc
    return b"".join(chunks)


def _zip_entries(
    data: bytes, limits: Limits, budget: _Budget, depth: int
) -> Iterator[tuple[str, bytes]]:
    """Every file entry's name and content, nested archives checked on the way."""
    if depth > limits.zip_max_depth:
        raise Refusal(BOMB)
    if _zip_trailing_data(data):
        raise Refusal(POLYGLOT)
    with _open_zip(data, limits) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = info.filename
            lowered = name.lower()
            if lowered.endswith(_EXECUTABLE_ENTRY_SUFFIXES):
                raise Refusal(EXECUTABLE)
            content = _read_entry(archive, info, budget)
            if _executable_signature(content):
                raise Refusal(EXECUTABLE)
            if content.startswith(_OLE_MAGIC):
                if _utf16("EncryptionInfo") in content:
                    raise Refusal(ENCRYPTED)
                if _ole_has_active_content(content):
                    raise Refusal(ACTIVE_CONTENT)
            if content.startswith(_ZIP_LOCAL):
                # An embedded workbook or document: check it the same way, against the
                # same budget, so that nesting cannot multiply the limits.
                _check_embedded_archive(content, limits, budget, depth + 1)
            yield name, content


def _check_embedded_archive(data: bytes, limits: Limits, budget: _Budget, depth: int) -> None:
    names: list[str] = []
    contents: dict[str, bytes] = {}
    for name, content in _zip_entries(data, limits, budget, depth):
        names.append(name)
        if name in ("[Content_Types].xml", "META-INF/manifest.xml"):
            contents[name] = content
    _refuse_office_active(names, contents)


def _refuse_office_active(names: list[str], contents: dict[str, bytes]) -> None:
    lowered = [name.lower() for name in names]
    if any(name.endswith(("vbaproject.bin", "vbadata.xml")) for name in lowered):
        raise Refusal(ACTIVE_CONTENT)
    if any("/activex/" in f"/{name}" for name in lowered):
        raise Refusal(ACTIVE_CONTENT)
    types = contents.get("[Content_Types].xml", b"").lower()
    if b"macroenabled" in types or b"vbaproject" in types or b"ms-office.activex" in types:
        raise Refusal(ACTIVE_CONTENT)
    manifest = contents.get("META-INF/manifest.xml", b"")
    if b"encryption-data" in manifest:
        raise Refusal(ENCRYPTED)
    if any(name.startswith("scripts/") for name in lowered):
        raise Refusal(ACTIVE_CONTENT)
    if any(_is_basic_module(name) for name in lowered):
        raise Refusal(ACTIVE_CONTENT)


def _is_basic_module(lowered_name: str) -> bool:
    # LibreOffice may write empty library lists (script-lc.xml, script-lb.xml) into
    # Basic/ even without macros; a module is any other file there.
    if not lowered_name.startswith("basic/"):
        return False
    return not lowered_name.endswith(("script-lc.xml", "script-lb.xml", "dialog-lc.xml"))


def _parse_xml(content: bytes) -> ElementTree.Element:
    # Office formats never use DTDs; refusing them rules out entity expansion attacks.
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise Refusal(MALFORMED)
    try:
        return ElementTree.fromstring(content)  # noqa: S314 - no DTD, checked above
    except ElementTree.ParseError as exc:
        raise Refusal(MALFORMED) from exc


_EXTERNAL_TEMPLATE = re.compile(
    rb"attachedTemplate\"[^>]*TargetMode=\"External\"|TargetMode=\"External\"[^>]*attachedTemplate",
    re.IGNORECASE,
)
_DDE_FIELD = re.compile(rb"\bDDE(AUTO)?\b", re.IGNORECASE)
_ODF_EVENTS = re.compile(rb"<(office:event-listeners|script:event-listener)\b")


def _check_zip_document(data: bytes, limits: Limits) -> Verdict:
    _refuse_embedded_pdf(data)
    budget = _Budget(limits.zip_max_total_bytes)
    names: list[str] = []
    contents: dict[str, bytes] = {}
    keep = {
        "[Content_Types].xml",
        "mimetype",
        "META-INF/manifest.xml",
        "word/document.xml",
        "content.xml",
        "styles.xml",
        "word/_rels/settings.xml.rels",
        "word/_rels/document.xml.rels",
    }
    for name, content in _zip_entries(data, limits, budget, depth=0):
        names.append(name)
        if name in keep:
            contents[name] = content
    _refuse_office_active(names, contents)

    if "[Content_Types].xml" in contents and "word/document.xml" in contents:
        for rels in ("word/_rels/settings.xml.rels", "word/_rels/document.xml.rels"):
            # A template fetched from the internet when the document opens can carry
            # macros that this check never saw.
            if _EXTERNAL_TEMPLATE.search(contents.get(rels, b"")):
                raise Refusal(ACTIVE_CONTENT)
        document = contents["word/document.xml"]
        root = _parse_xml(document)
        if _DDE_FIELD.search(_field_instructions(root)):
            raise Refusal(ACTIVE_CONTENT)
        _parse_xml(contents["[Content_Types].xml"])
        return Verdict(DOCX, CONTENT_TYPES[DOCX], "docx", data)

    mimetype = contents.get("mimetype")
    if mimetype is not None and "content.xml" in contents:
        if mimetype.strip() != _ODT_MIMETYPE:
            # Spreadsheets, presentations, templates.
            raise Refusal(UNSUPPORTED)
        for part in ("content.xml", "styles.xml"):
            if part in contents:
                if _ODF_EVENTS.search(contents[part]):
                    raise Refusal(ACTIVE_CONTENT)
                _parse_xml(contents[part])
        return Verdict(ODT, CONTENT_TYPES[ODT], "odt", data)

    lowered = [name.lower() for name in names]
    if "meta-inf/manifest.mf" in lowered or "androidmanifest.xml" in lowered:
        raise Refusal(EXECUTABLE)
    if "[content_types].xml" in lowered:
        # Excel, PowerPoint and other Office files.
        raise Refusal(UNSUPPORTED)
    raise Refusal(ARCHIVE)


def _field_instructions(root: ElementTree.Element) -> bytes:
    word = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    parts = [el.text or "" for el in root.iter(f"{word}instrText")]
    parts += [el.get(f"{word}instr", "") for el in root.iter(f"{word}fldSimple")]
    return " ".join(parts).encode("utf-8", "replace")


# --- images ---------------------------------------------------------------------------


def _png_end(data: bytes) -> int:
    """Offset just after the IEND chunk. Raises Refusal(MALFORMED) without one."""
    offset = len(_PNG_MAGIC)
    while offset + 12 <= len(data):
        (length,) = struct.unpack_from(">I", data, offset)
        chunk_type = data[offset + 4 : offset + 8]
        offset += 12 + length
        if chunk_type == b"IEND":
            return offset
    raise Refusal(MALFORMED)


def _jpeg_end(data: bytes) -> int:
    """Offset just after the End Of Image marker, walking the segments and the
    entropy-coded data. Raises Refusal(MALFORMED) when the structure is broken."""
    size = len(data)
    offset = 2
    while offset < size:
        if data[offset] != 0xFF:
            raise Refusal(MALFORMED)
        while offset < size and data[offset] == 0xFF:
            offset += 1
        if offset >= size:
            break
        marker = data[offset]
        offset += 1
        if marker == 0xD9:
            return offset
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        if offset + 2 > size:
            break
        (length,) = struct.unpack_from(">H", data, offset)
        if length < 2:
            raise Refusal(MALFORMED)
        offset += length
        if marker == 0xDA:
            # Scan data: 0xFF is followed by 0x00 (a stuffed byte), a restart marker,
            # or the next real marker.
            while True:
                offset = data.find(b"\xff", offset)
                if offset == -1 or offset + 1 >= size:
                    raise Refusal(MALFORMED)
                following = data[offset + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    offset += 2
                    continue
                if following == 0xFF:
                    offset += 1
                    continue
                break
    raise Refusal(MALFORMED)


def _check_image(data: bytes, fmt: str, limits: Limits) -> Verdict:
    if _opens_as_zip(data):
        raise Refusal(POLYGLOT)
    _refuse_embedded_pdf(data)
    if fmt == PNG:
        end = _png_end(data)
        if end != len(data):
            raise Refusal(POLYGLOT)
    else:
        end = _jpeg_end(data)
        _refuse_foreign_signatures(data[end:])
    content = image_sanitise(data, fmt, limits)
    return Verdict(fmt, CONTENT_TYPES[fmt], EXTENSIONS[fmt][0], content)


def image_sanitise(data: bytes, fmt: str, limits: Limits) -> bytes:
    """Verify the image fully and re-encode it without any metadata.

    Raises Refusal(TOO_MANY_PIXELS) for a decompression bomb and Refusal(MALFORMED) for a
    broken image.
    """
    from PIL import Image, ImageOps

    expected = {JPEG: ("JPEG", "MPO"), PNG: ("PNG",)}[fmt]
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in expected:
                    raise Refusal(MALFORMED)
                width, height = probe.size
                if width * height > limits.max_pixels:
                    raise Refusal(TOO_MANY_PIXELS)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                transparency = image.info.get("transparency")
                # Turn the picture upright before its orientation tag is dropped. The
                # result is a new image whether or not it was turned.
                clean = ImageOps.exif_transpose(image)
    except Refusal:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Refusal(TOO_MANY_PIXELS) from exc
    except MemoryError as exc:
        raise Refusal(TOO_COMPLEX) from exc
    except Exception as exc:
        raise Refusal(MALFORMED) from exc

    # A fresh info dictionary: nothing of the original's EXIF, XMP, ICC profile,
    # comments or text chunks is handed to the encoder.
    clean.info = {}
    out = io.BytesIO()
    if fmt == JPEG:
        if clean.mode not in ("L", "RGB", "CMYK"):
            clean = clean.convert("RGB")
        clean.save(out, format="JPEG", quality=90)
    else:
        options: dict[str, Any] = {}
        if transparency is not None and clean.mode in ("P", "L", "RGB"):
            options["transparency"] = transparency
        clean.save(out, format="PNG", **options)
    return out.getvalue()


# --- RTF ------------------------------------------------------------------------------

# Embedded OLE objects are how most hostile RTF files deliver their payload.
_RTF_ACTIVE = re.compile(rb"\\(object|objdata|objupdate|objemb|objlink|objautlink)(?![a-z])")


def _check_rtf(data: bytes) -> Verdict:
    if _opens_as_zip(data):
        raise Refusal(POLYGLOT)
    _refuse_embedded_pdf(data)
    if _RTF_ACTIVE.search(data):
        raise Refusal(ACTIVE_CONTENT)
    depth = 0
    index = 0
    size = len(data)
    special = re.compile(rb"[\\{}]")
    while True:
        found = special.search(data, index)
        if found is None:
            break
        index = found.end()
        char = found.group()
        if char == b"\\":
            index += 1  # the escaped character, which may be a brace
        elif char == b"{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                trailing = data[index:]
                if trailing.strip(b"\r\n\t \x00"):
                    _refuse_foreign_signatures(trailing)
                    raise Refusal(MALFORMED)
                return Verdict(RTF, CONTENT_TYPES[RTF], "rtf", data)
        if index >= size:
            break
    # The outer group never closes: the file was cut short.
    raise Refusal(MALFORMED)


# --- plain text -----------------------------------------------------------------------

# Control characters other than tab, line feed, form feed and carriage return (C0, DEL, C1).
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_SCRIPT_MARKERS = re.compile(
    r"<\s*(script|html|svg|iframe|object|embed|hta:|\?php|\?xml|!doctype)"
    r"|<%|javascript\s*:|vbscript\s*:"
    r"|\A\s*@echo\s+off|wscript\.|createobject\s*\(|activexobject|shell\.application"
    r"|invoke-expression|\biex\s*\(|-encodedcommand\b|frombase64string\s*\(|downloadstring\s*\("
    r"|set-executionpolicy|child_process|net\.webclient",
    re.IGNORECASE,
)


def text_decode(data: bytes) -> tuple[str, str]:
    """Decode plain text as UTF-8, or else Windows-1252 (a superset of Latin-1's
    printable characters). Returns the text and its charset. Raises Refusal."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise Refusal(UNSUPPORTED) from exc


def _check_text(data: bytes) -> Verdict:
    """Plain text. A script is refused by its markers, and whatever slips past them is
    still served as `.txt` with `text/plain` as an attachment, which nothing executes."""
    if b"\x00" in data:
        # Binary data, or UTF-16 text: neither is plain text we accept.
        raise Refusal(UNSUPPORTED)
    text, charset = text_decode(data)
    if _CONTROL_CHARS.search(text):
        raise Refusal(UNSUPPORTED)
    if _SCRIPT_MARKERS.search(text):
        raise Refusal(EXECUTABLE)
    return Verdict(TEXT, f"text/plain; charset={charset}", "txt", data)
