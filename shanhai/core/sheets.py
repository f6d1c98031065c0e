"""Uploaded spreadsheets into rows: the one reader behind every import.

Offices send .xlsx from Excel and WPS, .xls from older machines and CSV exported from other
systems, in UTF-8 or the Chinese code page, whatever name the file has. The format is judged
from the content; the rows are streamed, so a large sheet costs time but not memory; and a
file that cannot be read gives one message, naming the file, that its sender can act on.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import json
import logging
import re
import subprocess
import sys
import tempfile
import warnings
import zipfile
from collections import Counter
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

import filetype
import openpyxl
from django.core.files import File
from django.utils.translation import gettext as _
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from shanhai.core.uploads import XLS, XLSX, UploadRejected, check_upload, display_name

IMPORT_MAX_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 60
MAX_BLANK_RUN = 10_000  # consecutive blank rows after which the rest of the sheet is taken as empty

Row = tuple[int, list[Any]]

logger = logging.getLogger(__name__)

# A workbook whose parts unpack to far more than the file itself is built to exhaust memory or
# time; real sheets compress about tenfold. Parts under the floor cannot do harm at any ratio.
_MAX_EXPANSION = 20  # total unpacked size, in multiples of the upload limit
_MAX_RATIO = 200
_RATIO_FLOOR = 1024 * 1024
_MACRO_PARTS = ("xl/macrosheets/", "xl/dialogsheets/")  # Excel 4.0 macros, allowed in no .xlsx

_SHEET_DATA_TAG = f"{{{SHEET_MAIN_NS}}}sheetData"
_ROW_TAG = f"{{{SHEET_MAIN_NS}}}row"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")  # Excel's "Unicode text" is a tab-separated .txt
_CHUNK_BYTES = 64 * 1024
_SNIFF_LINES = 20
_DELIMITERS = (",", "\t", ";")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)")  # a line as csv reads it, with its ending
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_MEGABYTE = 1024 * 1024
_XLS_SECONDS = 120  # a damaged .xls might set calamine looping; a large good one takes seconds

# What an engine yields: every row it reads, as (row number, cell values).
_Rows = Generator[tuple[int, Sequence[Any]], None, None]


class SheetError(Exception):
    """The file as a whole cannot be read; str(error) says why, for the person uploading it."""


@dataclass(frozen=True)
class SheetInfo:
    """Which file and sheet the rows come from, and what else the workbook holds."""

    file_name: str  # display name, as in messages
    file_format: str  # "xlsx" | "xls" | "csv"
    sheet_name: str  # the sheet read ("" for csv)
    other_sheets: tuple[str, ...]  # visible sheets not read
    hidden_sheets: tuple[str, ...]  # hidden and very hidden sheets skipped
    encoding: str = ""  # csv only: "utf-8", "gb18030" or "utf-16"


@contextmanager
def open_sheet(
    file: File[bytes], *, max_bytes: int = IMPORT_MAX_BYTES
) -> Iterator[tuple[SheetInfo, Iterator[Row]]]:
    """Open *file*, an .xlsx or .xls workbook (its first visible sheet) or a CSV file.

    Yield what was opened and an iterator of (row number, cell values) for each non-blank
    row. Rows are numbered as the spreadsheet shows them, or for CSV by the line on which the
    record starts; each row is cut to MAX_COLUMNS cells, with empty cells as None and none at
    the end. Values are str, int, float, bool, datetime, time (and timedelta for durations).

    Raise SheetError, here or while iterating, for a file that cannot be read as a whole;
    no other error escapes. A file with no rows at all is such a file.
    """
    name = display_name(file)
    with ExitStack() as stack:
        stack.callback(file.seek, 0)
        info, rows = _open(file, name=name, max_bytes=max_bytes, stack=stack)
        stack.callback(rows.close)  # before the workbook, should the caller stop early
        data = _data_rows(rows, name=name)
        stack.callback(data.close)
        first = next(data, None)
        if first is None:
            raise SheetError(_("“%(name)s” has no rows.") % {"name": name})
        yield info, itertools.chain([first], data)


def _open(
    file: File[bytes], *, name: str, max_bytes: int, stack: ExitStack
) -> tuple[SheetInfo, _Rows]:
    """Tell the format from the content and open the sheet with the engine for it."""
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise SheetError(_too_large(name, max_bytes))
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    if not head:
        raise SheetError(_("“%(name)s” is empty.") % {"name": name})
    if head.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        content_type = _checked_type(file, name=name, max_bytes=max_bytes)
        if content_type == XLSX:
            return _open_xlsx(file, name=name, max_bytes=max_bytes, stack=stack)
        if content_type == XLS:
            return _open_xls(file, name=name, stack=stack)
        raise SheetError(_not_a_sheet(name))
    if filetype.guess(head) is not None:  # a photo, a PDF, a program…
        raise SheetError(_not_a_sheet(name))
    if PurePath(file.name or "").suffix.lower() in _TEXT_SUFFIXES:
        return _open_csv(file, head, name=name, max_bytes=max_bytes)
    raise SheetError(_not_a_sheet(name))


def _checked_type(file: File[bytes], *, name: str, max_bytes: int) -> str:
    """Return the content type of an Office file, or refuse it in words about spreadsheets."""
    try:
        return check_upload(file, max_bytes=max_bytes).content_type
    except UploadRejected as error:
        if error.reason == "not_allowed":
            raise SheetError(_not_a_sheet(name)) from error
        if error.reason == "password":
            raise SheetError(_password_protected(name)) from error
        raise SheetError(" ".join(error.messages)) from error
    except Exception as error:  # a sniffer's bug must not reach the caller either
        logger.exception("Checking a spreadsheet upload failed")
        raise SheetError(_damaged(name)) from error


def _data_rows(rows: _Rows, *, name: str) -> Generator[Row, None, None]:
    """Keep the non-blank rows, trimmed, until a long blank run; any engine error is damage."""
    last = 0
    try:
        for number, values in rows:
            if number - last > MAX_BLANK_RUN:
                return  # formatted but empty rows to the bottom of the sheet
            cells = [None if v == "" else v for v in values[:MAX_COLUMNS]]
            while cells and cells[-1] is None:
                cells.pop()
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue
            last = number
            yield number, cells
    except SheetError:
        raise
    except Exception as error:  # the engines parse lazily and raise many kinds of error
        raise SheetError(_damaged(name)) from error


# ---------------------------------------------------------------------------------------------
# Excel 2007 and later


def _open_xlsx(
    file: File[bytes], *, name: str, max_bytes: int, stack: ExitStack
) -> tuple[SheetInfo, _Rows]:
    _check_zip_directory(file, name=name, max_bytes=max_bytes)
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions, missing default styles
            book = openpyxl.load_workbook(
                file, read_only=True, data_only=True, keep_links=False, keep_vba=False
            )
    except Exception as error:  # openpyxl raises many kinds of error on malformed files
        raise SheetError(_damaged(name)) from error
    stack.callback(book.close)
    visible = [s for s in book.worksheets if s.sheet_state == "visible"]
    hidden = tuple(s.title for s in book.worksheets if s.sheet_state != "visible")
    if not visible:
        raise SheetError(_no_visible_sheet(name))
    sheet = visible[0]
    info = SheetInfo(
        file_name=name,
        file_format="xlsx",
        sheet_name=sheet.title,
        other_sheets=tuple(s.title for s in visible[1:]),
        hidden_sheets=hidden,
    )
    return info, _xlsx_rows(book, sheet)


def _xlsx_rows(book: Any, sheet: Any) -> _Rows:
    """Parse the sheet's rows one by one, keeping none of them.

    openpyxl's read-only worksheet keeps every parsed row element (emptied, but attached to
    the tree) and the attributes of every formatted row, so its memory grows with the sheet.
    This loop uses openpyxl's own parser for the cells, then drops each row from the tree.
    It never looks at the sheet's declared dimensions, which WPS and others write wrongly.
    """
    parser = WorkSheetParser(
        None,
        sheet._shared_strings,
        data_only=True,
        epoch=book.epoch,
        date_formats=book._date_formats,
        timedelta_formats=book._timedelta_formats,
    )
    sheet_data = None
    with sheet._get_source() as source:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == _SHEET_DATA_TAG:
                    sheet_data = element
                continue
            if element.tag != _ROW_TAG or sheet_data is None:
                continue
            number, cells = parser.parse_row(element)
            sheet_data.clear()  # the tree builder still adds the next rows to it
            parser.row_dimensions.clear()
            values: list[Any] = []
            for cell in cells:
                column = cell["column"]
                if column <= MAX_COLUMNS:
                    values.extend([None] * (column - len(values)))
                    values[column - 1] = cell["value"]
            yield number, values


def _check_zip_directory(file: File[bytes], *, name: str, max_bytes: int) -> None:
    """Refuse a workbook built to unpack to far more than its size, before any part is read.

    The sizes checked are those the directory declares; zipfile stops at the declared size
    when unpacking, so a part cannot grow past it.
    """
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
        raise SheetError(_damaged(name)) from error
    if any(part.filename.startswith(_MACRO_PARTS) for part in parts):
        raise SheetError(_has_macros(name))
    total = sum(part.file_size for part in parts)
    if total > _MAX_EXPANSION * max_bytes or any(
        part.file_size > max(_RATIO_FLOOR, _MAX_RATIO * part.compress_size) for part in parts
    ):
        raise SheetError(
            _(
                "“%(name)s” is unusually compressed and was refused, as it may be built to "
                "overload the server. Please save the sheet again in Excel and upload it."
            )
            % {"name": name}
        )


# ---------------------------------------------------------------------------------------------
# Excel 97–2003


def _open_xls(file: File[bytes], *, name: str, stack: ExitStack) -> tuple[SheetInfo, _Rows]:
    """Read an .xls workbook in a child process; see core.xls_child for why and how.

    The child writes to a temporary file, so it finishes on its own time, not the caller's.
    """
    output = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (the stack closes it)
    command = [sys.executable, "-m", "shanhai.core.xls_child", str(MAX_COLUMNS)]
    try:
        # Our own module, run by our own interpreter, with no shell.
        with subprocess.Popen(  # noqa: S603
            command, stdin=subprocess.PIPE, stdout=output, stderr=subprocess.DEVNULL
        ) as child:
            try:
                assert child.stdin is not None
                for chunk in file.chunks(_CHUNK_BYTES):
                    child.stdin.write(chunk)
                child.stdin.close()
                child.wait(timeout=_XLS_SECONDS)
            except BaseException:
                child.kill()
                raise
    except (OSError, subprocess.TimeoutExpired) as error:
        logger.warning("Reading an .xls file failed: %r", error)
        raise SheetError(_damaged(name)) from error
    if child.returncode != 0:
        # A Rust abort on a damaged file, or a broken installation: say which in the log.
        logger.warning("Reading an .xls file ended with exit status %s", child.returncode)
        raise SheetError(_damaged(name))
    output.seek(0)
    try:
        sheets = _xls_message(output.readline(), name=name)["sheets"]
    except (ValueError, KeyError, TypeError) as error:
        raise SheetError(_damaged(name)) from error
    if any(kind == "macro" for _name, kind, _visibility in sheets):
        raise SheetError(_has_macros(name))
    worksheets = [(n, visibility) for n, kind, visibility in sheets if kind == "worksheet"]
    visible = [n for n, visibility in worksheets if visibility == "visible"]
    if not visible:
        raise SheetError(_no_visible_sheet(name))
    info = SheetInfo(
        file_name=name,
        file_format="xls",
        sheet_name=visible[0],
        other_sheets=tuple(visible[1:]),
        hidden_sheets=tuple(n for n, visibility in worksheets if visibility != "visible"),
    )
    return info, _xls_rows(output, name=name)


def _xls_rows(output: IO[bytes], *, name: str) -> _Rows:
    for line in output:
        number, cells = _xls_message(line, name=name)
        yield number, cells


def _xls_message(line: bytes, *, name: str) -> Any:
    """Decode a line from the child, refusing the file if the child refused it or died."""
    if not line:
        raise SheetError(_damaged(name))
    message = json.loads(line, object_hook=_xls_value)
    if isinstance(message, dict) and "error" in message:
        if message["error"] == "password":
            raise SheetError(_password_protected(name))
        raise SheetError(_damaged(name))
    return message


def _xls_value(value: dict[str, Any]) -> Any:
    if "datetime" in value:
        return dt.datetime.fromisoformat(value["datetime"])
    if "time" in value:
        return dt.time.fromisoformat(value["time"])
    if "seconds" in value:
        return dt.timedelta(seconds=value["seconds"])
    return value


# ---------------------------------------------------------------------------------------------
# CSV


def _open_csv(
    file: File[bytes], head: bytes, *, name: str, max_bytes: int
) -> tuple[SheetInfo, _Rows]:
    encoding = _encoding_of(head, name=name)
    lines = _lines(_chunks(file, name=name, max_bytes=max_bytes), encoding=encoding, name=name)
    sample = list(itertools.islice(lines, _SNIFF_LINES))
    info = SheetInfo(
        file_name=name,
        file_format="csv",
        sheet_name="",
        other_sheets=(),
        hidden_sheets=(),
        encoding=encoding.removesuffix("-sig"),
    )
    rows = _csv_rows(itertools.chain(sample, lines), delimiter=_delimiter(sample), name=name)
    return info, rows


def _chunks(file: File[bytes], *, name: str, max_bytes: int) -> Iterator[bytes]:
    """The file's bytes, chunk by chunk, no further than *max_bytes*.

    Read here rather than through file.chunks(), which yields an in-memory upload whole.
    """
    file.seek(0)
    size = 0
    while chunk := file.read(_CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise SheetError(_too_large(name, max_bytes))
        yield chunk


def _encoding_of(head: bytes, *, name: str) -> str:
    """Excel saves CSV as UTF-8 with a BOM or in the system's code page (GB18030 in China).

    A head in ASCII alone is taken as UTF-8; _lines() turns to GB18030 should a later part
    show that the file is in it.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text"
    for encoding in ("utf-8", "gb18030"):
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return encoding
        raise SheetError(_not_a_sheet(name))
    # Neither reads it all: GB18030 text with a damaged byte, which _lines() will point out
    # by its line, or something that is not text at all.
    text = head.decode("gb18030", "replace")
    if _looks_like_text(text) and text.count("\ufffd") <= max(3, len(text) // 100):
        return "gb18030"
    raise SheetError(_not_a_sheet(name))


def _looks_like_text(text: str) -> bool:
    """Text has no control characters but line endings and tabs; a stray one is damage."""
    controls = sum(1 for c in text if c < " " and c not in "\t\n\r\f")
    return controls * 100 <= len(text)


def _lines(chunks: Iterable[bytes], *, encoding: str, name: str) -> Iterator[str]:
    """Decode *chunks* and split them into lines, each with its ending, as csv.reader wants."""
    decoder = codecs.getincrementaldecoder(encoding)()
    maybe_gb18030 = encoding == "utf-8"  # while everything decoded so far is ASCII
    done = 0  # lines handed out
    partial: list[str] = []  # the line being read, when it spans chunks
    carry = ""  # a final "\r", which may be the first half of "\r\n"
    for chunk, final in _with_last(chunks):
        try:
            text = decoder.decode(chunk, final)
        except UnicodeDecodeError as error:
            if not (maybe_gb18030 and _gb18030_starts_here(error)):
                line = done + _line_count("".join(partial) + carry, error) + 1
                raise _undecodable(name, line) from error
            # All before was ASCII, which reads the same in both: decoding from here is exact.
            maybe_gb18030, decoder = False, codecs.getincrementaldecoder("gb18030")()
            try:
                text = decoder.decode(error.object, final)
            except UnicodeDecodeError as second:
                line = done + _line_count("".join(partial) + carry, second) + 1
                raise _undecodable(name, line) from second
        maybe_gb18030 = maybe_gb18030 and text.isascii()
        text, carry = carry + text, ""
        if not final and text.endswith("\r"):
            text, carry = text[:-1], "\r"
        end = max(text.rfind("\n"), text.rfind("\r")) + 1
        if end == 0:
            partial.append(text)
            continue
        complete = "".join(partial) + text[:end]  # ends with a line ending: no rescanning
        partial = [text[end:]]
        for match in _LINE.finditer(complete):
            done += 1
            yield match.group()
    if rest := "".join(partial) + carry:
        yield rest


def _gb18030_starts_here(error: UnicodeDecodeError) -> bool:
    """Whether the bytes that are not UTF-8 begin the first line that is not ASCII.

    A few GB18030 characters happen to be valid UTF-8 too, so the first error can come a
    little after the first non-ASCII byte, but never a line later. If a whole line of UTF-8
    text comes first, the file mixes both and cannot be read as either.
    """
    first = _NON_ASCII.search(error.object)
    before_error = error.object[first.start() if first else 0 : error.start]
    return b"\n" not in before_error and b"\r" not in before_error


def _line_count(before: str, error: UnicodeDecodeError) -> int:
    """The line endings before the byte that cannot be decoded."""
    before += error.object[: error.start].decode(error.encoding, "replace")
    return before.count("\n") + before.count("\r") - before.count("\r\n")


def _with_last(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Each chunk with whether it is the last; an empty last one if there are none."""
    previous: bytes | None = None
    for chunk in chunks:
        if previous is not None:
            yield previous, False
        previous = chunk
    yield previous or b"", True


def _undecodable(name: str, line: int) -> SheetError:
    return SheetError(
        _(
            "“%(name)s” cannot be read as text from line %(line)d on. "
            "Please save it as CSV in UTF-8 or GB18030 and upload it again."
        )
        % {"name": name, "line": line}
    )


def _delimiter(sample: list[str]) -> str:
    """The delimiter that splits the most of the first lines into the same number of cells."""
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        try:
            records = list(csv.reader(sample, delimiter=delimiter))
        except csv.Error:
            continue
        widths = Counter(len(r) for r in records if len(r) > 1)
        if widths:
            width, count = widths.most_common(1)[0]
            if (count, width) > best_score:
                best, best_score = delimiter, (count, width)
    return best


def _csv_rows(lines: Iterable[str], *, delimiter: str, name: str) -> _Rows:
    """Each record with the line it starts on; a quoted cell may span several lines."""
    records = csv.reader(lines, delimiter=delimiter)
    start = 1
    try:
        for record in records:
            yield start, list(record)
            start = records.line_num + 1
    except csv.Error as error:
        raise SheetError(
            _(
                "“%(name)s” cannot be read as CSV from line %(line)d on: a cell there is too "
                "long or its quotes are not closed. Please check that line or save the file again."
            )
            % {"name": name, "line": start}
        ) from error


# ---------------------------------------------------------------------------------------------
# Messages


def _not_a_sheet(name: str) -> str:
    return _(
        "“%(name)s” is not an Excel workbook (.xlsx, .xls) or a CSV file, whatever its name "
        "says. Please save the sheet as .xlsx or .csv and upload it again."
    ) % {"name": name}


def _damaged(name: str) -> str:
    return _(
        "“%(name)s” is damaged or incomplete and cannot be opened. Please upload it again."
    ) % {"name": name}


def _too_large(name: str, max_bytes: int) -> str:
    limit = f"{max_bytes / _MEGABYTE:.1f}".removesuffix(".0")
    return _("“%(name)s” is too large: a file may be at most %(limit)s MB.") % {
        "name": name,
        "limit": limit,
    }


def _has_macros(name: str) -> str:
    return _("“%(name)s” contains macros. Please save it without macros and upload it again.") % {
        "name": name
    }


def _password_protected(name: str) -> str:
    return _(
        "“%(name)s” is protected by a password; remove the password in Excel "
        "(文件→信息→保护工作簿) and upload it again."
    ) % {"name": name}


def _no_visible_sheet(name: str) -> str:
    return _("“%(name)s” has no visible worksheet to read.") % {"name": name}
