"""The annual report on the demo: the article's figures, and the same figures in every format."""

import io
import re
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shanhai.indicators.selectors import regime_for_year
from shanhai.indicators.services import set_targets
from shanhai.reports import writers
from shanhai.reports.annual import build_annual_report

pytestmark = pytest.mark.django_db

# The seed article (2023-08-20), counted from 2021: 4 visits west → east and 3 east → west by
# principal leaders; 5 Weixin teachers trained in Shanghai and 4 Songjiang teachers teaching.
ARTICLE = {"A2": "4", "A1": "3", "C8": "5", "C4": "4"}


@pytest.fixture
def report(songjiang, pairing):
    return build_annual_report(user=songjiang, pairing=pairing, year=2023, first_year=2021)


def by_code(data):
    return {item["code"]: item for item in data["indicators"]}


def summary_rows(xlsx: bytes) -> dict[str, dict[str, object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx))["汇总"]
    headers = [cell.value for cell in sheet[3]]
    rows = sheet.iter_rows(min_row=4, values_only=True)
    return {row[0]: dict(zip(headers, row, strict=True)) for row in rows if row[0]}


def pdf_rows(pdf: bytes) -> dict[str, list[str]]:
    """Table lines of the PDF's text: code, name, unit, target, actual, %, status, records."""
    text = pdf_text(pdf)
    rows = {}
    for line in text.splitlines():
        cells = line.split()
        if len(cells) == 8 and cells[0][:1] in "ABCDEFGH" and cells[0][1:].isdigit():
            rows[cells[0]] = cells
    return rows


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],  # noqa: S607 - poppler-utils
        input=pdf,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


def test_the_json_counts_the_articles_leader_visits_and_teachers(report):
    data = writers.write_json(report)

    indicators = by_code(data)
    assert {code: indicators[code]["actual"] for code in ARTICLE} == ARTICLE
    assert indicators["A2"]["name"] == "西部党政主要领导赴东部考察对接"
    assert indicators["A2"]["records"] == 4
    assert indicators["C8"]["unit"] == "人"
    assert indicators["B1"]["actual"] == "17480"  # 万元, never 1.748E+4
    assert indicators["H1"]["actual"] is None  # fed by no module yet
    assert data["title"] == "松江区 ↔ 威信县 东西部协作年度报告（2021—2023年）"


def test_the_number_of_queries_does_not_grow_with_the_records(songjiang, pairing):
    def queries(first_year):
        with CaptureQueriesContext(connection) as captured:
            report = build_annual_report(
                user=songjiang, pairing=pairing, year=2023, first_year=first_year
            )
        return len(captured), sum(len(section.rows) for section in report.ledger)

    queries(2023)  # warm the caches of a first call (content types and the like)
    (one_year, fewer), (three_years, more) = queries(2023), queries(2021)

    assert fewer < more
    assert one_year == three_years


def test_the_ledger_lists_the_teachers_behind_the_figures(report):
    talent = next(section for section in report.ledger if section.kind == "talent")
    teachers = {row.title: row.people for row in talent.rows if "教师" in row.title}

    assert teachers == {"威信县一线教师到上海学习培训": 5, "松江区教师到威信县各学校支教": 4}
    funds = next(section for section in report.ledger if section.kind == "funds")
    assert [row.amount_wan for row in funds.rows] == [
        Decimal("5600.00"),
        Decimal("5850.00"),
        Decimal("6030.00"),
    ]
    assert funds.rows[0].date_text == "2021年4月28日"
    assert all(row.is_illustrative for row in funds.rows)


def test_one_year_alone_counts_only_that_years_visits(songjiang, pairing):
    report = build_annual_report(user=songjiang, pairing=pairing, year=2023)

    assert by_code(writers.write_json(report))["A2"]["actual"] == "1"
    assert report.title.endswith("（2023年）")


def test_the_workbook_opens_with_a_summary_equal_to_the_json(report):
    xlsx = writers.render(report, "xlsx")
    data = by_code(writers.write_json(report))

    rows = summary_rows(xlsx)
    for code in ("A2", "A1", "C8", "C4"):
        assert rows[code]["完成"] == int(data[code]["actual"])
        assert rows[code]["指标"] == data[code]["name"]
        assert rows[code]["台账记录数"] == data[code]["records"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames[0] == "汇总"
    assert "台账-互访" in book.sheetnames
    assert all(len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in book.sheetnames)
    summary = book["汇总"]
    assert summary["A1"].value == report.title
    assert summary.freeze_panes == "A4"
    assert "A1:I1" in {str(r) for r in summary.merged_cells.ranges}


def test_the_pdf_names_the_pairing_and_states_the_same_figures(report):
    pdf = writers.render(report, "pdf")

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "松江区 ↔ 威信县" in text
    assert re.search(r"第\s*1\s*页\s*/\s*共\s*\d+\s*页", text)
    rows = pdf_rows(pdf)
    for code, actual in ARTICLE.items():
        assert rows[code][4] == actual


def test_xlsx_pdf_and_json_agree_on_every_figure_and_target(songjiang, pairing):
    regime = regime_for_year(2023)
    assert regime is not None
    indicators = {i.code: i for i in regime.indicators.all()}
    for year in (2021, 2022, 2023):
        set_targets(
            pairing=pairing,
            year=year,
            targets={indicators["A2"]: Decimal(1), indicators["B1"]: Decimal("5500.5")},
            set_by=songjiang,
        )
    report = build_annual_report(user=songjiang, pairing=pairing, year=2023, first_year=2021)

    data = by_code(writers.write_json(report))
    xlsx = summary_rows(writers.render(report, "xlsx"))
    pdf = pdf_rows(writers.render(report, "pdf"))

    assert (data["A2"]["target"], data["A2"]["percent"], data["A2"]["status"]) == (
        "3",
        "133",
        "done",
    )
    assert data["B1"]["target"] == "16501.5"
    assert set(pdf) == set(xlsx) == set(data)
    for code, item in data.items():
        for field, column, cell in (("target", "目标", 3), ("actual", "完成", 4)):
            value = item[field]
            if value is None:
                assert (xlsx[code][column], pdf[code][cell]) == (None, "—")
            else:
                assert xlsx[code][column] == pytest.approx(float(value))
                assert Decimal(pdf[code][cell].replace(",", "")) == Decimal(value)
        assert xlsx[code]["台账记录数"] == item["records"] == int(pdf[code][7])
    assert xlsx["A2"]["完成率(%)"] == 133
    assert pdf["A2"][5] == "133"
