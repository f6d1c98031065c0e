"""Operators' sheets of suppliers, products and sales, through the import framework."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from shanhai.accounts.models import Role, Side
from shanhai.consumption import selectors
from shanhai.consumption import services as consumption_services
from shanhai.consumption.models import (
    BenefitLinkage,
    Product,
    SaleFlag,
    SaleLine,
    SalesBatch,
    Supplier,
)
from shanhai.core.parsing import ParseError
from shanhai.imports import services
from shanhai.imports.columns import Lookups
from shanhai.imports.exports import INDEX_HEADER, header_text, write_export
from shanhai.imports.kinds import consumption as kinds
from shanhai.imports.kinds import get_kind
from shanhai.imports.models import ImportJob
from shanhai.ledger.tests.factories import person
from shanhai.places.models import LockedYear
from shanhai.places.services import grant_role
from shanhai.places.tests.factories import PlaceFactory

pytestmark = pytest.mark.django_db

CREDIT_CODE = "93530629MA6K3XYB16"  # a valid 统一社会信用代码 (check digit included)


def xlsx(rows, *, title=None, name="台账.xlsx"):
    """An .xlsx built as an office would: an optional title banner, then the header and rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return ContentFile(buffer.getvalue(), name=name)


def gb_csv(rows, *, name="台账.csv"):
    """A CSV saved by an old office computer: GB18030, no BOM."""
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return ContentFile(text.getvalue().encode("gb18030"), name=name)


def run(kind, file, user, pairing=None, **options):
    return services.import_file(kind=kind, file=file, user=user, pairing=pairing, **options)


def export(kind_name, user, fmt="xlsx", pairing=None, year=None):
    kind = get_kind(kind_name)
    buffer = io.BytesIO()
    count = write_export(kind, kind.export_objects(user, pairing=pairing, year=year), fmt, buffer)
    return ContentFile(buffer.getvalue(), name=f"export.{fmt}"), count


# --- Suppliers ---------------------------------------------------------------------------------

SUPPLIER_HEADER = [
    "序号", "名称", "主体类型", "所在乡镇/村", "统一社会信用代码", "联系人", "联系电话",
    "登记日期", "年度", "联农带农方式", "带动农户数", "其中脱贫户", "其中监测户",
    "带动增收金额（万元）",
]  # fmt: skip


def supplier_sheet(*rows):
    return xlsx([SUPPLIER_HEADER, *rows], title="威信县消费帮扶供应主体名录（2023年）")


@pytest.fixture
def places(tree):
    return {
        "金鸡村": PlaceFactory.create(name="金鸡村", parent=tree.west_town),
        "麟凤镇": tree.west_town,
    }


def test_a_supplier_list_registers_suppliers_with_their_years_linkage(tree, west_office, places):
    sheet = supplier_sheet(
        [1, "威信县金鸡猕猴桃种植专业合作社", "农民专业合作社", "麟凤镇金鸡村", CREDIT_CODE,
         "王某", "13800000001", "2021年5月1日", 2023, "订单收购、务工、分红", 120, 45, 6, 3.2],
        [2, "麟凤镇张某种植大户", "种植大户", "麟凤镇", None, None, None, None, None, None,
         None, None, None, None],
    )  # fmt: skip

    outcome = run("suppliers", sheet, west_office, tree.town)

    assert (outcome.created, outcome.rejected) == (2, 0), outcome.errors
    coop = Supplier.objects.get(kind=Supplier.Kind.COOPERATIVE)
    assert (coop.pairing, coop.place, coop.credit_code) == (
        tree.town,
        places["金鸡村"],
        CREDIT_CODE,
    )
    assert (coop.contact_name, coop.contact_phone) == ("王某", "13800000001")
    assert coop.registered_on == date(2021, 5, 1)
    linkage = BenefitLinkage.objects.get(supplier=coop)
    assert linkage.year == 2023
    assert linkage.kinds == ["purchase", "wages", "dividends"]
    assert (linkage.households, linkage.poverty_exited_households) == (120, 45)
    assert linkage.monitored_households == 6
    assert linkage.paid_amount == Decimal(32000)  # 3.2 in a （万元） column
    grower = Supplier.objects.get(kind=Supplier.Kind.BIG_GROWER)
    assert (grower.place, grower.linkages.count()) == (tree.west_town, 0)


