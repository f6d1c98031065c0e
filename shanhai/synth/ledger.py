"""The cooperation ledger at scale: records of every kind, written as an import writes them.

Records are made a part of the tree and a year at a time and stored with
ledger.services.import_records (one call per kind and side, so the side that did the work
records it), which adds their facts and moves the rollups once per cell. Aid projects get their
money through record_fund_transaction, as an office records a commitment and a disbursement.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate

from django.db import transaction

from shanhai.accounts.models import Side, User
from shanhai.ledger.models import (
    KIND_MODELS,
    Agreement,
    AidProject,
    BenefitMechanism,
    Direction,
    Donation,
    FundAllocation,
    FundTransaction,
    IndustryCooperation,
    Level,
    Meeting,
    Record,
    SalesEvent,
    Sector,
    TalentExchange,
    Training,
    Visit,
)
from shanhai.ledger.services import import_records, record_fund_transaction
from shanhai.places.models import Pairing
from shanhai.synth import shapes
from shanhai.synth.world import Unit, World, WorldPlan

# Kinds that belong to a county (or province) pairing itself, not to the pairings below it.
MAIN_KINDS = {"agreement", "funds", "project", "meeting"}
# Work slows down over the Spring Festival and in midsummer.
ACTIVITY_MONTHS = list(accumulate((8, 4, 11, 12, 12, 10, 8, 8, 11, 12, 12, 10)))
TOPICS = ("产业协作", "劳务协作", "消费帮扶", "乡村振兴示范村建设", "教育帮扶", "医疗帮扶")
TITLES = ("区委书记", "区长", "副区长", "县委书记", "县长", "副县长", "局长", "镇长")
ANNUAL_KINDS = (
    Agreement.AgreementKind.ANNUAL,
    Agreement.AgreementKind.WORK_POINTS,
    Agreement.AgreementKind.PLAN,
    Agreement.AgreementKind.COOPERATION,
)


def plan_records(plan: WorldPlan, rates: Mapping[str, float]) -> dict[str, list[int]]:
    """Records a year of each kind in each unit of the tree (the same every year)."""
    pairings = len(plan.pairings)
    sizes = [len(unit.pairings) for unit in plan.units]
    return {kind: shapes.apportion(round(rate * pairings), sizes) for kind, rate in rates.items()}


def _day(draw: random.Random, year: int) -> date:
    month = draw.choices(range(1, 13), cum_weights=ACTIVITY_MONTHS)[0]
    return shapes.day_in(draw, year, month)


def _money(draw: random.Random, low: int, high: int) -> Decimal:
    """Whole ten-thousands of yuan between *low* and *high* 万元."""
    return Decimal(draw.randrange(low, high + 1) * 10_000)


def make_record(kind: str, draw: random.Random, pairing: Pairing, year: int) -> tuple[Record, str]:
    """An unsaved record of *kind* and the side that records it."""
    on = _day(draw, year)
    east, west = pairing.east_place.name, pairing.west_place.name
    topic = draw.choice(TOPICS)
    common = {"pairing": pairing, "occurred_on": on, "is_illustrative": True}
    side = Side.EAST
    record: Record
    match kind:
        case "visit":
            eastward = draw.random() < 0.45
            side = Side.WEST if eastward else Side.EAST
            level = draw.choices(list(Level.values), (1, 2, 4, 3, 1))[0]
            record = Visit(
                **common,
                title=f"{west if eastward else east}考察团赴{east if eastward else west}"
                f"考察{topic}",
                direction=Direction.WEST_TO_EAST if eastward else Direction.EAST_TO_WEST,
                level=level,
                leader_name=shapes.person_name(draw, male=draw.random() < 0.7),
                leader_title=draw.choice(TITLES),
                member_count=draw.randrange(3, 26),
                purpose=f"围绕{topic}开展考察调研。",
            )
        case "meeting":
            side = draw.choice((Side.EAST, Side.WEST))
            record = Meeting(
                **common,
                title=f"{east}—{west}东西部协作{draw.choice(('座谈会', '联席会议', '推进会'))}",
                meeting_kind=draw.choice(list(Meeting.MeetingKind.values)),
                level=draw.choices((Level.PRINCIPAL, Level.DEPUTY, Level.DEPARTMENT), (1, 2, 3))[0],
                attendee_count=draw.randrange(8, 60),
                decisions=f"商定下一步{topic}重点工作。",
            )
        case "agreement":
            record = Agreement(
                **common,
                title=f"{year}年{east}—{west}{topic}协议",
                agreement_kind=draw.choice(ANNUAL_KINDS),
                period_start=date(year, 1, 1),
                period_end=date(year, 12, 31),
            )
        case "funds":
            record = FundAllocation(
                **common,
                title=f"{year}年财政援助资金（{on.month}月拨付）",
                year=year,
                amount=_money(draw, 200, 3000),
            )
        case "project":
            side = Side.WEST
            households = draw.randrange(50, 800)
            record = AidProject(
                **common,
                title=f"{west}{draw.choice(('产业园', '示范村', '冷链仓储', '学校', '卫生院'))}"
                f"援建项目",
                sector=draw.choice(list(Sector.values)),
                budget_amount=_money(draw, 50, 2000),
                project_status=draw.choice(("underway", "underway", "completed", "planned")),
                progress_percent=draw.randrange(0, 101),
                households=households,
                people=households * 3,
                poverty_exited_households=households * 2 // 5,
                benefit_mechanisms=draw.sample(list(BenefitMechanism.values), 2),
            )
        case "donation":
            goods = draw.random() < 0.4
            record = Donation(
                **common,
                title=f"{east}爱心捐赠{'物资' if goods else '资金'}",
                direction=Direction.EAST_TO_WEST,
                donation_kind="goods" if goods else "money",
                donor_name=f"{east}某爱心企业（合成）",
                value_amount=_money(draw, 1, 200),
                items="学习用品、生活物资" if goods else "",
                quantity=Decimal(draw.randrange(10, 500)) if goods else None,
                unit="件" if goods else "",
            )
        case "talent":
            eastward = draw.random() < 0.3
            side = Side.WEST if eastward else Side.EAST
            record = TalentExchange(
                **common,
                title=f"{'西部' if eastward else '东部'}干部人才交流（{topic}）",
                direction=Direction.WEST_TO_EAST if eastward else Direction.EAST_TO_WEST,
                form=draw.choice(list(TalentExchange.Form.values)),
                sector=draw.choice(list(Sector.values)),
                headcount=draw.randrange(1, 21),
            )
        case "training":
            side = Side.WEST
            sessions = draw.randrange(1, 6)
            record = Training(
                **common,
                title=f"{west}{topic}培训班",
                direction=Direction.EAST_TO_WEST,
                topic=topic,
                sessions=sessions,
                person_times=sessions * draw.randrange(20, 120),
            )
        case "industry":
            side = Side.WEST
            agreed = _money(draw, 100, 5000)
            record = IndustryCooperation(
                **common,
                title=f"引进东部企业落地{west}",
                cooperation_kind=draw.choice(list(IndustryCooperation.CooperationKind.values)),
                investment_agreed_amount=agreed,
                investment_in_place_amount=(agreed * draw.randrange(20, 101) / 100).quantize(
                    Decimal(1)
                ),
                jobs_created=draw.randrange(5, 300),
                poverty_exited_employed=draw.randrange(0, 60),
            )
        case "sales_event":
            record = SalesEvent(
                **common,
                title=f"{west}农特产品{draw.choice(('直播带货', '展销会', '推介会'))}",
                event_kind=draw.choice(list(SalesEvent.EventKind.values)),
                sales_amount=_money(draw, 1, 300),
            )
        case _:
            raise ValueError(f"no synthetic records of kind {kind!r}")
    return record, side


def write_records(
    unit: Unit,
    year: int,
    counts: Mapping[str, int],
    world: World,
    *,
    seed: int,
) -> int:
    """Store one unit's records of *year* unless they are there; return how many were stored."""
    pairing_ids = [world.pairings[code].pk for code in unit.pairings]
    stored = Record.objects.filter(
        source=world.source, pairing_id__in=pairing_ids, occurred_on__year=year
    )
    if stored.exists():
        return 0
    draw = shapes.rng(seed, "records", unit.main, year)
    main = world.pairings[unit.main]
    pairings = [world.pairings[code] for code in unit.pairings]
    weights = list(accumulate(3 if p == main else 1 for p in pairings))
    written = 0
    with transaction.atomic():
        for kind in KIND_MODELS:
            made: dict[str, list[Record]] = {Side.EAST: [], Side.WEST: []}
            for _ in range(counts.get(kind, 0)):
                pairing = (
                    main if kind in MAIN_KINDS else draw.choices(pairings, cum_weights=weights)[0]
                )
                record, side = make_record(kind, draw, pairing, year)
                made[side].append(record)
            for side, records in made.items():
                if not records:
                    continue
                office = world.office(unit.root, side)
                import_records(records=records, recorded_by=office, side=side, source=world.source)
                written += len(records)
                for record in records:
                    if isinstance(record, AidProject):
                        _fund(record, draw, office)
    return written


def _fund(project: AidProject, draw: random.Random, office: User) -> None:
    """A commitment of the budget, and a disbursement of most of it later in the year."""
    budget = project.budget_amount or Decimal(0)
    if not budget:
        return
    record_fund_transaction(
        project=project,
        transaction_kind=FundTransaction.TransactionKind.COMMITMENT,
        transacted_on=project.occurred_on,
        amount=budget,
        recorded_by=office,
    )
    paid_on = project.occurred_on + timedelta(days=draw.randrange(20, 150))
    if paid_on.year == project.occurred_on.year:
        record_fund_transaction(
            project=project,
            transaction_kind=FundTransaction.TransactionKind.DISBURSEMENT,
            transacted_on=paid_on,
            amount=(budget * draw.randrange(40, 91) / 100).quantize(Decimal("0.01")),
            recorded_by=office,
        )
