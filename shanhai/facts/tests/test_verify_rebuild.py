"""`rollups verify` proves the rollups equal a recompute; `rollups rebuild` restores them."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import translation

from shanhai.facts.models import Fact, Rollup
from shanhai.facts.selectors import fact_count, rollup_differences
from shanhai.ledger.models import Record

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    call_command("demo", stdout=io.StringIO())


def rollups(*args: str) -> str:
    out = io.StringIO()
    call_command("rollups", *args, stdout=out)
    return out.getvalue()


def _rollup_cells() -> list[tuple[object, ...]]:
    """Every rollup cell with its count and total (no ids: a rebuild may renumber them)."""
    fields = ["pairing_id", "month", "metric", "direction", "level", "category", "subcategory"]
    return list(Rollup.objects.values_list(*fields, "count", "total"))


def exact_message() -> str:
    return translation.gettext("Rollups are exact (%(n)d facts checked).") % {"n": fact_count()}


def test_the_demo_leaves_the_rollups_exact(demo: None) -> None:
    assert Record.objects.exists()
    assert Fact.objects.exists()
    assert Rollup.objects.exists()
    assert rollup_differences() == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_verify_says_the_rollups_are_exact_and_how_many_facts_it_checked(
    demo: None, language: str
) -> None:
    with translation.override(language):
        output = rollups("verify")
        expected = exact_message()

    assert output.strip() == expected
    assert str(Fact.objects.count()) in output
    if language == "en":
        assert output.strip() == f"Rollups are exact ({Fact.objects.count()} facts checked)."


def test_verify_lists_a_tampered_cell_and_fails(demo: None) -> None:
    tampered = Rollup.objects.order_by("pk").first()
    assert tampered is not None
    Rollup.objects.filter(pk=tampered.pk).update(total=F("total") + Decimal("0.01"))
    cell = (
        tampered.pairing_id,
        tampered.month,
        tampered.metric,
        tampered.direction,
        tampered.level,
        tampered.category,
        tampered.subcategory,
    )
    out = io.StringIO()

    with translation.override("en"), pytest.raises(CommandError, match="1 rollup cells differ"):
        call_command("rollups", "verify", stdout=out)

    listed = out.getvalue()
    assert str(cell) in listed
    tampered_to = (tampered.count, tampered.total + Decimal("0.01"))
    assert f"stored {tampered_to}, expected ({tampered.count}, " in listed
    assert [d.cell for d in rollup_differences()] == [cell]


def test_verify_notices_a_missing_and_an_invented_cell(demo: None) -> None:
    removed = Rollup.objects.order_by("pk").first()
    assert removed is not None
    removed.delete()
    invented = Rollup.objects.order_by("pk").first()
    assert invented is not None
    Rollup.objects.create(
        pairing_id=invented.pairing_id,
        root_id=invented.root_id,
        month=invented.month,
        metric="visit",
        direction="nowhere",
        count=3,
        total=3,
    )

    with pytest.raises(CommandError):
        rollups("verify")

    differences = {d.cell[2:4]: (d.stored, d.expected) for d in rollup_differences()}
    assert differences[("visit", "nowhere")] == ((3, Decimal(3)), (0, Decimal(0)))
    assert differences[(removed.metric, removed.direction)] == (
        (0, Decimal(0)),
        (removed.count, removed.total),
    )


def test_rebuild_repairs_tampering_and_verify_passes_again(demo: None) -> None:
    before = sorted(_rollup_cells())
    facts_before = Fact.objects.count()
    Rollup.objects.filter(pk=Rollup.objects.order_by("pk").values("pk")[:1]).update(total=0)
    Rollup.objects.filter(metric="visit").update(count=F("count") + 1)
    Fact.objects.filter(pk=Fact.objects.order_by("pk").values("pk")[:1]).delete()
    with pytest.raises(CommandError):
        rollups("verify")

    with translation.override("en"):
        rebuilt = rollups("rebuild")

    assert rebuilt.strip() == f"Rollups rebuilt from {facts_before} facts."
    assert Fact.objects.count() == facts_before
    assert rollup_differences() == []
    with translation.override("en"):
        assert rollups("verify").strip() == exact_message()
    after = sorted(_rollup_cells())
    assert after == before


def test_rebuild_on_an_empty_ledger_writes_nothing() -> None:
    with translation.override("en"):
        assert rollups("rebuild").strip() == "Rollups rebuilt from 0 facts."
        assert rollups("verify").strip() == "Rollups are exact (0 facts checked)."
    assert Rollup.objects.count() == 0


def test_recount_restores_lost_and_tampered_rollups_from_the_facts(demo: None) -> None:
    before = set(_rollup_cells())
    Rollup.objects.order_by("pk")[:1].get().delete()
    Rollup.objects.filter(metric="visit").update(total=F("total") + Decimal("1.05"))
    assert rollup_differences() != []

    output = rollups("recount")

    after = set(_rollup_cells())
    assert after == before
    assert rollup_differences() == []
    assert str(len(before)) in output
