"""Read the year's targets from the spreadsheet an office fills in, and write the blank for it.

Offices send what their own sheets look like: a title or merged banner above the header, the
columns in any order and named in several ways, a 合计 row, units typed into the cells
("61人", "5.2万"), full-width digits. The reader finds the header, reads what it can, and
reports every problem by row and column, so that one upload can be corrected in one go.
"""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import xlsxwriter
from django.core.files import File
from django.utils.translation import gettext as _

from shanhai.core.sheets import Row, SheetError, open_sheet
from shanhai.indicators.models import Indicator
from shanhai.places.models import Pairing

HEADER_ROWS = 10  # the header is looked for this far down, below titles and banners
MAX_ROWS = 1000  # non-blank rows; the catalogue has about 50 indicators

# The names offices give each column, compared after _header_key().
CODE_HEADERS = {"指标代码", "代码", "编号", "指标编号", "code", "indicatorcode"}
TARGET_HEADERS = {"目标", "目标值", "年度目标", "目标任务", "年度目标任务", "target"}
NAME_HEADERS = {"指标名称", "指标", "名称", "name"}
UNIT_HEADERS = {"单位", "计量单位", "unit"}

TEMPLATE_HEADERS = ["指标代码", "指标名称", "单位", "目标"]
TEMPLATE_NOTE = (
    "注：目标按“单位”列的单位填写，也可写成“5.2万”“61人”；留空表示不设目标。"
    "只改本表列出的指标；比率类指标由系统计算，不列入本表。"
)

