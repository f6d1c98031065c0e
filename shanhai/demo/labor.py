"""The Songjiang–Weixin story, part 3: labor cooperation (劳务协作).

The seed article (2023-08-20) says Weixin's HR bureau sent work teams to Songjiang and
"有组织向上海转移输出劳动力上千人". The people behind that figure are not public, so every
worker, batch, employer, job and follow-up here is made up and flagged illustrative: over a
thousand workers leave for Songjiang in fourteen organised batches from 2021 to August 2023,
a hundred or so others find work elsewhere, follow-ups confirm who is still in work at 3, 6 and
12 months, and the county's subsidy rules (as data) turn that into claims, most paid. The
transfers cite the article (its figure is what they illustrate); the rest cites the
illustrative source.

Workers are made with generated but valid ID numbers of 威信县 (530629) and made-up names,
their personal data encrypted through core.personal as the services store it. Workers,
placements, follow-ups and claims are bulk-written (a thousand service calls would make
`make demo` slow); their facts are computed by the labor module's own functions and added in
one go, so `shanhai rollups verify` holds. Batches and postings go through the services. Loading
again changes nothing: the demo's batches being there means the rest is too.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from shanhai.accounts.models import User
from shanhai.core import personal
from shanhai.core.models import Source
from shanhai.core.services import record_audit_event
from shanhai.facts.services import add_facts
from shanhai.labor import facts
from shanhai.labor.models import (
    FollowUp,
    HouseholdType,
    Placement,
    Posting,
    SubsidyClaim,
    SubsidyRule,
    TransferBatch,
    Willingness,
    Worker,
)
from shanhai.labor.rules import add_months, birth_date_and_sex, destination
from shanhai.labor.selectors import batches_for_user, confirmed_months
from shanhai.labor.services import eligible_on, post_job, record_transfer_batch
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.selectors import get_pairing_for_user, search_places
from shanhai.places.services import register_organisation, register_place

from .places import ARTICLE

MADE_UP = "illustrative-demo"
PAIRING = "songjiang-weixin-hr"  # the two HR bureaus' department pairing
LEDGER_ENDS = date(2023, 12, 31)  # follow-ups and payments stop where the demo's story does
PLAN = "《2023年人力资源和社会保障对口劳务协作计划》"
PLAN_SIGNED = date(2023, 6, 28)
HR_BUREAU = "威信县人力资源和社会保障局"
SEED = 20230820

# (departed on, people, transport): the organised transfers to Songjiang, 1,040 people.
BATCHES: list[tuple[date, int, str]] = [
    (date(2021, 2, 25), 90, TransferBatch.Transport.BUS),
    (date(2021, 3, 10), 80, TransferBatch.Transport.TRAIN),
    (date(2021, 7, 15), 60, TransferBatch.Transport.BUS),
    (date(2021, 10, 20), 50, TransferBatch.Transport.TRAIN),
    (date(2022, 2, 14), 100, TransferBatch.Transport.BUS),
    (date(2022, 3, 5), 85, TransferBatch.Transport.TRAIN),
    (date(2022, 6, 20), 60, TransferBatch.Transport.BUS),
    (date(2022, 9, 8), 55, TransferBatch.Transport.TRAIN),
    (date(2022, 11, 16), 40, TransferBatch.Transport.BUS),
    (date(2023, 1, 31), 110, TransferBatch.Transport.BUS),
    (date(2023, 2, 20), 95, TransferBatch.Transport.TRAIN),
    (date(2023, 3, 15), 80, TransferBatch.Transport.BUS),
    (date(2023, 7, 6), 70, TransferBatch.Transport.BUS),
    (date(2023, 8, 10), 65, TransferBatch.Transport.TRAIN),
]

FACTORY, LOGISTICS = Posting.Industry.MANUFACTURING, Posting.Industry.LOGISTICS
SERVICES, CATERING = Posting.Industry.SERVICES, Posting.Industry.CATERING
BUILDING = Posting.Industry.CONSTRUCTION

# Employers in Songjiang (made up): (name, town, industry, wage from, wage to, job).
SONGJIANG_EMPLOYERS = [
    ("松江某电子科技企业（示意）", "车墩镇", FACTORY, 5200, 6800, "电子装配工"),
    ("松江某汽车零部件企业（示意）", "新桥镇", FACTORY, 5500, 7200, "普工"),
    ("松江某物流企业（示意）", "九亭镇", LOGISTICS, 5000, 7000, "分拣员"),
    ("松江某食品企业（示意）", "小昆山镇", FACTORY, 4800, 6000, "包装工"),
    ("松江某物业服务企业（示意）", "泗泾镇", SERVICES, 4500, 5500, "保洁员"),
    ("松江某酒店（示意）", "洞泾镇", CATERING, 4600, 6000, "厨房帮工"),
]

# The others, who found work themselves or at job fairs: (destination place, employer, people,
# industry, wage from, wage to, channel).
ELSEWHERE = [
    ("苏州市", "苏州某电子企业（示意）", 28, FACTORY, 5000, 6500, "self_found"),
    ("宁波市", "宁波某服装企业（示意）", 14, FACTORY, 4800, 6000, "job_fair"),
    ("昆明市", "昆明某物流企业（示意）", 24, LOGISTICS, 3800, 4800, "job_fair"),
    ("长安镇", "长安镇就业帮扶车间（示意）", 46, FACTORY, 2400, 3000, "matched"),
    ("毕节市", "毕节某建筑企业（示意）", 8, BUILDING, 4500, 6000, "self_found"),
]
SEEKING = 40  # registered, not yet placed

# Places the workers go to that the spine does not have yet (division codes, NBS).
NEW_PLACES = [  # (name, level, parent name or None, code, side)
    ("江苏省", Place.Level.PROVINCE, None, "320000000000", "east"),
    ("苏州市", Place.Level.CITY, "江苏省", "320500000000", ""),
    ("浙江省", Place.Level.PROVINCE, None, "330000000000", "east"),
    ("宁波市", Place.Level.CITY, "浙江省", "330200000000", ""),
    ("昆明市", Place.Level.CITY, "云南省", "530100000000", ""),
    ("贵州省", Place.Level.PROVINCE, None, "520000000000", "west"),
    ("毕节市", Place.Level.CITY, "贵州省", "520500000000", ""),
]

TOWNSHIPS = [  # 威信县's townships, weighted roughly by people
    ("扎西镇", 18), ("旧城镇", 12), ("罗布镇", 9), ("麟凤镇", 10), ("长安镇", 9), ("庙沟镇", 8),
    ("水田镇", 9), ("双河苗族彝族乡", 10), ("高田乡", 8), ("三桃乡", 7),
]  # fmt: skip

SUBSIDY_RULES = [  # (code, name, kind, yuan, months, destinations, households)
    ("weixin-transport", "跨省务工一次性交通补贴", SubsidyRule.Kind.TRANSPORT, 800, None,
     ["shanghai", "other_east"], []),
    ("weixin-stable-3", "稳定就业3个月补贴", SubsidyRule.Kind.STABLE, 500, 3, [], []),
    ("weixin-stable-6", "稳定就业6个月补贴", SubsidyRule.Kind.STABLE, 1000, 6, [], []),
    ("weixin-stable-12", "稳定就业12个月补贴", SubsidyRule.Kind.STABLE, 2000, 12, [], []),
    ("weixin-job-seeking", "脱贫劳动力一次性求职补贴", SubsidyRule.Kind.JOB_SEEKING, 300, None,
     [], ["poverty_exited", "monitored"]),
]  # fmt: skip

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
    "雷钱汤尹黎易常武乔贺赖龚文"
)
MALE = "明华强军平伟勇刚建国志斌超磊鹏飞龙涛海波成林松文武春德顺福贵发兴"
FEMALE = "芳秀英兰玉梅丽娟霞琴燕萍红艳琳敏静婷雪莲凤珍翠菊花云慧"
SKILLS = ["电子装配", "叉车", "电焊", "烹饪", "家政服务", "砌筑", "缝纫", "", "", "", ""]
LEAVING = ["返乡照顾家人", "换工作", "合同期满", "身体原因", "返乡务农"]

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(area: str, born: date, serial: int) -> str:
    """A resident ID number with its check digit (GB 11643)."""
    body = f"{area}{born:%Y%m%d}{serial:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


@dataclass(frozen=True)
class LaborSummary:
    """What loading the labor demo did, and what it holds."""

    created: bool
    workers: int
    placements: int
    batches: int


class _Maker:
    """Makes the people, with one random generator so every load makes the same ones."""

    def __init__(self) -> None:
        self.random = random.Random(SEED)  # noqa: S311 (made-up people, not secrets)
        self.numbers: set[str] = set()

    def name(self, male: bool) -> str:
        given = MALE if male else FEMALE
        size = self.random.choice((1, 2, 2))
        return self.random.choice(SURNAMES) + "".join(self.random.choices(given, k=size))

    def id_number(self, male: bool) -> str:
        """A Weixin ID number not made before; serials 600–999 keep clear of the tests' own."""
        while True:
            born = date(1968, 1, 1) + timedelta(days=self.random.randrange(35 * 365))
            serial = self.random.randrange(300, 500) * 2 + (1 if male else 0)
            number = _id_number("530629", born, serial)
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def household(self) -> str:
        roll = self.random.random()
        if roll < 0.45:
            return HouseholdType.POVERTY_EXITED
        return HouseholdType.MONITORED if roll < 0.5 else HouseholdType.ORDINARY


