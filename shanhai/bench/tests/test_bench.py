"""`shanhai bench` on the tiny synthetic dataset: every measurement answers, agrees with the
database, leaves it as it was, and the goals table says what was met and by how much.

The load test needs a server on a database another process can open; scripts/test runs the
whole command (`shanhai bench --scale tiny`) on a file SQLite database and on PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from shanhai.bench import measure, report
from shanhai.bench.dataset import SIZES, Subjects, prepare
from shanhai.bench.load import PageLoad
from shanhai.consumption.models import SaleLine
from shanhai.core.benchmarks import Timing
from shanhai.facts.models import Fact, Rollup
from shanhai.places.models import Pairing
from shanhai.synth import report as synth_report
from shanhai.synth.scales import TINY

pytestmark = pytest.mark.django_db
SIZES_TINY = SIZES["tiny"]


@pytest.fixture
def subjects(tiny: synth_report.Plan) -> Subjects:
    said: list[str] = []
    found = prepare(TINY, seed=1, say=said.append)
    assert not found.filled, "the dataset was there: prepare must not write it again"
    return found


def _state() -> tuple[int, int, int, list[Any]]:
    return (
        SaleLine.objects.count(),
        Fact.objects.count(),
        Rollup.objects.count(),
        sorted(Rollup.objects.values_list("pairing_id", "month", "metric", "count", "total")),
    )


def test_prepare_picks_the_busiest_county_and_channel_of_the_dataset(subjects: Subjects) -> None:
    assert subjects.county.kind == "county"
    assert subjects.county.code.startswith("synth-tiny-1")
    assert subjects.office.username == "synth-tiny-1-1-east"
    busiest = SaleLine.objects.filter(channel=subjects.channel).count()
    assert busiest > 0
    assert all(
        SaleLine.objects.filter(channel_id=other).count() <= busiest
        for other in SaleLine.objects.values_list("channel_id", flat=True).distinct()
    )
    assert subjects.year == 2024


def test_pages_answer_as_the_office_and_show_every_indicator(subjects: Subjects) -> None:
    pages = measure.pages(subjects, SIZES_TINY)

    assert len(pages.dashboard.runs) == SIZES_TINY.repeat
    assert len(pages.assessment.runs) == SIZES_TINY.repeat
    # The office holds one county tree: the assessment table puts the pairings below the
    # county side by side, the whole tree as the total.
    assert pages.columns == Pairing.objects.filter(parent=subjects.county).count() == 4
    assert pages.indicators > 40


def test_rollups_from_scratch_equal_what_was_there_and_are_rolled_back(subjects: Subjects) -> None:
    before = _state()

    found = measure.rollups(SIZES_TINY, replay=True)

    assert _state() == before
    assert found.facts == before[1]
    assert found.cells == before[2]
    assert found.replay is not None
    assert min(found.recount.runs) > 0
    assert min(found.group_by.runs) > 0


def test_the_scan_answers_the_sales_question_as_the_database_and_the_rollups(
    subjects: Subjects,
) -> None:
    scan = measure.scan(subjects, SIZES_TINY)

    assert scan.lines == SaleLine.objects.count()
    assert scan.parquet_mb > 0
    assert scan.agree


def test_the_lines_to_send_copy_the_busiest_channels_lines_under_new_order_ids(
    subjects: Subjects,
) -> None:
    sales = measure.sales_to_send(subjects, SIZES_TINY)

    assert len(sales) == min(SIZES_TINY.ingest_lines, subjects.channel.sale_lines.count())
    assert len({s.order_id for s in sales}) == len(sales)
    assert not SaleLine.objects.filter(order_id__in=[s.order_id for s in sales]).exists()


def test_the_spreadsheet_import_is_timed_and_rolled_back(subjects: Subjects) -> None:
    before = _state()

    sheet = measure.sheet_import(subjects, SIZES_TINY)

    assert sheet.rows == SIZES_TINY.sheet_rows
    assert sheet.write > 0
    assert sheet.read_calamine > 0
    assert _state() == before


def _timing(ms: float) -> Timing:
    return Timing("t", [ms / 1000] * 3)


def _results(*, dashboard_ms: float, api: float, copy: float, bulk: float) -> report.Results:
    class Ingest:
        lines = 1000
        api_per_second = api
        copy_per_second = copy
        bulk_create_per_second = bulk

    page = PageLoad("dashboard", "/x/", 20, seconds=1.0, latencies=[0.05] * 200)
    trivial = PageLoad("trivial view (no database)", "/health/live/", 20, 1.0, [0.005] * 2000)
    return report.Results(
        scale="province",
        environment={"database": "postgresql 15"},
        sizes={"sale lines": 10},
        pages=measure.Pages(_timing(dashboard_ms), _timing(120), columns=40, indicators=59),
        rollups=measure.Rollups(10, 5, _timing(140), _timing(100), None),
        ingest=Ingest(),
        sheet=measure.SheetImport(200_000, 10.0, 30.0, 20.0, 31.0),
        load=[page, trivial],
        matching=measure.Matching(100_000, 10_000, 59.3, 42.0, 146.0),
        scan=measure.Scan(10, 1.0, 1.0, _timing(200), _timing(4000), _timing(20), True),
    )


def test_the_goals_say_what_was_met_with_the_ratio(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    (tmp_path / "county-postgresql.json").write_text(
        '{"results": {"pages": {"dashboard": {"p95_ms": 20.0}}}}'
    )
    results = _results(dashboard_ms=40, api=45_000, copy=90_000, bulk=13_000)

    goals = {g.name: g for g in report.goals(results, "postgresql")}

    assert goals["(1) one pairing's dashboard, p95"].met is True
    county = goals["(1) … against the county scale"]
    assert county.met is False
    assert "2.00×" in county.measured
    assert goals["(2) assessment table vs (8) DuckDB scanning Parquet, p50"].met is True
    assert goals["(3) rollups from scratch vs a plain GROUP BY, p50"].met is True
    assert goals["(4) ingest through the API vs COPY"].met is True
    assert goals["(4) ingest through the API vs bulk_create"].met is True
    assert goals["(5) import of 200,000 rows vs reading them (python-calamine)"].met is False
    load = goals["(6) dashboard under 20 users"]
    assert load.met is True
    assert "200 req/s" in load.measured
    assert "0.10× of the trivial view" in load.measured
    assert goals["(7) batch matching 100,000 × 10,000"].met is False
    assert goals["(7) ranking for one worker, p95"].met is False


def test_the_report_lists_every_measurement_and_every_goal(tmp_path: Any) -> None:
    results = _results(dashboard_ms=60, api=20_000, copy=90_000, bulk=13_000)
    goals = report.goals(results, "postgresql")

    text = report.as_markdown(results, goals)
    data = report.as_json(results, goals)

    assert goals[0].met is False
    assert "| (1) one pairing's dashboard, p95 | 60.0 ms | ≤ 50 ms | no |" in text
    for number in ("(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"):
        assert number in text
    parsed = json.loads(data)
    assert parsed["results"]["pages"]["dashboard"]["p95_ms"] == pytest.approx(60)
    assert [g["met"] for g in parsed["goals"]] == [g.met for g in goals]
