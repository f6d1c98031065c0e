"""Templates and exports: the same columns going out as coming in, so a sheet round-trips.

A template has the kind's Chinese headers (units in the header, required ones starred),
drop-down lists for every enumeration, one example row marked 示例 that the importer skips,
and an instructions sheet. An export is the same sheet filled with the records a person may
see, as .xlsx or as .csv (UTF-8 with a BOM, which Excel and WPS open without asking).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date
from typing import IO, Any

import xlsxwriter
from django.utils.translation import gettext as _

from shanhai.core.formats import partial_date
from shanhai.imports.columns import Column
from shanhai.imports.kinds.base import Kind

INDEX_HEADER = "序号"
EXAMPLE_MARK = "示例"
DATA_ROWS_WITH_LISTS = 20_000  # rows below the header that get the drop-down lists
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def header_text(column: Column) -> str:
    """The header as templates and exports write it: 日期*, 预算（万元）."""
    return f"{column.header}*" if column.required else column.header


def _headers(kind: Kind) -> list[str]:
    return [INDEX_HEADER, *(header_text(c) for c in kind.columns)]


def filename(kind: Kind, what: str, fmt: str, *, on: date | None = None) -> str:
    """互访考察-导入模板.xlsx, 互访考察-导出-20231231.csv"""
    stamp = f"-{on:%Y%m%d}" if on else ""
    return f"{kind.label}-{what}{stamp}.{fmt}"


def write_template(kind: Kind, file: IO[bytes]) -> None:
    """Write the kind's blank sheet with drop-downs, an example row and instructions."""
    book = xlsxwriter.Workbook(file, {"in_memory": True})
    formats = _Formats(book)
    sheet = book.add_worksheet(kind.label[:31])
    lists = book.add_worksheet("选项")
    _header_block(sheet, kind, formats, title=f"{kind.label}导入模板")
    sheet.write_string(2, 0, EXAMPLE_MARK, formats.example)
    list_column = 0
    for index, column in enumerate(kind.columns, start=1):
        if column.example is not None:
            sheet.write(2, index, column.example, formats.example)
        else:
            sheet.write_blank(2, index, None, formats.example)
        choices = column.value.choices()
        if choices:
            letter = xlsxwriter.utility.xl_col_to_name(list_column)
            for row, choice in enumerate(choices):
                lists.write_string(row, list_column, choice)
            sheet.data_validation(
                2,
                index,
                DATA_ROWS_WITH_LISTS,
                index,
                {
                    "validate": "list",
                    "source": f"=选项!${letter}$1:${letter}${len(choices)}",
                    "error_type": "warning",
                    "error_message": _("Choose one of the listed values."),
                },
            )
            list_column += 1
        if column.value.hint:
            sheet.write_comment(1, index, column.value.hint, {"x_scale": 1.6})
    lists.hide()
    _instructions(book, kind, formats)
    book.close()


def write_export(
    kind: Kind,
    objects: Iterable[Any],
    fmt: str,
    file: IO[bytes],
    *,
    title: str = "",
    unmasked: bool = False,
) -> int:
    """Write the records as the template's sheet (xlsx) or as CSV; return the row count.

    Personal columns (ID numbers, phones) are masked unless *unmasked*; a masked export says so
    in its title row, and its masked cells are refused if the sheet is imported again.
    """
    title = title or f"{kind.label}导出"
    masked = bool(kind.personal_columns) and not unmasked
    if masked:
        title += masked_note(kind)
    if fmt == "csv":
        return _write_csv(kind, objects, file, title=title if masked else "", unmasked=unmasked)
    book = xlsxwriter.Workbook(file, {"constant_memory": True, "in_memory": True})
    formats = _Formats(book)
    sheet = book.add_worksheet(kind.label[:31])
    _header_block(sheet, kind, formats, title=title)
    count = 0
    for count, obj in enumerate(objects, start=1):
        values = _values(kind, obj, unmasked=unmasked)
        row = count + 1
        sheet.write_number(row, 0, count)
        for index, column in enumerate(kind.columns, start=1):
            cell = values.get(column.key)
            if cell in (None, "", [], ()):
                continue
            written = column.value.write(cell)
            if isinstance(written, int | float) and not isinstance(written, bool):
                sheet.write_number(row, index, written)
            elif written not in (None, ""):
                sheet.write_string(row, index, str(written), formats.text)
    book.close()
    return count


def masked_note(kind: Kind) -> str:
    """What a masked export's title adds: （身份证号码、联系电话已脱敏，不能用于导入）."""
    headers = "、".join(column.header for column in kind.personal_columns)
    return f"（{headers}已脱敏，不能用于导入）"


