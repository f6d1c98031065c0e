"""Two sheets listing the same visits, written at the same moment, store each visit once.

A sheet's rows are matched to the ledger by their natural key (pairing, date, title), which the
database has no constraint for (records of every pairing share the table). An import that
looked for the rows while another had not committed would find none and store them all again
(found in issue 9's worker test). Sheets of a kind are written one after the other
(`hold_lock` in imports/engine.py; the audit log's chain head, locked by the source each import
records first, serialises them too), so the second finds the first's rows already there.
PostgreSQL only: SQLite lets one writer in at a time, so the two never overlap there.
"""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from shanhai.core.tests.threads import run_at_once
from shanhai.imports.tests.sheets import xlsx
from shanhai.ledger.models import Visit

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

ROWS = [
    ["日期", "带队领导", "人数", "标题"],
    ["2023-06-28", "王书记", "12人", "松江区党政代表团赴威信县考察"],
    ["2023-07-05", "李区长", "8人", "松江区教育系统赴威信县交流"],
]


def _import(path: str) -> str:
    out = io.StringIO()
    try:
        call_command("import", "visits", path, "--pairing", "songjiang-weixin", stdout=out)
    except SystemExit as exit_:
        if exit_.code:
            raise AssertionError(out.getvalue()) from None
    return out.getvalue()


def test_the_same_visits_in_two_sheets_written_at_once_are_stored_once(
    tree, admin_user, tmp_path
) -> None:
    paths = []
    for name in ("office.xlsx", "town.xlsx"):
        path = tmp_path / name
        path.write_bytes(xlsx(ROWS).read())
        paths.append(str(path))
    first_written, second_started = threading.Event(), threading.Event()

    def first() -> None:
        with transaction.atomic():  # held open after the import, till the second has begun
            _import(paths[0])
            first_written.set()
            second_started.wait(10)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(1)")

    def second() -> None:
        first_written.wait(10)
        second_started.set()
        _import(paths[1])

    assert run_at_once(first, second) == []
    titles = sorted(Visit.objects.values_list("title", flat=True))
    assert titles == ["松江区党政代表团赴威信县考察", "松江区教育系统赴威信县交流"]
