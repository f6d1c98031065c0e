"""The shapes of real data, as plain functions of a seeded generator: no database, no clock.

Every synthetic row is drawn here: how a total splits (exactly) over parts, the skew of channel
sizes (Zipf), the months products sell in, names of places and people, resident ID numbers that
pass the import's checks, prices and quantities. A generator is made per unit of work from the
seed and the unit's name (``rng(seed, "sales", 2023, 7)``), so a unit can be made again, alone,
to resume a run, and the same seed always makes the same rows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import accumulate

from stdnum.cn import ric

from shanhai.demo.labor import FEMALE, MALE, SURNAMES


def rng(seed: int, *unit: object) -> random.Random:
    """A generator for one unit of work: the same seed and unit always draw the same values.

    A string seed is hashed with SHA-512 by the random module, never with Python's per-process
    string hash, so it does not change between runs.
    """
    return random.Random(":".join(map(str, (seed, *unit))))  # noqa: S311 - not for secrets


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split *total* into whole parts in proportion to *weights*, summing exactly to *total*.

    Largest remainder, ties to the earlier part: deterministic and without a generator.
    """
    if total <= 0 or not weights:
        return [0] * len(weights)
    whole = sum(weights)
    if whole <= 0:
        raise ValueError("weights must add up to more than zero")
    exact = [total * w / whole for w in weights]
    parts = [math.floor(x) for x in exact]
    left = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def zipf_weights(count: int, exponent: float) -> list[float]:
    """Weights 1, 1/2^s, 1/3^s …: a few big ones, many small (channel sizes, bestsellers)."""
    return [1 / (rank + 1) ** exponent for rank in range(count)]


def growth_weights(years: Sequence[int], growth: float) -> list[float]:
    """Each year *growth* bigger than the one before."""
    return [(1 + growth) ** n for n in range(len(years))]


# Months (Jan … Dec) in which each product category sells, as relative weights: kiwifruit in
# September to November, spring tea in March to May, meat and ham for the Spring Festival,
# herbs after the autumn harvest, mushrooms in the rainy season.
SEASONS: dict[str, tuple[int, ...]] = {
    "fruit": (2, 1, 1, 1, 1, 2, 3, 4, 12, 14, 9, 3),
    "tea": (1, 2, 10, 12, 9, 3, 2, 2, 2, 2, 2, 3),
    "vegetables": (3, 2, 3, 4, 4, 3, 3, 4, 8, 8, 5, 4),
    "meat_eggs": (10, 6, 3, 3, 3, 3, 3, 3, 5, 5, 6, 10),
    "grain_oil": (4, 3, 3, 3, 3, 3, 3, 4, 7, 8, 6, 5),
    "mushrooms": (2, 2, 2, 3, 4, 8, 10, 10, 7, 4, 3, 2),
    "herbs": (3, 2, 2, 2, 2, 2, 2, 3, 4, 8, 10, 8),
    "processed": (9, 5, 3, 3, 3, 3, 3, 3, 5, 6, 8, 11),
    "handicraft": (4, 3, 3, 3, 4, 4, 4, 4, 4, 5, 6, 6),
    "other": (4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4),
}
# A product's months of supply, as Product.season_months shows them (empty: all year).
SUPPLY_MONTHS: dict[str, list[int]] = {
    "fruit": [9, 10, 11],
    "tea": [3, 4, 5],
    "vegetables": [9, 10],
    "mushrooms": [6, 7, 8],
    "herbs": [10, 11, 12],
}
# How much of the catalogue each category is, by products.
CATEGORY_WEIGHTS: dict[str, int] = {
    "fruit": 18,
    "tea": 12,
    "vegetables": 12,
    "meat_eggs": 12,
    "grain_oil": 8,
    "mushrooms": 8,
    "herbs": 8,
    "processed": 14,
    "handicraft": 4,
    "other": 4,
}
# (name, spec, unit, kg per unit or "", reference price range in yuan)
PRODUCTS: dict[str, list[tuple[str, str, str, str, tuple[int, int]]]] = {
    "fruit": [
        ("红心猕猴桃", "5斤装", "箱", "2.5", (48, 88)),
        ("脐橙", "10斤装", "箱", "5", (45, 75)),
        ("苹果", "10斤装", "箱", "5", (40, 70)),
        ("石榴", "5斤装", "箱", "2.5", (45, 80)),
    ],
    "tea": [
        ("高山白茶", "250克罐装", "罐", "0.25", (120, 220)),
        ("红茶", "250克罐装", "罐", "0.25", (90, 160)),
        ("绿茶", "250克袋装", "袋", "0.25", (80, 150)),
    ],
    "vegetables": [
        ("方竹笋（干）", "250克袋装", "袋", "0.25", (35, 60)),
        ("高山萝卜", "", "斤", "", (2, 5)),
        ("魔芋粉", "500克袋装", "袋", "0.5", (28, 48)),
    ],
    "meat_eggs": [
        ("黄牛肉", "冷鲜分割", "斤", "", (38, 55)),
        ("散养土鸡", "整只约3斤", "只", "1.5", (90, 150)),
        ("土鸡蛋", "30枚装", "盒", "1.5", (40, 70)),
    ],
    "grain_oil": [
        ("高山大米", "10斤装", "袋", "5", (45, 80)),
        ("菜籽油", "5升装", "桶", "4.6", (90, 140)),
    ],
    "mushrooms": [
        ("野生菌", "500克装", "盒", "0.5", (60, 150)),
        ("香菇（干）", "250克袋装", "袋", "0.25", (35, 60)),
    ],
    "herbs": [
        ("天麻（干品）", "500克袋装", "袋", "0.5", (120, 220)),
        ("重楼", "250克袋装", "袋", "0.25", (150, 260)),
    ],
    "processed": [
        ("火腿", "整只约8斤", "只", "4", (360, 560)),
        ("牛肉干", "200克袋装", "袋", "0.2", (45, 70)),
        ("腊肉", "1斤装", "袋", "0.5", (50, 80)),
    ],
    "handicraft": [
        ("苗绣挂件", "", "件", "", (80, 300)),
        ("竹编果篮", "", "个", "", (40, 120)),
    ],
    "other": [("蜂蜜", "500克瓶装", "瓶", "0.5", (50, 90))],
}