def test_a_supplier_sheet_imported_again_creates_nothing_and_update_mode_changes_it(
    tree, west_office, places
):
    row = [1, "威信县金鸡猕猴桃种植专业合作社", "合作社", "麟凤镇金鸡村", None, "王某", None,
           None, 2023, "订单", 100, 30, 0, "5"]  # fmt: skip
    run("suppliers", supplier_sheet(row), west_office, tree.town)

    again = run("suppliers", supplier_sheet(row), west_office, tree.town)
    row[5], row[12] = "李某", 2
    changed = run("suppliers", supplier_sheet(row), west_office, tree.town)
    updated = run(
        "suppliers", supplier_sheet(row), west_office, tree.town, mode=ImportJob.Mode.UPDATE
    )

    assert (again.created, again.unchanged) == (0, 1)
    assert (changed.exists, changed.updated) == (1, 0)
    assert changed.preview[0]["changes"] == ["contact_name", "monitored_households"]
    assert (updated.updated, updated.created) == (1, 0)
    supplier = Supplier.objects.get()
    assert supplier.contact_name == "李某"
    assert supplier.linkages.get().monitored_households == 2


def test_a_new_years_linkage_is_added_to_a_registered_supplier_without_update_mode(
    tree, west_office, places
):
    first = [1, "金鸡合作社", "合作社", "麟凤镇金鸡村", None, None, None, None, 2022, "务工", 80,
             20, 0, 10]  # fmt: skip
    run("suppliers", supplier_sheet(first), west_office, tree.town)
    next_year = [*first[:8], 2023, "务工、土地流转", 95, 25, 1, 12]

    outcome = run("suppliers", supplier_sheet(next_year), west_office, tree.town)

    assert (outcome.updated, outcome.created, outcome.rejected) == (1, 0, 0)
    years = dict(BenefitLinkage.objects.values_list("year", "households"))
    assert years == {2022: 80, 2023: 95}


def test_supplier_rows_with_wrong_values_are_refused_at_their_cells(tree, west_office, places):
    sheet = supplier_sheet(
        [1, "甲合作社", "合作社", "麟凤镇", "91530629MA6K3XYB00", None, None, None, None, None,
         None, None, None, None],
        [2, "乙合作社", "协会", "麟凤镇", None, None, None, None, 2023, None, 10, 8, 3, None],
        [3, "丙合作社", "合作社", "麟凤镇", None, None, None, None, None, "务工", 10, None, None,
         None],
        [4, "丁合作社", "合作社", "麟凤镇", None, None, None, None, 2023, None, 10, 8, 3, None],
    )  # fmt: skip

    with translation.override("en"):
        outcome = run("suppliers", sheet, west_office, tree.town)

    where = [(e.row, e.column) for e in outcome.errors]
    assert where == [
        (3, "统一社会信用代码"),
        (4, "主体类型"),
        (5, "年度"),
        (6, "其中脱贫户"),
    ]
    assert "not a valid unified social credit code" in outcome.errors[0].message
    assert "cannot exceed the households linked (10)" in outcome.errors[3].message
    assert not Supplier.objects.exists()  # all or nothing


def test_the_messages_are_chinese_by_default(tree, west_office, places):
    sheet = supplier_sheet([1, "甲合作社", None, "麟凤镇"])

    outcome = run("suppliers", sheet, west_office, tree.town)

    assert (outcome.errors[0].row, outcome.errors[0].column) == (3, "主体类型")
    assert outcome.errors[0].message == "此列必须填写。"


