"""Workers and placements stored in bulk (import_workers, import_placements): the same rules."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanhai.core import personal
from shanhai.core.models import AuditEvent
from shanhai.facts.selectors import rollup_differences, total
from shanhai.labor import services
from shanhai.labor.models import Destination, FollowUp, Placement, Worker
from shanhai.labor.tests.factories import id_number

pytestmark = pytest.mark.django_db


def _new(tree, serial: int, **fields) -> services.NewWorker:
    worker = Worker(pairing=tree.county, name=f"劳动力{serial}", origin=tree.west_town, **fields)
    return services.NewWorker(worker, id_number=id_number(serial), phone=f"139{serial:08d}")


def test_workers_imported_in_bulk_are_stored_encrypted_hashed_and_masked(tree, west_office):
    stored = services.import_workers(
        workers=[_new(tree, 1), _new(tree, 2)], recorded_by=west_office
    )

    first = Worker.objects.get(pk=stored[0].pk)
    assert personal.decrypt(first.id_number_encrypted) == id_number(1)
    assert first.id_number_hash == personal.lookup_hash(id_number(1))
    assert first.id_number_masked == f"{id_number(1)[:4]}**********{id_number(1)[-4:]}"
    assert first.phone_masked == "139****0001"
    assert first.birth_date == date(1990, 1, 1)
    event = AuditEvent.objects.get(action="labor.worker.imported")
    assert event.details["count"] == 2
    assert id_number(1) not in str(event.details)


def test_a_bulk_import_refuses_an_id_number_already_registered_or_given_twice(tree, west_office):
    services.import_workers(workers=[_new(tree, 1)], recorded_by=west_office)

    with pytest.raises(ValidationError):
        services.import_workers(workers=[_new(tree, 1)], recorded_by=west_office)
    with pytest.raises(ValidationError):
        services.import_workers(workers=[_new(tree, 2), _new(tree, 2)], recorded_by=west_office)
    assert Worker.objects.count() == 1


def test_only_someone_who_may_record_in_the_pairing_imports_workers(tree, outsider):
    with pytest.raises(PermissionDenied):
        services.import_workers(workers=[_new(tree, 1)], recorded_by=outsider)


def test_placements_imported_in_bulk_get_their_destination_status_and_facts(
    tree, west_office, work_places
):
    one, two = services.import_workers(
        workers=[_new(tree, 1), _new(tree, 2)], recorded_by=west_office
    )
    placements = [
        Placement(worker=one, work_place=work_places.shanghai, started_on=date(2023, 3, 1),
                  channel="transfer"),
        Placement(worker=two, work_place=work_places.kunming, started_on=date(2023, 4, 1),
                  channel="matched", ended_on=date(2023, 6, 1), end_reason="换工作"),
    ]  # fmt: skip
    checks = [
        [FollowUp(checked_on=date(2023, 6, 5), is_employed=True)],
        [FollowUp(checked_on=date(2023, 6, 1), is_employed=False)],
    ]

    services.import_placements(placements=placements, followups=checks, recorded_by=west_office)

    assert [p.destination for p in Placement.objects.order_by("started_on")] == [
        Destination.SHANGHAI,
        Destination.PROVINCE,
    ]
    assert Worker.objects.get(pk=one.pk).status == Worker.Status.PLACED
    assert Worker.objects.get(pk=two.pk).status == Worker.Status.SEEKING
    ids = [tree.county.pk]
    assert total(ids, "labor.placed", date(2023, 1, 1), date(2023, 12, 31))[0] == 2
    assert total(ids, "labor.stable_3", date(2023, 1, 1), date(2023, 12, 31))[0] == 1
    assert rollup_differences() == []


def test_a_bulk_import_refuses_a_second_job_while_the_first_is_open(tree, west_office, work_places):
    (one,) = services.import_workers(workers=[_new(tree, 1)], recorded_by=west_office)
    job = {"worker": one, "work_place": work_places.shanghai, "channel": "matched"}
    services.import_placements(
        placements=[Placement(started_on=date(2023, 3, 1), **job)], recorded_by=west_office
    )

    with pytest.raises(ValidationError):
        services.import_placements(
            placements=[Placement(started_on=date(2023, 5, 1), **job)], recorded_by=west_office
        )
    assert Placement.objects.count() == 1


def test_a_bulk_import_refuses_a_follow_up_before_the_job_started(tree, west_office, work_places):
    (one,) = services.import_workers(workers=[_new(tree, 1)], recorded_by=west_office)
    placement = Placement(
        worker=one, work_place=work_places.shanghai, channel="matched", started_on=date(2023, 5, 1)
    )

    with pytest.raises(ValidationError):
        services.import_placements(
            placements=[placement],
            followups=[[FollowUp(checked_on=date(2023, 4, 1), is_employed=True)]],
            recorded_by=west_office,
        )
    assert not Placement.objects.exists()
