"""Reading uploaded spreadsheets: every format offices send, and every way a file can fail."""

import contextlib
import csv
import datetime as dt
import hashlib
import io
import random
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from shanhai.core.sheets import (
    MAX_BLANK_RUN,
    MAX_COLUMNS,
    Row,
    SheetError,
    SheetInfo,
    open_sheet,
)
from shanhai.core.tests.test_uploads import ole_file

FILES = Path(__file__).parent / "files"
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _english():
    """Compare against the English source messages."""
    with translation.override("en"):
        yield


def upload(name, content):
    return SimpleUploadedFile(name, content)


def read(file, **options):
    with open_sheet(file, **options) as (info, rows):
        return info, list(rows)


def refusal(file, **options):
    """The message of the SheetError that opening or reading *file* raises."""
    with pytest.raises(SheetError) as caught:
        read(file, **options)
    return str(caught.value)


def workbook(build, **options):
    """An .xlsx made by xlsxwriter; *build* fills the workbook in."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "default_date_format": "yyyy-mm-dd", **options}
    )
    build(book)
    book.close()
    return buffer.getvalue()


def sheet_of(rows):
    def build(book):
        sheet = book.add_worksheet("目标任务")
        for number, values in enumerate(rows):
            sheet.write_row(number, 0, values)

    return workbook(build)


def rezipped(content, replace):
    """*content*, an .xlsx, with some parts' bytes replaced: {name: new bytes or None}."""
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            data = replace.get(part.filename, source.read(part.filename))
            if data is not None:
                target.writestr(part.filename, data)
        for extra, data in replace.items():
            if extra not in source.namelist():
                target.writestr(extra, data)
    return output.getvalue()


def naive(text):
    """A date and time as Excel keeps it: with no time zone."""
    return dt.datetime.fromisoformat(text)


NOT_A_SHEET = "is not an Excel workbook (.xlsx, .xls) or a CSV file, whatever its name says."
DAMAGED = "is damaged or incomplete and cannot be opened. Please upload it again."


# --- Excel 2007 and later ---------------------------------------------------------------------


def test_a_workbook_gives_its_non_blank_rows_numbered_as_excel_shows_them():
    def build(book):
        sheet = book.add_worksheet("目标任务")
        sheet.merge_range(0, 0, 0, 3, "松江区 ↔ 威信县 2023年度目标任务")
        sheet.write_row(1, 0, ["指标代码", "指标名称", "目标", "日期"])
        sheet.write_row(2, 0, ["A1", "东部党政主要领导赴西部调研对接", 3, dt.date(2023, 3, 1)])
        sheet.write_row(4, 0, ["B1", None, 5600.5, None])  # row 4 is left empty
        sheet.write_row(5, 0, ["  ", "\u3000"])  # whitespace only: blank
        sheet.write_row(6, 0, [None, None, True, naive("2023-03-01 14:30")])

    info, rows = read(upload("目标.xlsx", workbook(build)))

    assert info == SheetInfo(
        file_name="目标.xlsx",
        file_format="xlsx",
        sheet_name="目标任务",
        other_sheets=(),
        hidden_sheets=(),
    )
    assert rows == [
        (1, ["松江区 ↔ 威信县 2023年度目标任务"]),  # the merged banner: its first cell
        (2, ["指标代码", "指标名称", "目标", "日期"]),
        (3, ["A1", "东部党政主要领导赴西部调研对接", 3, naive("2023-03-01")]),
        (5, ["B1", None, 5600.5]),  # no trailing empty cells
        (7, [None, None, True, naive("2023-03-01 14:30")]),
    ]


def test_a_formula_gives_the_result_excel_saved_with_it():
    def build(book):
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, ["合计"])
        sheet.write_formula(0, 1, "=1+2", None, 3)

    assert read(upload("合计.xlsx", workbook(build)))[1] == [(1, ["合计", 3])]