def test_an_outsider_cannot_register_suppliers_in_a_pairing_they_do_not_work_in(
    tree, outsider, places
):
    sheet = xlsx(
        [["结对", "名称", "类型", "所在乡镇/村"], ["xinbang-linfeng", "甲", "企业", "麟凤镇"]]
    )

    outcome = run("suppliers", sheet, outsider)

    assert (outcome.rejected, outcome.errors[0].column) == (1, "结对")
    assert not Supplier.objects.exists()


# --- Products ----------------------------------------------------------------------------------

PRODUCT_HEADER = [
    "序号", "供应主体", "产品名称", "品类", "规格", "单位", "每单位公斤数", "产地", "参考价（元）",
    "供应月份", "年供应量", "年供应额（万元）", "溯源码",
]  # fmt: skip


def test_a_gb18030_product_list_registers_products_with_season_and_capacity(
    tree, west_office, shop
):
    sheet = gb_csv(
        [
            PRODUCT_HEADER,
            [1, shop.supplier.name, "猕猴桃果脯", "加工食品", "250克袋装", "袋", "0.25", None,
             "25", "全年", "20000袋", "50", "WX-GP-01"],
            [2, shop.supplier.name, "天麻", "中药材", "", "公斤", None, "麟凤镇", "120",
             "11月至次年2月", 3000, "36", None],
            [3, shop.supplier.name, "秋季红心猕猴桃", "鲜果", "10斤装", "箱", 5, None, 100,
             "9-11月", 800, 8, None],
        ]
    )  # fmt: skip

    outcome = run("products", sheet, west_office, tree.county)

    assert (outcome.created, outcome.rejected) == (3, 0), outcome.errors
    assert outcome.sheet["encoding"] == "gb18030"
    dried = Product.objects.get(name="猕猴桃果脯")
    assert (dried.category, dried.unit, dried.unit_kg) == ("processed", "袋", Decimal("0.25"))
    assert (dried.season_months, dried.capacity_quantity) == ([], Decimal(20000))
    assert (dried.capacity_amount, dried.trace_code) == (Decimal(500000), "WX-GP-01")
    assert dried.origin == shop.village  # the supplier's place when 产地 is empty
    herb = Product.objects.get(name="天麻")
    assert (herb.category, herb.season_months, herb.origin) == (
        "herbs",
        [1, 2, 11, 12],
        tree.west_town,
    )
    kiwi = Product.objects.get(name="秋季红心猕猴桃")
    assert (kiwi.category, kiwi.season_months) == ("fruit", [9, 10, 11])
    assert kiwi.capacity_amount == Decimal(80000)


def test_an_unknown_supplier_is_refused_at_its_row_and_column(tree, west_office, shop):
    sheet = xlsx(
        [
            PRODUCT_HEADER[1:],
            [shop.supplier.name, "茶叶礼盒", "茶叶", "", "盒", None, None, 200, "4-5月", 100, 2],
            ["不存在的合作社", "竹编", "手工艺品", "", "件", None, None, 80, "全年", 100, 1],
        ]
    )

    with translation.override("en"):
        outcome = run("products", sheet, west_office, tree.county)

    assert (outcome.accepted, outcome.rejected) == (1, 1)
    problem = outcome.errors[0]
    assert (problem.row, problem.column) == (3, "供应主体")  # 第3行「供应主体」
    assert "不存在的合作社" in problem.message
    assert "import the suppliers first" in problem.message
    assert Product.objects.count() == 2  # only the shop's: nothing of this sheet was written


def test_a_trace_code_already_on_another_product_is_refused(tree, west_office, shop):
    sheet = xlsx(
        [
            PRODUCT_HEADER[1:],
            [shop.supplier.name, "野生猕猴桃", "水果", "", "斤", None, None, 20, "9月", 100, 0.5,
             shop.kiwi.trace_code],
        ]
    )  # fmt: skip

    with translation.override("en"):
        outcome = run("products", sheet, west_office, tree.county)

    assert outcome.errors[0].column == "溯源码"
    assert "already used by 红心猕猴桃（5斤装）" in outcome.errors[0].message


