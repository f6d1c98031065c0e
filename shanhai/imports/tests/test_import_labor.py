"""Labor cooperation from a county's own sheets: workers, postings, placements, follow-ups."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from shanhai.accounts.models import Role, Side
from shanhai.core import personal
from shanhai.core.models import AuditEvent
from shanhai.facts.models import Rollup
from shanhai.imports import services
from shanhai.imports.exports import write_export, write_template
from shanhai.imports.kinds import get_kind
from shanhai.imports.models import ImportJob
from shanhai.imports.tests.sheets import csv_file, xlsx
from shanhai.labor import services as labor_services
from shanhai.labor.models import FollowUp, Placement, Posting, Worker
from shanhai.labor.tests.conftest import work_places  # noqa: F401 (a fixture, found by name)
from shanhai.labor.tests.factories import id_number, worker
from shanhai.ledger.tests.factories import person
from shanhai.places.models import Organisation, Place
from shanhai.places.tests.factories import OrganisationFactory, PlaceFactory

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def run(kind, file, user, pairing=None, **options):
    return services.import_file(kind=kind, file=file, user=user, pairing=pairing, **options)


def export(kind_name, user, fmt="xlsx", pairing=None):
    kind = get_kind(kind_name)
    buffer = io.BytesIO()
    unmasked = kind.may_unmask(user, pairing)
    count = write_export(
        kind, kind.export_objects(user, pairing=pairing, year=None), fmt, buffer, unmasked=unmasked
    )
    return ContentFile(buffer.getvalue(), name=f"export.{fmt}"), count


def county_ledger(*rows):
    """威信县's 劳动力台账 as offices keep it: a title, a unit line, 序号, a 合计 row, a note."""
    return xlsx(
        [
            ["威信县2023年农村劳动力转移就业台账"],
            ["填报单位：威信县人力资源和社会保障局", None, None, None, "填报日期：2023年6月"],
            ["序号", "姓名", "公民身份号码", "手机号", "乡镇", "村", "是否脱贫户", "务工意愿",
             "技能", "期望月薪（元）"],
            *rows,
            ["合计", "3人"],
            ["注：身份证号请按文本格式填写"],
        ]
    )  # fmt: skip


@pytest.fixture
def origin(tree, work_places):  # noqa: F811 (the fixture, by name)
    """麟凤镇 of 威信县 (with division codes), where the county's workers come from."""
    return tree.west_town


@pytest.fixture
def jiading(work_places):  # noqa: F811 (the fixture, by name)
    """A district of Shanghai whose full name a sheet can write (上海市嘉定区)."""
    return PlaceFactory.create(
        name="嘉定区",
        level=Place.Level.COUNTY,
        parent=work_places.shanghai.parent,
        code="310114000000",
    )


def test_a_countys_messy_worker_sheet_registers_every_worker(tree, west_office, origin):
    sheet = county_ledger(
        [1, "张 三", id_number(1).translate(FULL_WIDTH), "138 0000 0001", "麟凤镇", None, "是",
         "上海", "电焊", "4500元"],
        [2, "李四", id_number(2), "13800000002", "麟凤镇", "某某村", "否", "就近就业", None, 3800],
        [3, "王五", id_number(3).lower(), None, "威信县麟凤镇", None, "是", "省外", "", "５０００"],
    )  # fmt: skip

    outcome = run("workers", sheet, west_office, tree.county)

    assert (outcome.created, outcome.rejected) == (3, 0), outcome.errors
    zhang = Worker.objects.get(name="张 三")
    assert personal.decrypt(zhang.id_number_encrypted) == id_number(1)
    assert zhang.id_number_hash == personal.lookup_hash(id_number(1))
    assert personal.decrypt(zhang.phone_encrypted) == "13800000001"
    assert (zhang.household_type, zhang.willingness) == ("poverty_exited", "shanghai")
    assert (zhang.skills, zhang.expected_wage, zhang.origin) == ("电焊", 4500, origin)
    li = Worker.objects.get(name="李四")
    assert li.origin == origin  # a village we do not know leaves the worker at the town
    assert (li.household_type, li.willingness) == ("ordinary", "near_home")
    assert Worker.objects.get(name="王五").expected_wage == 5000
    assert not AuditEvent.objects.filter(details__icontains=id_number(1)).exists()


