"""Lay an AnnualReport out as Excel, JSON or PDF. No queries here: the report holds everything."""

from __future__ import annotations

import io
import json
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.template.loader import render_to_string

from shanhai.reports.annual import AnnualReport, IndicatorRow, LaborLine, LedgerSection

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "json": "application/json",
}
FORMATS = tuple(CONTENT_TYPES)

INDICATOR_HEADERS = [
    "编号",
    "类别",
    "指标",
    "单位",
    "目标",
    "完成",
    "完成率(%)",
    "状态",
    "台账记录数",
]
NO_VALUE = "—"
LABOR_HEADERS = ["项目", "数量", "单位", "其中脱贫劳动力", "金额(元)"]
BATCH_HEADERS = ["出发日期", "组织单位", "交通方式", "目的地", "人数", "示意数据"]
PLACEMENT_HEADERS = [
    "就业时间",
    "姓名",
    "身份证号码",
    "家庭类型",
    "就业单位",
    "务工地点",
    "就业去向",
    "就业渠道",
    "月工资(元)",
    "稳定就业",
    "离岗时间",
    "示意数据",
]


def render(report: AnnualReport, fmt: str) -> bytes:
    """Return the report as the bytes of a file in *fmt* (one of FORMATS)."""
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(report, buffer)
        return buffer.getvalue()
    if fmt == "pdf":
        return write_pdf(report)
    if fmt == "json":
        text = json.dumps(write_json(report), ensure_ascii=False, indent=2)
        return (text + "\n").encode()
    raise ValueError(f"unknown format {fmt!r}")


def filename(report: AnnualReport, fmt: str) -> str:
    """松江区↔威信县东西部协作年度报告（2021—2023年）.xlsx"""
    return re.sub(r'[\s\\/:*?"<>|]+', "", report.title) + f".{fmt}"


def decimal_text(value: Decimal | None) -> str | None:
    """Write a Decimal without exponent or trailing zeros: 17480, 0.06, 4."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# ---------------------------------------------------------------------------------------------
# JSON


def write_json(report: AnnualReport) -> dict[str, Any]:
    """Return the report's figures as plain data.

    Numbers are strings of decimals ("17480", "0.06"), never floats, so that a figure reads back
    exactly as the assessment states it; a missing figure (no target, or fed by a module not yet
    there) is null. ``records`` is an integer count.
    """
    return {
        "title": report.title,
        "pairing": {"code": report.pairing_code, "name": report.pairing_name},
        "first_year": report.first_year,
        "year": report.year,
        "period": report.period,
        "regime": report.regime,
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "numbers": "decimal strings",
        "indicators": [
            {
                "code": row.code,
                "category": row.category,
                "name": row.name,
                "unit": row.unit,
                "target": decimal_text(row.target),
                "actual": decimal_text(row.actual),
                "percent": decimal_text(row.percent),
                "status": row.status,
                "records": row.records,
            }
            for row in report.indicators
        ],
        "ledger": [
            {"kind": section.kind, "name": section.name, "records": len(section.rows)}
            for section in report.ledger
        ],
        "labor": {
            "lines": [
                {
                    "label": line.label,
                    "value": decimal_text(line.value),
                    "unit": line.unit,
                    "poverty_exited": line.poverty_exited,
                    "amount": decimal_text(line.amount),
                }
                for line in report.labor.lines
            ],
            "batches": [
                {
                    "date": batch.date_text,
                    "organiser": batch.organiser,
                    "transport": batch.transport,
                    "destination": batch.destination,
                    "people": batch.people,
                    "illustrative": batch.is_illustrative,
                }
                for batch in report.labor.batches
            ],
            "placements": len(report.labor.placements),
        },
    }


# ---------------------------------------------------------------------------------------------
# Excel


def display_width(text: str) -> int:
    """Columns *text* takes in a spreadsheet: a CJK (wide) character counts as two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: set[str]) -> str:
    """A name Excel and WPS accept: no []:*?/\\, not quoted, at most 31 characters, unique."""
    clean = _FORBIDDEN_IN_SHEET_NAMES.sub("-", name).strip("'") or "Sheet"
    candidate, n = clean[:31], 2
    while candidate.lower() in taken:
        suffix = f"({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


