"""Workers' personal data, placements, follow-ups, milestones and subsidies."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from shanhai.accounts.models import Role, Side
from shanhai.core import personal
from shanhai.core.models import AuditEvent
from shanhai.facts.models import Rollup
from shanhai.labor import services
from shanhai.labor.models import Destination, Placement, SubsidyClaim, SubsidyRule, Worker
from shanhai.labor.selectors import due_followups
from shanhai.labor.tests.factories import id_number, worker
from shanhai.ledger.tests.factories import person

pytestmark = pytest.mark.django_db


def test_a_workers_id_number_and_phone_are_stored_encrypted_and_shown_masked(tree, west_office):
    someone = worker(tree.county, west_office, origin=tree.west_town, serial=7)
    stored = Worker.objects.get(pk=someone.pk)

    number = id_number(7)
    assert number not in stored.id_number_encrypted
    assert stored.id_number_masked == f"{number[:4]}**********{number[-4:]}"
    assert stored.phone_masked == "138****0007"
    assert personal.decrypt(stored.id_number_encrypted) == number
    assert stored.birth_date == date(1990, 1, 1)
    assert stored.sex == "male"  # 007: the 17th digit is odd
    assert not AuditEvent.objects.filter(details__icontains=number).exists()


def test_the_same_id_number_registers_one_worker_only(tree, west_office):
    worker(tree.county, west_office, origin=tree.west_town, serial=7)

    with pytest.raises(ValidationError) as refused:
        worker(tree.county, west_office, origin=tree.west_town, serial=7, name="另一个人")
    assert refused.value.message_dict == {"id_number": ["已登记此身份证号的劳动力。"]}
    assert Worker.objects.count() == 1


def test_seeing_personal_data_needs_the_role_and_a_reason_and_is_logged(tree, west_office):
    someone = worker(tree.county, west_office, origin=tree.west_town, serial=7)
    viewer = person(tree.county, Role.VIEWER, Side.WEST)

    with pytest.raises(PermissionDenied):
        services.reveal_personal_data(worker=someone, user=viewer, reason="核对")
    with pytest.raises(ValidationError):
        services.reveal_personal_data(worker=someone, user=west_office, reason=" ")
    shown = services.reveal_personal_data(worker=someone, user=west_office, reason="发放补贴核对")

    assert shown == {"id_number": id_number(7), "phone": "13800000007"}
    event = AuditEvent.objects.get(action="labor.worker.unmasked")
    assert (event.actor, event.details) == (west_office, {"reason": "发放补贴核对"})


def test_deleting_a_worker_on_request_keeps_the_anonymous_counts(tree, west_office, work_places):
    someone = worker(tree.county, west_office, origin=tree.west_town, serial=7)
    services.record_placement(
        worker=someone,
        started_on=date(2023, 3, 1),
        work_place=work_places.shanghai,
        channel="transfer",
        recorded_by=west_office,
    )

    services.anonymise_worker(worker=someone, user=west_office, reason="本人申请删除")

    gone = Worker.objects.get(pk=someone.pk)
    assert (gone.id_number_encrypted, gone.phone_encrypted, gone.id_number_hash) == ("", "", "")
    assert gone.name != "劳动力7"
    assert Rollup.objects.get(metric="labor.placed").count == 1


def test_keys_rotate_without_losing_data(tree, west_office, settings):
    someone = worker(tree.county, west_office, origin=tree.west_town, serial=7)
    old_token = Worker.objects.get(pk=someone.pk).id_number_encrypted
    new_keys = [settings.PERSONAL_DATA_SPARE_KEY, *settings.PERSONAL_DATA_KEYS]

    with override_settings(PERSONAL_DATA_KEYS=new_keys):
        personal.reset_keys()
        assert services.rotate_personal_data_keys() == 1
        token = Worker.objects.get(pk=someone.pk).id_number_encrypted
        with override_settings(PERSONAL_DATA_KEYS=new_keys[:1]):
            personal.reset_keys()
            assert personal.decrypt(token) == id_number(7)  # the new key alone opens it
    personal.reset_keys()
    assert token != old_token


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("shanghai", Destination.SHANGHAI),
        ("suzhou", Destination.OTHER_EAST),
        ("kunming", Destination.PROVINCE),
        ("county_town", Destination.NEAR_HOME),
    ],
)
def test_the_destination_class_follows_from_home_and_work(
    tree, west_office, work_places, where, expected
):
    someone = worker(tree.county, west_office, origin=tree.west_town, serial=7)

    placement = services.record_placement(
        worker=someone,
        started_on=date(2023, 3, 1),
        work_place=getattr(work_places, where),
        channel="self_found",
        recorded_by=west_office,
    )

    assert placement.destination == expected
    assert Worker.objects.get(pk=someone.pk).status == Worker.Status.PLACED


def test_a_worker_is_in_one_job_at_a_time(tree, west_office, work_places):
    someone = worker(tree.county, west_office, origin=tree.west_town, serial=7)
    place = {"work_place": work_places.shanghai, "channel": "transfer", "recorded_by": west_office}
    services.record_placement(worker=someone, started_on=date(2023, 3, 1), **place)

    with pytest.raises(ValidationError):
        services.record_placement(worker=someone, started_on=date(2023, 4, 1), **place)


def test_milestones_count_when_a_follow_up_confirms_them(tree, west_office, work_places):
    someone = worker(tree.county, west_office, origin=tree.west_town, serial=7)
    placement = services.record_placement(
        worker=someone,
        started_on=date(2023, 1, 31),
        work_place=work_places.shanghai,
        channel="transfer",
        recorded_by=west_office,
    )

    due = due_followups(west_office, pairing=tree.county, today=date(2023, 4, 25))
    assert [(d.placement, d.months, d.due_on) for d in due] == [(placement, 3, date(2023, 4, 30))]

    services.record_followup(
        placement=placement, checked_on=date(2023, 5, 2), is_employed=True, recorded_by=west_office
    )

    assert Rollup.objects.get(metric="labor.stable_3").month == date(2023, 4, 1)
    assert not Rollup.objects.filter(metric="labor.stable_6").exists()
    assert due_followups(west_office, pairing=tree.county, today=date(2023, 5, 3)) == []


def test_a_follow_up_finding_the_worker_out_of_work_ends_the_placement(
    tree, west_office, work_places
):
    someone = worker(tree.county, west_office, origin=tree.west_town, serial=7)
    placement = services.record_placement(
        worker=someone,
        started_on=date(2023, 1, 1),
        work_place=work_places.shanghai,
        channel="transfer",
        recorded_by=west_office,
    )

    services.record_followup(
        placement=placement, checked_on=date(2023, 2, 1), is_employed=False, recorded_by=west_office
    )

    placement.refresh_from_db()
    assert placement.ended_on == date(2023, 2, 1)
    assert Worker.objects.get(pk=someone.pk).status == Worker.Status.SEEKING


def test_subsidies_follow_the_rules_and_are_paid_once(tree, west_office, work_places):
    SubsidyRule.objects.create(
        code="stable-3", name="稳岗3个月", kind="stable", amount=Decimal(500), months=3,
        valid_from=date(2021, 1, 1),
    )  # fmt: skip
    SubsidyRule.objects.create(
        code="transport", name="跨省交通补贴", kind="transport", amount=Decimal(800),
        household_types=["poverty_exited"], valid_from=date(2021, 1, 1),
    )  # fmt: skip
    poor = worker(tree.county, west_office, origin=tree.west_town, serial=1,
                  household_type="poverty_exited")  # fmt: skip
    other = worker(tree.county, west_office, origin=tree.west_town, serial=2)
    place = {"work_place": work_places.shanghai, "channel": "transfer", "recorded_by": west_office}
    first = services.record_placement(worker=poor, started_on=date(2023, 1, 1), **place)
    services.record_placement(worker=other, started_on=date(2023, 1, 1), **place)
    services.record_followup(
        placement=first, checked_on=date(2023, 4, 3), is_employed=True, recorded_by=west_office
    )

    assert services.compute_subsidies(pairing=tree.county, user=west_office) == 2
    assert services.compute_subsidies(pairing=tree.county, user=west_office) == 0
    claims = {c.rule.code: c for c in SubsidyClaim.objects.filter(placement=first)}
    assert set(claims) == {"stable-3", "transport"}
    assert not SubsidyClaim.objects.filter(placement__worker=other).exists()

    claim = claims["transport"]
    for status in ("claimed", "approved"):
        services.move_claim(claim=claim, status=status, user=west_office)
    services.move_claim(claim=claim, status="paid", user=west_office, paid_on=date(2023, 5, 1))
    assert Rollup.objects.get(metric="labor.subsidy_paid").total == Decimal(800)
    with pytest.raises(ValidationError):
        services.move_claim(claim=claim, status="claimed", user=west_office)


def test_placements_feed_the_indicator_facts(tree, west_office, work_places):
    poor = worker(tree.county, west_office, origin=tree.west_town, serial=1,
                  household_type="poverty_exited")  # fmt: skip
    services.record_placement(
        worker=poor, started_on=date(2023, 6, 5), work_place=work_places.shanghai,
        channel="transfer", recorded_by=west_office,
    )  # fmt: skip

    rollup = Rollup.objects.get(metric="labor.placed")
    assert (rollup.pairing, rollup.month, rollup.category, rollup.subcategory) == (
        tree.county,
        date(2023, 6, 1),
        "shanghai",
        "poverty_exited",
    )
    assert Placement.objects.count() == 1


def test_the_rotate_command_re_encrypts_with_the_newest_key(tree, west_office, settings):
    import io

    from django.core.management import call_command

    someone = worker(tree.county, west_office, origin=tree.west_town, serial=7)
    with override_settings(
        PERSONAL_DATA_KEYS=[settings.PERSONAL_DATA_SPARE_KEY, *settings.PERSONAL_DATA_KEYS]
    ):
        personal.reset_keys()
        out = io.StringIO()
        call_command("personal_data", "rotate", stdout=out)
        token = Worker.objects.get(pk=someone.pk).phone_encrypted
    with override_settings(PERSONAL_DATA_KEYS=[settings.PERSONAL_DATA_SPARE_KEY]):
        personal.reset_keys()
        assert personal.decrypt(token) == "13800000007"
    personal.reset_keys()
    assert "1 workers" in out.getvalue()


def test_personal_data_past_the_retention_period_is_deleted_and_the_counts_stay(
    tree, west_office, work_places
):
    import io
    from datetime import datetime

    from django.core.management import call_command

    def placed(serial: int, started: date, ended: date | None) -> Worker:
        someone = worker(tree.county, west_office, origin=tree.west_town, serial=serial)
        placement = services.record_placement(
            worker=someone,
            started_on=started,
            work_place=work_places.shanghai,
            channel="transfer",
            recorded_by=west_office,
        )
        if ended:
            services.end_placement(
                placement=placement, ended_on=ended, reason="合同期满", user=west_office
            )
        return someone

    gone = placed(1, date(2018, 3, 1), date(2019, 6, 30))  # no job since mid-2019
    working = placed(2, date(2018, 3, 1), None)  # still in the job it took in 2018
    recent = placed(3, date(2018, 3, 1), date(2019, 6, 30))  # …but registered last year
    long_ago = datetime(2018, 2, 1, tzinfo=UTC)
    Worker.objects.filter(pk__in=[gone.pk, working.pk]).update(created_at=long_ago)
    Worker.objects.filter(pk=recent.pk).update(created_at=datetime(2025, 5, 1, tzinfo=UTC))
    out = io.StringIO()

    call_command("personal_data", "expire", "--years", "5", "--dry-run", stdout=out)
    assert out.getvalue().startswith("1 workers")
    assert Worker.objects.filter(anonymised_at__isnull=False).count() == 0
    call_command("personal_data", "expire", "--years", "5", stdout=out)

    expired = Worker.objects.get(pk=gone.pk)
    assert (expired.id_number_encrypted, expired.phone_encrypted, expired.id_number_hash) == (
        "",
        "",
        "",
    )
    assert expired.anonymised_at is not None
    assert Worker.objects.get(pk=working.pk).id_number_hash != ""
    assert Worker.objects.get(pk=recent.pk).id_number_hash != ""
    assert Placement.objects.filter(worker=gone).count() == 1  # the count it made stays
    event = AuditEvent.objects.get(action="labor.worker.expired")
    assert event.target_id == str(gone.pk)