def test_an_id_number_excel_turned_into_a_number_is_refused_saying_where_and_why(
    tree, west_office, origin
):
    sheet = county_ledger(
        [1, "张三", id_number(1), None, "麟凤镇"],
        [2, "李四", 430521199001011234, None, "麟凤镇"],  # Excel stored it as a number
        [3, "王五", "4.30521E+17", None, "麟凤镇"],  # ... and then as text
    )

    outcome = run("workers", sheet, west_office, tree.county)

    assert (outcome.created, outcome.rejected) == (0, 2)
    assert [(e.row, e.column) for e in outcome.errors] == [(5, "公民身份号码"), (6, "公民身份号码")]
    assert "Excel" in outcome.errors[0].message
    assert "15" in outcome.errors[0].message
    assert "4.30521E+17" in outcome.errors[1].message
    assert "430521199001011234" not in str(outcome.errors)  # quoted masked, never in full
    assert not Worker.objects.exists()  # all or nothing


def test_the_same_id_number_twice_in_a_sheet_is_refused(tree, west_office, origin):
    sheet = county_ledger(
        [1, "张三", id_number(1), None, "麟凤镇"],
        [2, "张三（重复）", id_number(1), None, "麟凤镇"],
    )

    outcome = run("workers", sheet, west_office, tree.county)

    assert outcome.rejected == 1
    assert outcome.errors[0].row == 5
    assert "第4行" in outcome.errors[0].message
    assert not Worker.objects.exists()


def test_a_gbk_csv_from_an_old_office_computer_is_read(tree, west_office, origin):
    sheet = csv_file(
        [
            ["序号", "姓名", "身份证号码", "联系电话", "户籍所在地", "家庭类型", "务工意愿"],
            [1, "赵六", id_number(6), "0870-6123456", "威信县麟凤镇", "监测对象", "省内"],
        ],
        encoding="gbk",
    )

    outcome = run("workers", sheet, west_office, tree.county)

    assert (outcome.created, outcome.errors) == (1, [])
    zhao = Worker.objects.get()
    assert (zhao.name, zhao.household_type, zhao.willingness) == ("赵六", "monitored", "province")
    assert personal.decrypt(zhao.phone_encrypted) == "0870-6123456"
    assert outcome.sheet["encoding"] == "gb18030"


def test_rows_of_registered_workers_are_unchanged_exist_or_update(tree, west_office, origin):
    rows = [[1, "张三", id_number(1), None, "麟凤镇", None, "是", "上海", "电焊"]]
    run("workers", county_ledger(*rows), west_office, tree.county)
    again = run("workers", county_ledger(*rows), west_office, tree.county)
    rows[0][8] = "电焊、叉车"

    changed = run("workers", county_ledger(*rows), west_office, tree.county)
    updated = run(
        "workers", county_ledger(*rows), west_office, tree.county, mode=ImportJob.Mode.UPDATE
    )

    assert (again.unchanged, again.created) == (1, 0)
    assert (changed.exists, changed.updated, changed.preview[0]["changes"]) == (1, 0, ["skills"])
    assert updated.updated == 1
    assert Worker.objects.get().skills == "电焊、叉车"
    assert AuditEvent.objects.filter(action="labor.worker.updated").count() == 1


def test_a_worker_registered_in_a_pairing_one_cannot_record_in_is_not_touched(
    tree, west_office, outsider, origin
):
    worker(tree.elsewhere, person(tree.elsewhere), origin=origin, serial=1)

    sheet = county_ledger([1, "张三", id_number(1), None, "麟凤镇"])

    outcome = run("workers", sheet, west_office, tree.county)

    assert outcome.rejected == 1
    assert outcome.errors[0].column == "公民身份号码"


