"""The report's labor section: the same figures as the labor indicators, in every format."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest

from shanhai.accounts.models import Role, Side
from shanhai.indicators.tests.labor_case import build_labor_case
from shanhai.labor.tests.factories import id_number
from shanhai.ledger.tests.factories import person
from shanhai.places.tests.factories import PairingFactory
from shanhai.reports import writers
from shanhai.reports.annual import build_annual_report
from shanhai.reports.tests.test_annual_report import by_code, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return person(
        PairingFactory.create(code="songjiang-weixin"), Role.COOPERATION_OFFICE, Side.WEST
    )


@pytest.fixture
def report(office):
    pairing = office.role_grants.get().pairing
    build_labor_case(pairing, office)
    return build_annual_report(user=office, pairing=pairing, year=2023)


def lines(report) -> dict[str, tuple[int, int | None, Decimal | None]]:
    return {
        line.label: (int(line.value), line.poverty_exited, line.amount)
        for line in report.labor.lines
    }


def test_the_labor_section_counts_destinations_transfers_stable_work_and_subsidies(report):
    assert lines(report) == {
        "帮助农村劳动力就业（合计）": (6, 2, None),
        "到上海就业": (2, 1, None),
        "到其他东部省份就业": (1, 1, None),
        "省内县外就业": (1, 0, None),
        "县内就近就业": (1, 0, None),
        "到其他西部省份就业": (1, 0, None),
        "有组织输出批次": (1, None, None),
        "有组织输出人数": (2, None, None),
        "稳定就业3个月以上": (3, 1, None),
        "稳定就业6个月以上": (1, 1, None),
        "稳定就业12个月以上": (0, 0, None),
        "发放跨省交通补贴": (1, None, Decimal(800)),
        "发放稳定就业补贴": (1, None, Decimal(500)),
        "发放一次性求职补贴": (0, None, Decimal(0)),
        "发放用工单位岗位补贴": (0, None, Decimal(0)),
        "发放就业补贴（合计）": (2, None, Decimal(1300)),
    }


def test_the_labor_section_agrees_with_the_labor_indicators(report):
    counts = {label: value for label, (value, _poverty, _amount) in lines(report).items()}
    figures = by_code(writers.write_json(report))
    indicators = {
        code: Decimal(figures[code]["actual"]) for code in ("F1", "F7", "F8", "F10", "F12")
    }

    assert counts["帮助农村劳动力就业（合计）"] == indicators["F1"]
    assert counts["到上海就业"] == indicators["F8"]
    assert counts["有组织输出人数"] == indicators["F10"]
    assert counts["稳定就业6个月以上"] == indicators["F7"]
    assert lines(report)["发放就业补贴（合计）"][2] == indicators["F12"] * 10000


def test_the_placements_behind_the_figures_are_listed_with_the_workers_masked(report):
    rows = report.labor.placements

    assert len(rows) == 6  # placed in 2023; the 2022 placement counts only for its milestone
    assert all(row.worker.startswith("劳") and "*" in row.worker for row in rows)
    assert rows[0].id_number == f"{id_number(1)[:4]}**********{id_number(1)[-4:]}"
    assert (rows[0].destination, rows[0].channel, rows[0].stable) == (
        "上海",
        "有组织输出",
        "3个月、6个月",
    )
    assert [b.people for b in report.labor.batches] == [2]


def test_xlsx_pdf_and_json_state_the_same_labor_figures(report):
    data = writers.write_json(report)["labor"]
    book = openpyxl.load_workbook(io.BytesIO(writers.render(report, "xlsx")))
    text = pdf_text(writers.render(report, "pdf"))

    sheet = book["劳务-汇总"]
    xlsx = {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    for line in data["lines"]:
        assert xlsx[line["label"]][1] == int(line["value"])
        assert line["label"] in text
    assert data["placements"] == book["劳务-就业台账"].max_row - 3
    assert data["batches"][0]["people"] == book["劳务-有组织输出"]["E4"].value == 2
    assert "1,300.00" in text
    assert id_number(1) not in str(list(book["劳务-就业台账"].values))


def test_a_pairing_without_labor_work_says_so(office):
    pairing = office.role_grants.get().pairing
    report = build_annual_report(user=office, pairing=pairing, year=2023)

    assert report.labor.is_empty
    assert "统计期间内没有劳务协作记录" in pdf_text(writers.render(report, "pdf"))
    assert (
        "劳务-就业台账"
        not in openpyxl.load_workbook(io.BytesIO(writers.render(report, "xlsx"))).sheetnames
    )


def test_the_demo_report_shows_over_a_thousand_transferred_to_shanghai(songjiang, pairing):
    report = build_annual_report(user=songjiang, pairing=pairing, year=2023, first_year=2021)

    shanghai = lines(report)["到上海就业"][0]
    indicators = by_code(writers.write_json(report))
    assert shanghai >= 1000  # the article's 上千人
    assert Decimal(indicators["F8"]["actual"]) == shanghai
    assert lines(report)["有组织输出人数"][0] >= 1000
    assert f"{shanghai:,}" in pdf_text(writers.render(report, "pdf"))