@dataclass
class _Formats:
    title: Any
    subtitle: Any
    header: Any
    text: Any
    integer: Any
    decimal: Any
    percent: Any


def _formats(book: Any) -> _Formats:
    font = {"font_size": 10, "valign": "vcenter"}
    return _Formats(
        title=book.add_format({**font, "bold": True, "font_size": 14, "align": "center"}),
        subtitle=book.add_format({**font, "font_color": "#555555"}),
        header=book.add_format(
            {**font, "bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"}
        ),
        text=book.add_format({**font, "border": 1}),
        integer=book.add_format({**font, "border": 1, "num_format": "#,##0"}),
        decimal=book.add_format({**font, "border": 1, "num_format": "#,##0.00"}),
        percent=book.add_format({**font, "border": 1, "num_format": "0"}),
    )


class _Sheet:
    """A worksheet with a merged title row, a subtitle, a frozen header and fitted columns."""

    def __init__(self, book: Any, name: str, f: _Formats, headers: Sequence[str]) -> None:
        self.sheet, self.f, self.headers = book.add_worksheet(name), f, list(headers)
        self.widths = [display_width(h) for h in headers]
        self.row = 3

    def top(self, title: str, subtitle: str) -> None:
        last = len(self.headers) - 1
        if last:
            self.sheet.merge_range(0, 0, 0, last, title, self.f.title)
            self.sheet.merge_range(1, 0, 1, last, subtitle, self.f.subtitle)
        else:
            self.sheet.write_string(0, 0, title, self.f.title)
            self.sheet.write_string(1, 0, subtitle, self.f.subtitle)
        self.sheet.set_row(0, 24)
        for col, header in enumerate(self.headers):
            self.sheet.write_string(2, col, header, self.f.header)
        self.sheet.freeze_panes(3, 0)

    def add(self, cells: Sequence[tuple[str | int | Decimal | None, Any, str]]) -> None:
        """Write a row of (value, format, how it displays) cells."""
        for col, (value, fmt, shown) in enumerate(cells):
            if value is None or value == "":
                self.sheet.write_blank(self.row, col, None, self.f.text)
            elif isinstance(value, str):
                self.sheet.write_string(self.row, col, value, fmt)
            else:
                self.sheet.write_number(self.row, col, float(value), fmt)
            self.widths[col] = max(self.widths[col], display_width(shown))
        self.row += 1

    def finish(self) -> None:
        for col, width in enumerate(self.widths):
            self.sheet.set_column(col, col, min(width + 2, 60))
        if self.row > 3:
            self.sheet.autofilter(2, 0, self.row - 1, len(self.headers) - 1)


def _number_cell(
    value: Decimal | None, row: IndicatorRow, f: _Formats
) -> tuple[Decimal | None, Any, str]:
    if value is None:
        return None, f.text, ""
    money = row.is_money or value != value.to_integral_value()
    return value, f.decimal if money else f.integer, f"{value:,.2f}" if money else f"{value:,.0f}"


def _indicator_cells(
    row: IndicatorRow, category: str, f: _Formats
) -> list[tuple[str | int | Decimal | None, Any, str]]:
    percent = row.percent
    return [
        (row.code, f.text, row.code),
        (category, f.text, category),
        (row.name, f.text, row.name),
        (row.unit, f.text, row.unit),
        _number_cell(row.target, row, f),
        _number_cell(row.actual, row, f),
        (percent, f.percent, str(percent) if percent is not None else ""),
        (row.status_label, f.text, row.status_label),
        (row.records, f.integer, str(row.records)),
    ]


def _subtitle(report: AnnualReport) -> str:
    return (
        f"统计期间：{report.period}　考核办法：{report.regime}　生成时间：{report.generated_text}"
    )