class _Demo:
    def __init__(self, users: Sequence[User]) -> None:
        by_name = {user.username: user for user in users}
        self.admin, self.office = by_name["admin"], by_name["renshe"]
        self.pairing: Pairing = get_pairing_for_user(self.admin, PAIRING)
        self.sources = {key: Source.objects.get(key=key) for key in (ARTICLE, MADE_UP)}
        self.maker = _Maker()
        self.places: dict[str, Place] = {}
        self.workers: list[Worker] = []
        self.placements: list[Placement] = []
        self.batch_members: list[list[Worker]] = []

    # --- the spine: places, employers, postings, rules -----------------------------------

    def place(self, name: str) -> Place:
        if name not in self.places:
            self.places[name] = search_places(name).get(name=name)
        return self.places[name]

    def add_places(self) -> None:
        codes = Source.objects.get(key="nbs-division-codes")
        for name, level, parent, code, side in NEW_PLACES:
            self.places[name] = register_place(
                name=name,
                level=level,
                parent=self.place(parent) if parent else None,
                code=code,
                side=side or None,
                source=codes,
            )

    def employer(self, name: str, where: str) -> Organisation:
        return register_organisation(
            name=name,
            kind=Organisation.Kind.ENTERPRISE,
            place=self.place(where),
            description="演示数据：为展示劳务协作而设的用工单位，并非真实企业。",
            is_illustrative=True,
            source=self.sources[MADE_UP],
        )

    def postings(self) -> dict[tuple[str, int], Posting]:
        """One posting a year per employer, open all year, as the demo's jobs."""
        postings: dict[tuple[str, int], Posting] = {}
        employers = [(n, t, i, lo, hi, job) for n, t, i, lo, hi, job in SONGJIANG_EMPLOYERS]
        employers += [(n, w, i, lo, hi, "普工") for w, n, _p, i, lo, hi, _c in ELSEWHERE]
        for name, where, industry, low, high, job in employers:
            organisation = self.employer(name, where)
            for year in (2021, 2022, 2023):
                posting = Posting(
                    pairing=self.pairing,
                    employer=organisation,
                    title=job,
                    industry=industry,
                    work_place=self.place(where),
                    headcount=150 if "松江" in name else 30,
                    wage_min=low,
                    wage_max=high,
                    hours="8小时，两班倒"
                    if industry == Posting.Industry.MANUFACTURING
                    else "8小时",
                    has_housing=where != "长安镇",
                    has_meals=True,
                    is_love_post="帮扶车间" in name,
                    valid_from=date(year, 1, 1),
                    valid_to=date(year, 12, 31),
                    contact="人事部（示意）",
                    is_illustrative=True,
                )
                postings[(name, year)] = post_job(posting=posting, posted_by=self.office)
        return postings

    def rules(self) -> list[SubsidyRule]:
        rules = []
        for code, name, kind, amount, months, destinations, households in SUBSIDY_RULES:
            rule, _created = SubsidyRule.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "kind": kind,
                    "amount": Decimal(amount),
                    "months": months,
                    "destinations": destinations,
                    "household_types": households,
                    "valid_from": date(2021, 1, 1),
                },
            )
            rules.append(rule)
        return rules

    # --- the people ------------------------------------------------------------------------

    def worker(self, *, willingness: str, source: str, trainings: str = "") -> Worker:
        maker = self.maker
        male = maker.random.random() < 0.62
        number = maker.id_number(male)
        town = maker.random.choices([name for name, _w in TOWNSHIPS], [w for _n, w in TOWNSHIPS])[0]
        born, sex = birth_date_and_sex(number)
        worker = Worker(
            pairing=self.pairing,
            root_id=self.pairing.root_id,
            name=maker.name(male),
            id_number_encrypted=personal.encrypt(number),
            id_number_hash=personal.lookup_hash(number),
            id_number_masked=personal.mask_id_number(number),
            birth_date=born,
            sex=sex,
            origin=self.place(town),
            household_type=maker.household(),
            skills=maker.random.choice(SKILLS),
            trainings=trainings,
            willingness=willingness,
            expected_wage=maker.random.randrange(8, 14) * 500,
            has_consented=maker.random.random() < 0.7,
            is_illustrative=True,
            source=self.sources[source],
        )
        self.workers.append(worker)
        return worker

    def placement(
        self, worker: Worker, posting: Posting, started_on: date, channel: str, source: str
    ) -> Placement:
        placement = Placement(
            worker=worker,
            pairing=self.pairing,
            root_id=self.pairing.root_id,
            posting=posting,
            employer=posting.employer,
            work_place=posting.work_place,
            destination=destination(worker.origin, posting.work_place),
            started_on=started_on,
            monthly_wage=self.maker.random.randrange(posting.wage_min, posting.wage_max + 1, 100),
            channel=channel,
            recorded_by=self.office,
            is_illustrative=True,
            source=self.sources[source],
        )
        self.placements.append(placement)
        return placement

    def people(self, postings: dict[tuple[str, int], Posting]) -> None:
        """The workers, their jobs, and who went on which organised transfer."""
        rand = self.maker.random
        for departed_on, people, _transport in BATCHES:
            after_plan = departed_on > PLAN_SIGNED
            trainings = "赴沪务工人员岗前技能培训（2023年7月）" if after_plan else ""
            members = []
            for _ in range(people):
                worker = self.worker(
                    willingness=Willingness.SHANGHAI, source=ARTICLE, trainings=trainings
                )
                name = rand.choice(SONGJIANG_EMPLOYERS)[0]
                started_on = departed_on + timedelta(days=rand.randrange(2, 6))
                self.placement(
                    worker, postings[(name, departed_on.year)], started_on, "transfer", ARTICLE
                )
                members.append(worker)
            self.batch_members.append(members)
        wishes = {"苏州市": Willingness.EAST, "宁波市": Willingness.EAST}
        wishes |= {"昆明市": Willingness.PROVINCE, "毕节市": Willingness.PROVINCE}
        for where, name, people, *_rest, channel in ELSEWHERE:
            for _ in range(people):
                worker = self.worker(
                    willingness=wishes.get(where, Willingness.NEAR_HOME), source=MADE_UP
                )
                started_on = date(2021, 3, 1) + timedelta(days=rand.randrange(2 * 365 + 150))
                self.placement(
                    worker, postings[(name, started_on.year)], started_on, channel, MADE_UP
                )
        for _ in range(SEEKING):
            self.worker(willingness=rand.choice(list(Willingness.values)), source=MADE_UP)

    def followups(self) -> list[FollowUp]:
        """Checks at 3, 6 and 12 months; most are still in work, some leave on the way."""
        rand = self.maker.random
        checks: list[FollowUp] = []
        for placement in self.placements:
            roll = rand.random()
            leaves_after = 0 if roll < 0.07 else 3 if roll < 0.16 else 6 if roll < 0.26 else 99
            for months in (3, 6, 12):
                due = add_months(placement.started_on, months)
                checked_on = due + timedelta(days=rand.randrange(0, 12))
                if checked_on > LEDGER_ENDS:
                    break
                if months > leaves_after:
                    left_on = add_months(placement.started_on, leaves_after) + timedelta(
                        days=rand.randrange(10, 80)
                    )
                    checked_on = min(left_on, checked_on, LEDGER_ENDS)
                    reason = rand.choice(LEAVING)
                    placement.ended_on, placement.end_reason = checked_on, reason
                    checks.append(self.check(placement, checked_on, False, note=reason))
                    break
                checks.append(self.check(placement, checked_on, True))
        return checks

    def check(self, placement: Placement, on: date, employed: bool, note: str = "") -> FollowUp:
        return FollowUp(
            placement=placement,
            root_id=placement.root_id,
            checked_on=on,
            is_employed=employed,
            employer_name=placement.employer.name if employed and placement.employer else "",
            monthly_income=placement.monthly_wage if employed else None,
            note=note or "电话回访，仍在岗。",
            recorded_by=self.office,
        )

    def claims(self, rules: list[SubsidyRule], checks: list[FollowUp]) -> list[SubsidyClaim]:
        """Every claim the rules give, as compute_subsidies would; the older ones paid."""
        by_placement: dict[int, list[FollowUp]] = {}
        for check in checks:
            by_placement.setdefault(check.placement.pk, []).append(check)
        claims = []
        for placement in self.placements:
            reached = confirmed_months(placement, by_placement.get(placement.pk, []))
            for rule in rules:
                day = eligible_on(rule, placement, reached)
                if day is None:
                    continue
                claim = SubsidyClaim(
                    rule=rule, placement=placement, amount=rule.amount, eligible_on=day
                )
                paid_on = day + timedelta(days=45)
                if paid_on <= date(2023, 9, 30):
                    claim.status, claim.paid_on = SubsidyClaim.Status.PAID, paid_on
                    claim.note = "已通过社保卡发放（示意）"
                elif paid_on <= LEDGER_ENDS:
                    claim.status = SubsidyClaim.Status.APPROVED
                else:
                    claim.status = SubsidyClaim.Status.CLAIMED
                claims.append(claim)
        return claims

    # --- writing -----------------------------------------------------------------------------

    def write(self, rules: list[SubsidyRule]) -> None:
        Worker.objects.bulk_create(self.workers, batch_size=500)
        placed = {p.worker.pk for p in self.placements}
        checks = self.followups()  # sets the ended placements' end before they are stored
        Placement.objects.bulk_create(self.placements, batch_size=500)
        FollowUp.objects.bulk_create(checks, batch_size=500)
        claims = self.claims(rules, checks)
        SubsidyClaim.objects.bulk_create(claims, batch_size=500)
        in_work = {p.worker.pk for p in self.placements if p.ended_on is None}
        Worker.objects.filter(pk__in=in_work).update(status=Worker.Status.PLACED)
        Worker.objects.filter(pk__in=placed - in_work).update(status=Worker.Status.SEEKING)

        stored = (
            Placement.objects.filter(pk__in=[p.pk for p in self.placements])
            .select_related("worker")
            .prefetch_related("followups")
        )
        add_facts(source=facts.SOURCE, facts=((p.pk, facts.placement_facts(p)) for p in stored))
        add_facts(
            source=facts.SUBSIDY_SOURCE,
            facts=((claim.pk, facts.subsidy_facts(claim)) for claim in claims),
        )

        hr_bureau = HR_BUREAU
        destination_place = self.place("松江区")
        for (departed_on, _people, transport), members in zip(
            BATCHES, self.batch_members, strict=True
        ):
            by_plan = f"（按{PLAN}组织）" if departed_on > PLAN_SIGNED else ""
            record_transfer_batch(
                batch=TransferBatch(
                    pairing=self.pairing,
                    departed_on=departed_on,
                    organiser=hr_bureau + by_plan,
                    transport=transport,
                    escort="县人社局工作人员2名随车护送（示意）",
                    destination=destination_place,
                    is_illustrative=True,
                ),
                workers=members,
                recorded_by=self.office,
            )
        record_audit_event(
            actor=self.office,
            action="labor.demo.loaded",
            target=self.pairing,
            details={
                "workers": len(self.workers),
                "placements": len(self.placements),
                "followups": len(checks),
                "claims": len(claims),
            },
        )


@transaction.atomic
def load(users: Sequence[User]) -> LaborSummary:
    """Load the labor demo once; *users* are the demo accounts places.load() returns."""
    demo = _Demo(users)
    demo.add_places()
    rules = demo.rules()
    batches = batches_for_user(demo.admin, pairing=demo.pairing).filter(is_illustrative=True)
    created = not batches.exists()
    if created:
        demo.people(demo.postings())
        demo.write(rules)
    return LaborSummary(
        created=created,
        workers=Worker.objects.filter(pairing=demo.pairing, is_illustrative=True).count(),
        placements=Placement.objects.filter(pairing=demo.pairing, is_illustrative=True).count(),
        batches=batches.count(),
    )
