"""Workers and postings, built through the services (so personal data is encrypted)."""

from __future__ import annotations

from datetime import date
from typing import Any

from shanhai.accounts.models import User
from shanhai.labor.models import Posting, Worker
from shanhai.labor.services import post_job, register_worker
from shanhai.places.models import Pairing, Place
from shanhai.places.tests.factories import OrganisationFactory


def id_number(serial: int, *, born: str = "19900101", area: str = "530629") -> str:
    """A resident ID number with a correct check digit (GB 11643)."""
    body = f"{area}{born}{serial % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def worker(pairing: Pairing, by: User, *, origin: Place, serial: int = 1, **fields: Any) -> Worker:
    values: dict[str, Any] = {
        "name": f"劳动力{serial}",
        "id_number": id_number(serial),
        "phone": f"138{serial:08d}",
    }
    values.update(fields)
    return register_worker(pairing=pairing, origin=origin, recorded_by=by, **values)


def posting(pairing: Pairing, by: User, *, work_place: Place, **fields: Any) -> Posting:
    values: dict[str, Any] = {
        "employer": OrganisationFactory.create(name="上海某电子厂", place=work_place),
        "title": "普工",
        "industry": Posting.Industry.MANUFACTURING,
        "headcount": 10,
        "wage_min": 5000,
        "wage_max": 6500,
        "valid_from": date(2023, 1, 1),
        "valid_to": date(2023, 12, 31),
    }
    values.update(fields)
    return post_job(posting=Posting(pairing=pairing, work_place=work_place, **values), posted_by=by)
