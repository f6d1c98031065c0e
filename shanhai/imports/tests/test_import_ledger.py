"""Offices' own ledger sheets go in as they are, once, all or nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shanhai.core.models import DatePrecision, Source
from shanhai.facts.models import Rollup
from shanhai.imports import services
from shanhai.imports.models import ImportJob
from shanhai.imports.tests.sheets import csv_file, xlsx
from shanhai.ledger.models import AidProject, Record, RecordChange, TalentExchange, Training, Visit
from shanhai.places.models import Place
from shanhai.places.services import lock_year
from shanhai.places.tests.factories import OrganisationFactory, PlaceFactory

pytestmark = pytest.mark.django_db

TITLE = "松江区赴威信县考察调研情况统计表"


def visit_sheet(*rows: list[object], name: str = "互访台账.xlsx"):
    """A visit sheet as an office keeps it: banner, unit line, header on row 3, totals, notes."""
    return xlsx(
        [
            [TITLE],
            ["填报单位：威信县乡村振兴局（盖章）", None, None, None, "填报日期：2023年12月"],
            ["序号", "考察时间", "带队领导", "职务", "人数", "考察地点", "主要内容", "方向"],
            *rows,
            ["合计", None, None, None, 26],
            ["注：人数含随行人员。"],
            ["填表人：张三", None, "审核人：李四"],
        ],
        merges=[(0, 0, 0, 7, TITLE)],
        name=name,
    )


ROWS = [
    [
        1,
        "2023年6月28日",
        "王书记",
        "区委书记",
        "12人",
        "麟凤镇、罗布乡",
        "考察猕猴桃基地",
        "东部到西部",
    ],
    [2, "2023.7.3", "李区长", "副区长", 8, "威信县扎西镇", "调研劳务协作", "东→西"],
    ["３", 45123, "赵局长", "教育局局长", "六人", "威信县", "对接教育帮扶", None],
]


@pytest.fixture
def places(tree):
    PlaceFactory.create(
        name="罗布镇", parent=tree.west_county, aliases=[("罗布乡", "former", None)]
    )
    PlaceFactory.create(name="扎西镇", parent=tree.west_county)


def run(kind, file, user, pairing, **options):
    return services.import_file(kind=kind, file=file, user=user, pairing=pairing, **options)


@pytest.mark.usefixtures("places")
def test_a_visit_sheet_with_banner_totals_and_notes_imports_every_visit(tree, west_office):
    outcome = run("visits", visit_sheet(*ROWS), west_office, tree.county)

    assert outcome.as_json() == {
        "kind": "visits",
        "rows": 3,
        "accepted": 3,
        "rejected": 0,
        "created": 3,
        "updated": 0,
        "errors": [],
    }
    first = Visit.objects.get(leader_name="王书记")
    assert first.occurred_on == date(2023, 6, 28)
    assert first.member_count == 12
    assert first.direction == "east_west"
    assert sorted(p.name for p in first.places_visited.all()) == ["罗布镇", "麟凤镇"]
    assert first.entry_method == Record.EntryMethod.IMPORT
    assert first.source is not None
    assert first.source.title == "互访台账.xlsx"
    assert (first.status, first.side) == (Record.Status.PENDING, "west")
    third = Visit.objects.get(leader_name="赵局长")
    assert third.occurred_on == date(2023, 7, 16)  # an Excel serial day
    assert third.member_count == 6  # 六人


@pytest.mark.usefixtures("places")
def test_imported_visits_count_in_the_indicators_at_once(tree, west_office):
    run("visits", visit_sheet(*ROWS), west_office, tree.county)

    visits = Rollup.objects.filter(pairing=tree.county, metric="visit")
    people = Rollup.objects.filter(pairing=tree.county, metric="visit.people")
    assert sum(r.count for r in visits) == 3
    assert sum(r.total for r in people) == Decimal(26)


@pytest.mark.usefixtures("places")
def test_importing_the_same_sheet_again_creates_nothing(tree, west_office):
    sheet = visit_sheet(*ROWS)
    run("visits", sheet, west_office, tree.county)

    again = run("visits", sheet, west_office, tree.county)

    assert (again.created, again.unchanged, again.rejected) == (0, 3, 0)
    assert Visit.objects.count() == 3
    assert Source.objects.filter(title="互访台账.xlsx").count() == 1


@pytest.mark.usefixtures("places")
def test_a_changed_row_is_only_reported_unless_the_update_mode_is_chosen(tree, west_office):
    run("visits", visit_sheet(*ROWS), west_office, tree.county)
    changed = [list(r) for r in ROWS]
    changed[1][4] = 9

    added_only = run("visits", visit_sheet(*changed), west_office, tree.county)
    assert (added_only.created, added_only.exists, added_only.updated) == (0, 1, 0)
    assert Visit.objects.get(leader_name="李区长").member_count == 8

    updated = run(
        "visits", visit_sheet(*changed), west_office, tree.county, mode=ImportJob.Mode.UPDATE
    )
    assert (updated.updated, updated.unchanged) == (1, 2)
    visit = Visit.objects.get(leader_name="李区长")
    assert visit.member_count == 9
    change = RecordChange.objects.get(record=visit)
    assert change.changes == {"member_count": [8, 9]}
    assert change.changed_by == west_office


@pytest.mark.usefixtures("places")
def test_one_bad_row_rejects_the_whole_file_and_says_where(tree, west_office):
    bad = [list(r) for r in ROWS]
    bad[1][1] = "2023年2月30日"
    bad[2][4] = "约六人"

    outcome = run("visits", visit_sheet(*bad), west_office, tree.county)

    assert outcome.exit_status == 1
    assert (outcome.accepted, outcome.rejected, outcome.created) == (1, 2, 0)
    where = [(e.row, e.column) for e in outcome.errors]
    assert where == [(5, "考察时间"), (6, "人数")]
    assert "2023年2月30日" in outcome.errors[0].message
    assert Visit.objects.count() == 0
    assert not Source.objects.filter(title="互访台账.xlsx").exists()
    assert not Rollup.objects.exists()


def test_a_dry_run_checks_everything_and_writes_nothing(tree, west_office):
    outcome = run("visits", visit_sheet(*ROWS[1:2]), west_office, tree.county, dry_run=True)

    assert (outcome.accepted, outcome.to_create, outcome.created) == (1, 1, 0)
    assert not Record.objects.exists()


def test_rows_repeated_in_the_file_are_refused(tree, west_office):
    outcome = run("visits", visit_sheet(ROWS[1], ROWS[1]), west_office, tree.county)

    assert outcome.rejected == 1
    assert "第4行" in outcome.errors[0].message
    assert not Record.objects.exists()


def test_a_locked_year_refuses_its_rows(tree, west_office, east_office):
    lock_year(pairing=tree.county, year=2023, locked_by=east_office)

    outcome = run("visits", visit_sheet(ROWS[1]), west_office, tree.county)

    assert outcome.rejected == 1
    assert outcome.errors[0].column == "考察时间"
    assert not Record.objects.exists()


def test_rows_of_a_pairing_one_may_not_record_in_are_refused(tree, west_office):
    sheet = xlsx(
        [
            ["结对", "日期", "带队领导"],
            ["elsewhere", "2023-06-28", "某某"],
        ]
    )

    outcome = run("visits", sheet, west_office, None)

    assert outcome.rejected == 1
    assert outcome.errors[0].column == "结对"
    assert not Record.objects.exists()


def test_a_sheet_without_a_pairing_column_needs_the_pairing_given(tree, west_office):
    outcome = run("visits", visit_sheet(ROWS[1]), west_office, None)

    assert outcome.rejected == 1
    assert "结对" in outcome.errors[0].message


def test_a_talent_sheet_naming_people_and_units_imports_without_a_title_column(tree, west_office):
    host = OrganisationFactory.create(name="威信县人民医院", place=tree.west_county)
    sheet = xlsx(
        [
            ["松江区选派专业技术人才名单（2023年）"],
            ["序号", "姓名", "派出单位", "职务职称", "帮扶方式", "专业领域", "受援单位", "时间"],
            [
                1,
                "陈医生",
                "松江区中心医院",
                "副主任医师",
                "支医",
                "医疗",
                "威信县人民医院",
                "2023年3月",
            ],
            [2, "林老师", "松江二中", "高级教师", "支教", "教育", "威信县第一中学", "2023.9"],
        ]
    )

    outcome = run("exchanges", sheet, west_office, tree.county)

    assert (outcome.created, outcome.rejected) == (2, 0), outcome.errors
    doctor = TalentExchange.objects.get(person_name="陈医生")
    assert doctor.form == TalentExchange.Form.MEDICAL
    assert doctor.sector == "health"
    assert doctor.host_organisation == host
    assert doctor.home_name == "松江区中心医院"  # not in the registry: kept as written
    assert doctor.headcount == 1
    assert (doctor.occurred_on, doctor.occurred_on_precision) == (
        date(2023, 3, 1),
        DatePrecision.MONTH,
    )
    assert doctor.title == "陈医生支医（威信县人民医院）"
    teacher = TalentExchange.objects.get(person_name="林老师")
    assert teacher.host_name == "威信县第一中学"
    assert run("exchanges", sheet, west_office, tree.county).unchanged == 2


def test_a_project_sheet_in_wan_yuan_with_two_header_rows(tree, west_office):
    sheet = xlsx(
        [
            ["2023年度东西部协作项目实施情况表"],
            [
                "序号",
                "项目名称",
                "项目类别",
                "实施地点",
                "资金（万元）",
                None,
                "受益情况",
                None,
                "开工时间",
            ],
            [None, None, None, None, "预算", "资金来源", "受益户数", "受益人数", None],
            [
                1,
                "麟凤镇猕猴桃基地提升",
                "产业",
                "麟凤镇",
                "120.5",
                "东部财政",
                "86户",
                300,
                "2023年4月",
            ],
            [
                2,
                "扎西镇乡村振兴示范村",
                "乡村建设",
                "麟凤镇",
                80,
                "东部财政",
                40,
                "一百二十",
                "2023年5月",
            ],
            ["小计", None, None, None, 200.5],
        ],
        merges=[(1, 4, 1, 5, "资金（万元）"), (1, 6, 1, 7, "受益情况")],
    )

    outcome = run("projects", sheet, west_office, tree.county)

    assert (outcome.created, outcome.rejected) == (2, 0), outcome.errors
    base = AidProject.objects.get(title="麟凤镇猕猴桃基地提升")
    assert base.budget_amount == Decimal("1205000.00")
    assert base.sector == "industry"
    assert base.households == 86
    assert base.place == tree.west_town
    second = AidProject.objects.get(title="扎西镇乡村振兴示范村")
    assert second.people == 120
    assert second.sector == "infrastructure"


def test_a_gbk_csv_of_trainings_imports(tree, west_office):
    sheet = csv_file(
        [
            ["培训名称", "举办时间", "参训对象", "培训人次"],
            ["乡村振兴带头人培训班", "2023/8/15", "村干部", "61人次"],
            ["电商直播培训", "20230920", "返乡青年", "两百"],
        ],
        encoding="gbk",
    )

    outcome = run("trainings", sheet, west_office, tree.county)

    assert (outcome.created, outcome.rejected) == (2, 0), outcome.errors
    assert sorted(t.person_times or 0 for t in Training.objects.all()) == [61, 200]
    assert Training.objects.get(person_times=61).title == "乡村振兴带头人培训班"


def test_a_hidden_sheet_before_the_data_is_not_read(tree, west_office):
    sheet = xlsx(
        [["日期", "带队领导"], ["2023-06-28", "王书记"]],
        hidden_first=[["日期", "带队领导"], ["2020-01-01", "旧数据"]],
    )

    outcome = run("visits", sheet, west_office, tree.county)

    assert outcome.created == 1
    assert outcome.sheet["hidden_sheets"] == ["旧表"]
    assert Visit.objects.get().leader_name == "王书记"


def test_a_file_that_is_not_a_sheet_is_unusable_and_writes_nothing(tree, west_office):
    from django.core.files.base import ContentFile

    fake = ContentFile(b"%PDF-1.4 not a sheet", name="台账.xlsx")

    outcome = run("visits", fake, west_office, tree.county)

    assert outcome.exit_status == 2
    assert outcome.errors[0].row is None
    assert not Record.objects.exists()


def test_a_sheet_missing_a_required_column_names_it(tree, west_office):
    sheet = xlsx([["带队领导", "人数"], ["王书记", 3]])

    outcome = run("visits", sheet, west_office, tree.county)

    assert outcome.exit_status == 2
    assert "日期" in outcome.errors[0].message


def test_a_taught_header_is_used_the_next_time(tree, west_office):
    from shanhai.imports.models import ColumnMapping

    sheet = xlsx([["日期", "带队人姓名"], ["2023-06-28", "王书记"]])
    ColumnMapping.objects.create(
        created_by=west_office, kind="visits", header="带队人姓名", column="leader_name"
    )

    outcome = run("visits", sheet, west_office, tree.county)

    assert outcome.created == 1
    assert Visit.objects.get().leader_name == "王书记"


def test_places_with_their_parents_or_former_names_are_found(tree, west_office):
    PlaceFactory.create(
        name="罗布镇", parent=tree.west_county, aliases=[("罗布乡", "former", None)]
    )
    sheet = xlsx(
        [
            ["日期", "考察地点"],
            ["2023-06-28", "威信县麟凤镇"],
            ["2023-06-29", "罗布乡"],
            ["2023-06-30", "某某公司"],
        ]
    )

    outcome = run("visits", sheet, west_office, tree.county)

    assert outcome.created == 3
    by_day = {v.occurred_on.day: v for v in Visit.objects.all()}
    assert [p.name for p in by_day[28].places_visited.all()] == ["麟凤镇"]
    assert [p.name for p in by_day[29].places_visited.all()] == ["罗布镇"]
    assert by_day[30].visited_text == "某某公司"
    assert Place.objects.filter(name="某某公司").count() == 0
