"""The progress page, the drill-down to the records behind a figure, and what they cost."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shanhai.indicators.models import AnnualTarget, Indicator
from shanhai.ledger.models import Direction, Level
from shanhai.ledger.tests.factories import MeetingFactory, VisitFactory

pytestmark = pytest.mark.django_db

# Measured (81): session, user, grants and the pairing, the regime, the targets, one aggregate
# per computed indicator (two for the sales indicators E1–E3, whose records are sale lines
# counted by a second metric), years with facts, the assessment, the reported figures, and
# whether the navigation offers imports. It grows with the catalogue, never with the records.
PROGRESS_QUERIES = 81


def progress_url(pairing, year: int | None = 2023) -> str:
    url = reverse("indicators:progress", args=[pairing.code])
    return f"{url}?year={year}" if year else url


def records_url(pairing, code: str, year: int = 2023) -> str:
    return reverse("indicators:indicator-records", args=[pairing.code, year, code])


@pytest.fixture
def visits(tree, east_office, west_office):
    west = {"recorded_by": west_office, "direction": Direction.WEST_TO_EAST}
    return [
        VisitFactory.create(
            pairing=tree.county, **west, level=Level.PRINCIPAL, title="威信县委书记赴松江考察",
            occurred_on=date(2023, 5, 12),
        ),
        VisitFactory.create(
            pairing=tree.town, **west, level=Level.PRINCIPAL, title="麟凤镇党委书记赴新浜对接",
            occurred_on=date(2023, 8, 3),
        ),
        VisitFactory.create(
            pairing=tree.county, recorded_by=east_office, direction=Direction.EAST_TO_WEST,
            level=Level.PRINCIPAL, title="松江区委书记赴威信调研", occurred_on=date(2023, 3, 1),
        ),
    ]  # fmt: skip


def test_the_progress_page_shows_a_row_per_indicator(client, tree, east_office, visits):
    AnnualTarget.objects.create(
        pairing=tree.county,
        year=2023,
        indicator=Indicator.objects.get(regime__code="2021", code="A2"),
        value=4,
        set_by=east_office,
    )
    client.force_login(east_office)

    response = client.get(progress_url(tree.county))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="status-row') == Indicator.objects.filter(regime__code="2021").count()
    assert "西部党政主要领导赴东部考察对接" in html
    assert "劳动力" in html  # labor indicators are listed
    a2 = next(v for v in response.context["progress"].values if v.indicator.code == "A2")
    assert (a2.actual, a2.target, a2.percent) == (2, 4, 50)
    assert {"name": "西部党政主要领导赴东部考察对接", "percent": 50.0} in response.context["chart"]


def test_an_actual_links_to_the_records_behind_it(client, tree, east_office, visits):
    client.force_login(east_office)

    html = client.get(progress_url(tree.county)).content.decode()

    assert f'href="{records_url(tree.county, "A2")}"' in html
    assert f'href="{records_url(tree.county, "B2")}"' not in html  # a ratio has no records
    assert f'href="{records_url(tree.county, "H1")}"' not in html  # not fed yet


def test_the_set_targets_link_is_for_planners_only(client, tree, east_office, viewer):
    targets = reverse("indicators:targets", args=[tree.county.code, 2023])

    client.force_login(east_office)
    assert targets in client.get(progress_url(tree.county)).content.decode()
    client.force_login(viewer)
    assert targets not in client.get(progress_url(tree.county)).content.decode()


def test_without_a_year_the_page_shows_the_latest_year_with_records(
    client, tree, east_office, visits
):
    client.force_login(east_office)

    response = client.get(progress_url(tree.county, None))

    assert response.status_code == 200
    assert response.context["year"] == 2023


@pytest.mark.parametrize("year", ["1999", "2101"])
def test_a_year_out_of_range_is_not_found(client, tree, east_office, year):
    client.force_login(east_office)

    assert client.get(progress_url(tree.county, int(year))).status_code == 404


def test_a_year_before_any_regime_says_so(client, tree, east_office):
    client.force_login(east_office)

    response = client.get(progress_url(tree.county, 2019))

    assert response.status_code == 200
    assert response.context["progress"].values == []


def test_the_drill_down_lists_exactly_the_records_behind_the_figure(
    client, tree, east_office, visits
):
    client.force_login(east_office)

    response = client.get(records_url(tree.county, "A2"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "威信县委书记赴松江考察" in html
    assert "麟凤镇党委书记赴新浜对接" in html
    assert "松江区委书记赴威信调研" not in html  # east → west: A1, not A2
    assert [r.title for r in response.context["records"]] == [
        "麟凤镇党委书记赴新浜对接",
        "威信县委书记赴松江考察",
    ]
    assert response.context["value"].actual == 2
    assert [p["value"] for p in response.context["series"]][-1] == 2.0


def test_the_drill_down_shows_only_what_the_user_may_see(client, tree, town_liaison, visits):
    client.force_login(town_liaison)

    response = client.get(records_url(tree.town, "A2"))

    assert [r.title for r in response.context["records"]] == ["麟凤镇党委书记赴新浜对接"]


def test_the_drill_down_of_a_computed_figure_lists_nothing(client, tree, east_office, visits):
    client.force_login(east_office)

    response = client.get(records_url(tree.county, "B2"))

    assert response.status_code == 200
    assert response.context["records"] == []


@pytest.mark.parametrize(("code", "year"), [("Z9", 2023), ("A2", 2019)])
def test_an_unknown_indicator_or_a_year_without_regime_is_not_found(
    client, tree, east_office, code, year
):
    client.force_login(east_office)

    assert client.get(records_url(tree.county, code, year)).status_code == 404


def test_pages_of_a_pairing_the_user_cannot_see_are_not_found(
    client, tree, outsider, town_liaison, visits
):
    client.force_login(outsider)
    assert client.get(progress_url(tree.county)).status_code == 404
    assert client.get(records_url(tree.county, "A2")).status_code == 404

    client.force_login(town_liaison)  # sees the town pairing, not the county above it
    assert client.get(progress_url(tree.county)).status_code == 404
    assert client.get(progress_url(tree.town)).status_code == 200


def test_the_pages_need_a_sign_in(client, tree):
    response = client.get(progress_url(tree.county))

    assert response.status_code == 302
    assert "login" in response.url


def make_records(tree, east_office, n: int) -> None:
    for i in range(n):
        pairing = tree.county if i % 2 else tree.town
        if i % 3:
            VisitFactory.create(
                pairing=pairing, recorded_by=east_office, direction=Direction.EAST_TO_WEST,
                level=Level.PRINCIPAL, occurred_on=date(2023, 1 + i % 12, 1 + i % 28),
            )  # fmt: skip
        else:
            MeetingFactory.create(
                pairing=pairing, recorded_by=east_office, occurred_on=date(2023, 1 + i % 12, 2)
            )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_progress_page_queries_do_not_grow_with_the_records(
    client, tree, east_office, django_assert_max_num_queries
):
    client.force_login(east_office)
    make_records(tree, east_office, 5)
    few = count_queries(client, progress_url(tree.county))

    make_records(tree, east_office, 45)
    many = count_queries(client, progress_url(tree.county))

    assert many == few
    with django_assert_max_num_queries(PROGRESS_QUERIES):
        client.get(progress_url(tree.county))


def test_the_drill_down_queries_do_not_grow_with_the_records(client, tree, east_office):
    client.force_login(east_office)
    make_records(tree, east_office, 5)
    few = count_queries(client, records_url(tree.county, "A1"))

    make_records(tree, east_office, 45)
    many = count_queries(client, records_url(tree.county, "A1"))

    assert many == few
