"""The synthetic scales as data: how many of everything, how skewed, how dirty.

A scale gives totals over its years (or rates per pairing and year), never rows: the stages
split them exactly (shapes.apportion) over counties, years, channels and kinds, so the planned
size of every main table is known before anything is drawn and does not depend on the seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType


def _frozen(**values: float) -> Mapping[str, float]:
    return MappingProxyType(values)


@dataclass(frozen=True)
class Scale:
    """How big one synthetic database is, and how its data is shaped."""

    name: str
    summary: str
    years: tuple[int, int]  # the first and last year with records, when --years is not given
    # The pairing tree: province pairings at the top (none: each county pairing is a root),
    # department pairings under each province pairing, county pairings, and below each county
    # pairings of the kinds in *sub_pairing_mix* (by weight) up to *pairings* in all.
    provinces: int
    province_departments: int
    counties: int
    pairings: int
    sub_pairing_mix: Mapping[str, float]
    county_skew: float  # how much bigger the first counties are (Zipf exponent)
    # Ledger records per pairing and year, by kind; county-level kinds (funds, projects,
    # agreements, meetings) go to the county (or province) pairing of their part of the tree.
    records_per_pairing_year: Mapping[str, float]
    # Labor: workers registered and placements over all years; the first placements of
    # *placed_share* of the workers, the rest second jobs after a first one ended.
    workers: int
    placements: int
    placed_share: float
    transfers_per_county_year: int
    # Consumption: suppliers and their products; a share of the products never certified
    # (half of them refused after applying), sold anyway.
    suppliers: int
    products: int
    uncertified_products_share: float
    channels: int
    channel_skew: float  # Zipf exponent of channel sizes: a few big channels, many small
    buyers: int
    sale_lines_per_year: int  # on average; each year *sales_growth* more than the one before
    sales_growth: float
    uncertified_share: float  # of sale lines: products not certified on the day sold
    duplicate_share: float  # of lines with a named buyer: reported again by a second channel
    batch_months: int  # a channel sends a batch every so many months (split at 10,000 lines)

    @property
    def sub_pairings(self) -> int:
        return self.pairings - self.provinces * (1 + self.province_departments) - self.counties

    def sampled(self, fraction: float) -> Scale:
        """The same shape at *fraction* of the size: every total times *fraction*, at least one
        county (with the scale's mix of pairings under it) and enough channels to be skewed.

        Records per pairing and year are scaled so that the record total is *fraction* of the
        scale's too, whatever the rounding of the tree did.
        """
        if not 0 < fraction <= 1:
            raise ValueError("a sample is a fraction between 0 and 1")

        def part(value: int, least: int = 1) -> int:
            return max(least, round(value * fraction))

        counties = part(self.counties)
        provinces = min(counties, part(self.provinces)) if self.provinces else 0
        departments = round(self.province_departments * fraction) if provinces else 0
        per_county = round(self.sub_pairings / self.counties)
        pairings = provinces * (1 + departments) + counties * (1 + per_county)
        ratio = fraction * self.pairings / pairings
        suppliers = part(self.suppliers, 2)
        return replace(
            self,
            name=f"{self.name}-sample",
            summary=f"{fraction:g} of {self.name}: {self.summary}",
            provinces=provinces,
            province_departments=departments,
            counties=counties,
            pairings=pairings,
            records_per_pairing_year=_frozen(
                **{k: v * ratio for k, v in self.records_per_pairing_year.items()}
            ),
            workers=part(self.workers, 2),
            placements=part(self.placements, 2),
            suppliers=suppliers,
            products=max(part(self.products), 2 * suppliers),
            channels=part(self.channels, 5),
            buyers=part(self.buyers, 5),
            sale_lines_per_year=part(self.sale_lines_per_year, 100),
        )


TINY = Scale(
    name="tiny",
    summary="one small county tree over two years, for the tests",
    years=(2023, 2024),
    provinces=0,
    province_departments=0,
    counties=1,
    pairings=5,
    sub_pairing_mix=_frozen(town=3, social=1),
    county_skew=0.5,
    records_per_pairing_year=_frozen(
        visit=3,
        meeting=1,
        agreement=0.4,
        funds=0.4,
        project=1,
        donation=1,
        talent=1,
        training=2,
        industry=0.6,
        sales_event=1,
    ),
    workers=60,
    placements=56,
    placed_share=0.85,
    transfers_per_county_year=2,
    suppliers=4,
    products=10,
    uncertified_products_share=0.2,
    channels=5,
    channel_skew=1.1,
    buyers=6,
    sale_lines_per_year=600,
    sales_growth=0.15,
    uncertified_share=0.1,
    duplicate_share=0.05,
    batch_months=3,
)

COUNTY = Scale(
    name="county",
    summary="one county pairing tree (a district ↔ a county, 12 pairings below it)",
    years=(2021, 2025),
    provinces=0,
    province_departments=0,
    counties=1,
    pairings=13,
    sub_pairing_mix=_frozen(town=9, social=1, department=1, hospital=1),
    county_skew=0.5,
    records_per_pairing_year=_frozen(
        visit=6,
        meeting=2,
        agreement=1,
        funds=1,
        project=3,
        donation=4,
        talent=4,
        training=5,
        industry=2,
        sales_event=2,
    ),
    workers=3_000,
    placements=2_700,
    placed_share=0.85,
    transfers_per_county_year=4,
    suppliers=30,
    products=90,
    uncertified_products_share=0.15,
    channels=12,
    channel_skew=1.1,
    buyers=40,
    sale_lines_per_year=6_000,
    sales_growth=0.15,
    uncertified_share=0.12,
    duplicate_share=0.02,
    batch_months=3,
)

PROVINCE = Scale(
    name="province",
    summary="one province pairing: 40 county pairings and the pairings below them",
    years=(2021, 2025),
    provinces=1,
    province_departments=1,
    counties=40,
    pairings=200,
    sub_pairing_mix=_frozen(town=3, social=1),
    county_skew=0.5,
    records_per_pairing_year=_frozen(
        visit=40,
        meeting=10,
        agreement=2,
        funds=3,
        project=8,
        donation=25,
        talent=30,
        training=40,
        industry=12,
        sales_event=30,
    ),
    workers=1_000_000,
    placements=1_000_000,
    placed_share=0.9,
    transfers_per_county_year=6,
    suppliers=1_600,
    products=6_400,
    uncertified_products_share=0.15,
    channels=300,
    channel_skew=1.1,
    buyers=1_500,
    sale_lines_per_year=2_000_000,
    sales_growth=0.15,
    uncertified_share=0.1,
    duplicate_share=0.02,
    batch_months=1,
)

# National figures for 2023 (DOMAIN.md): 8 eastern provinces help 10 western ones, about 450
# counties, 7,452 villages paired with enterprises and NGOs, 731,000 rural workers helped into
# jobs a year, 943.8亿元 of western products bought or helped to sell a year (about 200 million
# lines at ~470 yuan a line), 6,000+ sales channels (China Social Assistance Network).
NATION = Scale(
    name="nation",
    summary="every pairing: 11 province pairings, 450 counties (sizes documented, sampled)",
    years=(2021, 2025),
    provinces=11,
    province_departments=2,
    counties=450,
    pairings=13_000,
    sub_pairing_mix=_frozen(town=9, social=16, department=2, hospital=1),
    county_skew=0.5,
    records_per_pairing_year=_frozen(
        visit=7,
        meeting=2,
        agreement=1,
        funds=0.5,
        project=2,
        donation=6,
        talent=5,
        training=6,
        industry=3,
        sales_event=2.5,
    ),
    workers=4_500_000,
    placements=3_650_000,
    placed_share=0.8,
    transfers_per_county_year=6,
    suppliers=25_000,
    products=150_000,
    uncertified_products_share=0.2,
    channels=6_000,
    channel_skew=1.1,
    buyers=60_000,
    sale_lines_per_year=200_000_000,
    sales_growth=0.15,
    uncertified_share=0.15,
    duplicate_share=0.02,
    batch_months=1,
)

SCALES: dict[str, Scale] = {s.name: s for s in (TINY, COUNTY, PROVINCE, NATION)}
# What `--sample` takes of a scale when no fraction is given.
DEFAULT_SAMPLE = 0.0001
