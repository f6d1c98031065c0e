"""The rules of labor cooperation that are arithmetic, not data: destinations and milestones."""

from __future__ import annotations

import calendar
from datetime import date

from shanhai.labor.models import Destination, Sex
from shanhai.places.models import Place

SHANGHAI_CODE = "31"  # province-level division code of 上海市
STABLE_MONTHS = (3, 6, 12)
_LEVEL_DIGITS = 10  # Place.path: ten digits per level


def _ids(place: Place) -> list[str]:
    return [place.path[i : i + _LEVEL_DIGITS] for i in range(0, len(place.path), _LEVEL_DIGITS)]


def destination(origin: Place, work_place: Place) -> str:
    """Where *work_place* is, seen from the worker's home: 上海 / 其他东部 / 省内县外 / 县内就近.

    A western province other than home's is "elsewhere". Places are compared through their
    trees (province = top level, county = third level), so a town and its county agree.
    """
    home, work = _ids(origin), _ids(work_place)
    if origin.code and work_place.code:  # division codes: 2 digits province, 6 county
        home, work = (
            [origin.code[:2], origin.code[2:4], origin.code[4:6]],
            [
                work_place.code[:2],
                work_place.code[2:4],
                work_place.code[4:6],
            ],
        )
    if work_place.side == "east":
        top = work_place.code or ""
        is_shanghai = top.startswith(SHANGHAI_CODE) or _top_name(work_place) == "上海市"
        return Destination.SHANGHAI if is_shanghai else Destination.OTHER_EAST
    if home[:3] == work[:3] and len(work) >= 3 and len(home) >= 3:
        return Destination.NEAR_HOME
    if home[:1] == work[:1]:
        return Destination.PROVINCE
    return Destination.ELSEWHERE


def _top_name(place: Place) -> str:
    return place.full_name[:3]


def add_months(day: date, months: int) -> date:
    """The same day *months* later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def milestones(started_on: date) -> dict[int, date]:
    """The days a placement reaches 3, 6 and 12 months in work."""
    return {months: add_months(started_on, months) for months in STABLE_MONTHS}


def birth_date_and_sex(id_number: str) -> tuple[date | None, str]:
    """What an 18-digit resident ID says: the birth date (digits 7–14) and sex (digit 17)."""
    if len(id_number) != 18:
        return None, ""
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None, ""
    sex = Sex.MALE if int(id_number[16]) % 2 else Sex.FEMALE
    return born, sex


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