def _values(kind: Kind, obj: Any, *, unmasked: bool) -> dict[str, Any]:
    values = kind.export_values(obj)
    if unmasked and kind.personal_columns:
        values.update(kind.export_unmasked(obj))
    return values


def _write_csv(
    kind: Kind, objects: Iterable[Any], file: IO[bytes], *, title: str, unmasked: bool
) -> int:
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    if title:  # a masked export says so above its header, as the .xlsx does
        writer.writerow([title])
    writer.writerow(_headers(kind))
    count = 0
    for count, obj in enumerate(objects, start=1):
        values = _values(kind, obj, unmasked=unmasked)
        writer.writerow([count, *(_csv_cell(c, values.get(c.key)) for c in kind.columns)])
    text.detach()
    return count


def _csv_cell(column: Column, value: Any) -> str:
    if value in (None, "", [], ()):
        return ""
    return inert(column.value.show(value))


# Excel, WPS and LibreOffice run a CSV cell that opens with one of these as a formula when the
# file is opened (=HYPERLINK(…), =cmd|' /C calc'!A0, @SUM(…)); such text, typed in by anyone
# who may record, is written after an apostrophe so that it stays text. Numbers (-5, +3.5) are
# left alone. The .xlsx export needs no such care: write_string never makes a formula.
_FORMULA_OPENERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def inert(text: str) -> str:
    """Return *text* so that a spreadsheet opening the CSV shows it rather than runs it."""
    if text.startswith(_FORMULA_OPENERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Formats:
    def __init__(self, book: Any) -> None:
        font = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.title = book.add_format({**font, "bold": True, "font_size": 14, "align": "center"})
        self.header = book.add_format(
            {
                **font,
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "align": "center",
                "text_wrap": True,
            }
        )
        self.required = book.add_format(
            {
                **font,
                "bold": True,
                "bg_color": "#FCE4D6",
                "border": 1,
                "align": "center",
                "text_wrap": True,
            }
        )
        self.text = book.add_format({**font, "num_format": "@"})
        self.example = book.add_format({**font, "font_color": "#7F7F7F", "italic": True})
        self.wrap = book.add_format({**font, "text_wrap": True, "valign": "top"})
        self.bold = book.add_format({**font, "bold": True})


def _header_block(sheet: Any, kind: Kind, formats: _Formats, *, title: str) -> None:
    """A merged title banner on row 1, the header on row 2 (as offices' own sheets have)."""
    last = len(kind.columns)
    sheet.merge_range(0, 0, 0, last, title, formats.title)
    sheet.set_row(0, 26)
    sheet.write_string(1, 0, INDEX_HEADER, formats.header)
    sheet.set_column(0, 0, 6)
    for index, column in enumerate(kind.columns, start=1):
        style = formats.required if column.required else formats.header
        sheet.write_string(1, index, header_text(column), style)
        # A column of ID numbers typed into a "General" cell loses its last digits.
        sheet.set_column(
            index, index, column.width, formats.text if column.value.keeps_text else None
        )
    sheet.freeze_panes(2, 1)


def _instructions(book: Any, kind: Kind, formats: _Formats) -> None:
    sheet = book.add_worksheet("填写说明")
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 3, 40)
    sheet.write_string(0, 0, f"{kind.label}导入模板：填写说明", formats.title)
    notes = [
        "1. 在第一个工作表第3行起逐行填写，每行一条记录；标“*”的列必须填写。",
        "2. 第3行为示例（序号列写“示例”），导入时自动跳过，可删除。",
        "3. 日期可写 2023年6月28日、2023-06-28、2023.6.28 或 2023年6月；"
        "金额可写 3.2万元、5,000元。",
        "4. 合计、小计行和表格下方的注释会被跳过；列的顺序可以调整，列名也可用常见写法。",
        f"5. 重复导入不会产生重复记录：{kind.key_help or '同一条记录只保存一次'}。",
        "6. 选择“更新已有记录”后导入，已有记录按表中内容修改，修改历史全部保留。",
    ]
    for row, note in enumerate(notes, start=1):
        sheet.write_string(row, 0, note)
    top = len(notes) + 2
    for col, heading in enumerate(("列名", "必填", "填写要求", "可选值 / 其他列名")):
        sheet.write_string(top, col, heading, formats.header)
    for row, column in enumerate(kind.columns, start=top + 1):
        choices = "、".join(column.value.choices())
        other = "、".join(column.synonyms[:6])
        sheet.write_string(row, 0, column.header, formats.bold)
        sheet.write_string(row, 1, "是" if column.required else "", formats.wrap)
        sheet.write_string(row, 2, column.help or column.value.hint or "文字", formats.wrap)
        sheet.write_string(row, 3, choices or (f"也可写作：{other}" if other else ""), formats.wrap)


def example_date_text(on: date) -> str:
    return partial_date(on, "day")