def write_xlsx(report: AnnualReport, file: str | IO[bytes]) -> None:
    """Write the report as a workbook: 汇总, one sheet per category, one per record kind."""
    book = xlsxwriter.Workbook(file, {"in_memory": True})
    book.set_properties({"title": report.title, "comments": "Shanhai"})
    f, taken = _formats(book), set[str]()
    subtitle = _subtitle(report)

    summary = _Sheet(book, sheet_name("汇总", taken), f, INDICATOR_HEADERS)
    summary.top(report.title, subtitle)
    for section in report.categories:
        for row in section.rows:
            summary.add(_indicator_cells(row, section.name, f))
    summary.finish()

    for section in report.categories:
        sheet = _Sheet(book, sheet_name(section.name, taken), f, INDICATOR_HEADERS)
        sheet.top(f"{report.title}：{section.name}", subtitle)
        for row in section.rows:
            sheet.add(_indicator_cells(row, section.name, f))
        sheet.finish()

    for ledger in report.ledger:
        _ledger_sheet(book, report, ledger, sheet_name(f"台账-{ledger.name}", taken), f)
    _labor_sheets(book, report, taken, f)
    book.close()


def _labor_line_cells(line: LaborLine, f: _Formats) -> list[tuple[Any, Any, str]]:
    amount = line.amount
    return [
        (line.label, f.text, line.label),
        (line.value, f.integer, f"{line.value:,.0f}"),
        (line.unit, f.text, line.unit),
        (line.poverty_exited, f.integer, str(line.poverty_exited or "")),
        (amount, f.decimal, f"{amount:,.2f}" if amount is not None else ""),
    ]


def _labor_sheets(book: Any, report: AnnualReport, taken: set[str], f: _Formats) -> None:
    """劳务协作: the summary; the organised transfers; the placements, workers masked."""
    labor = report.labor
    summary = _Sheet(book, sheet_name("劳务-汇总", taken), f, LABOR_HEADERS)
    summary.top(f"劳务协作汇总（{report.years}）", f"{report.pairing_name}　{report.period}")
    for line in labor.lines:
        summary.add(_labor_line_cells(line, f))
    summary.finish()
    if labor.batches:
        batches = _Sheet(book, sheet_name("劳务-有组织输出", taken), f, BATCH_HEADERS)
        batches.top(f"有组织输出（{report.years}）", f"{report.pairing_name}　{report.period}")
        for batch in labor.batches:
            illustrative = "是" if batch.is_illustrative else ""
            batches.add(
                [
                    (batch.date_text, f.text, batch.date_text),
                    (batch.organiser, f.text, batch.organiser),
                    (batch.transport, f.text, batch.transport),
                    (batch.destination, f.text, batch.destination),
                    (batch.people, f.integer, str(batch.people)),
                    (illustrative, f.text, illustrative),
                ]
            )
        batches.finish()
    if labor.placements:
        sheet = _Sheet(book, sheet_name("劳务-就业台账", taken), f, PLACEMENT_HEADERS)
        sheet.top(
            f"就业台账（{report.years}，个人信息已脱敏）",
            f"{report.pairing_name}　{report.period}",
        )
        for row in labor.placements:
            wage = row.monthly_wage
            illustrative = "是" if row.is_illustrative else ""
            sheet.add(
                [
                    *((text, f.text, text) for text in (row.date_text, row.worker, row.id_number)),
                    *((text, f.text, text) for text in (row.household, row.employer)),
                    *((text, f.text, text) for text in (row.work_place, row.destination)),
                    (row.channel, f.text, row.channel),
                    (wage, f.integer, str(wage or "")),
                    *((text, f.text, text) for text in (row.stable, row.ended, illustrative)),
                ]
            )
        sheet.finish()


def _ledger_sheet(
    book: Any, report: AnnualReport, ledger: LedgerSection, name: str, f: _Formats
) -> None:
    columns = ledger.columns
    headers = ["日期", "标题", "结对", "方向", "层级"]
    headers += [h for h in (columns.amount_header, columns.people_header) if h]
    headers += ["来源", "确认状态", "示意数据"]
    sheet = _Sheet(book, name, f, headers)
    sheet.top(f"台账：{ledger.name}（{report.years}）", f"{report.pairing_name}　{report.period}")
    for row in ledger.rows:
        cells: list[tuple[str | int | Decimal | None, Any, str]] = [
            (row.date_text, f.text, row.date_text),
            (row.title, f.text, row.title),
            (row.pairing, f.text, row.pairing),
            (row.direction, f.text, row.direction),
            (row.level, f.text, row.level),
        ]
        if columns.amount_header:
            amount = row.amount_wan
            cells.append((amount, f.decimal, f"{amount:,.2f}" if amount is not None else ""))
        if columns.people_header:
            cells.append((row.people, f.integer, str(row.people or "")))
        illustrative = "是" if row.is_illustrative else ""
        cells += [
            (row.source, f.text, row.source),
            (row.status, f.text, row.status),
            (illustrative, f.text, illustrative),
        ]
        sheet.add(cells)
    sheet.finish()


