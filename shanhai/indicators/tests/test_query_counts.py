"""The indicator pages read the same number of queries with 2 records as with 12 (issue 9).

The figures come from the rollups, so the progress page and the overview read one aggregate per
indicator of the catalogue whatever the ledger holds; the drill-down lists the records behind a
figure. Records are spread over the county pairing, its two town pairings, both directions and
every level, so every join a line needs is exercised; each count is pinned exactly.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from shanhai.ledger.models import Direction, Level
from shanhai.ledger.tests.factories import MeetingFactory, VisitFactory, person
from shanhai.places.tests.factories import PairingFactory

pytestmark = pytest.mark.django_db

LEVELS = [Level.PRINCIPAL, Level.DEPARTMENT, Level.TOWN_VILLAGE]


def _records(tree, east_office, west_office, rows: int) -> list[str]:
    """*rows* visits and meetings of 2023 over the county and both town pairings, recorded by
    either side; return the visits' titles."""
    pairings = [tree.county, tree.town, tree.other_town]
    visits = []
    for n in range(rows):
        east = n % 2 == 0
        fields = {
            "pairing": pairings[n % 3],
            "recorded_by": east_office if east else west_office,
            "occurred_on": date(2023, 1 + n % 12, 1 + n),
        }
        if n % 4 == 3:
            MeetingFactory.create(title=f"联席会议{n:02d}", **fields)
            continue
        visit = VisitFactory.create(
            title=f"考察对接{n:02d}",
            direction=Direction.EAST_TO_WEST if east else Direction.WEST_TO_EAST,
            level=LEVELS[n % 3],
            **fields,
        )
        visits.append(visit.title)
    return visits


@pytest.mark.parametrize("rows", [2, 12])
def test_the_progress_page_reads_the_same_queries_however_many_records(
    client, tree, east_office, west_office, django_assert_num_queries, rows
):
    _records(tree, east_office, west_office, rows)
    client.force_login(east_office)

    # who is asking and the pairing, the years with facts, the regime, its indicators, the
    # targets, the rollups of every indicator in one query, the pairings counted by kind in
    # one, the assessment, the reported figures, the grants for each access check
    with django_assert_num_queries(24):
        response = client.get(reverse("indicators:progress", args=[tree.county.code]))

    assert response.status_code == 200
    a8 = next(v for v in response.context["progress"].values if v.indicator.code == "A8")
    assert a8.actual == rows - rows // 4  # every visit, from the rollups


@pytest.mark.parametrize("rows", [2, 12])
def test_the_overview_reads_the_same_queries_however_many_records(
    client, tree, east_office, west_office, administrator, django_assert_num_queries, rows
):
    _records(tree, east_office, west_office, rows)
    client.force_login(administrator)

    # who is asking, the pairings seen, then the pairings below the one top pairing side by
    # side and the whole tree as the total: the regime, their scopes, targets, indicators,
    # the rollups in one query, the pairings counted by kind in one
    with django_assert_num_queries(12):
        response = client.get(reverse("indicators:overview"), {"year": 2023})

    assert response.status_code == 200
    a8 = next(row for row in response.context["rows"] if row.indicator.code == "A8")
    assert a8.total == rows - rows // 4


@pytest.mark.parametrize("rows", [2, 12])
def test_the_records_behind_a_figure_read_the_same_queries_however_many_there_are(
    client, tree, east_office, west_office, django_assert_num_queries, rows
):
    titles = _records(tree, east_office, west_office, rows)
    client.force_login(east_office)

    # who is asking and the pairing, the regime, the indicator, the record ids, the records
    # with their pairings and sources, their evidence counts, the figure (progress), by
    # sub-pairing, by month
    with django_assert_num_queries(28):
        response = client.get(
            reverse("indicators:indicator-records", args=[tree.county.code, 2023, "A8"])
        )

    assert response.status_code == 200
    assert len(response.context["records"]) == len(titles)
    for title in titles:
        assert title in response.text


@pytest.mark.parametrize("rows", [2, 12])
def test_the_overview_reads_the_same_queries_however_many_columns(
    client, tree, east_office, superuser, django_assert_num_queries, rows
):
    """Every top pairing (a column) is computed from the same queries: the regime, the scopes
    of all columns, the targets, the indicators, the rollups and the pairings counted by kind,
    each once (issue 9: the provincial table stays flat as pairings are added)."""
    for n in range(rows - 1):  # and the province pairing, the superuser's first column
        county = PairingFactory.create(code=f"top-{n}")
        VisitFactory.create(
            pairing=county, recorded_by=person(county), occurred_on=date(2023, 5, 1)
        )
    client.force_login(superuser)

    columns = rows + 1  # and the unrelated pairing elsewhere

    with django_assert_num_queries(9):
        response = client.get(reverse("indicators:overview"), {"year": 2023})

    assert response.status_code == 200
    assert len(response.context["roots"]) == columns
    a8 = next(row for row in response.context["rows"] if row.indicator.code == "A8")
    assert a8.total == rows - 1