def test_the_preview_kept_with_a_job_shows_personal_data_masked(tree, west_office, origin):
    outcome = run(
        "workers",
        county_ledger([1, "张三", id_number(1), "13800000001", "麟凤镇"]),
        west_office,
        tree.county,
        dry_run=True,
    )

    values = outcome.preview[0]["values"]
    assert values["id_number"] == personal.mask_id_number(id_number(1))
    assert values["phone"] == "138****0001"
    assert id_number(1) not in str(outcome.preview)


# --- exports ------------------------------------------------------------------------------


@pytest.fixture
def registered(tree, west_office, origin):
    someone = worker(
        tree.county,
        west_office,
        origin=origin,
        serial=1,
        household_type="poverty_exited",
        skills="电焊",
        expected_wage=4500,
        has_consented=True,
    )
    worker(tree.town, west_office, origin=origin, serial=2, phone="", willingness="near_home")
    return someone


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_offices_export_imports_back_with_nothing_changed(tree, west_office, fmt):
    file, count = export("workers", west_office, fmt)

    outcome = run("workers", file, west_office)

    assert count == 2
    assert (outcome.unchanged, outcome.rejected, outcome.created) == (2, 0, 0), outcome.errors


@pytest.mark.usefixtures("registered")
def test_a_viewers_export_is_masked_says_so_and_cannot_be_imported(tree, west_office):
    viewer = person(tree.county, Role.VIEWER, Side.WEST)
    file, count = export("workers", viewer)

    sheet = openpyxl.load_workbook(io.BytesIO(file.read())).worksheets[0]
    headers = [c.value for c in sheet[2]]
    cell = sheet.cell(row=3, column=headers.index("身份证号码*") + 1).value
    assert count == 2
    assert "已脱敏" in sheet["A1"].value
    assert cell == personal.mask_id_number(id_number(1))
    assert "138****0001" in [c.value for c in sheet[3]]
    file.seek(0)
    with translation.override("en"):
        outcome = run("workers", file, west_office)
    assert outcome.rejected == 2
    problem = outcome.errors[0]
    assert problem.column == "身份证号码*"
    assert cell in problem.message
    assert "masked" in problem.message
    assert Worker.objects.count() == 2


@pytest.mark.usefixtures("registered")
def test_a_masked_csv_export_has_the_note_above_its_header(tree):
    viewer = person(tree.county, Role.VIEWER, Side.WEST)
    file, _count = export("workers", viewer, "csv")

    rows = list(csv.reader(io.StringIO(file.read().decode("utf-8-sig"))))
    assert "已脱敏" in rows[0][0]
    assert rows[1][:3] == ["序号", "结对", "姓名*"]
    assert id_number(1) not in str(rows)


def test_exports_with_personal_data_in_full_are_logged_on_the_web_and_the_command_line(
    client, tree, west_office, registered, admin_user, tmp_path
):
    viewer = person(tree.county, Role.VIEWER, Side.WEST)
    url = reverse("imports:export", args=["workers", "csv"])

    client.force_login(viewer)
    masked = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    assert not AuditEvent.objects.filter(action="labor.workers.exported").exists()
    client.force_login(west_office)
    full = b"".join(client.get(url, {"pairing": "songjiang-weixin"}).streaming_content)
    call_command("export", "workers", "-o", str(tmp_path / "w.xlsx"), stdout=io.StringIO())

    assert id_number(1) not in masked
    assert id_number(1) in full.decode("utf-8-sig")
    events = AuditEvent.objects.filter(action="labor.workers.exported").order_by("pk")
    assert [(e.actor, e.details["rows"]) for e in events] == [(west_office, 2), (admin_user, 2)]


def test_a_visits_export_is_neither_masked_nor_logged(tree, west_office):
    file, _count = export("visits", west_office, "csv")

    assert "已脱敏" not in file.read().decode("utf-8-sig")
    assert not get_kind("visits").personal_columns


