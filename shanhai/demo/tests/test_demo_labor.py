"""The labor demo: over a thousand illustrative workers sent to Songjiang, 2021–2023."""

import io
from datetime import date

import pytest
from django.core.management import call_command

from shanhai.core import personal
from shanhai.core.parsing import parse_id_number
from shanhai.demo.places import ARTICLE
from shanhai.facts.selectors import rollup_differences
from shanhai.labor.models import (
    FollowUp,
    Placement,
    SubsidyClaim,
    SubsidyRule,
    TransferBatch,
    Worker,
)
from shanhai.labor.selectors import confirmed_months
from shanhai.ledger.models import Agreement

pytestmark = pytest.mark.django_db

MODELS = (Worker, Placement, FollowUp, TransferBatch, SubsidyRule, SubsidyClaim)


def load_demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


def test_the_labor_demo_loads_once_and_leaves_the_rollups_exact():
    output = load_demo()
    first = counts()

    load_demo()

    assert counts() == first
    assert first["Worker"] >= 1000
    assert "1200" in output
    assert rollup_differences() == []


def test_the_demo_workers_are_flagged_with_valid_encrypted_weixin_id_numbers():
    load_demo()
    workers = list(Worker.objects.all())
    sample = workers[:50]

    assert all(w.is_illustrative and w.pairing.code == "songjiang-weixin-hr" for w in workers)
    numbers = [personal.decrypt(w.id_number_encrypted) for w in sample]
    assert all(parse_id_number(n) == n and n.startswith("530629") for n in numbers)
    assert all(
        w.id_number_hash == personal.lookup_hash(n) for w, n in zip(sample, numbers, strict=True)
    )
    assert all(n not in w.id_number_encrypted for w, n in zip(sample, numbers, strict=True))
    assert len({w.id_number_hash for w in workers}) == len(workers)


def test_over_a_thousand_go_to_shanghai_in_batches_most_stay_and_many_are_paid():
    load_demo()
    batches = TransferBatch.objects.all()
    transferred = Placement.objects.filter(channel="transfer")

    assert sum(b.workers.count() for b in batches) == transferred.count() == 1040
    assert set(transferred.values_list("destination", flat=True)) == {"shanghai"}
    assert set(transferred.values_list("source__key", flat=True)) == {ARTICLE}
    assert {b.departed_on.year for b in batches} == {2021, 2022, 2023}
    assert all("劳务协作计划" in b.organiser for b in batches if b.departed_on > date(2023, 6, 28))
    placements = Placement.objects.filter(started_on__lt=date(2023, 6, 1)).prefetch_related(
        "followups"
    )
    reached = [confirmed_months(p, list(p.followups.all())) for p in placements]
    assert sum(3 in r for r in reached) > 0.8 * len(reached)
    assert sum(6 in r for r in reached) > 0.6 * len(reached)
    assert SubsidyClaim.objects.filter(status="paid").count() > 1000
    plan = Agreement.objects.get(title="2023年人力资源和社会保障对口劳务协作计划")
    assert "有组织输出批次" in plan.summary