def test_a_quantity_in_another_unit_than_the_products_is_refused(tree, west_office, shop):
    sheet = xlsx(
        [
            PRODUCT_HEADER[1:],
            [shop.supplier.name, "土鸡蛋", "肉禽蛋", "30枚装", "盒", None, None, 45, "全年",
             "5吨", 9],
        ]
    )  # fmt: skip

    with translation.override("en"):
        outcome = run("products", sheet, west_office, tree.county)

    assert outcome.errors[0].column == "年供应量"
    assert "counted in 盒, not in 吨" in outcome.errors[0].message


def test_products_imported_again_are_unchanged_and_update_mode_changes_the_price(
    tree, west_office, shop
):
    row = [shop.supplier.name, "红心猕猴桃", "水果", "5斤装", "箱", 2.5, None, 60, "9-11月",
           1000, 60]  # fmt: skip
    again = run("products", xlsx([PRODUCT_HEADER[1:-1], row]), west_office, tree.county)
    row[7] = 66
    updated = run(
        "products",
        xlsx([PRODUCT_HEADER[1:-1], row]),
        west_office,
        tree.county,
        mode=ImportJob.Mode.UPDATE,
    )

    assert (again.unchanged, again.created) == (1, 0), again.errors
    assert (updated.updated, updated.preview[0]["changes"]) == (1, ["reference_price"])
    shop.kiwi.refresh_from_db()
    assert shop.kiwi.reference_price == Decimal(66)


@pytest.mark.parametrize(
    ("cell", "months"),
    [
        ("9-11月", [9, 10, 11]),
        ("9,10,11", [9, 10, 11]),
        ("9，10，11月", [9, 10, 11]),
        ("9月—11月", [9, 10, 11]),
        ("九至十一月", [9, 10, 11]),
        ("1–2月、11–12月", [1, 2, 11, 12]),
        ("11月至次年2月", [1, 2, 11, 12]),
        ("全年", []),
        ("1-12月", []),
        (7, [7]),
    ],
)
def test_months_of_supply_are_read_as_offices_write_them(cell, months):
    assert kinds.Months().parse(cell, unit="", lookups=Lookups(pairings=list)) == months


@pytest.mark.parametrize("cell", ["13月", "秋季", "9-", date(2023, 9, 11)])
def test_what_is_not_months_is_refused_saying_how_to_write_them(cell):
    with translation.override("en"), pytest.raises(ParseError, match="9-11月"):
        kinds.Months().parse(cell, unit="", lookups=Lookups(pairings=list))


@pytest.mark.parametrize(
    ("cell", "read"),
    [
        (50, (Decimal(50), "")),
        ("50箱", (Decimal(50), "箱")),
        ("1.2万斤", (Decimal(12000), "斤")),
        ("三 箱", (Decimal(3), "箱")),
        ("1,000.5", (Decimal("1000.5"), "")),
    ],
)
def test_quantities_are_read_with_the_unit_written_after_them(cell, read):
    assert kinds.Quantity().parse(cell, unit="", lookups=Lookups(pairings=list)) == read


# --- Sales -------------------------------------------------------------------------------------

SALES_HEADER = ["渠道", "订单号", "下单时间", "商品名称", "规格", "数量", "实付金额", "购买单位"]


def sales_sheet(*rows):
    return xlsx([SALES_HEADER, *rows])


def good_sales(shop):
    return sales_sheet(
        ["森鲜馆", "SX-001", "2023-09-15", "红心猕猴桃", "5斤装", "10箱", 600, "松江区总工会"],
        ["森鲜馆", "SX-002", "2023年9月16日", "红心猕猴桃", None, 2, "120元", None],
        ["森鲜馆", "SX-003", "2023.9.16", "土蜂蜜", None, "5", 400, "个人消费者"],
    )


