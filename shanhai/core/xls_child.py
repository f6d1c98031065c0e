"""Read an Excel 97–2003 workbook for core.sheets, in a process of its own.

calamine reads .xls in Rust. On some damaged files it panics, which Python can catch; on
others it asks for an absurd amount of memory and aborts the whole process, and a web or task
worker would go with it. So core.sheets runs this module as a child process
(``python -m shanhai.core.xls_child MAX_COLUMNS``), sends the file on stdin and reads back
one JSON value a line:

- first ``{"sheets": [[name, kind, visibility], ...]}``, kind being "worksheet", "macro" or
  "other" and visibility "visible" or "hidden";
- then ``[row number, [cell, ...]]`` for each row of the first visible worksheet that has any
  cell, cut to MAX_COLUMNS cells and with none empty at the end;
- or, at any point, ``{"error": "password"}`` or ``{"error": "damaged"}``.

Cells are JSON values (None for an empty cell), except dates and times, which are
``{"datetime": ISO}``, ``{"time": ISO}`` and ``{"seconds": n}`` for a duration. They are the
values openpyxl gives for the same cells in an .xlsx file: whole numbers as ints, dates as
datetimes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import resource
import struct
import sys
from typing import Any

import python_calamine
from python_calamine import SheetTypeEnum, SheetVisibleEnum

# Address space for the whole child: a damaged file's absurd allocation fails here, ending the
# child alone. An .xls sheet holds at most 65,536 × 256 cells, well within it.
MAX_MEMORY = 2 * 1024**3
MAX_OUTPUT = 1024**3  # bytes written to stdout, a temporary file
_LARGEST_EXACT_FLOAT = 2**53

_OLE_HEADER_BYTES = 512
_MINI_SECTOR_BYTES = 64  # a stream starts at a multiple of this, whatever its sector size
_BOF = 0x0809
_BIFF_VERSIONS = {0x0500, 0x0600}  # Excel 5/95 and 97–2003
_WORKBOOK_GLOBALS = 0x0005
_FILEPASS = b"\x2f\x00"


def main() -> None:
    """Read the workbook on stdin and write what core.sheets needs of it to stdout."""
    for limit, value in ((resource.RLIMIT_AS, MAX_MEMORY), (resource.RLIMIT_FSIZE, MAX_OUTPUT)):
        with contextlib.suppress(ValueError, OSError):  # not every system lets us lower them
            resource.setrlimit(limit, (value, value))
    max_columns = int(sys.argv[1])
    content = sys.stdin.buffer.read()
    try:
        _read(content, max_columns=max_columns)
    except BaseException as error:  # pyo3 turns a Rust panic into a BaseException
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        encrypted = isinstance(error, python_calamine.PasswordError) or _has_password(content)
        _write({"error": "password" if encrypted else "damaged"})


def _read(content: bytes, *, max_columns: int) -> None:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    sheets = book.sheets_metadata
    _write({"sheets": [[s.name, _kind(s.typ), _visibility(s.visible)] for s in sheets]})
    if any(s.typ == SheetTypeEnum.MacroSheet for s in sheets):
        return  # refused by core.sheets
    visible = [
        s.name
        for s in sheets
        if s.typ == SheetTypeEnum.WorkSheet and s.visible == SheetVisibleEnum.Visible
    ]
    if not visible:
        return
    sheet = book.get_sheet_by_name(visible[0])
    if sheet.start is None:
        return  # no cell at all
    # calamine pads the rows above the first cell in use, but starts each row at its column.
    padding: list[Any] = [None] * min(sheet.start[1], max_columns)
    for number, values in enumerate(sheet.iter_rows(), start=1):
        cells = padding + [_cell(v) for v in values[: max_columns - len(padding)]]
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            _write([number, cells])


def _has_password(content: bytes) -> bool:
    """Whether the workbook needs a password to open, which calamine reports as unreadable.

    [MS-XLS]: the workbook stream begins, at a sector boundary, with the BOF record of the
    workbook globals, and a FILEPASS record right after it marks the stream as encrypted.
    """
    for start in range(_OLE_HEADER_BYTES, len(content) - 8, _MINI_SECTOR_BYTES):
        record, length, version, kind = struct.unpack_from("<4H", content, start)
        if record == _BOF and version in _BIFF_VERSIONS and kind == _WORKBOOK_GLOBALS:
            following = start + 4 + length
            return content[following : following + 2] == _FILEPASS
    return False


def _kind(typ: SheetTypeEnum) -> str:
    if typ == SheetTypeEnum.WorkSheet:
        return "worksheet"
    if typ == SheetTypeEnum.MacroSheet:
        return "macro"
    return "other"


def _visibility(visible: SheetVisibleEnum) -> str:
    return "visible" if visible == SheetVisibleEnum.Visible else "hidden"


def _cell(value: Any) -> Any:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < _LARGEST_EXACT_FLOAT:
        return int(value)  # Excel writes whole numbers without a point; openpyxl reads ints
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"datetime": dt.datetime.combine(value, dt.time()).isoformat()}
    if isinstance(value, dt.time):
        return {"time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"seconds": value.total_seconds()}
    return value


def _write(message: Any) -> None:
    sys.stdout.write(json.dumps(message) + "\n")  # ASCII only, whatever the locale


if __name__ == "__main__":
    main()
