"""Two transactions that create the same new rollup cell at the same moment both count.

Each looks for the cell, finds none and inserts it; the second insert waits for the first
transaction and then hits the cell's key. Before, that failed the whole second import ("没有导入任何
数据：duplicate key"); now the second adds to the cell the first created. PostgreSQL only: SQLite
lets one writer in at a time, so the two never overlap there.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from shanhai.core.tests.threads import run_at_once
from shanhai.facts.models import Rollup
from shanhai.facts.services import FactRow, replace_facts
from shanhai.places.tests.factories import PairingFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_two_imports_starting_the_same_new_cell_at_once_both_count() -> None:
    pairing = PairingFactory.create()
    row = FactRow(pairing_id=pairing.pk, on=date(2026, 3, 14), metric="visit", value=Decimal(2))
    first_inserted, second_started = threading.Event(), threading.Event()

    def first() -> None:
        with transaction.atomic():
            replace_facts(source="test.first", source_id=1, rows=[row])
            first_inserted.set()
            second_started.wait(10)
            # Let the second transaction reach its insert and wait on our new cell.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(0.5)")

    def second() -> None:
        first_inserted.wait(10)
        with transaction.atomic():
            second_started.set()
            replace_facts(source="test.second", source_id=1, rows=[row])

    assert run_at_once(first, second) == []
    cell = Rollup.objects.get(pairing=pairing, metric="visit", month=date(2026, 3, 1))
    assert (cell.count, cell.total) == (2, Decimal("4.00"))
