"""The spine of a synthetic database: places, organisations, pairings and office accounts.

The plan is pure data made from the scale alone (no generator: the tree does not change with
the seed); writing it goes through the places and accounts services, which find what is
already there by its natural key, so writing it again changes nothing.

Every place gets a 12-digit division code that no real place has: the real two-digit province
code, then "99" where a city's digits would be. So the labor rules still tell Shanghai (31…)
from the other eastern provinces, the ID numbers start with a real province, and a synthetic
place never takes the place of a real one the demo loaded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from shanhai.accounts.models import Role, Side, User
from shanhai.accounts.services import register_user
from shanhai.core.models import DatePrecision, Source
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.services import (
    grant_role,
    register_organisation,
    register_pairing,
    register_place,
)
from shanhai.synth import shapes
from shanhai.synth.scales import Scale

# The office accounts' password: synthetic data is for benchmarks on a throwaway database.
PASSWORD = "shanhai-synth"  # noqa: S105 - printed on purpose, as the demo's is

EAST_PROVINCES = [
    ("31", "上海"),
    ("11", "北京"),
    ("12", "天津"),
    ("32", "江苏"),
    ("33", "浙江"),
    ("35", "福建"),
    ("37", "山东"),
    ("44", "广东"),
]
WEST_PROVINCES = [
    ("53", "云南"),
    ("52", "贵州"),
    ("51", "四川"),
    ("62", "甘肃"),
    ("45", "广西"),
    ("50", "重庆"),
    ("63", "青海"),
    ("64", "宁夏"),
    ("15", "内蒙古"),
    ("61", "陕西"),
    ("65", "新疆"),
]
DEPARTMENTS = ["人力资源和社会保障局", "教育局", "卫生健康委员会", "农业农村局", "商务局"]
# Where a county's workers go, by the destination the labor rules will compute.
DESTINATIONS = (
    "shanghai",
    "shanghai",
    "shanghai",
    "other_east",
    "province",
    "near_home",
    "elsewhere",
)
INDUSTRIES = (
    "manufacturing",
    "logistics",
    "manufacturing",
    "services",
    "manufacturing",
    "manufacturing",
    "construction",
)


def _code(province: str, county: int = 0, town: int = 0, village: int = 0) -> str:
    return f"{province}99{county:02d}{town:03d}{village:03d}"


@dataclass(frozen=True)
class PlaceSpec:
    code: str
    name: str
    level: str
    side: str
    parent: str | None = None


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    kind: str
    place: str
    short_name: str = ""


@dataclass(frozen=True)
class PairingSpec:
    code: str
    kind: str
    parent: str | None
    east_place: str
    west_place: str
    east_org: str | None = None
    west_org: str | None = None


@dataclass
class County:
    """One county pairing and what hangs off it: its part of the data is made from this."""

    index: int
    root: str  # the pairing whose office accounts record its data
    pairing: str
    pairings: list[str]  # the county pairing and every pairing below it
    west_place: str
    east_place: str
    west_towns: list[str]
    town_pairings: dict[str, str]  # west town code → its town pairing
    area: str  # the first six digits of its people's ID numbers
    weight: float
    employers: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # key, destination, industry


@dataclass
class Unit:
    """A part of the tree whose ledger records are made together: a county tree, or a province
    pairing with its department pairings."""

    main: str
    pairings: list[str]
    root: str


@dataclass
class WorldPlan:
    tag: str
    first_year: int
    places: list[PlaceSpec] = field(default_factory=list)
    orgs: list[OrgSpec] = field(default_factory=list)
    pairings: list[PairingSpec] = field(default_factory=list)
    counties: list[County] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    roots: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → office org keys

    def place(self, spec: PlaceSpec) -> str:
        self.places.append(spec)
        return spec.code

    def org(self, spec: OrgSpec) -> str:
        self.orgs.append(spec)
        return spec.key

    def counts(self) -> Counter[str]:
        return Counter(
            {
                "places.Place": len(self.places),
                # An eastern district's department or hospital pairs with both its counties.
                "places.Organisation": len({(o.place, o.name) for o in self.orgs}),
                "places.Pairing": len(self.pairings),
                "accounts.User": 2 * len(self.roots),
            }
        )


def _sub_kinds(scale: Scale) -> list[list[str]]:
    """The kinds of pairing under each county, spread as evenly as the total allows."""
    per_county = shapes.apportion(scale.sub_pairings, [1.0] * scale.counties)
    mix = dict(scale.sub_pairing_mix)
    kinds: list[list[str]] = []
    for count in per_county:
        numbers = shapes.apportion(count, list(mix.values()))
        kinds.append([k for k, n in zip(mix, numbers, strict=True) for _ in range(n)])
    return kinds


def plan_world(scale: Scale, tag: str, first_year: int) -> WorldPlan:
    """Lay out the places, organisations and pairings of *scale* (no database)."""
    plan = WorldPlan(tag=tag, first_year=first_year)
    wests = WEST_PROVINCES[: max(1, scale.provinces)]
    easts = [EAST_PROVINCES[i % len(EAST_PROVINCES)] for i in range(max(1, scale.provinces))]
    for prefix, name in dict.fromkeys([*easts, *wests, EAST_PROVINCES[4], WEST_PROVINCES[1]]):
        side = Side.EAST if (prefix, name) in EAST_PROVINCES else Side.WEST
        plan.place(PlaceSpec(_code(prefix), f"{name}（合成）", Place.Level.PROVINCE, side))
    # Places workers go to that are no county's partner: another eastern province's district
    # and a county of another western province, plus a neighbour county in each home province.
    other_east = plan.place(
        PlaceSpec(_code("33", 98), "合成外省区", Place.Level.COUNTY, Side.EAST, _code("33"))
    )
    elsewhere = plan.place(
        PlaceSpec(_code("52", 98), "合成外省县", Place.Level.COUNTY, Side.WEST, _code("52"))
    )
    neighbours = {
        prefix: plan.place(
            PlaceSpec(_code(prefix, 97), "合成邻县", Place.Level.COUNTY, Side.WEST, _code(prefix))
        )
        for prefix, _name in wests
    }
    roots: list[str] = []
    for p in range(scale.provinces):
        (east, east_name), (west, west_name) = easts[p], wests[p]
        code = f"{tag}-p{p + 1}"
        east_office = plan.org(
            OrgSpec(
                f"{code}-east",
                f"{east_name}（合成）合作交流办",
                Organisation.Kind.DEPARTMENT,
                _code(east),
            )
        )
        west_office = plan.org(
            OrgSpec(
                f"{code}-west",
                f"{west_name}（合成）乡村振兴局",
                Organisation.Kind.DEPARTMENT,
                _code(west),
            )
        )
        plan.pairings.append(
            PairingSpec(code, Pairing.Kind.PROVINCE, None, _code(east), _code(west))
        )
        plan.roots[code] = (east_office, west_office)
        roots.append(code)
        unit = Unit(main=code, pairings=[code], root=code)
        for d in range(scale.province_departments):
            department = DEPARTMENTS[d % len(DEPARTMENTS)]
            east_org = plan.org(
                OrgSpec(
                    f"{code}-d{d + 1}-east",
                    f"{east_name}（合成）{department}",
                    Organisation.Kind.DEPARTMENT,
                    _code(east),
                )
            )
            west_org = plan.org(
                OrgSpec(
                    f"{code}-d{d + 1}-west",
                    f"{west_name}（合成）{department}",
                    Organisation.Kind.DEPARTMENT,
                    _code(west),
                )
            )
            sub = f"{code}-d{d + 1}"
            plan.pairings.append(
                PairingSpec(
                    sub, Pairing.Kind.DEPARTMENT, code, _code(east), _code(west), east_org, west_org
                )
            )
            unit.pairings.append(sub)
        plan.units.append(unit)

    weights = shapes.zipf_weights(scale.counties, scale.county_skew)
    east_districts: Counter[str] = Counter()  # counties served by each eastern district
    east_towns: Counter[str] = Counter()  # towns made in each eastern district
    west_counties: Counter[str] = Counter()
    for c, kinds in enumerate(_sub_kinds(scale)):
        p = c % scale.provinces if scale.provinces else 0
        east, west = easts[p][0], wests[p][0]
        west_counties[west] += 1
        number = west_counties[west]
        west_county = plan.place(
            PlaceSpec(
                _code(west, number),
                shapes.place_name(number - 1, "县"),
                Place.Level.COUNTY,
                Side.WEST,
                _code(west),
            )
        )
        district_number = east_districts[east] // 2 + 1  # an eastern district helps two counties
        east_districts[east] += 1
        east_district = _code(east, district_number)
        if east_districts[east] % 2 == 1:
            plan.place(
                PlaceSpec(
                    east_district,
                    shapes.place_name(district_number + 99, "区"),
                    Place.Level.COUNTY,
                    Side.EAST,
                    _code(east),
                )
            )
        towns_needed = max(8, kinds.count("town") + 2)
        west_towns = [
            plan.place(
                PlaceSpec(
                    _code(west, number, t + 1),
                    shapes.place_name(t, "镇"),
                    Place.Level.TOWN,
                    Side.WEST,
                    west_county,
                )
            )
            for t in range(towns_needed)
        ]

        def east_town(east: str = east, district: int = district_number) -> str:
            place = _code(east, district)
            east_towns[place] += 1
            t = east_towns[place]
            return plan.place(
                PlaceSpec(
                    _code(east, district, t),
                    shapes.place_name(t + 49, "镇"),
                    Place.Level.TOWN,
                    Side.EAST,
                    place,
                )
            )

        code = f"{plan.tag}-c{c + 1:03d}"
        root = roots[p] if roots else code
        county = County(
            index=c,
            root=root,
            pairing=code,
            pairings=[code],
            west_place=west_county,
            east_place=east_district,
            west_towns=west_towns,
            town_pairings={},
            area=west_county[:6],
            weight=weights[c],
        )
        parent = roots[p] if roots else None
        plan.pairings.append(
            PairingSpec(code, Pairing.Kind.COUNTY, parent, east_district, west_county)
        )
        west_name, east_name = shapes.place_name(number - 1, "县"), "合成东部区"
        if not roots:
            east_office = plan.org(
                OrgSpec(
                    f"{code}-east",
                    f"{east_name}{district_number}合作交流办",
                    Organisation.Kind.DEPARTMENT,
                    east_district,
                )
            )
            west_office = plan.org(
                OrgSpec(
                    f"{code}-west",
                    f"{west_name}乡村振兴局",
                    Organisation.Kind.DEPARTMENT,
                    west_county,
                )
            )
            plan.roots[code] = (east_office, west_office)
        counters: Counter[str] = Counter()
        villages: Counter[str] = Counter()
        for kind in kinds:
            counters[kind] += 1
            n = counters[kind]
            sub = f"{code}-{kind[:2]}{n}"
            if kind == "town":
                west_town = west_towns[n - 1]
                spec = PairingSpec(sub, Pairing.Kind.TOWN, code, east_town(), west_town)
                county.town_pairings[west_town] = sub
            elif kind == "social":
                town = west_towns[(n - 1) % len(west_towns)]
                villages[town] += 1
                village = plan.place(
                    PlaceSpec(
                        town[:9] + f"{villages[town]:03d}",
                        shapes.place_name(villages[town] + 119, "村"),
                        Place.Level.VILLAGE,
                        Side.WEST,
                        town,
                    )
                )
                ngo = n % 3 == 0
                east_org = plan.org(
                    OrgSpec(
                        f"{sub}-east",
                        f"合成{'公益服务中心' if ngo else '企业'}{c + 1}-{n}",
                        Organisation.Kind.NGO if ngo else Organisation.Kind.ENTERPRISE,
                        east_district,
                    )
                )
                west_org = plan.org(
                    OrgSpec(
                        f"{sub}-west", "村民委员会", Organisation.Kind.VILLAGE_COMMITTEE, village
                    )
                )
                spec = PairingSpec(
                    sub, Pairing.Kind.SOCIAL, code, east_district, village, east_org, west_org
                )
            else:
                label = {
                    "department": DEPARTMENTS[(n - 1) % len(DEPARTMENTS)],
                    "hospital": "人民医院",
                    "school": "中学",
                }[kind]
                repeats = n > len(DEPARTMENTS) if kind == "department" else n > 1
                label += f"（{n}）" if repeats else ""
                org_kind = {
                    "department": Organisation.Kind.DEPARTMENT,
                    "hospital": Organisation.Kind.HOSPITAL,
                    "school": Organisation.Kind.SCHOOL,
                }[kind]
                east_org = plan.org(
                    OrgSpec(
                        f"{sub}-east",
                        f"合成东部区{district_number}{label}",
                        org_kind,
                        east_district,
                    )
                )
                west_org = plan.org(
                    OrgSpec(f"{sub}-west", f"{west_name}{label}", org_kind, west_county)
                )
                spec = PairingSpec(sub, kind, code, east_district, west_county, east_org, west_org)
            plan.pairings.append(spec)
            county.pairings.append(sub)
        # Employers: three in the partner district's towns, one in another eastern province,
        # one in the home province, a workshop near home, one in another western province.
        places = [
            east_town(),
            east_town(),
            east_town(),
            other_east,
            neighbours[west],
            west_towns[-1],
            elsewhere,
        ]
        for e, (where, destination, industry) in enumerate(
            zip(places, DESTINATIONS, INDUSTRIES, strict=True)
        ):
            name = "帮扶车间" if destination == "near_home" else f"合成用工企业{c + 1}-{e + 1}"
            key = plan.org(OrgSpec(f"{code}-e{e + 1}", name, Organisation.Kind.ENTERPRISE, where))
            county.employers.append((key, destination, industry))
        plan.counties.append(county)
        plan.units.append(Unit(main=code, pairings=list(county.pairings), root=root))
    return plan


@dataclass
class World:
    """The plan as written: the rows the other stages refer to."""

    plan: WorldPlan
    source: Source
    places: dict[str, Place]
    orgs: dict[str, Organisation]
    pairings: dict[str, Pairing]
    offices: dict[str, tuple[User, User]]  # root code → (east office, west office)

    def office(self, root: str, side: str) -> User:
        east, west = self.offices[root]
        return east if side == Side.EAST else west


@transaction.atomic
def write_world(plan: WorldPlan, source: Source) -> World:
    """Register the plan's places, organisations, pairings and office accounts (idempotent)."""
    places: dict[str, Place] = {}
    for spec in plan.places:
        places[spec.code] = register_place(
            name=spec.name,
            level=spec.level,
            parent=places[spec.parent] if spec.parent else None,
            code=spec.code,
            side=spec.side,
            source=source,
        )
    orgs = {
        spec.key: register_organisation(
            name=spec.name,
            kind=spec.kind,
            place=places[spec.place],
            short_name=spec.short_name,
            is_illustrative=True,
            source=source,
        )
        for spec in plan.orgs
    }
    pairings: dict[str, Pairing] = {}
    for pairing in plan.pairings:
        pairings[pairing.code] = register_pairing(
            code=pairing.code,
            kind=pairing.kind,
            parent=pairings[pairing.parent] if pairing.parent else None,
            east_place=places[pairing.east_place],
            west_place=places[pairing.west_place],
            east_organisation=orgs[pairing.east_org] if pairing.east_org else None,
            west_organisation=orgs[pairing.west_org] if pairing.west_org else None,
            started_on=date(plan.first_year, 1, 1),
            started_on_precision=DatePrecision.YEAR,
            source=source,
            source_note="合成数据，并非事实。",
            is_illustrative=True,
        )
    offices: dict[str, tuple[User, User]] = {}
    for n, (root, (east_key, west_key)) in enumerate(plan.roots.items(), start=1):
        users = []
        for side, key in ((Side.EAST, east_key), (Side.WEST, west_key)):
            user = register_user(
                username=f"{plan.tag}-{n}-{side}",
                password=PASSWORD,
                display_name=orgs[key].name,
                organisation=orgs[key],
                side=side,
            )
            grant_role(user=user, pairing=pairings[root], role=Role.COOPERATION_OFFICE)
            users.append(user)
        offices[root] = (users[0], users[1])
    return World(plan, source, places, orgs, pairings, offices)
