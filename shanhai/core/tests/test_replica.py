"""The read replica, for real: a primary and a streaming hot standby of it (scripts/pg replica).

scripts/test runs these with ``-m replica`` against both servers after the PostgreSQL run. The
test database is created on the primary and reaches the replica by streaming (the replica alias
mirrors it), so every test is transactional: only committed rows are ever replayed. To show
where a page read from, replay is paused on the replica while the primary moves on.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from django.db import DatabaseError, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shanhai.accounts.models import Role, Side, User
from shanhai.core import routing
from shanhai.core.routing import PIN_COOKIE, REPLICA, replica_reads, wait_for_replica
from shanhai.indicators.models import Indicator
from shanhai.ledger.models import Direction, Level
from shanhai.ledger.tests.factories import VisitFactory, person
from shanhai.places.models import Pairing, Place
from shanhai.places.tests.factories import PairingFactory, PlaceFactory
from shanhai.reports.models import ReportJob
from shanhai.reports.services import make_annual_report

pytestmark = [
    pytest.mark.replica,
    # serialized_rollback: the flush after each test would otherwise take the indicator
    # catalogue (loaded by a migration) with it.
    pytest.mark.django_db(
        transaction=True, serialized_rollback=True, databases=["default", REPLICA]
    ),
]

CATCH_UP_SECONDS = 15  # bounded: a replica that never catches up fails the test
YEAR = 2023


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def pairing() -> Pairing:
    return PairingFactory.create(code="songjiang-weixin")


@pytest.fixture
def east_office(pairing) -> User:
    return person(pairing, Role.COOPERATION_OFFICE, Side.EAST, display_name="松江协作办")


@pytest.fixture
def west_office(pairing) -> User:
    return person(pairing, Role.COOPERATION_OFFICE, Side.WEST, display_name="威信协作办")


def caught_up() -> None:
    assert wait_for_replica(CATCH_UP_SECONDS), (
        f"the replica did not replay the primary's WAL within {CATCH_UP_SECONDS} s"
    )


@contextmanager
def replay_paused() -> Iterator[None]:
    """The replica keeps receiving WAL but applies none of it inside the block."""
    caught_up()
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


def principal_visit(pairing, recorded_by, title: str):
    """A visit that counts towards A2 (the west's leaders visiting the east)."""
    return VisitFactory.create(
        pairing=pairing,
        recorded_by=recorded_by,
        direction=Direction.WEST_TO_EAST,
        level=Level.PRINCIPAL,
        title=title,
        occurred_on=date(YEAR, 5, 12),
    )


def progress_url(pairing) -> str:
    return reverse("indicators:progress", args=[pairing.code]) + f"?year={YEAR}"


def a2(response):
    return next(v for v in response.context["progress"].values if v.indicator.code == "A2")


def queries(captured: CaptureQueriesContext) -> list[str]:
    """The SQL captured, copied now: the next request empties the connection's log."""
    return [query["sql"] for query in captured.captured_queries]


def tables(queries: list[str]) -> set[str]:
    """The tables queries read, roughly: the first table each names."""
    return {sql.split(" FROM ", 1)[1].split()[0].strip('"') for sql in queries if " FROM " in sql}


def test_a_write_on_the_primary_reaches_the_replica_once_replayed():
    with replay_paused():
        place = PlaceFactory.create(name="复制测试镇")
        assert not Place.objects.using(REPLICA).filter(pk=place.pk).exists()

    caught_up()
    assert Place.objects.using(REPLICA).get(pk=place.pk).name == "复制测试镇"


def test_the_replica_refuses_writes_and_is_never_migrated():
    place = PlaceFactory.create(name="只读测试镇")
    caught_up()

    with pytest.raises(DatabaseError, match="read-only"):
        Place.objects.using(REPLICA).filter(pk=place.pk).update(name="改名")
    with pytest.raises(DatabaseError, match="read-only"), connections[REPLICA].cursor() as cursor:
        cursor.execute("CREATE TABLE shanhai_nothing (x int)")

    assert router.db_for_write(Place) == "default"
    assert router.allow_migrate("default", "places")
    assert not router.allow_migrate(REPLICA, "places")


def test_reads_inside_a_transaction_go_to_the_primary():
    assert router.db_for_read(Place) == "default"
    with replica_reads() as on_replica:
        assert on_replica
        assert router.db_for_read(Place) == REPLICA
        with transaction.atomic():
            assert router.db_for_read(Place) == "default"
        assert router.db_for_write(Place) == "default"
    assert router.db_for_read(Place) == "default"


def test_a_dashboard_reads_from_the_replica_and_other_pages_from_the_primary(
    client, pairing, east_office, west_office
):
    principal_visit(pairing, west_office, "威信县委书记赴松江考察")
    client.force_login(east_office)

    with replay_paused():
        principal_visit(pairing, west_office, "威信县长赴松江对接")  # on the primary only
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            dashboard = client.get(progress_url(pairing))
        replica_sql, primary_sql = queries(on_replica), queries(on_primary)
        timeline = client.get(reverse("ledger:timeline", args=[pairing.code]))

    assert dashboard.status_code == 200
    assert (a2(dashboard).actual, a2(dashboard).records) == (1, 1)  # the replica's state
    assert len(replica_sql) > 20  # the whole dashboard
    # Who is asking, only: the session, and the user with their authenticator's id (a subquery).
    assert tables(primary_sql) <= {"django_session", "accounts_user", "otp_totp_totpdevice"}
    assert len(primary_sql) <= 2
    assert PIN_COOKIE not in dashboard.cookies  # reading pins no one
    assert "威信县长赴松江对接" in timeline.content.decode()  # the primary's state

    caught_up()
    assert a2(client.get(progress_url(pairing))).actual == 2


def test_a_user_who_just_saved_reads_from_the_primary_until_the_pin_expires(
    client, pairing, east_office, settings
):
    settings.SHANHAI_REPLICA_PIN_SECONDS = 2
    indicator = Indicator.objects.get(regime__code="2021", code="A2")
    targets_url = reverse("indicators:targets", args=[pairing.code, YEAR])
    client.force_login(east_office)

    with replay_paused():
        saved = client.post(targets_url, {f"i{indicator.pk}": "7"})
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            pinned = client.get(progress_url(pairing))
        time.sleep(2.2)
        unpinned = client.get(progress_url(pairing))

    assert saved.status_code == 302
    assert PIN_COOKIE in saved.cookies
    assert a2(pinned).target == 7  # what they just saved, although replay is paused
    assert len(on_replica) == 0
    assert a2(unpinned).target is None  # the window is over: the (paused) replica again


def test_an_export_reads_from_the_replica(client, pairing, east_office, west_office):
    principal_visit(pairing, west_office, "威信县委书记赴松江考察")
    client.force_login(east_office)

    with replay_paused():
        principal_visit(pairing, west_office, "威信县长赴松江对接")
        response = client.get(reverse("imports:export", args=["visits", "csv"]))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    titles = [row[rows[0].index("标题")] for row in rows[1:]]
    assert titles == ["威信县委书记赴松江考察"]


def test_a_page_falls_back_to_the_primary_when_the_replica_is_down(
    client, pairing, east_office, west_office, monkeypatch, caplog
):
    principal_visit(pairing, west_office, "威信县委书记赴松江考察")
    client.force_login(east_office)
    connections[REPLICA].close()
    monkeypatch.setitem(connections[REPLICA].settings_dict, "PORT", "1")  # no server there
    monkeypatch.setattr(routing, "_health", routing._Health())

    with caplog.at_level(logging.WARNING, logger="shanhai.core.routing"):
        first = client.get(progress_url(pairing))
        second = client.get(progress_url(pairing))
    connections[REPLICA].close()

    assert (first.status_code, a2(first).actual) == (200, 1)
    assert (second.status_code, a2(second).actual) == (200, 1)
    # One warning: the second page did not try the replica again.
    assert ["cannot be reached" in r.getMessage() for r in caplog.records].count(True) == 1


def make_report(pairing, user):
    job = ReportJob.objects.create(
        pairing=pairing, year=YEAR, first_year=YEAR, fmt="json", requested_by=user
    )
    job = make_annual_report(job_id=job.pk)
    assert job.status == ReportJob.Status.DONE, job.error
    with job.file.open("rb") as file:
        return job, json.load(file)


def report_a2(report):
    return next(row["actual"] for row in report["indicators"] if row["code"] == "A2")


def test_a_report_job_reads_from_the_replica_once_it_has_caught_up(
    pairing, east_office, west_office, settings
):
    settings.SHANHAI_REPLICA_WAIT_SECONDS = CATCH_UP_SECONDS
    principal_visit(pairing, west_office, "威信县委书记赴松江考察")

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        _job, report = make_report(pairing, east_office)

    assert report_a2(report) == "1"  # the visit just written: it waited for replay
    assert len(on_replica) > 20


def test_a_report_job_reads_from_the_primary_when_the_replica_lags(
    pairing, east_office, west_office, settings
):
    settings.SHANHAI_REPLICA_WAIT_SECONDS = 0.5

    with replay_paused():
        principal_visit(pairing, west_office, "威信县委书记赴松江考察")
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            _job, report = make_report(pairing, east_office)

    assert report_a2(report) == "1"  # the primary's state: the replica has not replayed it
    assert all("pg_last_wal_replay_lsn" in q["sql"] for q in on_replica)  # only asked how far