def test_the_first_visible_sheet_is_read_and_the_others_are_named():
    def build(book):
        book.add_worksheet("说明").hide()
        first = book.add_worksheet("填报")
        first.write(0, 0, "数据")
        first.activate()  # Excel cannot hide the active sheet
        book.add_worksheet("代码表").very_hidden()
        book.add_worksheet("备用")

    info, rows = read(upload("填报.xlsx", workbook(build)))

    assert (info.sheet_name, info.other_sheets, info.hidden_sheets) == (
        "填报",
        ("备用",),
        ("说明", "代码表"),
    )
    assert rows == [(1, ["数据"])]


def test_a_row_is_cut_to_the_column_limit():
    rows = read(upload("宽.xlsx", sheet_of([list(range(1, MAX_COLUMNS + 20))])))[1]

    assert rows == [(1, list(range(1, MAX_COLUMNS + 1)))]


def test_formatted_empty_rows_to_the_bottom_of_the_sheet_are_passed_over_quickly():
    def build(book):
        sheet = book.add_worksheet()
        tinted = book.add_format({"bg_color": "#FFF9E5", "border": 1})
        for row in range(100_000):
            sheet.set_row(row, None, tinted)
        for row in range(1, 200):
            sheet.write_blank(row, 1, None, tinted)  # a format but no value
        sheet.write_row(0, 0, ["代码", "目标"])
        sheet.write_row(4999, 0, ["A1", 3])

    content = workbook(build)
    started = time.perf_counter()

    rows = read(upload("目标.xlsx", content))[1]

    assert rows == [(1, ["代码", "目标"]), (5000, ["A1", 3])]
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("blank_rows", "read_on"), [(MAX_BLANK_RUN - 1, True), (MAX_BLANK_RUN, False)]
)
def test_a_long_enough_run_of_blank_rows_ends_the_sheet(blank_rows, read_on):
    def build(book):
        sheet = book.add_worksheet()
        sheet.write(0, 0, "above")
        sheet.write(blank_rows + 1, 0, "below")

    rows = read(upload("长.xlsx", workbook(build)))[1]

    assert [values for _number, values in rows] == (
        [["above"], ["below"]] if read_on else [["above"]]
    )


def test_reading_a_large_workbook_keeps_memory_flat():
    def build(book):
        sheet = book.add_worksheet()
        for row in range(100_000):
            sheet.write_string(row, 0, f"C{row % 50}")
            sheet.write_number(row, 1, row)

    upload_file = upload("大.xlsx", workbook(build, constant_memory=True))
    tracemalloc.start()
    try:
        with open_sheet(upload_file) as (_info, rows):
            count = sum(1 for _row in rows)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 100_000
    # Streamed, this takes about 1 MB whatever the number of rows. openpyxl's own read-only
    # rows would keep about 9 MB for this sheet, and more with every row.
    assert peak < 5 * MB


@pytest.mark.parametrize("name", ["目标.xlsx", "targets.xls", "目标.csv"])
def test_a_file_on_disk_is_read_through_a_file_object(tmp_path, name):
    contents = {
        "目标.xlsx": sheet_of([["A1", 3]]),
        "targets.xls": (FILES / "targets.xls").read_bytes(),
        "目标.csv": b"A1,3\n",
    }
    path = tmp_path / name
    path.write_bytes(contents[name])

    with path.open("rb") as handle:
        info, rows = read(File(handle))

    assert info.file_name == name
    assert rows[0][1][0] in ("A1", "松江区 ↔ 威信县 2023年度目标任务")


def test_stopping_early_closes_the_sheet_and_rewinds_the_file():
    file = upload("目标.xlsx", sheet_of([["A1", 1], ["A2", 2], ["A3", 3]]))

    with open_sheet(file) as (_info, rows):
        first = next(rows)

    assert first == (1, ["A1", 1])
    assert file.tell() == 0


# --- Excel 97–2003 ----------------------------------------------------------------------------


def xls(name):
    return upload(name, (FILES / name).read_bytes())


def test_an_excel_97_workbook_gives_the_same_values_as_an_xlsx_would():
    info, rows = read(xls("targets.xls"))

    assert info == SheetInfo(
        file_name="targets.xls",
        file_format="xls",
        sheet_name="目标任务",
        other_sheets=("第二页",),
        hidden_sheets=("隐藏说明",),
    )
    assert rows == [
        (1, ["松江区 ↔ 威信县 2023年度目标任务"]),
        (2, ["指标代码", "指标名称", "目标", "日期"]),
        (3, ["A1", "东部党政主要领导赴西部调研对接", 3, naive("2023-03-01")]),
        (4, ["B1", "投入财政援助资金", 5600.5, naive("2023-03-01 14:30")]),
        (6, ["C1", None, True, dt.time(8, 15)]),
        (7, ["D1", None, 12345678901, "  "]),
    ]


