"""Importing the year's targets from an office's spreadsheet: xlsx or CSV, all rows or none."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from shanhai.core.models import AuditEvent
from shanhai.indicators.imports import MAX_ROWS, RowError, read_target_sheet
from shanhai.indicators.models import AnnualTarget, Indicator
from shanhai.indicators.services import import_targets, set_targets

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked as their English msgids, whatever the .po files say."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


TITLE = "松江区 ↔ 威信县 2023年度目标任务"
HEADER = ["指标代码", "指标名称", "单位", "目标"]
# What an office sends: units typed into cells, 万, full-width digits, a blank row, a 合计 row.
ROWS = [
    ["A1", "东部党政主要领导赴西部调研对接", "次", "3次"],
    ["A3", "召开联席会议、座谈会", "次", "１２"],
    [None, None, None, None],
    ["B1", "投入财政援助资金", "万元", "5,600.5"],
    ["C1", "东部选派党政干部到西部挂职", "人", "61人"],
    ["C12", "培训西部干部和专业技术人才（人次）", "人次", "5.2万"],
    ["D1", "共建产业园区", "个", 2],
    ["合计", None, None, 52_076.5],
]
EXPECTED = {
    "A1": Decimal(3),
    "A3": Decimal(12),
    "B1": Decimal("5600.5"),
    "C1": Decimal(61),
    "C12": Decimal(52000),
    "D1": Decimal(2),
}


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(regime__code="2021", code=code)


def catalogue() -> list[Indicator]:
    return list(Indicator.objects.filter(regime__code="2021"))


def stored(pairing, year: int = 2023) -> dict[str, Decimal]:
    return {
        t.indicator.code: t.value
        for t in AnnualTarget.objects.filter(pairing=pairing, year=year).select_related("indicator")
    }


def xlsx(rows, *, title: str | None = TITLE, header=HEADER, name: str = "目标.xlsx"):
    """A workbook as Excel users make it: a merged title row, the header below it."""
    book = openpyxl.Workbook()
    sheet = book.active
    if title is not None:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(rows, *, encoding: str, name: str = "目标.csv", header=HEADER):
    lines = [TITLE + ",,,", ",".join(header)]
    for row in rows:
        lines.append(",".join(f'"{v}"' if "," in str(v) else str(v or "") for v in row))
    return SimpleUploadedFile(name, "\r\n".join(lines).encode(encoding))


def messages_of(sheet) -> list[str]:
    return [str(error) for error in sheet.errors]


# --- reading ----------------------------------------------------------------------------------


def test_an_office_workbook_with_a_title_row_units_and_a_total_row_is_read():
    sheet = read_target_sheet(xlsx(ROWS), indicators=catalogue())

    assert sheet.errors == []
    assert {i.code: v for i, v in sheet.targets.items()} == EXPECTED


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_the_same_sheet_as_csv_is_read_in_gb18030_and_utf8_with_or_without_bom(encoding):
    sheet = read_target_sheet(csv_file(ROWS, encoding=encoding), indicators=catalogue())

    assert sheet.errors == []
    assert {i.code: v for i, v in sheet.targets.items()} == EXPECTED


@pytest.mark.parametrize(
    "header", [["目标任务", "序号", "代码"], ["Target（万元）", "No.", "Indicator code"]]
)
def test_columns_are_found_by_their_other_names_in_any_order(header):
    rows = [["3.5万元", 1, "B3"], ["", 2, "A4"]]

    sheet = read_target_sheet(xlsx(rows, header=header), indicators=catalogue())

    assert sheet.errors == []
    assert {i.code: v for i, v in sheet.targets.items()} == {"B3": Decimal("3.5"), "A4": None}


@pytest.mark.parametrize(
    ("written", "unit_cell", "code", "expected"),
    [
        ("5.2万", "万元", "B1", Decimal("5.2")),  # 5.2万元 in a 万元 indicator
        ("5,000元", "万元", "B1", Decimal("0.5")),
        ("0.5亿元", "万元", "B1", Decimal(5000)),
        (2_000_000, "元", "B1", Decimal(200)),  # the 单位 cell says the number is in 元
        ("5.2万", "人次", "C12", Decimal(52000)),
        ("—", "次", "A1", None),
        (None, "次", "A1", None),
    ],
)
def test_values_are_converted_into_the_indicators_unit(written, unit_cell, code, expected):
    sheet = read_target_sheet(xlsx([[code, "", unit_cell, written]]), indicators=catalogue())

    assert sheet.errors == []
    assert sheet.targets == {indicator(code): expected}


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("五十", "“五十” is not a number."),
        ("-3", "“-3” is negative; a target cannot be negative."),
        ("61人", "“61人” is not in this indicator's unit (次)."),
        ("1.234", "“1.234” has more than two decimal places in 次."),
    ],
)
def test_a_bad_target_is_reported_at_its_row_and_column(written, problem):
    sheet = read_target_sheet(
        xlsx([["A1", "", "次", "3"], ["A3", "", "次", written]]), indicators=catalogue()
    )

    assert sheet.errors == [RowError(4, "目标", problem)]
    assert messages_of(sheet) == [f"Row 4, column 目标: {problem}"]


def test_unknown_duplicate_and_ratio_codes_are_refused_by_row():
    rows = [
        ["A1", "", "次", 3],
        ["Z9", "不存在的指标", "次", 1],
        ["a1", "", "次", 4],  # the same code again, in lower case
        ["B2", "县均财政援助资金", "万元", 100],
    ]

    sheet = read_target_sheet(xlsx(rows), indicators=catalogue())

    assert messages_of(sheet) == [
        "Row 4, column 指标代码: "
        "There is no indicator “Z9” (不存在的指标) in this year's catalogue.",
        "Row 5, column 指标代码: A1 already appears in row 3.",
        "Row 6, column 指标代码: B2 县均财政援助资金 is computed from other indicators "
        "and cannot be given a target.",
    ]


def test_a_sheet_without_a_header_is_refused_as_a_whole():
    sheet = read_target_sheet(xlsx([["A1", 3]], header=["序号", "数量"]), indicators=catalogue())

    assert sheet.targets == {}
    assert [(e.row, e.column) for e in sheet.errors] == [(None, None)]
    assert "指标代码" in sheet.errors[0].message


def test_a_renamed_program_is_refused_with_a_clear_message():
    program = SimpleUploadedFile("目标.xlsx", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(600))

    sheet = read_target_sheet(program, indicators=catalogue())

    assert messages_of(sheet) == [
        "“目标.xlsx” is not an Excel workbook (.xlsx, .xls) or a CSV file, whatever its name "
        "says. Please save the sheet as .xlsx or .csv and upload it again."
    ]


def test_a_renamed_program_is_refused_as_csv_too():
    program = SimpleUploadedFile("目标.csv", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(600))

    sheet = read_target_sheet(program, indicators=catalogue())

    assert "is not an Excel workbook (.xlsx, .xls) or a CSV file" in messages_of(sheet)[0]


# --- the service ------------------------------------------------------------------------------


def test_importing_a_good_sheet_sets_the_listed_targets_and_keeps_the_others(tree, east_office):
    set_targets(
        pairing=tree.county,
        year=2023,
        targets={indicator("A1"): Decimal(1), indicator("A4"): Decimal(2)},
        set_by=east_office,
    )

    sheet = import_targets(pairing=tree.county, year=2023, file=xlsx(ROWS), set_by=east_office)

    assert sheet.errors == []
    assert sheet.changed == 6
    assert stored(tree.county) == {**EXPECTED, "A4": Decimal(2)}  # A4 is not in the sheet
    event = AuditEvent.objects.get(action="indicators.targets.imported")
    assert event.actor == east_office
    assert event.details == {"year": 2023, "file": "目标.xlsx", "rows": 6, "changed": 6}


def test_an_empty_target_cell_removes_that_target(tree, east_office):
    set_targets(
        pairing=tree.county, year=2023, targets={indicator("A1"): Decimal(1)}, set_by=east_office
    )

    import_targets(
        pairing=tree.county, year=2023, file=xlsx([["A1", "", "次", None]]), set_by=east_office
    )

    assert stored(tree.county) == {}


def test_one_bad_row_saves_nothing_even_when_the_others_are_good(tree, east_office):
    set_targets(
        pairing=tree.county, year=2023, targets={indicator("A1"): Decimal(1)}, set_by=east_office
    )
    before = AnnualTarget.objects.count()
    rows = [*ROWS[:2], ["A5", "部门互访", "次", "五十"], *ROWS[2:]]

    sheet = import_targets(pairing=tree.county, year=2023, file=xlsx(rows), set_by=east_office)

    assert messages_of(sheet) == ["Row 5, column 目标: “五十” is not a number."]
    assert AnnualTarget.objects.count() == before
    assert stored(tree.county) == {"A1": 1}
    assert not AuditEvent.objects.filter(action="indicators.targets.imported").exists()


@pytest.mark.parametrize("who", ["viewer", "west_liaison", "outsider"])
def test_someone_who_may_not_plan_cannot_import(request, tree, who):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        import_targets(pairing=tree.county, year=2023, file=xlsx(ROWS), set_by=user)

    assert not AnnualTarget.objects.exists()


# --- the views --------------------------------------------------------------------------------


def import_url(pairing, year: int = 2023) -> str:
    return reverse("indicators:targets-import", args=[pairing.code, year])


def template_url(pairing, year: int = 2023) -> str:
    return reverse("indicators:targets-template", args=[pairing.code, year])


def test_uploading_a_good_sheet_redirects_to_progress_with_a_message(client, tree, east_office):
    client.force_login(east_office)

    response = client.post(import_url(tree.county), {"file": xlsx(ROWS)}, follow=True)

    progress_url = reverse("indicators:progress", args=[tree.county.code])
    assert response.redirect_chain == [(f"{progress_url}?year=2023", 302)]
    assert stored(tree.county) == EXPECTED
    [message] = response.context["messages"]
    assert str(message) == "Imported 6 targets from “目标.xlsx”; 6 changed."


def test_uploading_a_bad_sheet_shows_every_problem_by_row_and_column(client, tree, east_office):
    client.force_login(east_office)
    rows = [["A1", "", "次", 3], ["Z9", "", "次", 1], ["A3", "", "次", "五十"]]

    response = client.post(import_url(tree.county), {"file": xlsx(rows)})

    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["import_errors"]] == [
        (4, "指标代码"),
        (5, "目标"),
    ]
    page = response.content.decode()
    assert "“五十” is not a number." in page
    assert "<td>5</td><td>目标</td>" in page
    assert not AnnualTarget.objects.exists()


def test_uploading_a_renamed_program_shows_why_it_is_refused(client, tree, east_office):
    client.force_login(east_office)
    program = SimpleUploadedFile("目标.xlsx", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(600))

    response = client.post(import_url(tree.county), {"file": program})

    assert response.status_code == 200
    assert "is not an Excel workbook (.xlsx, .xls) or a CSV file" in response.content.decode()
    assert not AnnualTarget.objects.exists()


def test_posting_without_a_file_asks_for_one(client, tree, east_office):
    client.force_login(east_office)

    response = client.post(import_url(tree.county), {})

    assert response.status_code == 200
    assert [e.message for e in response.context["import_errors"]] == [
        "Choose a spreadsheet to import."
    ]


def test_both_views_are_refused_to_a_viewer_and_hidden_from_an_outsider(
    client, tree, viewer, outsider
):
    client.force_login(viewer)
    assert client.post(import_url(tree.county), {"file": xlsx(ROWS)}).status_code == 403
    assert client.get(template_url(tree.county)).status_code == 403
    assert not AnnualTarget.objects.exists()

    client.force_login(outsider)
    assert client.post(import_url(tree.county), {"file": xlsx(ROWS)}).status_code == 404
    assert client.get(template_url(tree.county)).status_code == 404


def test_the_targets_page_links_to_the_template_and_has_the_upload_form(client, tree, east_office):
    client.force_login(east_office)

    page = client.get(reverse("indicators:targets", args=[tree.county.code, 2023])).content

    assert template_url(tree.county).encode() in page
    assert import_url(tree.county).encode() in page
    assert b'enctype="multipart/form-data"' in page
    assert b">Save</button>" in page  # the page is in English here, as the client asked


def test_the_template_lists_each_targetable_indicator_with_its_current_target(
    client, tree, east_office
):
    set_targets(
        pairing=tree.county, year=2023, targets={indicator("A1"): Decimal(4)}, set_by=east_office
    )
    client.force_login(east_office)

    response = client.get(template_url(tree.county))

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    assert sheet["A1"].value == f"{tree.county} 2023年度目标任务"
    assert [c.value for c in sheet[2]] == HEADER
    codes = [row[0].value for row in sheet.iter_rows(min_row=3) if row[2].value]
    targetable = Indicator.objects.filter(regime__code="2021").exclude(computation="ratio")
    assert codes == [i.code for i in targetable]
    assert "B2" not in codes
    a1 = next(row for row in sheet.iter_rows(min_row=3) if row[0].value == "A1")
    assert [c.value for c in a1] == ["A1", "东部党政主要领导赴西部调研对接", "次", 4]


def test_the_template_filled_in_and_uploaded_back_sets_the_targets(client, tree, east_office):
    set_targets(
        pairing=tree.county, year=2023, targets={indicator("A1"): Decimal(4)}, set_by=east_office
    )
    client.force_login(east_office)
    content = b"".join(client.get(template_url(tree.county)).streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    filled = {"A3": 6, "B1": "1.2万", "C1": "15人"}
    for row in sheet.iter_rows(min_row=3):
        if row[0].value in filled:
            row[3].value = filled[row[0].value]
    buffer = io.BytesIO()
    book.save(buffer)

    response = client.post(
        import_url(tree.county), {"file": SimpleUploadedFile("填好的.xlsx", buffer.getvalue())}
    )

    assert response.status_code == 302
    assert stored(tree.county) == {
        "A1": Decimal(4),  # kept as it was: the template carried it
        "A3": Decimal(6),
        "B1": Decimal("1.2"),
        "C1": Decimal(15),
    }


def test_a_damaged_workbook_is_refused_as_a_whole():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "not a workbook")

    sheet = read_target_sheet(
        SimpleUploadedFile("目标.xlsx", buffer.getvalue()), indicators=catalogue()
    )

    assert messages_of(sheet) == [
        "“目标.xlsx” is damaged or incomplete and cannot be opened. Please upload it again."
    ]


def test_a_sheet_far_longer_than_the_catalogue_is_refused():
    rows = [["A1", "", "次", 1]] * (MAX_ROWS + 1)

    sheet = read_target_sheet(csv_file(rows, encoding="utf-8"), indicators=catalogue())

    assert sheet.targets == {}
    assert messages_of(sheet) == [
        f"“目标.csv” has more than {MAX_ROWS} rows; a target sheet has one row per indicator."
    ]