# Place names: first and second syllables, combined without repeating inside one parent.
_FIRST = "清石龙凤桃柳马高新安长白黄云双三水田花金"
_SECOND = "河坝山溪坪场林沟桥湾"


def place_name(index: int, suffix: str) -> str:
    """The *index*-th name of a kind: 清河镇, 清坝镇 … 200 names before they repeat."""
    first, second = divmod(index % (len(_FIRST) * len(_SECOND)), len(_SECOND))
    prefix = f"{index // 200 + 1}" if index >= 200 else ""
    return f"{_FIRST[first]}{_SECOND[second]}{prefix}{suffix}"


def person_name(generator: random.Random, *, male: bool) -> str:
    given = MALE if male else FEMALE
    size = generator.choice((1, 2, 2))
    return generator.choice(SURNAMES) + "".join(generator.choices(given, k=size))


# Birth dates of working-age people, and how many ID numbers one county can hand out.
BORN_FROM = date(1966, 1, 1)
BORN_DAYS = (date(2005, 12, 31) - BORN_FROM).days + 1
_SERIALS = 500  # three-digit sequence numbers per day and sex (the last digit gives the sex)
ID_SLOTS = BORN_DAYS * _SERIALS


def id_number(area: str, index: int, *, male: bool, seed: int) -> str:
    """The *index*-th resident ID number of the county with division code *area* (6 digits).

    Numbers are unique inside a county by construction: *index* goes through an affine
    permutation of every (birth date, serial) slot, so no set of numbers already made is kept.
    The check digit is GB 11643's, so the import's checks accept them.
    """
    if not 0 <= index < ID_SLOTS:
        raise ValueError(f"a county holds at most {ID_SLOTS} synthetic ID numbers")
    step = 1_000_003
    while math.gcd(step, ID_SLOTS) != 1:
        step += 2
    slot = (step * index + seed * 7_919) % ID_SLOTS
    born = BORN_FROM + timedelta(days=slot // _SERIALS)
    serial = (slot % _SERIALS) * 2 + (1 if male else 0)
    body = f"{area}{born:%Y%m%d}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


def phone(generator: random.Random) -> str:
    return f"1{generator.choice('3456789')}{generator.randrange(10**9):09d}"


def day_in(generator: random.Random, year: int, month: int) -> date:
    first = date(year, month, 1)
    days = ((first.replace(day=28) + timedelta(days=4)).replace(day=1) - first).days
    return first + timedelta(days=generator.randrange(days))


_MONTHS = range(1, 13)
_SEASON_SUMS = {category: list(accumulate(weights)) for category, weights in SEASONS.items()}


def month_of(generator: random.Random, category: str) -> int:
    """A month drawn by the category's season."""
    sums = _SEASON_SUMS.get(category, _SEASON_SUMS["other"])
    return generator.choices(_MONTHS, cum_weights=sums)[0]
