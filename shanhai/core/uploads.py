"""Evidence files checked before they are stored: judged by their content, never by their name.

Photos, PDFs and Office documents arrive from county offices on every kind of device. The name
and the browser's content type are whatever the sender's machine said, so the type is sniffed
from the bytes, and the stored extension is the canonical one for that type.
"""

from __future__ import annotations

import hashlib
import struct
import warnings
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath
from typing import Any, Literal

import filetype
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"

# Pillow's name for each image type; an image is only ever opened as the type it was sniffed as.
IMAGE_FORMATS: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}

ALLOWED_TYPES: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
    DOCX: "docx",
    XLSX: "xlsx",
    PPTX: "pptx",
    DOC: "doc",
    XLS: "xls",
}

# Office Open XML files are ZIP archives, told apart by their main part.
_OOXML_MAIN_PARTS = {
    "word/document.xml": DOCX,
    "xl/workbook.xml": XLSX,
    "ppt/presentation.xml": PPTX,
}
# filetype only sees the first 8 KiB, so it calls an OOXML file "zip" when its main part
# comes later in the archive, and it can call a plain ZIP "docx" from a misleading entry name.
_ZIP_FAMILY = {"application/zip", *_OOXML_MAIN_PARTS.values()}

# Office 97–2003 files are OLE compound files, told apart by the streams in their root storage.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_MAIN_STREAMS = {"WordDocument": DOC, "Workbook": XLS, "Book": XLS}
_OLE_MACRO_STORAGES = {"Macros", "_VBA_PROJECT_CUR"}
# A password-protected Word, Excel or PowerPoint 2007+ file is not a ZIP at all but an OLE file
# holding the encrypted package ([MS-OFFCRYPTO]); nothing says which of the three it is.
_OLE_ENCRYPTED_STREAMS = {"EncryptedPackage", "EncryptionInfo"}
_OLE_MAX_REGULAR_SECTOR = 0xFFFFFFFA  # above this: free, end of chain and other markers
_MAX_OLE_SECTORS = 4096  # bounds every chain we follow, whatever a hostile file claims

_SNIFF_BYTES = 8192  # what filetype itself reads
_HASH_CHUNK_BYTES = 64 * 1024
_MEGABYTE = 1024 * 1024

# Image.info keys that describe pixels; everything else (EXIF, XMP, comments, ICC) is dropped.
_PIXEL_INFO_KEYS = {"transparency", "duration", "loop", "background"}


@dataclass(frozen=True)
class CheckedUpload:
    """What an accepted upload turned out to be."""

    content_type: str  # sniffed MIME type, e.g. "image/jpeg"
    extension: str  # canonical extension for that type, e.g. "jpg" (no dot)
    size: int  # bytes
    sha256: str  # hex digest of the content
    is_image: bool


Reason = Literal["empty", "too_large", "not_allowed", "damaged", "macros", "password", "pixels"]


class UploadRejected(ValidationError):  # noqa: N818 (reads as a verdict, like ValidationError)
    """An upload that must not be stored; the message says which file and why.

    *reason* lets a caller put a refusal in its own words (core.sheets does, for spreadsheets).
    """

    def __init__(self, message: str, params: dict[str, Any], *, reason: Reason) -> None:
        super().__init__(message, code="upload_rejected", params=params)
        self.reason: Reason = reason


def check_upload(file: File[bytes], *, max_bytes: int = MAX_UPLOAD_BYTES) -> CheckedUpload:
    """Check that *file* is an allowed evidence file and describe it.

    Raise UploadRejected if it is empty, too large, of a type we do not store, protected by a
    password, or a damaged image. The file is always left at position 0.
    """
    name = display_name(file)
    try:
        size, sha256 = _measure(file, name=name, max_bytes=max_bytes)
        file.seek(0)
        head = file.read(_SNIFF_BYTES)
        content_type = _sniff(file, head, name=name)
        if content_type in IMAGE_FORMATS:
            _check_image(file, IMAGE_FORMATS[content_type], name=name)
    finally:
        file.seek(0)
    return CheckedUpload(
        content_type=content_type,
        extension=ALLOWED_TYPES[content_type],
        size=size,
        sha256=sha256,
        is_image=content_type in IMAGE_FORMATS,
    )


def make_thumbnail(file: File[bytes], *, size: int = 320) -> ContentFile[bytes]:
    """Make a JPEG thumbnail, at most *size* pixels on its longest side, turned upright.

    *file* must be an image that passed check_upload.
    """
    file.seek(0)
    try:
        with Image.open(file, formats=list(IMAGE_FORMATS.values())) as image:
            image.draft("RGB", (size, size))  # JPEG only: decode at a fraction of full size
            thumbnail = ImageOps.exif_transpose(image)
    finally:
        file.seek(0)
    thumbnail.thumbnail((size, size))
    output = BytesIO()
    _without_alpha(thumbnail).save(output, "JPEG", quality=85, optimize=True)
    return ContentFile(output.getvalue(), name="thumbnail.jpg")