def test_the_template_keeps_id_numbers_as_text(tree):
    buffer = io.BytesIO()
    write_template(get_kind("workers"), buffer)

    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    headers = [c.value for c in sheet[2]]
    letter = openpyxl.utils.get_column_letter(headers.index("身份证号码*") + 1)
    assert sheet.column_dimensions[letter].number_format == "@"


# --- placements and follow-ups ------------------------------------------------------------


def placement_sheet(*rows):
    return xlsx(
        [
            ["2023年威信县农村劳动力转移就业情况表"],
            ["序号", "姓名", "身份证号", "务工单位", "务工地点", "务工时间", "月工资", "就业方式",
             "离职时间", "离职原因"],
            *rows,
        ]
    )  # fmt: skip


def test_placements_are_found_by_id_number_or_by_a_name_unique_in_the_pairing(
    tree,
    west_office,
    origin,
    work_places,  # noqa: F811 (the fixture, by name)
):
    worker(tree.county, west_office, origin=origin, serial=1, name="张三")
    li = worker(tree.county, west_office, origin=origin, serial=2, name="李四")
    factory = OrganisationFactory.create(name="松江某电子厂", place=work_places.shanghai)
    sheet = placement_sheet(
        [1, None, id_number(1), "松江某电子厂", "310117", "2023年3月1日", "5200元", "有组织输出"],
        [2, "李四", None, "苏州某物流公司", "苏州市", "2022.5.6", 4800, "自主务工", "2022年12月",
         "返乡"],
        [3, "李四", None, "威信县就业帮扶车间", "麟凤镇", "2023-02-01", 2600, None],
    )  # fmt: skip

    outcome = run("placements", sheet, west_office, tree.county)

    assert (outcome.created, outcome.rejected) == (3, 0), outcome.errors
    zhang = Placement.objects.get(worker__name="张三")
    assert (zhang.employer, zhang.destination, zhang.channel) == (factory, "shanghai", "transfer")
    assert zhang.monthly_wage == 5200
    suzhou, home = Placement.objects.filter(worker=li).order_by("started_on")
    assert (suzhou.employer_name, suzhou.destination) == ("苏州某物流公司", "other_east")
    assert (suzhou.ended_on, suzhou.end_reason) == (date(2022, 12, 1), "返乡")
    assert (home.destination, home.channel, home.ended_on) == ("near_home", "self_found", None)
    assert Rollup.objects.filter(metric="labor.placed").count() == 3

    again = run("placements", sheet, west_office, tree.county)
    assert (again.unchanged, again.created) == (3, 0), again.errors


def test_a_placement_row_naming_nobody_known_is_refused(tree, west_office, work_places):  # noqa: F811
    sheet = placement_sheet(
        [1, None, id_number(9), None, "310117", "2023年3月1日"],
        [2, "无此人", None, None, "310117", "2023年3月1日"],
    )

    outcome = run("placements", sheet, west_office, tree.county)

    assert [(e.row, e.column) for e in outcome.errors] == [(3, "身份证号"), (4, "姓名")]
    assert not Placement.objects.exists()


def test_a_second_unended_job_is_refused_and_ending_the_first_is_an_update(
    tree,
    west_office,
    origin,
    work_places,  # noqa: F811 (the fixture, by name)
):
    worker(tree.county, west_office, origin=origin, serial=1)
    first = [1, None, id_number(1), "甲厂", "310117", "2023年3月1日"]
    run("placements", placement_sheet(first), west_office, tree.county)

    second = run(
        "placements",
        placement_sheet([1, None, id_number(1), "乙厂", "310117", "2023年5月1日"]),
        west_office,
        tree.county,
    )
    ended = run(
        "placements",
        placement_sheet([*first, None, None, "2023年4月30日", "换工作"]),
        west_office,
        tree.county,
        mode=ImportJob.Mode.UPDATE,
    )

    assert (second.rejected, second.errors[0].column) == (1, "务工时间")
    assert ended.updated == 1, ended.errors
    assert Placement.objects.get().ended_on == date(2023, 4, 30)


