"""Workers, placements and follow-ups carry the root of their pairing on every path that writes
them; an ID number is one worker, and a worker has one job at a time, in every root."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from shanhai.accounts.models import Role, Side
from shanhai.labor import services
from shanhai.labor.models import FollowUp, Placement, Worker
from shanhai.labor.tests.factories import id_number, worker
from shanhai.ledger.tests.factories import person
from shanhai.places.services import grant_role
from shanhai.places.tests.roots import misrooted

pytestmark = pytest.mark.django_db


def roots(model, **lookups):
    return set(model.objects.filter(**lookups).values_list("root", flat=True))


def new(pairing, place, serial):
    return services.NewWorker(
        Worker(pairing=pairing, name=f"劳动力{serial}", origin=place), id_number=id_number(serial)
    )


@pytest.fixture
def both_offices(tree):
    """Someone who may record in the tree's county and in the unrelated pairing elsewhere."""
    user = person(tree.county, Role.COOPERATION_OFFICE, Side.WEST)
    grant_role(user=user, pairing=tree.elsewhere, role=Role.COOPERATION_OFFICE)
    return user


def test_a_worker_registered_one_by_one_and_their_job_and_follow_up_carry_the_county(
    tree, west_office, work_places
):
    one = worker(tree.town, west_office, origin=tree.west_town)
    placement = services.record_placement(
        worker=one,
        started_on=date(2023, 3, 1),
        work_place=work_places.shanghai,
        channel="matched",
        recorded_by=west_office,
    )
    services.record_followup(
        placement=placement, checked_on=date(2023, 6, 1), is_employed=True, recorded_by=west_office
    )

    assert roots(Worker, pk=one.pk) == {tree.county.pk}
    assert roots(Placement, pk=placement.pk) == {tree.county.pk}
    assert roots(FollowUp, placement=placement) == {tree.county.pk}
    assert misrooted() == {}


def test_workers_jobs_and_follow_ups_imported_in_bulk_carry_their_root(
    tree, west_office, work_places
):
    in_town, in_county = services.import_workers(
        workers=[new(tree.town, tree.west_town, 1), new(tree.county, tree.west_town, 2)],
        recorded_by=west_office,
    )
    services.import_placements(
        placements=[
            Placement(worker=person, work_place=work_places.shanghai,
                      started_on=date(2023, 3, 1), channel="transfer")
            for person in (in_town, in_county)
        ],
        followups=[[FollowUp(checked_on=date(2023, 6, 5), is_employed=True)]] * 2,
        recorded_by=west_office,
    )  # fmt: skip

    assert roots(Worker) == roots(Placement) == roots(FollowUp) == {tree.county.pk}
    assert misrooted() == {}


def test_an_id_number_registered_in_another_root_is_refused_one_by_one_and_in_bulk(
    tree, west_office, both_offices
):
    worker(tree.town, west_office, origin=tree.west_town, serial=1)

    with pytest.raises(ValidationError):
        worker(tree.elsewhere, both_offices, origin=tree.west_town, serial=1)
    with pytest.raises(ValidationError):
        services.import_workers(
            workers=[new(tree.elsewhere, tree.west_town, 1)], recorded_by=both_offices
        )
    assert Worker.objects.count() == 1


def test_a_worker_in_work_who_moved_to_another_root_cannot_start_a_second_job(
    tree, west_office, both_offices, work_places
):
    one = worker(tree.town, west_office, origin=tree.west_town)
    job = {"work_place": work_places.shanghai, "channel": "matched", "recorded_by": both_offices}
    services.record_placement(worker=one, started_on=date(2023, 3, 1), **job)
    moved = services.register_worker(
        existing=one, pairing=tree.elsewhere, name=one.name, origin=one.origin,
        recorded_by=both_offices,
    )  # fmt: skip
    assert moved.root_id == tree.elsewhere.pk

    with pytest.raises(ValidationError):
        services.record_placement(worker=moved, started_on=date(2023, 5, 1), **job)
    with pytest.raises(ValidationError):
        services.import_placements(
            placements=[
                Placement(worker=moved, work_place=work_places.shanghai,
                          started_on=date(2023, 5, 1), channel="matched")
            ],
            recorded_by=both_offices,
        )  # fmt: skip
    assert Placement.objects.count() == 1