def reencode_image(file: File[bytes], content_type: str) -> ContentFile[bytes]:
    """Re-encode an image in its own format, keeping only its pixels.

    This drops EXIF (with any GPS position), XMP, comments and colour profiles, and anything
    hidden after or inside the image data, so a file that is also an HTML page or an archive
    comes out as an image alone. The EXIF orientation is applied first, so the photo stays
    upright. *file* must be an image that passed check_upload as *content_type*.
    """
    try:
        pil_format = IMAGE_FORMATS[content_type]
    except KeyError:
        raise ValueError(f"{content_type!r} is not an image type") from None
    output = BytesIO()
    file.seek(0)
    try:
        with Image.open(file, formats=[pil_format]) as image:
            image.load()
            if getattr(image, "is_animated", False):
                # Frames are read again from the source, so their metadata is cleared one by one.
                image.info = _pixel_info(image.info)
                image.save(output, pil_format, save_all=True, **_encoder_options(pil_format))
            else:
                clean = ImageOps.exif_transpose(image)
                clean.info = _pixel_info(image.info)
                clean.save(output, pil_format, **_encoder_options(pil_format))
    finally:
        file.seek(0)
    return ContentFile(output.getvalue(), name=f"image.{ALLOWED_TYPES[content_type]}")


def display_name(file: File[bytes]) -> str:
    """Return the file's own name, without any folders and shortened for messages."""
    name = PurePath(file.name or "").name or _("unnamed file")
    return name if len(name) <= 80 else f"{name[:77]}…"


