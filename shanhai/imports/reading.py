"""Find the header of an office's sheet and read its data rows, whatever the sheet looks like.

Offices' sheets have a title and a merged banner above the header, sometimes two header rows
(a merged group heading over its columns), a 序号 column, headers written in many ways, 合计
rows, notes at the bottom and an example row. This module finds the header row(s), matches
each header to a column of the kind (through the kind's names, the shared synonyms and the
user's own saved mappings), and turns each data row into a Row of parsed values and problems.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from shanhai.core.parsing import ParseError, clean_text
from shanhai.imports.columns import (
    EXAMPLE_MARKS,
    INDEX_HEADERS,
    NOTE_PREFIXES,
    SUMMARY_WORDS,
    Column,
    header_key,
)
from shanhai.imports.kinds.base import Context, Kind, Problem, Row

HEADER_SCAN_ROWS = 20  # the header is looked for this far down (non-blank rows)


class LayoutError(Exception):
    """The sheet's header cannot be found or lacks columns the kind needs."""

    def __init__(self, problems: list[Problem], layout: Layout | None = None) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems
        self.layout = layout


@dataclass
class Layout:
    """Where the header is and which column of the kind each sheet column fills."""

    header_rows: list[int]
    columns: dict[int, Column]  # sheet column index → column
    written: dict[int, str]  # sheet column index → header as written
    units: dict[int, str]  # units named in headers: 预算（万元）
    unknown: list[tuple[int, str]] = field(default_factory=list)  # headers matched to nothing
    index_column: int | None = None

    @property
    def last_header_row(self) -> int:
        return self.header_rows[-1]

    def headers_by_key(self) -> dict[str, str]:
        return {column.key: self.written[i] for i, column in self.columns.items()}


def _names(kind: Kind, mapping: Mapping[str, str]) -> dict[str, Column]:
    """Every header key the kind answers to, the user's mappings winning."""
    names: dict[str, Column] = {}
    for column in kind.columns:
        for key in column.header_keys():
            names.setdefault(key, column)
    by_key = {c.key: c for c in kind.columns}
    for header, column_key in mapping.items():
        if column_key in by_key:
            names[header_key(header)[0]] = by_key[column_key]
    return names


def _lookup(key: str, names: dict[str, Column]) -> Column | None:
    """The column a header names: exactly, or by its ending ("考察时间" ends in 时间: a date).

    The longest known ending wins, so "结束时间" (exact) stays the end date.
    """
    if key in names:
        return names[key]
    for start in range(1, len(key) - 1):
        column = names.get(key[start:])
        if column is not None:
            return column
    return None


def _match_row(
    values: Sequence[Any], names: dict[str, Column], ignored: set[str]
) -> dict[int, tuple[Column, str, str]]:
    matched: dict[int, tuple[Column, str, str]] = {}
    used: set[str] = set()
    for index, value in enumerate(values):
        key, unit = header_key(value)
        column = _lookup(key, names)
        if column is not None and column.key not in used and key not in ignored:
            matched[index] = (column, clean_text(value), unit)
            used.add(column.key)
    return matched


def find_layout(
    kind: Kind, rows: Sequence[tuple[int, list[Any]]], mapping: Mapping[str, str]
) -> Layout:
    """Find the header among the first rows and match its cells to the kind's columns.

    *mapping* ({header as written: column key}) holds the user's own names for columns; a
    header mapped to "" is ignored on purpose. Raise LayoutError when no row looks like a
    header or required columns are missing.
    """
    names = _names(kind, mapping)
    ignored = {header_key(h)[0] for h, c in mapping.items() if not c}
    best: tuple[int, int] | None = None  # (matches, position)
    for position, (_number, values) in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = len(_match_row(values, names, ignored))
        if score and (best is None or score > best[0]):
            best = (score, position)
    if best is None or best[0] < min(2, len(kind.columns)):
        raise LayoutError(
            [
                Problem(
                    None,
                    None,
                    _(
                        "No header row was found in the first %(n)d rows: a header names the "
                        "columns, e.g. %(examples)s."
                    )
                    % {
                        "n": HEADER_SCAN_ROWS,
                        "examples": "、".join(c.header for c in kind.columns[:4]),
                    },
                )
            ]
        )
    position = best[1]
    number, values = rows[position]
    header_rows = [number]
    cells = [_as_written(v) for v in values]
    # Two header rows: a group heading above ("考察人员" over 带队领导 | 人数), or detail below.
    if position + 1 < len(rows):
        below_number, below = rows[position + 1]
        below_cells = [_as_written(v) for v in below]
        if _match_row(below, names, ignored) and _looks_like_header(below_cells, names):
            cells = _combine(cells, below_cells)
            header_rows.append(below_number)
    return _layout(kind, cells, header_rows, names, ignored)


