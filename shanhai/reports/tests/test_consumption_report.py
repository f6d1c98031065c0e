"""The report's consumption section: certified sales only, the same figures in every format."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Sum

from shanhai.consumption import services
from shanhai.consumption.models import SaleLine
from shanhai.consumption.tests.conftest import shop  # noqa: F401 (fixtures are found by name)
from shanhai.ledger.tests.conftest import (  # noqa: F401
    east_office,
    media_root,
    tree,
    west_office,
)
from shanhai.reports import writers
from shanhai.reports.annual import build_annual_report
from shanhai.reports.tests.test_annual_report import by_code, pdf_text

pytestmark = pytest.mark.django_db


def sell(order_id, product, quantity, amount, buyer, on=date(2023, 10, 8)):
    return services.SaleInput(
        order_id=order_id,
        sold_on=on,
        product_id=product.pk,
        quantity=Decimal(quantity),
        amount=Decimal(amount),
        buyer_id=buyer.pk,
    )


@pytest.fixture
def report(shop, east_office, tree):  # noqa: F811
    """The union buys kiwifruit (certified), the public buys it online and at the expo, and
    some honey (never certified) sells too."""
    services.ingest_sales(
        channel=shop.channel,
        sales=[
            sell("A1", shop.kiwi, 100, "6000", shop.union),
            sell("A2", shop.kiwi, 2, "120", shop.public),
            sell("A3", shop.honey, 5, "400", shop.public),
        ],
        entry_method="form",
        user=east_office,
    )
    services.ingest_sales(
        channel=shop.expo,
        sales=[sell("E1", shop.kiwi, 10, "650", shop.public)],
        entry_method="form",
        user=east_office,
    )
    services.record_linkage(
        supplier=shop.supplier,
        year=2023,
        recorded_by=east_office,
        households=40,
        poverty_exited_households=12,
        paid_amount=Decimal("85000"),
    )
    return build_annual_report(user=east_office, pairing=tree.county, year=2023, first_year=2021)


def lines(section):
    return {line.label: (line.value, line.lines, line.code) for line in section.lines}


def test_the_consumption_section_counts_certified_sales_only(report):
    section = report.consumption

    assert lines(section) == {
        "消费帮扶金额（仅计已认定产品，合计）": (Decimal("0.68"), 3, ""),
        "其中：采购西部农畜牧产品和特色手工艺品": (Decimal("0.60"), 1, "E1"),
        "其中：帮助销售西部农畜牧产品和特色手工艺品": (Decimal("0.08"), 2, "E2"),
        "通过832平台销售": (Decimal("0.00"), 0, "E3"),
        "认定消费帮扶产品": (Decimal(1), None, "E5"),
        "消费帮扶供应主体": (Decimal(1), None, "E6"),
        "联农带农户数": (Decimal(40), None, "E7"),
        "其中：带动脱贫户": (Decimal(12), None, "E8"),
        "其中：带动监测户": (Decimal(0), None, ""),
        "带动农户增收": (Decimal("8.50"), None, "E9"),
    }
    assert [(u.value, u.lines) for u in section.uncounted] == [
        (Decimal("0.04"), 1),  # the honey: shown apart, not counted
        (Decimal("0.00"), 0),
        (Decimal("0.00"), 0),
    ]
    assert [(c.name, c.counted_wan, c.uncounted_wan) for c in section.channels] == [
        ("森鲜馆", Decimal("0.61"), Decimal("0.04")),
        ("进博会展区", Decimal("0.07"), Decimal("0.00")),
    ]
    assert {row.order_id for row in section.sales} == {"A1", "A2", "E1"}
    assert section.sales_total == 3


def test_the_section_agrees_with_the_indicators(report):
    indicators = by_code(writers.write_json(report))

    for line in report.consumption.lines:
        if line.code:
            assert Decimal(indicators[line.code]["actual"]) == line.value, line.code


def test_xlsx_pdf_and_json_state_the_same_consumption_figures(report):
    data = writers.write_json(report)["consumption"]
    book = openpyxl.load_workbook(io.BytesIO(writers.render(report, "xlsx")))
    text = pdf_text(writers.render(report, "pdf"))

    summary = {row[0]: row for row in book["消费-汇总"].iter_rows(min_row=4, values_only=True)}
    for line in data["lines"]:
        assert Decimal(str(summary[line["label"]][2])) == Decimal(line["value"])
        assert line["label"] in text
    detail = list(book["消费-销售明细"].iter_rows(min_row=4, values_only=True))
    assert sorted(row[2] for row in detail) == ["A1", "A2", "E1"]
    assert sum(Decimal(str(row[6])) for row in detail) == Decimal("6770")
    assert data["sale_lines"] == 3
    assert "0.68" in text
    assert "销售时产品未认定（未计入）" in text
    assert "土蜂蜜" in text  # listed by product, its amount uncounted


def test_a_pairing_without_sales_says_so(tree, east_office):  # noqa: F811
    report = build_annual_report(user=east_office, pairing=tree.county, year=2023)
    book = openpyxl.load_workbook(io.BytesIO(writers.render(report, "xlsx")))

    assert report.consumption.is_empty
    assert "统计期间内没有消费帮扶销售记录" in pdf_text(writers.render(report, "pdf"))
    assert "消费-汇总" in book.sheetnames
    assert "消费-销售明细" not in book.sheetnames


def test_the_demo_report_shows_consumption_from_certified_sales_only(songjiang, pairing):
    report = build_annual_report(user=songjiang, pairing=pairing, year=2023)
    book = openpyxl.load_workbook(io.BytesIO(writers.render(report, "xlsx")))
    counted = SaleLine.objects.filter(
        pairing__path__startswith=pairing.path,
        sold_on__year=2023,
        is_certified=True,
        is_excluded=False,
        is_held=False,
    )

    total = counted.aggregate(s=Sum("amount"))["s"]
    headline = report.consumption.lines[0]
    assert headline.value == (total / 10000).quantize(Decimal("0.01"))
    assert headline.lines == counted.count() == report.consumption.sales_total
    detail = list(book["消费-销售明细"].iter_rows(min_row=4, values_only=True))
    assert len(detail) == counted.count()
    uncertified = SaleLine.objects.filter(
        pairing__path__startswith=pairing.path, is_certified=False
    )
    assert not {row[2] for row in detail} & set(uncertified.values_list("order_id", flat=True))
    assert report.consumption.uncounted[0].lines == uncertified.filter(sold_on__year=2023).count()
    names = {row.name for row in report.consumption.channels}
    assert {"森鲜馆", "832平台（脱贫地区农副产品网络销售平台）"} <= names
