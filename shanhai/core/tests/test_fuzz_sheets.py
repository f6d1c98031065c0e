"""Whatever bytes are uploaded, the sheet reader gives rows or one SheetError saying why."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import example, given
from hypothesis import strategies as st

from shanhai.core.sheets import MAX_COLUMNS, SheetError, open_sheet
from shanhai.core.tests.fuzzing import fuzzed

NAMES = ["目标.csv", "目标.txt", "目标.tsv", "目标.xlsx", "目标"]
CSV_ALPHABET = "指标代码,目标\t;\"'\r\n 0123456789A万元年月日=+-@\x00\x1a\ufeff"


def csv_bytes() -> st.SearchStrategy[bytes]:
    text = st.text(alphabet=CSV_ALPHABET, max_size=300)
    return st.tuples(text, st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])).map(
        lambda pair: pair[0].encode(pair[1])
    )


def says_why(error: SheetError, name: str) -> None:
    """One sentence for the sender, naming the file."""
    assert str(error).strip()
    assert name in str(error)


uploads = st.tuples(st.sampled_from(NAMES), st.binary(max_size=600) | csv_bytes())


@fuzzed(400)
@given(upload=uploads)
@example(upload=("目标.csv", b"\xff\xfe"))
@example(upload=("目标.csv", '"' * 5000))  # one quote never closed
@example(upload=("目标.csv", b"a," * 10_000))
@example(upload=("目标.xlsx", b"PK\x03\x04"))
def test_any_upload_gives_numbered_rows_or_one_sheet_error(upload):
    name, content = upload
    if isinstance(content, str):
        content = content.encode()
    try:
        with open_sheet(SimpleUploadedFile(name, content)) as (info, rows):
            read = list(rows)
    except SheetError as error:
        says_why(error, name)
        return
    assert info.file_format == "csv"
    numbers = [number for number, _cells in read]
    assert numbers == sorted(set(numbers))
    assert all(0 < len(cells) <= MAX_COLUMNS and cells[-1] is not None for _n, cells in read)
