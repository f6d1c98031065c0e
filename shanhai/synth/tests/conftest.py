"""One tiny synthetic database for the whole module: made once, rolled back at the end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from shanhai.synth import report
from shanhai.synth.run import run
from shanhai.synth.scales import TINY

YEARS = [2023, 2024]


@pytest.fixture(scope="module")
def tiny(django_db_setup: Any, django_db_blocker: Any) -> Iterator[report.Plan]:
    """The tiny scale, seed 1, written once; each test runs inside it and is rolled back."""
    plan = report.make_plan(TINY, seed=1, years=YEARS)
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        run(plan, say=lambda line: None)
    yield plan
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
