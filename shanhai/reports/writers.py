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
from shanhai.reports.consumption import ConsumptionLine, ConsumptionSection

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
CONSUMPTION_HEADERS = ["项目", "对应指标", "数值", "单位", "销售笔数"]
CHANNEL_HEADERS = [
    "渠道",
    "渠道类型",
    "计入金额(万元)",
    "计入笔数",
    "未计入金额(万元)",
    "未计入笔数",
    "示意数据",
]
PRODUCT_HEADERS = [
    "产品",
    "类别",
    "供应主体",
    "计入数量",
    "单位",
    "计入金额(万元)",
    "计入笔数",
    "未计入金额(万元)",
    "示意数据",
]
CERTIFICATE_HEADERS = ["认定日期", "产品", "供应主体", "证书编号", "有效期至", "状态"]
LINKAGE_HEADERS = [
    "年度",
    "供应主体",
    "所在地",
    "联农带农方式",
    "带动农户(户)",
    "其中脱贫户",
    "其中监测户",
    "带动增收(元)",
]
SALE_HEADERS = [
    "销售日期",
    "渠道",
    "渠道订单号",
    "产品",
    "数量",
    "单位",
    "金额(元)",
    "购买方",
    "计入方式",
    "计入结对",
    "消费帮扶活动",
    "示意数据",
]
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
        "consumption": _consumption_json(report.consumption),
    }


def _line_json(line: ConsumptionLine) -> dict[str, Any]:
    return {
        "label": line.label,
        "indicator": line.code or None,
        "value": decimal_text(line.value),
        "unit": line.unit,
        "lines": line.lines,
    }