# ---------------------------------------------------------------------------------------------
# PDF

CHART_LABEL_WIDTH = 230  # SVG user units (1 unit = 1 CSS px); A4 minus margins is about 640
CHART_BAR_WIDTH = 330
CHART_ROW = 22
CHART_LABEL_CHARS = 20


def _chart(rows: list[IndicatorRow]) -> dict[str, Any] | None:
    """Bar geometry for the template's SVG: completion % per indicator that has a target."""
    measured = [row for row in rows if row.percent is not None]
    if not measured:
        return None
    top = max(Decimal(100), *(row.percent for row in measured if row.percent is not None))
    scale = Decimal(CHART_BAR_WIDTH) / top
    bars = []
    for i, row in enumerate(measured):
        percent = row.percent or Decimal(0)
        label = f"{row.code} {row.name}"
        if len(label) > CHART_LABEL_CHARS:
            label = label[: CHART_LABEL_CHARS - 1] + "…"
        bars.append(
            {
                "label": label,
                "percent": percent,
                "y": 8 + i * CHART_ROW,
                "text_y": 8 + i * CHART_ROW + 13,
                "width": int(percent * scale),
                "value_x": CHART_LABEL_WIDTH + int(percent * scale) + 4,
                "done": percent >= 100,
            }
        )
    return {
        "bars": bars,
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 50,
        "height": 16 + len(bars) * CHART_ROW,
        "x0": CHART_LABEL_WIDTH,
        "label_x": CHART_LABEL_WIDTH - 6,
        "hundred_x": CHART_LABEL_WIDTH + int(100 * scale),
    }


def _shown(value: Decimal | None, row: IndicatorRow) -> str:
    if value is None:
        return NO_VALUE
    if row.is_money or value != value.to_integral_value():
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def write_pdf(report: AnnualReport) -> bytes:
    """Render the report through reports/annual_pdf.html with WeasyPrint, A4."""
    # WeasyPrint reports each step (even of its import) at INFO: no place for them in our logs.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from weasyprint import HTML  # imported here: it loads pango, which the other formats skip

    categories = [
        {
            "name": section.name,
            "rows": [
                {
                    "code": row.code,
                    "name": row.name,
                    "unit": row.unit,
                    "target": _shown(row.target, row),
                    "actual": _shown(row.actual, row),
                    "percent": NO_VALUE if row.percent is None else str(row.percent),
                    "status": row.status,
                    "status_label": row.status_label,
                    "records": row.records,
                }
                for row in section.rows
            ],
            "chart": _chart(section.rows),
        }
        for section in report.categories
    ]
    ledger = [
        {
            "name": section.name,
            "records": len(section.rows),
            "confirmed": sum(row.is_confirmed for row in section.rows),
            "illustrative": sum(row.is_illustrative for row in section.rows),
        }
        for section in report.ledger
    ]
    labor = {
        "lines": [
            {
                "label": line.label,
                "value": f"{line.value:,.0f}",
                "unit": line.unit,
                "poverty_exited": NO_VALUE
                if line.poverty_exited is None
                else f"{line.poverty_exited:,}",
                "amount": NO_VALUE if line.amount is None else f"{line.amount:,.2f}",
            }
            for line in report.labor.lines
        ],
        "batches": report.labor.batches,
        "placements": len(report.labor.placements),
        "is_empty": report.labor.is_empty,
    }
    html = render_to_string(
        "reports/annual_pdf.html",
        {"report": report, "categories": categories, "ledger": ledger, "labor": labor},
    )
    pdf: bytes = HTML(string=html).write_pdf()  # with no target, the PDF's bytes
    return pdf
