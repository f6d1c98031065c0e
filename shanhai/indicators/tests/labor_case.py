"""A small labor ledger whose indicator figures are known by hand (indicators and reports use it).

Seven workers from 威信 (one of each destination class, two in Shanghai, one placed in 2022),
one organised transfer, follow-ups, and two paid subsidies. For 2023:

    F1 placed 6 · F2 of which poverty-exited 2 · F3 in the east 3 · F8 in Shanghai 2
    F4 near home 1 · F5 elsewhere (province 1 + other western province 1) 2
    F6 stable 3 months 3 (one of them placed in 2022) · F7 stable 6 months 1 · F11 12 months 0
    F9 batches 1 · F10 people on them 2 · F12 subsidies paid 1,300 元 = 0.13 万元
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shanhai.accounts.models import Side, User
from shanhai.labor import services
from shanhai.labor.models import Placement, SubsidyClaim, SubsidyRule, TransferBatch, Worker
from shanhai.labor.tests.factories import worker
from shanhai.places.models import Pairing, Place
from shanhai.places.tests.factories import PlaceFactory

EXPECTED_2023: dict[str, int | Decimal] = {
    "F1": 6, "F2": 2, "F3": 3, "F4": 1, "F5": 2, "F6": 3, "F7": 1, "F8": 2, "F9": 1, "F10": 2,
    "F11": 0, "F12": Decimal("0.13"),
}  # fmt: skip


@dataclass
class LaborCase:
    workers: list[Worker]
    placements: list[Placement]
    batch: TransferBatch


def _places() -> dict[str, Place]:
    yunnan = PlaceFactory.create(
        name="云南（例）", level=Place.Level.PROVINCE, side=Side.WEST, code="530000000000"
    )
    weixin = PlaceFactory.create(
        name="威信（例）", level=Place.Level.COUNTY, parent=yunnan, code="530629000000"
    )
    shanghai = PlaceFactory.create(
        name="上海（例）", level=Place.Level.PROVINCE, side=Side.EAST, code="310000000000"
    )
    jiangsu = PlaceFactory.create(
        name="江苏（例）", level=Place.Level.PROVINCE, side=Side.EAST, code="320000000000"
    )
    guizhou = PlaceFactory.create(
        name="贵州（例）", level=Place.Level.PROVINCE, side=Side.WEST, code="520000000000"
    )
    return {
        "home": PlaceFactory.create(name="扎西（例）", parent=weixin, code="530629101000"),
        "near_home": PlaceFactory.create(name="旧城（例）", parent=weixin, code="530629102000"),
        "province": PlaceFactory.create(
            name="昆明（例）", level=Place.Level.CITY, parent=yunnan, code="530100000000"
        ),
        "shanghai": PlaceFactory.create(
            name="松江（例）", level=Place.Level.COUNTY, parent=shanghai, code="310117000000"
        ),
        "other_east": PlaceFactory.create(
            name="苏州（例）", level=Place.Level.CITY, parent=jiangsu, code="320500000000"
        ),
        "elsewhere": PlaceFactory.create(
            name="贵阳（例）", level=Place.Level.CITY, parent=guizhou, code="520100000000"
        ),
    }


def build_labor_case(pairing: Pairing, user: User) -> LaborCase:
    """Record the case in *pairing* as *user* (who must be able to record there)."""
    places = _places()
    plan = [  # household, destination, started on, follow-ups (day, still in work)
        ("poverty_exited", "shanghai", date(2023, 1, 10),
         [(date(2023, 4, 15), True), (date(2023, 7, 12), True)]),
        ("ordinary", "shanghai", date(2023, 3, 1),
         [(date(2023, 6, 5), True), (date(2023, 8, 1), False)]),
        ("poverty_exited", "other_east", date(2023, 5, 1), []),
        ("ordinary", "province", date(2023, 2, 1), []),
        ("ordinary", "near_home", date(2023, 6, 1), []),
        ("monitored", "elsewhere", date(2023, 7, 1), []),
        ("ordinary", "shanghai", date(2022, 11, 1), [(date(2023, 2, 5), True)]),
    ]  # fmt: skip
    workers, placements = [], []
    for serial, (household, where, started_on, checks) in enumerate(plan, start=1):
        someone = worker(
            pairing, user, origin=places["home"], serial=serial, household_type=household
        )
        placement = services.record_placement(
            worker=someone,
            started_on=started_on,
            work_place=places[where],
            channel="transfer" if serial <= 2 else "self_found",
            recorded_by=user,
            employer_name=f"用工单位{serial}",
        )
        for checked_on, is_employed in checks:
            services.record_followup(
                placement=placement, checked_on=checked_on, is_employed=is_employed,
                recorded_by=user,
            )  # fmt: skip
        workers.append(someone)
        placements.append(placement)
    batch = services.record_transfer_batch(
        batch=TransferBatch(
            pairing=pairing,
            departed_on=date(2023, 1, 8),
            organiser="威信县人社局",
            transport=TransferBatch.Transport.BUS,
            destination=places["shanghai"],
        ),
        workers=workers[:2],
        recorded_by=user,
    )
    for code, kind, amount, months in (
        ("transport", SubsidyRule.Kind.TRANSPORT, 800, None),
        ("stable-3", SubsidyRule.Kind.STABLE, 500, 3),
    ):
        SubsidyRule.objects.create(
            code=code, name=code, kind=kind, amount=Decimal(amount), months=months,
            valid_from=date(2021, 1, 1),
        )  # fmt: skip
    services.compute_subsidies(pairing=pairing, user=user)
    for claim in SubsidyClaim.objects.filter(placement=placements[0]):
        for status in ("claimed", "approved"):
            services.move_claim(claim=claim, status=status, user=user)
        services.move_claim(claim=claim, status="paid", user=user, paid_on=date(2023, 9, 1))
    return LaborCase(workers=workers, placements=placements, batch=batch)