_SUMMARY_WORDS = ("合计", "小计", "总计")
_NOTE_PREFIXES = ("注", "说明", "填表", "填报")
# What offices write for "no target" besides leaving the cell empty.
_NO_TARGET = {"-", "—", "–", "/", "无"}
_MAGNITUDES = {"千": Decimal(1000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}
_MONEY_UNITS = {"元", "千元", "万元", "亿元"}
_NUMBER = re.compile(r"^(?P<number>[-+]?\d+(?:\.\d+)?)(?P<suffix>\D*)$")
_CENT = Decimal("0.01")
_TOO_LARGE = Decimal(10) ** 16  # AnnualTarget.value: 18 digits, 2 after the point


@dataclass(frozen=True)
class RowError:
    """A problem in the file: at a row and column of the sheet, or (both None) in the whole file.

    Rows are numbered as the spreadsheet shows them; *column* is the column's header as written.
    """

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return _("Row %(row)d, column %(column)s: %(problem)s") % {
            "row": self.row,
            "column": self.column,
            "problem": self.message,
        }


@dataclass
class TargetSheet:
    """The targets a sheet states (None: no target) and everything wrong with it."""

    targets: dict[Indicator, Decimal | None] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    changed: int = 0  # set by services.import_targets once the targets are stored


@dataclass(frozen=True)
class _Columns:
    code: int
    target: int
    name: int | None
    unit: int | None
    code_header: str
    target_header: str


def read_target_sheet(file: File[bytes], *, indicators: Sequence[Indicator]) -> TargetSheet:
    """Read the targets in *file*, a workbook (its first visible sheet) or a CSV file.

    *indicators* is the year's catalogue: codes outside it are errors, and so are codes of
    ratios, which are computed and never targeted. Nothing is stored here.
    """
    sheet = TargetSheet()
    try:
        with open_sheet(file) as (info, rows):
            kept = _bounded(rows, name=info.file_name)
        _read_rows(kept, {i.code.upper(): i for i in indicators}, sheet)
    except (SheetError, _FileError) as problem:
        sheet.targets.clear()
        sheet.errors.append(RowError(None, None, str(problem)))
    return sheet


def write_target_template(
    *, pairing: Pairing, year: int, indicators: Iterable[Indicator], targets: dict[int, Decimal]
) -> bytes:
    """Return an .xlsx blank: title row, header, one row per indicator with its current target."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": template_title(pairing, year), "comments": "Shanhai"})
    font = {"font_size": 10, "valign": "vcenter"}
    title = book.add_format({**font, "bold": True, "font_size": 14, "align": "center"})
    header = book.add_format(
        {**font, "bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"}
    )
    text = book.add_format({**font, "border": 1})
    grey = book.add_format({**font, "border": 1, "font_color": "#555555"})
    number = book.add_format({**font, "border": 1, "bg_color": "#FFF9E5"})
    note = book.add_format({**font, "font_color": "#555555", "text_wrap": True})

    sheet = book.add_worksheet("目标任务")
    last = len(TEMPLATE_HEADERS) - 1
    sheet.merge_range(0, 0, 0, last, template_title(pairing, year), title)
    sheet.set_row(0, 24)
    for col, heading in enumerate(TEMPLATE_HEADERS):
        sheet.write_string(1, col, heading, header)
    row = 2
    for indicator in indicators:
        sheet.write_string(row, 0, indicator.code, text)
        sheet.write_string(row, 1, indicator.name_zh, grey)
        sheet.write_string(row, 2, indicator.unit, grey)
        value = targets.get(indicator.pk)
        if value is None:
            sheet.write_blank(row, 3, None, number)
        else:
            sheet.write_number(row, 3, float(value), number)
        row += 1
    sheet.merge_range(row + 1, 0, row + 1, last, TEMPLATE_NOTE, note)
    sheet.set_row(row + 1, 42)
    for col, width in enumerate((10, 44, 8, 16)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(2, 0)
    book.close()
    return buffer.getvalue()


def template_title(pairing: Pairing, year: int) -> str:
    """松江区 ↔ 威信县 2024年度目标任务"""
    return f"{pairing} {year}年度目标任务"


def template_filename(pairing: Pairing, year: int) -> str:
    """松江区↔威信县2024年度目标任务.xlsx"""
    return re.sub(r'[\s\\/:*?"<>|]+', "", template_title(pairing, year)) + ".xlsx"


# ---------------------------------------------------------------------------------------------
# Files into rows


class _FileError(Exception):
    """The sheet as a whole cannot be read as targets; the message says why."""


def _bounded(rows: Iterator[Row], *, name: str) -> list[Row]:
    """Keep the non-blank rows, refusing a sheet far longer than a catalogue can be."""
    kept = list(itertools.islice(rows, MAX_ROWS + 1))
    if len(kept) > MAX_ROWS:
        raise _FileError(
            _("“%(name)s” has more than %(n)d rows; a target sheet has one row per indicator.")
            % {"name": name, "n": MAX_ROWS}
        )
    return kept


# ---------------------------------------------------------------------------------------------
# Rows into targets


def _read_rows(rows: list[Row], catalogue: dict[str, Indicator], sheet: TargetSheet) -> None:
    columns, header_row = _find_header(rows)
    seen: dict[Indicator, int] = {}
    for number, values in rows:
        if number <= header_row:
            continue
        code = _code(_cell(values, columns.code))
        label = _text(_cell(values, columns.name)) if columns.name is not None else ""
        if _is_summary(values, columns) or code.startswith(_NOTE_PREFIXES):
            continue
        raw_target = _cell(values, columns.target)

        def error(column: str, message: str, number: int = number) -> None:
            sheet.errors.append(RowError(number, column, message))

        if not code:
            if _text(raw_target):
                error(columns.code_header, _("A target is given but the indicator code is empty."))
            continue
        indicator = catalogue.get(code)
        if indicator is None:
            message = (
                _("There is no indicator “%(code)s” (%(name)s) in this year's catalogue.")
                if label
                else _("There is no indicator “%(code)s” in this year's catalogue.")
            )
            error(columns.code_header, message % {"code": code, "name": label})
            continue
        if indicator.computation == Indicator.Computation.RATIO:
            error(
                columns.code_header,
                _(
                    "%(code)s %(name)s is computed from other indicators "
                    "and cannot be given a target."
                )
                % {"code": indicator.code, "name": indicator.name_zh},
            )
            continue
        if indicator in seen:
            error(
                columns.code_header,
                _("%(code)s already appears in row %(row)d.")
                % {"code": indicator.code, "row": seen[indicator]},
            )
            continue
        seen[indicator] = number
        row_unit = _text(_cell(values, columns.unit)) if columns.unit is not None else ""
        try:
            value = _target_value(raw_target, indicator, row_unit)
        except ValueError as problem:
            error(columns.target_header, str(problem))
            continue
        sheet.targets[indicator] = value
    if not seen and not sheet.errors:
        raise _FileError(_("The sheet lists no indicators under its header."))


def _find_header(rows: list[Row]) -> tuple[_Columns, int]:
    for number, values in rows:
        if number > HEADER_ROWS:
            break
        keys = [_header_key(v) for v in values]
        code = _first(keys, CODE_HEADERS)
        target = _first(keys, TARGET_HEADERS)
        if code is not None and target is not None:
            columns = _Columns(
                code=code,
                target=target,
                name=_first(keys, NAME_HEADERS),
                unit=_first(keys, UNIT_HEADERS),
                code_header=_text(values[code]),
                target_header=_text(values[target]),
            )
            return columns, number
    raise _FileError(
        _(
            "No header row was found: one of the first %(n)d rows must name "
            "a code column (指标代码) and a target column (目标)."
        )
        % {"n": HEADER_ROWS}
    )


def _header_key(value: Any) -> str:
    """ "年度目标（万元）*" → "年度目标"; "Indicator Code" → "indicatorcode"."""
    text = re.sub(r"\s+", "", _text(value)).strip("*")
    return re.sub(r"\(.*\)$", "", text).lower()


def _first(keys: list[str], names: set[str]) -> int | None:
    return next((i for i, key in enumerate(keys) if key in names), None)


def _cell(values: list[Any], index: int | None) -> Any:
    if index is None or index >= len(values):
        return None
    return values[index]


def _text(value: Any) -> str:
    """The cell as its sender typed it, NFKC-normalised: full-width digits become ASCII."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).replace("\ufeff", "").strip()


def _code(value: Any) -> str:
    return re.sub(r"\s+", "", _text(value)).upper()


def _is_summary(values: list[Any], columns: _Columns) -> bool:
    """A 合计 or 小计 row, whichever of the first, code or name column it is written in."""
    for index in {0, columns.code, columns.name}:
        if any(word in _text(_cell(values, index)) for word in _SUMMARY_WORDS):
            return True
    return False


def _target_value(value: Any, indicator: Indicator, row_unit: str) -> Decimal | None:
    """Return the target in *indicator*'s unit; raise ValueError saying what is wrong."""
    shown = _text(value)
    if isinstance(value, bool | datetime | date | time):
        raise ValueError(_("“%(text)s” is not a number.") % {"text": shown})
    if isinstance(value, int | float | Decimal):
        # Excel keeps 15 significant digits; beyond them a float holds only rounding noise.
        number = Decimal(f"{value:.15g}") if isinstance(value, float) else Decimal(value)
        suffix = ""
    else:
        if shown in _NO_TARGET or not shown:
            return None
        match = _NUMBER.match(re.sub(r"[\s,，]", "", shown))
        if match is None:
            raise ValueError(_("“%(text)s” is not a number.") % {"text": shown})
        number, suffix = Decimal(match["number"]), match["suffix"]
    if not suffix and row_unit in _MONEY_UNITS and _is_money(indicator.unit):
        suffix = row_unit  # a bare number in a row whose 单位 cell says 元 is in 元
    target = _in_unit(number, suffix, indicator.unit)
    if target is None:
        raise ValueError(
            _("“%(text)s” is not in this indicator's unit (%(unit)s).")
            % {"text": shown, "unit": indicator.unit}
        )
    if target < 0:
        raise ValueError(
            _("“%(text)s” is negative; a target cannot be negative.") % {"text": shown}
        )
    if target >= _TOO_LARGE:
        raise ValueError(_("“%(text)s” is too large for a target.") % {"text": shown})
    try:
        rounded = target.quantize(_CENT)
    except InvalidOperation:  # pragma: no cover - excluded by the size check above
        rounded = None
    if rounded != target:
        raise ValueError(
            _("“%(text)s” has more than two decimal places in %(unit)s.")
            % {"text": shown, "unit": indicator.unit}
        )
    return rounded


def _is_money(unit: str) -> bool:
    return unit.endswith("元")


def _split_unit(unit: str) -> tuple[Decimal, str]:
    """ "万元" → (10000, "元"); "人次" → (1, "人次")."""
    if len(unit) > 1 and unit[0] in _MAGNITUDES:
        return _MAGNITUDES[unit[0]], unit[1:]
    return Decimal(1), unit


def _in_unit(number: Decimal, suffix: str, unit: str) -> Decimal | None:
    """Convert *number* written with *suffix* ("", "万", "61人"'s "人", "万元") into *unit*.

    A bare number is already in *unit*; "5.2万" is 52000 of the base unit, so 5.2 in 万元 and
    52000 in 人次. None when the suffix names another unit.
    """
    if not suffix or suffix == unit:
        return number
    scale, base = _split_unit(unit)
    if suffix in _MAGNITUDES:
        magnitude, rest = _MAGNITUDES[suffix], ""
    else:
        magnitude, rest = _split_unit(suffix)
    if rest not in ("", base):
        return None
    return number * magnitude / scale