def test_follow_ups_confirm_the_milestones_of_the_current_or_the_named_job(
    tree,
    west_office,
    origin,
    work_places,  # noqa: F811 (the fixture, by name)
):
    someone = worker(tree.county, west_office, origin=origin, serial=1)
    placement = labor_services.record_placement(
        worker=someone,
        started_on=date(2023, 1, 10),
        work_place=work_places.shanghai,
        channel="transfer",
        recorded_by=west_office,
    )
    sheet = xlsx(
        [
            ["劳动力稳岗回访表"],
            ["序号", "姓名", "身份证号码", "就业时间", "回访时间", "在岗情况", "现工作单位",
             "月收入（元）", "备注"],
            [1, "劳动力1", id_number(1), None, "2023年4月12日", "在岗", "某电子厂", 5200, "回访"],
            [2, None, id_number(1), "2023年1月10日", "2023年7月11日", "在岗", None, "5,400元"],
        ]
    )  # fmt: skip

    outcome = run("followups", sheet, west_office, tree.county)

    assert (outcome.created, outcome.rejected) == (2, 0), outcome.errors
    assert FollowUp.objects.filter(placement=placement).count() == 2
    assert set(Rollup.objects.values_list("metric", flat=True)) >= {
        "labor.stable_3",
        "labor.stable_6",
    }
    again = run("followups", sheet, west_office, tree.county)
    assert (again.unchanged, again.created) == (2, 0)


@pytest.mark.parametrize("kind", ["placements", "followups"])
def test_placements_and_follow_ups_round_trip_for_the_office(
    kind, tree, west_office, origin, jiading
):
    someone = worker(tree.county, west_office, origin=origin, serial=1)
    placement = labor_services.record_placement(
        worker=someone,
        started_on=date(2023, 1, 10),
        work_place=jiading,
        channel="transfer",
        employer_name="某电子厂",
        monthly_wage=5000,
        recorded_by=west_office,
    )
    labor_services.record_followup(
        placement=placement,
        checked_on=date(2023, 4, 20),
        is_employed=False,
        note="已返乡",
        recorded_by=west_office,
    )
    file, count = export(kind, west_office)

    outcome = run(kind, file, west_office)

    assert count == 1
    assert (outcome.unchanged, outcome.rejected) == (1, 0), outcome.errors


# --- postings ------------------------------------------------------------------------------


def test_a_posting_sheet_registers_new_employers_and_reads_wage_ranges(tree, west_office, jiading):
    sheet = xlsx(
        [
            ["松江区2023年东西部劳务协作岗位信息表"],
            ["序号", "招聘单位", "招聘岗位", "行业", "工作地点", "招聘人数", "薪资待遇",
             "年龄要求", "包吃", "包住", "有效期起", "有效期止", "联系方式"],
            [1, "松江某电子厂", "普工", "电子", "上海市嘉定区", "20人", "5000-6500元", "18～45岁",
             "是", "是", "2023年3月1日", "2023年12月31日", "人事部 021-57000000"],
            [2, "松江某电子厂", "质检员", "制造业", "嘉定区", 5, 6000, None, "否", "是",
             "2023.3.1", "2023.6.30", None],
        ]
    )  # fmt: skip

    outcome = run("postings", sheet, west_office, tree.county)

    assert (outcome.created, outcome.rejected) == (2, 0), outcome.errors
    employer = Organisation.objects.get(name="松江某电子厂")
    assert (employer.kind, employer.place) == ("enterprise", jiading)
    worker_post = Posting.objects.get(title="普工")
    assert (worker_post.wage_min, worker_post.wage_max) == (5000, 6500)
    assert (worker_post.age_min, worker_post.age_max, worker_post.headcount) == (18, 45, 20)
    assert (worker_post.has_housing, worker_post.has_meals) == (True, True)
    assert Posting.objects.get(title="质检员").wage_min == 6000

    file, _count = export("postings", west_office)
    again = run("postings", file, west_office)
    assert (again.unchanged, again.created) == (2, 0), again.errors