def test_a_channels_sales_sheet_is_taken_in_and_only_certified_lines_count(tree, east_office, shop):
    outcome = run("sales", good_sales(shop), east_office)

    assert (outcome.created, outcome.rejected) == (3, 0), outcome.errors
    batch = SalesBatch.objects.get()
    assert (batch.channel, batch.entry_method, batch.received_by) == (
        shop.channel,
        "import",
        east_office,
    )
    first = SaleLine.objects.get(order_id="SX-001")
    assert (first.product, first.quantity, first.amount) == (shop.kiwi, Decimal(10), Decimal(600))
    assert (first.buyer, first.mode, first.pairing) == (shop.union, "purchased", tree.town)
    honey = SaleLine.objects.get(order_id="SX-003")
    assert (honey.is_certified, honey.is_counted) == (False, False)  # stored, shown, not counted
    assert honey.flags.get().kind == SaleFlag.Kind.UNCERTIFIED
    totals = selectors.sales_totals(selectors.months_for_user(east_office))
    assert (totals.counted_amount, totals.counted_lines) == (Decimal(720), 2)
    assert (totals.uncounted_amount, totals.uncounted_lines) == (Decimal(400), 1)


def test_checking_a_sales_sheet_writes_nothing(tree, east_office, shop):
    outcome = run("sales", good_sales(shop), east_office, dry_run=True)

    assert (outcome.to_create, outcome.error_count, outcome.written) == (3, 0, False)
    assert not SaleLine.objects.exists()
    assert not SalesBatch.objects.exists()


def test_a_sales_sheet_sent_twice_is_all_replays_and_counts_once(tree, east_office, shop):
    run("sales", good_sales(shop), east_office)

    checked = run("sales", good_sales(shop), east_office, dry_run=True)
    again = run("sales", good_sales(shop), east_office)

    assert (checked.unchanged, checked.to_create, checked.error_count) == (3, 0, 0)
    assert (again.unchanged, again.created, again.rejected) == (3, 0, 0)
    assert SaleLine.objects.count() == 3
    totals = selectors.sales_totals(selectors.months_for_user(east_office))
    assert totals.counted_amount == Decimal(720)


def test_an_order_sent_again_with_other_values_is_kept_as_first_sent(tree, east_office, shop):
    run("sales", good_sales(shop), east_office)

    outcome = run(
        "sales",
        sales_sheet(
            ["森鲜馆", "SX-001", "2023-09-15", "红心猕猴桃", "5斤装", 12, 720, "松江区总工会"]
        ),
        east_office,
    )

    assert (outcome.exists, outcome.rejected, outcome.preview[0]["changes"]) == (
        1,
        0,
        ["amount", "quantity"],
    )
    assert SaleLine.objects.get(order_id="SX-001").amount == 600


def test_one_bad_sales_row_refuses_the_whole_sheet(tree, east_office, shop):
    sheet = sales_sheet(
        ["森鲜馆", "SX-001", "2023-09-15", "红心猕猴桃", "5斤装", 10, 600, None],
        ["森鲜馆", "SX-002", "2023-09-15", "黄心猕猴桃", None, 1, 60, None],
        ["进博会", "SX-003", "2023-09-15", "红心猕猴桃", None, 1, 60, None],
        ["森鲜馆", "SX-004", "2023-09", "土蜂蜜", None, 1, 80, "某公司"],
        ["森鲜馆", "SX-005", "2099-01-01", "土蜂蜜", None, "1斤", 80, None],
        ["森鲜馆", "SX-006", "2023-09-15", "土蜂蜜", None, "1箱", 80, None],
    )

    with translation.override("en"):
        outcome = run("sales", sheet, east_office)

    assert [(e.row, e.column) for e in outcome.errors] == [
        (3, "商品名称"),
        (4, "渠道"),
        (5, "下单时间"),
        (5, "购买单位"),
        (6, "下单时间"),
        (7, "数量"),
    ]
    assert "No product called “黄心猕猴桃”" in outcome.errors[0].message
    assert "No channel called “进博会”" in outcome.errors[1].message
    assert "not only the month" in outcome.errors[2].message
    assert "No buyer called “某公司”" in outcome.errors[3].message
    assert "in the future" in outcome.errors[4].message
    assert "sold by the 斤, not by the 箱" in outcome.errors[5].message
    assert (outcome.accepted, outcome.created, outcome.written) == (1, 0, False)
    assert not SaleLine.objects.exists()
    assert not SalesBatch.objects.exists()