def _as_written(value: Any) -> str:
    """A header as the sheet shows it (full-width brackets kept), on one line."""
    return " ".join(str(value).split()) if value is not None else ""


def _looks_like_header(cells: list[str], names: dict[str, Column]) -> bool:
    """A second header row has words, not data: nothing in it parses as a number or date."""
    filled = [c for c in cells if c]
    known = sum(1 for c in filled if _lookup(header_key(c)[0], names))
    return bool(filled) and known * 2 >= len(filled)


def _combine(upper: list[str], lower: list[str]) -> list[str]:
    """Read two header rows as one: the lower cell where it has one, else the upper heading.

    A merged group heading is written only in its first cell; a column whose lower cell is
    blank keeps its own upper heading ("序号" spanning both rows).
    """
    width = max(len(upper), len(lower))
    combined: list[str] = []
    for index in range(width):
        top = upper[index] if index < len(upper) else ""
        bottom = lower[index] if index < len(lower) else ""
        combined.append(bottom or top)
    return combined


def _layout(
    kind: Kind,
    cells: list[str],
    header_rows: list[int],
    names: dict[str, Column],
    ignored: set[str],
) -> Layout:
    layout = Layout(header_rows=header_rows, columns={}, written={}, units={})
    used: set[str] = set()
    for index, text in enumerate(cells):
        key, unit = header_key(text)
        if not key:
            continue
        if key in (k.lower() for k in INDEX_HEADERS) and layout.index_column is None:
            layout.index_column = index
            continue
        column = _lookup(key, names)
        if column is None or key in ignored:
            if key not in ignored:
                layout.unknown.append((index, text))
            continue
        if column.key in used:
            layout.unknown.append((index, text))
            continue
        used.add(column.key)
        layout.columns[index] = column
        layout.written[index] = text
        layout.units[index] = unit
    missing = [
        c
        for c in kind.columns
        if c.required and c.key not in used and c.key != "pairing"  # --pairing fills it
    ]
    if missing:
        raise LayoutError(
            [
                Problem(
                    None,
                    column.header,
                    _(
                        "The sheet has no column “%(header)s”; map one of its columns to it "
                        "or add the column."
                    )
                    % {"header": column.header},
                )
                for column in missing
            ],
            layout,
        )
    return layout


def is_skipped(values: list[Any], layout: Layout) -> bool:
    """Totals, notes under the table and the template's example row are not records."""
    first_cells = [clean_text(v) for v in values[:3]]
    if layout.index_column is not None and layout.index_column < len(values):
        index_text = clean_text(values[layout.index_column]).lower()
        if index_text in EXAMPLE_MARKS or index_text.startswith("示例"):
            return True
    if any(cell.rstrip("：:").replace(" ", "") in SUMMARY_WORDS for cell in first_cells):
        return True
    filled = [clean_text(v) for v in values if clean_text(v)]
    return bool(filled) and filled[0].startswith(NOTE_PREFIXES) and len(filled) <= 2


def read_row(number: int, values: list[Any], layout: Layout, ctx: Context) -> Row:
    """Parse the cells of one data row; every cell that cannot be read becomes a Problem."""
    row = Row(number=number, values={}, headers=layout.headers_by_key())
    for index, column in layout.columns.items():
        cell = values[index] if index < len(values) else None
        if cell is None or (isinstance(cell, str) and not clean_text(cell)):
            if column.required and not (column.key == "pairing" and ctx.pairing is not None):
                row.error(column.key, _("This column must be filled in."))
            continue
        try:
            row.values[column.key] = column.value.parse(
                cell, unit=layout.units.get(index, ""), lookups=ctx.lookups
            )
        except ParseError as problem:
            row.error(column.key, str(problem))
            row.unread[column.key] = clean_text(cell)
    return row


def data_rows(
    rows: Iterator[tuple[int, list[Any]]], layout: Layout
) -> Iterator[tuple[int, list[Any]]]:
    """The rows under the header that hold records."""
    for number, values in rows:
        if number <= layout.last_header_row or is_skipped(values, layout):
            continue
        yield number, values
