"""The rules of consumption assistance, as plain functions of plain values."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# A unit price outside [reference / PRICE_FACTOR, reference × PRICE_FACTOR] is flagged.
PRICE_FACTOR = Decimal(2)

# Units that are weights, in kilograms: 猕猴桃 sold by the 斤 adds up with tea sold by the 克.
WEIGHT_UNITS_KG = {
    "斤": Decimal("0.5"),
    "市斤": Decimal("0.5"),
    "公斤": Decimal(1),
    "千克": Decimal(1),
    "kg": Decimal(1),
    "克": Decimal("0.001"),
    "g": Decimal("0.001"),
    "吨": Decimal(1000),
    "t": Decimal(1000),
    "两": Decimal("0.05"),
}


@dataclass(frozen=True)
class Validity:
    """One certificate's days: from *valid_from* to *valid_to*, cut short by a withdrawal."""

    valid_from: date
    valid_to: date
    withdrawn_on: date | None = None

    def covers(self, day: date) -> bool:
        if self.withdrawn_on is not None and day >= self.withdrawn_on:
            return False
        return self.valid_from <= day <= self.valid_to


def is_certified_on(validities: Iterable[Validity], day: date) -> bool:
    """Whether any of a product's certificates covers *day*."""
    return any(v.covers(day) for v in validities)


def kg_per_unit(unit: str, unit_kg: Decimal | None) -> Decimal | None:
    """Kilograms in one unit: stated on the product, else known from the unit's name."""
    if unit_kg:
        return unit_kg
    return WEIGHT_UNITS_KG.get(unit.strip().lower())


def price_is_off(*, amount: Decimal, quantity: Decimal, reference: Decimal) -> bool:
    """Whether the unit price is more than PRICE_FACTOR times off the reference price."""
    if quantity <= 0 or reference <= 0:
        return False
    unit_price = amount / quantity
    return unit_price > reference * PRICE_FACTOR or unit_price < reference / PRICE_FACTOR


def is_within(path: str, ancestor_path: str) -> bool:
    """Whether the pairing at *path* is *ancestor_path* or below it."""
    return path.startswith(ancestor_path)


def pairing_is_related(product_pairing_path: str, credited_path: str) -> bool:
    """A product may be credited to its own pairing, a pairing above it, or one below it."""
    return is_within(product_pairing_path, credited_path) or is_within(
        credited_path, product_pairing_path
    )


def months_label(months: list[int]) -> str:
    """'9–11月' for a season; '全年' when empty or all twelve months."""
    if not months or len(set(months)) == 12:
        return "全年"
    ordered = sorted(set(months))
    runs: list[tuple[int, int]] = []
    for m in ordered:
        if runs and m == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], m)
        else:
            runs.append((m, m))
    return "、".join(f"{a}月" if a == b else f"{a}–{b}月" for a, b in runs)


def hash_key(key: str) -> str:
    """How an API key is stored: its SHA-256 (keys are long and random, so no salt is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()