def test_a_line_the_sales_service_refuses_while_writing_undoes_the_import(
    tree, east_office, shop, monkeypatch
):
    # The year is locked after the check saw it open: the service refuses the line on writing.
    LockedYear.objects.create(pairing=tree.county, year=2023, locked_by=east_office)
    monkeypatch.setattr(kinds, "is_year_locked", lambda pairing, year: False)

    with translation.override("en"):
        outcome = run("sales", good_sales(shop), east_office)

    assert (outcome.created, outcome.written, outcome.rejected) == (0, False, 3)
    assert (outcome.errors[0].row, outcome.errors[0].column) == (2, "下单时间")
    assert "2023 is locked" in outcome.errors[0].message
    assert not SaleLine.objects.exists()
    assert not SalesBatch.objects.exists()


def test_products_are_found_by_trace_code_and_lines_credited_to_the_pairing_named(
    tree, east_office, shop
):
    sheet = xlsx(
        [
            ["销售渠道", "订单编号", "交易日期", "溯源码", "数量", "金额（元）", "结对"],
            ["森鲜馆", "A-1", "2023-10-01", "WX-KIWI-001", 1, 60, "songjiang-weixin"],
        ]
    )

    outcome = run("sales", sheet, east_office)

    assert outcome.created == 1, outcome.errors
    line = SaleLine.objects.get()
    assert (line.product, line.pairing) == (shop.kiwi, tree.county)


def test_an_outsider_cannot_import_a_channels_sales(tree, outsider, shop):
    with translation.override("en"):
        outcome = run("sales", good_sales(shop), outsider)

    assert {e.column for e in outcome.errors} >= {"渠道"}
    assert "No channel called “森鲜馆” that you may see" in outcome.errors[0].message
    assert not SaleLine.objects.exists()


def test_someone_who_may_only_view_the_channels_pairing_cannot_import_its_sales(tree, shop):
    viewer = person(tree.county, Role.VIEWER, Side.EAST)
    grant_role(user=viewer, pairing=tree.elsewhere, role=Role.COOPERATION_OFFICE)

    with translation.override("en"):
        outcome = run("sales", good_sales(shop), viewer)

    assert outcome.errors[0].column == "渠道"
    assert "You may not record in" in outcome.errors[0].message
    assert not SaleLine.objects.exists()


# --- Command line, templates and round trips --------------------------------------------------


def test_the_command_line_imports_a_sales_file_and_prints_json(
    tree, east_office, shop, tmp_path, capsys
):
    path = tmp_path / "森鲜馆9月.xlsx"
    path.write_bytes(good_sales(shop).read())
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        sales_sheet(["森鲜馆", "SX-9", "2023-09-15", "黄心猕猴桃", None, 1, 60, None]).read()
    )
    args = ["--pairing", "songjiang-weixin", "--user", east_office.username, "--json"]

    with pytest.raises(SystemExit) as first:
        call_command("import", "sales", str(path), *args)
    printed = json.loads(capsys.readouterr().out)
    with pytest.raises(SystemExit) as refused:
        call_command("import", "sales", str(bad), *args)
    refusal = json.loads(capsys.readouterr().out)

    assert first.value.code == 0
    assert printed == {
        "kind": "sales",
        "rows": 3,
        "accepted": 3,
        "rejected": 0,
        "created": 3,
        "updated": 0,
        "errors": [],
    }
    assert refused.value.code == 1
    assert (refusal["created"], refusal["errors"][0]["row"]) == (0, 2)
    assert refusal["errors"][0]["column"] == "商品名称"
    assert SaleLine.objects.count() == 3


@pytest.mark.parametrize("kind", ["suppliers", "products", "sales"])
def test_the_template_downloads_with_the_kinds_headers(client, east_office, kind):
    client.force_login(east_office)

    response = client.get(reverse("imports:template", args=[kind]))

    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [c.value for c in book.worksheets[0][2]]
    assert headers == [INDEX_HEADER, *(header_text(c) for c in get_kind(kind).columns)]


