"""The other kinds from offices' sheets: money, donations, meetings, targets and the registry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shanhai.core.models import DatePrecision
from shanhai.imports import services
from shanhai.imports.tests.sheets import csv_file, xlsx
from shanhai.indicators.models import AnnualTarget, Indicator
from shanhai.ledger.models import Agreement, AidProject, Donation, FundTransaction, Meeting
from shanhai.ledger.services import create_record
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def run(kind, file, user, pairing=None, **options):
    return services.import_file(kind=kind, file=file, user=user, pairing=pairing, **options)


def test_a_donation_sheet_with_money_and_goods(tree, west_office):
    hospital = OrganisationFactory.create(name="威信县人民医院", place=tree.west_county)
    sheet = xlsx(
        [
            ["2023年社会帮扶捐赠统计表"],
            ["序号", "捐赠时间", "捐赠单位", "受赠单位", "捐赠内容", "数量", "单位（数量）",
             "折合金额（万元）", "类型"],
            [1, "2023年5月", "上海某企业", "威信县人民医院", "救护车", "四", "辆", 160, "物资"],
            [2, "2023/6/1", "松江区慈善基金会", None, None, None, None, "5,000元", "捐款"],
            ["合计", None, None, None, None, None, None, 160.5],
        ]
    )  # fmt: skip

    outcome = run("donations", sheet, west_office, tree.county)

    assert (outcome.created, outcome.rejected) == (2, 0), outcome.errors
    ambulance = Donation.objects.get(items="救护车")
    assert ambulance.recipient == hospital
    assert ambulance.donor_name == "上海某企业"
    assert ambulance.quantity == Decimal(4)
    assert ambulance.value_amount == Decimal("1600000.00")
    assert (ambulance.occurred_on, ambulance.occurred_on_precision) == (
        date(2023, 5, 1),
        DatePrecision.MONTH,
    )
    money = Donation.objects.get(donation_kind="money")
    assert money.value_amount == Decimal("5000.00")  # 5,000元 in a 万元 column stays 5,000 yuan


def test_project_money_is_added_to_the_projects_named(tree, west_office):
    create_record(
        record=AidProject(
            pairing=tree.county,
            title="猕猴桃基地",
            occurred_on=date(2023, 4, 1),
            sector="agriculture",
        ),
        recorded_by=west_office,
    )
    sheet = csv_file(
        [
            ["项目名称", "资金类型", "拨付日期", "拨付金额（万元）", "备注"],
            ["猕猴桃基地", "下达", "2023年4月10日", "100", "年度计划"],
            ["猕猴桃基地", "拨付", "2023.6.1", "50", "第一批"],
            ["不存在的项目", "拨付", "2023.6.1", "50", ""],
        ],
        encoding="gb18030",
    )

    outcome = run("transactions", sheet, west_office, tree.county)

    assert outcome.rejected == 1
    assert outcome.errors[0].row == 4
    assert outcome.errors[0].column == "项目名称"
    assert not FundTransaction.objects.exists()  # all or nothing

    fixed = csv_file(
        [
            ["项目名称", "资金类型", "拨付日期", "拨付金额（万元）", "备注"],
            ["猕猴桃基地", "下达", "2023年4月10日", "100", "年度计划"],
            ["猕猴桃基地", "拨付", "2023.6.1", "50", "第一批"],
        ],
        encoding="gb18030",
    )
    assert run("transactions", fixed, west_office, tree.county).created == 2
    amounts = dict(FundTransaction.objects.values_list("transaction_kind", "amount"))
    assert amounts == {"commitment": Decimal("1000000.00"), "disbursement": Decimal("500000.00")}
    assert run("transactions", fixed, west_office, tree.county).unchanged == 2


def test_meetings_and_agreements(tree, west_office):
    meetings = xlsx(
        [
            ["会议名称", "召开时间", "会议形式", "召开地点", "参会人数", "议定事项"],
            ["东西部协作联席会议", "2023年6月28日", "联席会议", "威信县", "30人", "签订协议"],
            ["推进会", "2023-7-1", None, "松江区", "二十", ""],
        ]
    )
    agreements = xlsx(
        [
            ["协议名称", "签订时间", "协议类型", "签约各方", "有效期起", "有效期止"],
            ["劳务协作协议", "2023年6月28日", "框架协议", "松江区人社局、威信县人社局",
             "2023.7.1", "2023.6.30"],
        ]
    )  # fmt: skip

    assert run("meetings", meetings, west_office, tree.county).created == 2
    joint = Meeting.objects.get(title="东西部协作联席会议")
    assert (joint.meeting_kind, joint.attendee_count) == ("joint", 30)
    assert Meeting.objects.get(title="推进会").meeting_kind == "other"

    outcome = run("agreements", agreements, west_office, tree.county)
    assert outcome.rejected == 1  # the period ends before it starts
    assert not Agreement.objects.exists()


def test_targets_from_a_sheet_in_each_indicators_unit(tree, east_office):
    indicators = list(
        Indicator.objects.exclude(computation=Indicator.Computation.RATIO)
        .filter(regime__first_year__lte=2024)
        .order_by("position")[:2]
    )
    sheet = xlsx(
        [
            ["2024年度目标任务"],
            ["年度", "指标代码", "指标名称", "目标值"],
            [2024, indicators[0].code, indicators[0].name_zh, f"5{indicators[0].unit}"],
            ["2024年", indicators[1].code.lower(), None, 3],
            [2024, "Z99", "不存在", 1],
        ]
    )

    outcome = run("targets", sheet, east_office, tree.county)

    assert outcome.rejected == 1
    assert (outcome.errors[0].row, outcome.errors[0].column) == (5, "指标代码")
    assert not AnnualTarget.objects.exists()

    good = xlsx(
        [
            ["年度", "指标代码", "目标值"],
            [2024, indicators[0].code, f"5{indicators[0].unit}"],
            ["2024年", indicators[1].code.lower(), 3],
        ]
    )
    assert run("targets", good, east_office, tree.county).created == 2
    stored = {t.indicator: t.value for t in AnnualTarget.objects.filter(year=2024)}
    assert stored == {indicators[0]: Decimal("5.00"), indicators[1]: Decimal("3.00")}


def test_the_registry_from_sheets_builds_places_organisations_and_a_pairing(tree, admin_user):
    places = xlsx(
        [
            ["区划代码", "名称", "级别", "上级", "东西部", "曾用名"],
            ["530629104", "罗布镇", "镇", "威信县", None, "罗布乡"],
            [None, "金鸡村", "村", "威信县麟凤镇", None, None],
        ]
    )
    organisations = xlsx(
        [
            ["单位名称", "单位类型", "所在地", "统一社会信用代码"],
            ["威信县人民医院", "医院", "威信县", None],
            ["罗布镇政府", "政府", "罗布乡", None],
        ]
    )
    pairings = xlsx(
        [
            ["编号", "结对类型", "上级结对", "东部地区", "西部地区", "结对时间"],
            ["xinbang-luobu", "镇乡", "songjiang-weixin", "新浜镇", "罗布镇", "2021年"],
        ]
    )

    assert run("places", places, admin_user).created == 2
    luobu = Place.objects.get(name="罗布镇")
    assert luobu.code == "530629104000"
    assert luobu.side == "west"
    assert luobu.aliases.filter(name="罗布乡").exists()
    assert Place.objects.get(name="金鸡村").parent == tree.west_town

    assert run("organisations", organisations, admin_user).created == 2
    assert Organisation.objects.get(name="罗布镇政府").place == luobu

    outcome = run("pairings", pairings, admin_user)
    assert outcome.created == 1, outcome.errors
    pairing = Pairing.objects.get(code="xinbang-luobu")
    assert pairing.parent == tree.county
    assert (pairing.started_on, pairing.started_on_precision) == (date(2021, 1, 1), "year")
    assert pairing.source is not None


def test_only_administrators_import_the_registry(tree, west_office):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run("places", xlsx([["名称", "级别"], ["某镇", "镇"]]), west_office)
