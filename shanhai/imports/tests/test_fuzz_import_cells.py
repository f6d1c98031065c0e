"""Any cells under any kind's headers: each bad cell is reported at its row and column.

Every import kind gets a sheet of generated cells (numbers, dates, text, Excel's odd values)
under its own template's headers, checked without writing. Nothing may crash: the run ends
with rows accepted or problems that name the row and the column at fault.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.core.files.base import ContentFile
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from shanhai.core.parsing import ParseError
from shanhai.core.tests.fuzzing import cell_texts, fuzzed
from shanhai.imports import services
from shanhai.imports.columns import Amount
from shanhai.imports.exports import header_text
from shanhai.imports.kinds import KINDS, consumption, get_kind
from shanhai.imports.tests.sheets import xlsx

pytestmark = pytest.mark.django_db

# What openpyxl hands the importer from a real workbook (no Decimal, no NaN).
sheet_cells = (
    cell_texts
    | st.none()
    | st.booleans()
    | st.integers(-(10**16), 10**16)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.dates()
    | st.datetimes()
)


@pytest.mark.parametrize("kind", sorted(KINDS))
@fuzzed(12)
@given(data=st.data())
def test_any_cells_under_a_kinds_headers_are_read_or_reported_where(kind, data, tree, admin_user):
    columns = get_kind(kind).columns
    rows = data.draw(
        st.lists(st.lists(sheet_cells, min_size=len(columns), max_size=len(columns)), max_size=4)
    )
    sheet = xlsx([[header_text(column) for column in columns], *rows], name=f"{kind}.xlsx")

    outcome = services.import_file(
        kind=kind, file=ContentFile(sheet.read(), name=f"{kind}.xlsx"), user=admin_user,
        pairing=tree.county, dry_run=True,
    )  # fmt: skip

    assert outcome.exit_status in (0, 1)
    assert not outcome.written
    for problem in outcome.errors:
        assert problem.message.strip()
        assert problem.row is None or 1 <= problem.row <= len(rows) + 1


# Found by fuzzing: a number past 28 digits made Decimal.quantize raise, and the import crash.
@pytest.mark.parametrize(
    "value", [Amount(), Amount(unit="万元", places=6), consumption.Quantity()], ids=repr
)
@pytest.mark.parametrize("cell", [9.999999999999995e25, "1e30", 10**40])
def test_a_number_too_large_for_any_record_is_refused_not_crashed_on(value, cell):
    with translation.override("en"), pytest.raises(ParseError, match="too large"):
        value.parse(cell, unit="", lookups=cast(Any, None))