def test_the_product_template_offers_the_categories(client, east_office):
    client.force_login(east_office)

    response = client.get(reverse("imports:template", args=["products"]))

    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    offered = [row[0].value for row in book["选项"].iter_rows() if row[0].value]
    assert len(offered) == 10


@pytest.fixture
def ledger(tree, west_office, east_office, shop):
    """The shop with a linkage, a product in two specs and sales from two channels."""
    consumption_services.record_linkage(
        supplier=shop.supplier,
        year=2023,
        recorded_by=west_office,
        kinds=["purchase", "land_rent"],
        households=150,
        poverty_exited_households=60,
        monitored_households=4,
        paid_amount=Decimal("123456.78"),
    )
    run("sales", good_sales(shop), east_office)
    consumption_services.register_product(  # the same fruit, loose: a product without a spec
        supplier=shop.supplier,
        recorded_by=west_office,
        name="红心猕猴桃",
        category="fruit",
        unit="斤",
        reference_price=Decimal(8),
        capacity_quantity=Decimal(20000),
        capacity_amount=Decimal(160000),
    )
    run(
        "sales",
        sales_sheet(["进博会展区", "EXPO-1", "2023-11-06", "红心猕猴桃", None, 100, 800, None]),
        east_office,
    )
    return shop


@pytest.mark.usefixtures("ledger")
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(("kind", "count"), [("suppliers", 1), ("products", 3), ("sales", 4)])
def test_an_export_imports_back_creating_nothing(kind, count, fmt, tree, west_office):
    file, exported = export(kind, west_office, fmt)
    lines, batches = SaleLine.objects.count(), SalesBatch.objects.count()

    outcome = run(kind, file, west_office)

    assert exported == count
    assert (outcome.rows, outcome.unchanged, outcome.created) == (count, count, 0), outcome.errors
    assert outcome.error_count == 0
    assert (SaleLine.objects.count(), SalesBatch.objects.count()) == (lines, batches)
    assert Supplier.objects.count() == 1
    assert Product.objects.count() == 3


@pytest.mark.usefixtures("ledger")
def test_a_years_export_shows_that_years_linkage(tree, west_office):
    file, _count = export("suppliers", west_office, "csv", year=2023)

    rows = list(csv.reader(io.StringIO(file.read().decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["年度"], row["带动农户数"], row["带动增收金额（元）"]) == (
        "2023",
        "150",
        "123456.78",
    )
    assert row["联农带农方式"] == "订单收购、土地流转租金"


@pytest.mark.usefixtures("ledger")
def test_a_blank_spec_names_the_product_sold_without_one():
    line = SaleLine.objects.get(order_id="EXPO-1")

    assert (line.product.name, line.product.spec, line.product.unit) == ("红心猕猴桃", "", "斤")


def test_the_check_warns_of_lines_that_will_not_count_or_have_an_odd_price(tree, east_office, shop):
    sheet = sales_sheet(
        ["森鲜馆", "SX-001", "2023-09-15", "红心猕猴桃", "5斤装", 10, 600, None],
        ["森鲜馆", "SX-002", "2023-09-16", "土蜂蜜", None, 5, 400, None],
        ["森鲜馆", "SX-003", "2021-09-16", "红心猕猴桃", None, 1, 600, None],
    )

    with translation.override("en"):
        outcome = run("sales", sheet, east_office, dry_run=True)

    assert (outcome.accepted, outcome.warning_count) == (3, 2)
    warnings = [[(w["column"], w["message"]) for w in row["warnings"]] for row in outcome.preview]
    assert warnings[0] == []
    assert warnings[1] == [
        ("下单时间", "土蜂蜜 was not certified on this day: the sale is kept but not counted.")
    ]
    assert [column for column, _message in warnings[2]] == ["下单时间", "实付金额"]
    assert "600.00 yuan per 箱; reference 60.00." in warnings[2][1][1]
