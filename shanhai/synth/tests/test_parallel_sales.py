"""`shanhai synth --jobs 2` writes the same sales in two processes as one process does.

PostgreSQL only: the processes are forked and each opens its own connection, which an
in-memory SQLite test database would not survive (and SQLite writes one at a time anyway).
"""

from __future__ import annotations

import pytest
from django.db.models import Sum

from shanhai.consumption.models import SaleLine
from shanhai.facts.selectors import rollup_differences
from shanhai.synth import report
from shanhai.synth.run import run
from shanhai.synth.scales import TINY

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_two_processes_write_every_planned_line_once_and_keep_the_sums_exact() -> None:
    plan = report.make_plan(TINY, seed=1, years=[2023, 2024])
    said: list[str] = []

    results = run(plan, say=said.append, jobs=2)

    sales = results[-1]
    planned = sum(unit.lines + unit.copies for unit in plan.sales)
    assert (sales.name, sales.rows, sales.skipped) == ("sales", planned, 0)
    assert "by 2 processes" in said[-1]
    assert SaleLine.objects.count() == planned
    assert SaleLine.objects.values("channel", "order_id").distinct().count() == planned
    assert SaleLine.objects.filter(is_held=True).count() == sum(u.copies for u in plan.sales)
    found = report.found(plan)
    for row in report.planned(plan):
        if row.exact:
            assert found[row.table] == row.count, row.table
    assert rollup_differences() == []
    assert report.sales_months_agree()

    # Run again: everything is found already written, nothing is added.
    amount = SaleLine.objects.aggregate(total=Sum("amount"))["total"]
    again = run(plan, say=said.append, jobs=2)[-1]
    assert (again.rows, again.skipped) == (0, planned)
    assert SaleLine.objects.aggregate(total=Sum("amount"))["total"] == amount