def test_an_excel_97_sheet_starting_below_and_right_keeps_its_row_and_column_numbers():
    rows = read(xls("offset.xls"))[1]

    assert rows == [
        (3, [None, None, "第三行C列"]),
        (4, [None, None, None, 12345678901]),
        (6, [None, None, -1.5]),
        (7, [None, None, naive("1900-01-01")]),
        (8, [None, None, dt.timedelta(hours=30)]),  # a duration, as openpyxl gives it too
    ]


def test_an_excel_97_workbook_with_an_excel_4_macro_sheet_is_refused():
    content = bytearray((FILES / "targets.xls").read_bytes())
    # BOUNDSHEET record of 第二页: id, length, position (4 bytes), visibility, then the type.
    record = content.find("第二页".encode("utf-16-le")) - 12
    assert content[record : record + 2] == b"\x85\x00"
    content[record + 9] = 1  # a macro sheet

    assert "“targets.xls” contains macros." in refusal(upload("targets.xls", bytes(content)))


def test_an_excel_97_workbook_with_a_password_to_open_is_refused_as_such():
    content = bytearray((FILES / "targets.xls").read_bytes())
    bof = content.find(b"\x09\x08\x10\x00\x00\x06\x05\x00")  # BIFF8 workbook globals
    assert bof % 64 == 0
    following = bof + 4 + 16
    content[following : following + 2] = b"\x2f\x00"  # FILEPASS: the rest is encrypted

    assert refusal(upload("targets.xls", bytes(content))) == (
        "“targets.xls” is protected by a password; remove the password in Excel "
        "(文件→信息→保护工作簿) and upload it again."
    )


def test_an_excel_97_workbook_that_takes_too_long_is_given_up(monkeypatch):
    monkeypatch.setattr("shanhai.core.sheets._XLS_SECONDS", 0.001)

    assert refusal(xls("targets.xls")) == f"“targets.xls” {DAMAGED}"