def _measure(file: File[bytes], *, name: str, max_bytes: int) -> tuple[int, str]:
    """Return the size and SHA-256 of *file*, reading it in chunks and no further than needed."""
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_large(name, max_bytes)
    digest = hashlib.sha256()
    size = 0
    for chunk in file.chunks(_HASH_CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(name, max_bytes)
        digest.update(chunk)
    if size == 0:
        raise UploadRejected(_("“%(name)s” is empty."), {"name": name}, reason="empty")
    return size, digest.hexdigest()


def _sniff(file: File[bytes], head: bytes, *, name: str) -> str:
    """Return the allowed MIME type of *file*, judged from its content alone."""
    if head.startswith(_OLE_MAGIC):
        return _ole_type(file, name=name)
    kind = filetype.guess(head)
    if kind is None:
        raise _not_allowed(name, _markup_kind(head))
    mime = str(kind.mime)
    if mime in _ZIP_FAMILY:
        return _ooxml_type(file, name=name)
    if mime not in ALLOWED_TYPES:
        raise _not_allowed(name, str(kind.extension))
    return mime


def _ooxml_type(file: File[bytes], *, name: str) -> str:
    """Tell a Word, Excel or PowerPoint file from any other ZIP by its part names."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:  # reads the directory only, never the contents
            part_names = set(archive.namelist())
    # NotImplementedError: a directory entry claiming a zip version from the future.
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
        raise _damaged(name) from error
    if any(part.endswith("vbaProject.bin") for part in part_names):
        raise _has_macros(name)
    if "[Content_Types].xml" in part_names:
        for part, mime in _OOXML_MAIN_PARTS.items():
            if part in part_names:
                return mime
    raise _not_allowed(name, "zip")


def _ole_type(file: File[bytes], *, name: str) -> str:
    """Tell a Word 97–2003 or Excel 97–2003 file from any other OLE file by its root streams."""
    try:
        streams = _ole_root_entries(file)
    except (ValueError, struct.error, OSError) as error:
        raise _damaged(name) from error
    if streams & _OLE_MACRO_STORAGES:
        raise _has_macros(name)
    if streams >= _OLE_ENCRYPTED_STREAMS:
        raise UploadRejected(
            _("“%(name)s” is protected by a password. Please remove it and upload the file again."),
            {"name": name},
            reason="password",
        )
    for stream, mime in _OLE_MAIN_STREAMS.items():
        if stream in streams:
            return mime
    raise _not_allowed(name, "ole")


def _ole_root_entries(file: File[bytes]) -> set[str]:
    """Return the names of the streams and storages directly inside an OLE file's root.

    filetype guesses Word and Excel 97–2003 from bytes that many real files lack (and calls
    some Word files Excel), so this reads the compound file directory ([MS-CFB]) instead.
    """
    file.seek(0)
    header = file.read(512)
    if len(header) < 512 or header[28:30] != b"\xfe\xff":
        raise ValueError("not a little-endian compound file")
    sector_shift = struct.unpack_from("<H", header, 30)[0]
    if sector_shift not in (9, 12):
        raise ValueError("bad sector size")
    sector_size = 1 << sector_shift
    per_sector = sector_size // 4
    first_directory_sector = struct.unpack_from("<I", header, 48)[0]
    first_difat_sector = struct.unpack_from("<I", header, 68)[0]
    header_difat = struct.unpack_from("<109I", header, 76)

    def read_uint(sector: int, index: int) -> int:
        file.seek((sector + 1) * sector_size + index * 4)
        data = file.read(4)
        if len(data) != 4:
            raise ValueError("sector beyond the end of the file")
        return int(struct.unpack("<I", data)[0])

    def fat_sector(number: int) -> int:
        if number < len(header_difat):
            return int(header_difat[number])
        difat_sector, number = first_difat_sector, number - len(header_difat)
        for _hop in range(_MAX_OLE_SECTORS):
            if number < per_sector - 1:
                return read_uint(difat_sector, number)
            difat_sector, number = read_uint(difat_sector, per_sector - 1), number - per_sector + 1
        raise ValueError("DIFAT chain too long")

    directory = bytearray()
    sector, seen = first_directory_sector, set[int]()
    while sector < _OLE_MAX_REGULAR_SECTOR:
        if sector in seen or len(seen) >= _MAX_OLE_SECTORS:
            raise ValueError("directory chain loops or is too long")
        seen.add(sector)
        file.seek((sector + 1) * sector_size)
        directory += file.read(sector_size)
        sector = read_uint(fat_sector(sector // per_sector), sector % per_sector)

    def entry(index: int) -> tuple[str, int, int, int]:
        offset = index * 128
        if offset + 128 > len(directory):
            raise ValueError("directory entry out of range")
        name_length = struct.unpack_from("<H", directory, offset + 64)[0]
        raw_name = bytes(directory[offset : offset + max(0, min(name_length, 64) - 2)])
        left, right, child = struct.unpack_from("<3I", directory, offset + 68)
        return raw_name.decode("utf-16-le"), left, right, child

    # The root's children form a tree through their left and right siblings.
    names: set[str] = set()
    stack, visited = [entry(0)[3]], set[int]()
    while stack:
        index = stack.pop()
        if index >= _OLE_MAX_REGULAR_SECTOR or index in visited:
            continue
        visited.add(index)
        entry_name, left, right, _child = entry(index)
        names.add(entry_name)
        stack += [left, right]
    return names


def _check_image(file: File[bytes], pil_format: str, *, name: str) -> None:
    """Refuse an image Pillow cannot fully decode, or one with too many pixels to decode safely."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file, formats=[pil_format]) as image:
                image.verify()
            # verify() checks structure and checksums only; a truncated JPEG shows on decoding.
            # WeasyPrint sets LOAD_TRUNCATED_IMAGES for the whole process when imported: undo
            # that here, or damaged photos would pass once a PDF has been made.
            file.seek(0)
            tolerant, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
            try:
                with Image.open(file, formats=[pil_format]) as image:
                    scaled = (max(1, image.width // 8), max(1, image.height // 8))
                    image.draft(image.mode, scaled)  # JPEG only: decode at 1/8 scale
                    image.load()
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = tolerant
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UploadRejected(
            _("“%(name)s” has too many pixels to be opened safely (at most %(limit)s megapixels)."),
            {"name": name, "limit": (Image.MAX_IMAGE_PIXELS or 0) // 1_000_000},
            reason="pixels",
        ) from error
    except Exception as error:  # Pillow raises many kinds of error on malformed data
        raise _damaged(name) from error


def _markup_kind(head: bytes) -> str | None:
    """Name the text formats that filetype does not detect and we must never serve back."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in start):
        return "svg"
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return "html"
    return None


def _encoder_options(pil_format: str) -> dict[str, Any]:
    if pil_format in ("JPEG", "WEBP"):
        return {"quality": 90}
    return {}


def _pixel_info(info: dict[str | tuple[int, int], Any]) -> dict[str | tuple[int, int], Any]:
    return {key: value for key, value in info.items() if key in _PIXEL_INFO_KEYS}


def _without_alpha(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white, as JPEG has none."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _too_large(name: str, max_bytes: int) -> UploadRejected:
    return UploadRejected(
        _("“%(name)s” is too large: a file may be at most %(limit)s MB."),
        {"name": name, "limit": _megabytes(max_bytes)},
        reason="too_large",
    )


def _not_allowed(name: str, detected: str | None) -> UploadRejected:
    if detected is None:
        return UploadRejected(
            _(
                "“%(name)s” is not an allowed file type. "
                "Allowed: photos (JPEG, PNG, GIF, WebP), PDF, Word, Excel and PowerPoint."
            ),
            {"name": name},
            reason="not_allowed",
        )
    return UploadRejected(
        _(
            "“%(name)s” is not an allowed file type (detected: %(detected)s). "
            "Allowed: photos (JPEG, PNG, GIF, WebP), PDF, Word, Excel and PowerPoint."
        ),
        {"name": name, "detected": detected.upper()},
        reason="not_allowed",
    )


def _damaged(name: str) -> UploadRejected:
    return UploadRejected(
        _("“%(name)s” is damaged or incomplete and cannot be opened. Please upload it again."),
        {"name": name},
        reason="damaged",
    )


def _has_macros(name: str) -> UploadRejected:
    return UploadRejected(
        _("“%(name)s” contains macros. Please save it without macros and upload it again."),
        {"name": name},
        reason="macros",
    )


def _megabytes(size: int) -> str:
    return f"{size / _MEGABYTE:.1f}".removesuffix(".0")