def _consumption_json(section: ConsumptionSection) -> dict[str, Any]:
    """Money in 万元 as decimal strings, like the indicators; only certified sales count."""
    return {
        "lines": [_line_json(line) for line in section.lines],
        "uncounted": [_line_json(line) for line in section.uncounted],
        "by_mode": [_line_json(line) for line in section.by_mode],
        "by_channel_kind": [_line_json(line) for line in section.by_channel_kind],
        "by_category": [_line_json(line) for line in section.by_category],
        "channels": [
            {
                "name": row.name,
                "kind": row.kind,
                "counted": decimal_text(row.counted_wan),
                "counted_lines": row.counted_lines,
                "uncounted": decimal_text(row.uncounted_wan),
                "uncounted_lines": row.uncounted_lines,
                "illustrative": row.is_illustrative,
            }
            for row in section.channels
        ],
        "products": [
            {
                "name": row.name,
                "category": row.category,
                "supplier": row.supplier,
                "quantity": decimal_text(row.quantity),
                "unit": row.unit,
                "counted": decimal_text(row.counted_wan),
                "counted_lines": row.counted_lines,
                "uncounted": decimal_text(row.uncounted_wan),
                "illustrative": row.is_illustrative,
            }
            for row in section.products
        ],
        "certificates": [
            {
                "date": row.date_text,
                "product": row.product,
                "supplier": row.supplier,
                "number": row.number,
                "valid_to": row.valid_to,
                "status": row.status,
            }
            for row in section.certificates
        ],
        "linkages": [
            {
                "year": row.year,
                "supplier": row.supplier,
                "households": row.households,
                "poverty_exited": row.poverty_exited,
                "monitored": row.monitored,
                "paid": decimal_text(row.paid),
            }
            for row in section.linkages
        ],
        "sale_lines": section.sales_total,
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
    _consumption_sheets(book, report, taken, f)
    _labor_sheets(book, report, taken, f)
    book.close()


def _text(value: str, f: _Formats) -> tuple[str, Any, str]:
    return value, f.text, value


def _wan(value: Decimal, f: _Formats) -> tuple[Decimal, Any, str]:
    return value, f.decimal, f"{value:,.2f}"


def _int(value: int | Decimal | None, f: _Formats) -> tuple[int | Decimal | None, Any, str]:
    return value, f.integer, "" if value is None else f"{value:,.0f}"


def _consumption_line_cells(line: ConsumptionLine, f: _Formats) -> list[tuple[Any, Any, str]]:
    value = _wan(line.value, f) if line.unit == "万元" else _int(line.value, f)
    label, code, unit = _text(line.label, f), _text(line.code, f), _text(line.unit, f)
    return [label, code, value, unit, _int(line.lines, f)]


def _consumption_sheets(book: Any, report: AnnualReport, taken: set[str], f: _Formats) -> None:
    """消费帮扶: the summary; by channel; by product; certificates; linkages; the sale lines."""
    section = report.consumption
    place = f"{report.pairing_name}　{report.period}"
    summary = _Sheet(book, sheet_name("消费-汇总", taken), f, CONSUMPTION_HEADERS)
    summary.top(f"消费帮扶汇总（{report.years}，仅计已认定产品）", place)
    for line in section.lines + section.uncounted:
        summary.add(_consumption_line_cells(line, f))
    for prefix, lines in (
        ("计入方式", section.by_mode),
        ("渠道类型", section.by_channel_kind),
        ("产品类别", section.by_category),
    ):
        for line in lines:
            summary.add(_consumption_line_cells(ConsumptionLine(
                f"{prefix}：{line.label}", line.value, line.unit, line.lines), f))  # fmt: skip
    summary.finish()
    if section.channels:
        sheet = _Sheet(book, sheet_name("消费-按渠道", taken), f, CHANNEL_HEADERS)
        sheet.top(f"消费帮扶按渠道（{report.years}）", place)
        for channel in section.channels:
            sheet.add([
                _text(channel.name, f), _text(channel.kind, f),
                _wan(channel.counted_wan, f), _int(channel.counted_lines, f),
                _wan(channel.uncounted_wan, f), _int(channel.uncounted_lines, f),
                _text("是" if channel.is_illustrative else "", f),
            ])  # fmt: skip
        sheet.finish()
    if section.products:
        sheet = _Sheet(book, sheet_name("消费-按产品", taken), f, PRODUCT_HEADERS)
        sheet.top(f"消费帮扶按产品（{report.years}）", place)
        for product in section.products:
            quantity = product.quantity
            sheet.add([
                _text(product.name, f), _text(product.category, f), _text(product.supplier, f),
                (quantity, f.decimal, f"{quantity:,.2f}"), _text(product.unit, f),
                _wan(product.counted_wan, f), _int(product.counted_lines, f),
                _wan(product.uncounted_wan, f),
                _text("是" if product.is_illustrative else "", f),
            ])  # fmt: skip
        sheet.finish()
    if section.certificates:
        sheet = _Sheet(book, sheet_name("消费-认定产品", taken), f, CERTIFICATE_HEADERS)
        sheet.top(f"本期认定的消费帮扶产品（{report.years}）", place)
        for cert in section.certificates:
            sheet.add([_text(text, f) for text in (
                cert.date_text, cert.product, cert.supplier, cert.number, cert.valid_to,
                cert.status)])  # fmt: skip
        sheet.finish()
    if section.linkages:
        sheet = _Sheet(book, sheet_name("消费-联农带农", taken), f, LINKAGE_HEADERS)
        sheet.top(f"供应主体联农带农（{report.years}）", place)
        for linkage in section.linkages:
            sheet.add([
                _int(linkage.year, f), _text(linkage.supplier, f), _text(linkage.place, f),
                _text(linkage.ways, f), _int(linkage.households, f),
                _int(linkage.poverty_exited, f), _int(linkage.monitored, f),
                (linkage.paid, f.decimal, f"{linkage.paid:,.2f}"),
            ])  # fmt: skip
        sheet.finish()
    if section.sales:
        sheet = _Sheet(book, sheet_name("消费-销售明细", taken), f, SALE_HEADERS)
        shown = len(section.sales)
        cut = (
            f"（共{section.sales_total}笔，此处列前{shown}笔）"
            if shown < section.sales_total
            else ""
        )
        sheet.top(f"计入消费帮扶的销售明细（{report.years}，仅已认定产品）{cut}", place)
        for sale in section.sales:
            sheet.add([
                _text(sale.date_text, f), _text(sale.channel, f), _text(sale.order_id, f),
                _text(sale.product, f), (sale.quantity, f.decimal, f"{sale.quantity:,.2f}"),
                _text(sale.unit, f), (sale.amount, f.decimal, f"{sale.amount:,.2f}"),
                _text(sale.buyer, f), _text(sale.mode, f), _text(sale.pairing, f),
                _text(sale.event, f), _text("是" if sale.is_illustrative else "", f),
            ])  # fmt: skip
        sheet.finish()


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


def _consumption_pdf(section: ConsumptionSection) -> dict[str, Any]:
    def line(item: ConsumptionLine) -> dict[str, str]:
        money = item.unit == "万元"
        return {
            "label": item.label,
            "code": item.code,
            "value": f"{item.value:,.2f}" if money else f"{item.value:,.0f}",
            "unit": item.unit,
            "lines": NO_VALUE if item.lines is None else f"{item.lines:,}",
        }

    return {
        "lines": [line(item) for item in section.lines],
        "uncounted": [line(item) for item in section.uncounted],
        "by_channel_kind": [line(item) for item in section.by_channel_kind],
        "by_category": [line(item) for item in section.by_category],
        "channels": [
            {
                "name": row.name,
                "kind": row.kind,
                "counted": f"{row.counted_wan:,.2f}",
                "counted_lines": f"{row.counted_lines:,}",
                "uncounted": f"{row.uncounted_wan:,.2f}",
                "is_illustrative": row.is_illustrative,
            }
            for row in section.channels
        ],
        "products": [
            {
                "name": row.name,
                "supplier": row.supplier,
                "quantity": f"{row.quantity:,.0f}",
                "unit": row.unit,
                "counted": f"{row.counted_wan:,.2f}",
                "uncounted": f"{row.uncounted_wan:,.2f}",
            }
            for row in section.products
        ],
        "certificates": section.certificates,
        "linkages": [
            {
                "year": row.year,
                "supplier": row.supplier,
                "households": f"{row.households:,}",
                "poverty_exited": f"{row.poverty_exited:,}",
                "paid": f"{row.paid / 10000:,.2f}",
            }
            for row in section.linkages
        ],
        "sale_lines": f"{section.sales_total:,}",
        "is_empty": section.is_empty,
    }


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
        {
            "report": report,
            "categories": categories,
            "ledger": ledger,
            "labor": labor,
            "consumption": _consumption_pdf(report.consumption),
        },
    )
    pdf: bytes = HTML(string=html).write_pdf()  # with no target, the PDF's bytes
    return pdf