def test_a_truncated_excel_97_workbook_is_refused_as_damaged():
    content = (FILES / "targets.xls").read_bytes()

    assert DAMAGED in refusal(upload("targets.xls", content[: len(content) * 3 // 4]))


@pytest.mark.parametrize("name", ["targets.xls", "目标.xlsx"])
def test_no_engine_error_escapes_whatever_the_damage(name):
    content = (FILES / name).read_bytes() if name.endswith(".xls") else sheet_of([["A1", 3]] * 50)
    chance = random.Random(name)  # noqa: S311 (reproducible damage, not secrets)
    for trial in range(40):
        damaged = bytearray(content)
        if trial % 4 == 0:
            damaged = damaged[: chance.randrange(len(damaged))]
        else:
            for _flip in range(chance.randrange(1, 20)):
                damaged[chance.randrange(len(damaged))] = chance.randrange(256)
        with contextlib.suppress(SheetError):  # anything else fails the test
            read(upload(name, bytes(damaged)))


# --- CSV --------------------------------------------------------------------------------------

CSV_LINES = [
    "松江区 威信县 2023年度目标任务,,,",
    "指标代码,指标名称,单位,目标",
    "A1,调研对接,次,3次",
]
CSV_ROWS = [
    (1, ["松江区 威信县 2023年度目标任务"]),
    (2, ["指标代码", "指标名称", "单位", "目标"]),
    (3, ["A1", "调研对接", "次", "3次"]),
]


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_a_csv_file_is_read_in_utf8_with_or_without_bom_and_in_gbk(encoding, reported):
    info, rows = read(upload("目标.csv", "\r\n".join(CSV_LINES).encode(encoding)))

    assert info == SheetInfo(
        file_name="目标.csv",
        file_format="csv",
        sheet_name="",
        other_sheets=(),
        hidden_sheets=(),
        encoding=reported,
    )
    assert rows == CSV_ROWS


def test_excel_unicode_text_is_read_as_tab_separated_utf16():
    text = "\r\n".join(line.replace(",", "\t") for line in CSV_LINES) + "\r\n"

    info, rows = read(upload("目标.txt", text.encode("utf-16")))

    assert (info.encoding, rows) == ("utf-16", CSV_ROWS)


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_the_delimiter_is_found_from_the_first_lines(delimiter):
    values = [
        ["代码", "名称", "金额"],
        ["B1", "援助资金, 含配套", "5,5"],
        ["B2", "协作资金; 社会帮扶", "6"],
        ["B3", "制表\t符", "7"],
    ]
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(values)

    rows = read(upload("资金.csv", text.getvalue().encode()))[1]

    assert [cells for _number, cells in rows] == values


def test_a_quoted_cell_over_several_lines_numbers_its_row_by_the_first_line():
    content = 'A1,"第一行\n第二行\n第三行",3\n\nA2,,\nA3,"x",\n'.encode()

    rows = read(upload("目标.csv", content))[1]

    assert rows == [
        (1, ["A1", "第一行\n第二行\n第三行", "3"]),
        (5, ["A2"]),  # empty cells are None, and trailing ones are dropped
        (6, ["A3", "x"]),
    ]


def test_a_gbk_file_whose_first_64_kb_are_ascii_is_still_read_as_gbk():
    filler = [f"A{n},{n}" for n in range(10_000)]  # about 90 KB of ASCII
    content = "\r\n".join([*filler, "B1,援助资金"]).encode("gbk")

    info, rows = read(upload("目标.csv", content))

    assert rows[-1] == (10_001, ["B1", "援助资金"])
    assert len(rows) == 10_001
    assert info.encoding == "utf-8"  # as far as the first part showed


def test_a_utf8_file_with_a_gbk_line_further_down_is_refused_naming_that_line():
    lines = ["代码,名称", *[f"A{n},名称{n}" for n in range(1, 8000)]]
    content = "\n".join(lines).encode() + "\nB1,援助资金\n".encode("gbk")
    assert len(content) > 64 * 1024

    message = refusal(upload("目标.csv", content))

    assert message == (
        "“目标.csv” cannot be read as text from line 8001 on. "
        "Please save it as CSV in UTF-8 or GB18030 and upload it again."
    )


def test_a_gbk_file_with_a_damaged_byte_is_refused_naming_its_line():
    content = "代码,名称\r\nA1,援助资金\r\n".encode("gbk") + b"A2,\xff\r\n"

    assert refusal(upload("目标.csv", content)) == (
        "“目标.csv” cannot be read as text from line 3 on. "
        "Please save it as CSV in UTF-8 or GB18030 and upload it again."
    )


def test_a_quote_that_is_never_closed_is_refused_naming_its_line():
    content = ("代码,名称\nA1,3\n" + 'A2,"' + "很长" * 70_000).encode()

    message = refusal(upload("目标.csv", content))

    assert message.startswith("“目标.csv” cannot be read as CSV from line 3 on")


def test_a_csv_file_of_blank_lines_has_no_rows():
    assert refusal(upload("目标.csv", b"\r\n , ,\r\n\r\n")) == "“目标.csv” has no rows."


# --- files that are refused as a whole --------------------------------------------------------


def png():
    output = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(output, "PNG")
    return output.getvalue()


def docx():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return output.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("目标.xlsx", png()),
        ("目标.xlsx", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
        ("目标.xlsx", docx()),
        ("目标.xls", ole_file("WordDocument", "1Table")),
        ("目标.xls", b"<html><body><table><tr><td>A1</td></tr></table></body></html>"),
        ("目标.xlsx", "指标代码,目标\nA1,3\n".encode()),  # CSV text, but not named as CSV
        ("目标.txt", bytes(range(256)) * 40),
        ("目标.csv", bytes(range(1, 32)) * 300),  # control characters, not text
    ],
    ids=["png", "pdf", "docx", "doc", "html", "text-named-xlsx", "binary-txt", "controls-csv"],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused_whatever_its_name(name, content):
    assert refusal(upload(name, content)) == (
        f"“{name}” {NOT_A_SHEET} Please save the sheet as .xlsx or .csv and upload it again."
    )


def test_a_workbook_cut_in_half_is_refused_as_damaged():
    content = sheet_of([[f"A{n}", n] for n in range(500)])

    assert refusal(upload("目标.xlsx", content[: len(content) // 2])) == f"“目标.xlsx” {DAMAGED}"


def test_a_workbook_with_broken_xml_is_refused_as_damaged():
    content = rezipped(sheet_of([["A1", 3]]), {"xl/workbook.xml": b"<workbook><sheets>"})

    assert refusal(upload("目标.xlsx", content)) == f"“目标.xlsx” {DAMAGED}"


def test_a_sheet_that_breaks_off_gives_its_rows_then_refuses_the_file():
    content = sheet_of([[f"A{n}", n] for n in range(1, 2001)])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    content = rezipped(content, {"xl/worksheets/sheet1.xml": xml[: len(xml) // 2] + b"<<<"})
    rows: list[Row] = []

    with pytest.raises(SheetError) as caught, open_sheet(upload("目标.xlsx", content)) as (_i, it):
        rows.extend(it)

    assert str(caught.value) == f"“目标.xlsx” {DAMAGED}"
    assert 100 < len(rows) < 2000


def test_a_password_protected_workbook_is_refused_with_how_to_remove_the_password():
    content = ole_file("\x06DataSpaces", "EncryptionInfo", "EncryptedPackage")

    assert refusal(upload("目标.xlsx", content)) == (
        "“目标.xlsx” is protected by a password; remove the password in Excel "
        "(文件→信息→保护工作簿) and upload it again."
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "目标.xlsx",
            sheet_of([[hashlib.shake_256(b"%d" % n).hexdigest(1000), n] for n in range(1200)]),
        ),
        ("目标.csv", b"A1,3\n" * 300_000),
    ],
)
def test_a_file_over_the_limit_is_refused_with_the_limit(name, content):
    assert len(content) > MB

    assert refusal(upload(name, content), max_bytes=MB) == (
        f"“{name}” is too large: a file may be at most 1 MB."
    )


def test_a_csv_file_longer_than_its_declared_size_is_still_stopped_at_the_limit():
    file = upload("目标.csv", b"A1,3\n" * 300_000)
    file.size = 10  # the client's word; the bytes read are counted

    assert "is too large" in refusal(file, max_bytes=MB)


def test_a_workbook_built_to_unpack_to_gigabytes_is_refused_before_it_is_parsed():
    bomb = b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    bomb += b"a" * (40 * MB) + b"</t></is></c></row></sheetData></worksheet>"
    content = rezipped(sheet_of([["A1", 3]]), {"xl/worksheets/sheet1.xml": bomb})
    assert len(content) < MB

    assert refusal(upload("目标.xlsx", content)) == (
        "“目标.xlsx” is unusually compressed and was refused, as it may be built to overload "
        "the server. Please save the sheet again in Excel and upload it."
    )


def test_a_workbook_whose_parts_add_up_to_far_more_than_the_limit_is_refused():
    padding = {f"xl/media/pad{n}.xml": b"a" * (MB // 2) for n in range(12)}
    content = rezipped(sheet_of([["A1", 3]]), padding)  # each part is too small to matter

    assert "is unusually compressed" in refusal(upload("目标.xlsx", content), max_bytes=MB // 4)


@pytest.mark.parametrize("part", ["xl/vbaProject.bin", "xl/macrosheets/sheet1.xml"])
def test_a_workbook_with_macros_is_refused(part):
    content = rezipped(sheet_of([["A1", 3]]), {part: b"\0"})

    assert refusal(upload("目标.xlsm", content)) == (
        "“目标.xlsm” contains macros. Please save it without macros and upload it again."
    )


@pytest.mark.parametrize("name", ["目标.xlsx", "目标.csv"])
def test_an_empty_file_is_refused(name):
    assert refusal(upload(name, b"")) == f"“{name}” is empty."


def test_a_workbook_whose_sheet_is_empty_has_no_rows():
    assert refusal(upload("目标.xlsx", sheet_of([]))) == "“目标.xlsx” has no rows."
