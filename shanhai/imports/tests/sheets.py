"""Build offices' sheets in tests: titles, banners, merged headings, totals, notes."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from django.core.files.base import ContentFile


def xlsx(
    rows: Sequence[Sequence[Any]],
    *,
    name: str = "台账.xlsx",
    merges: Sequence[tuple[int, int, int, int, str]] = (),
    hidden_first: Sequence[Sequence[Any]] | None = None,
) -> ContentFile[bytes]:
    """An .xlsx whose first visible sheet holds *rows* (None leaves a cell empty).

    *merges* are (first row, first col, last row, last col, text) written as merged ranges;
    *hidden_first* puts a hidden sheet with those rows before the data sheet.
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    if hidden_first is not None:
        hidden = book.add_worksheet("旧表")
        for r, row in enumerate(hidden_first):
            hidden.write_row(r, 0, row)
        hidden.hide()
    sheet = book.add_worksheet("Sheet1")
    if hidden_first is not None:
        sheet.activate()
    for first_row, first_col, last_row, last_col, text in merges:
        sheet.merge_range(first_row, first_col, last_row, last_col, text)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    return ContentFile(buffer.getvalue(), name=name)


def csv_file(
    rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8-sig", name: str = "台账.csv"
) -> ContentFile[bytes]:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return ContentFile(text.getvalue().encode(encoding), name=name)
