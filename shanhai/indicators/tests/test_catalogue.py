"""Indicator catalogues are data: the shipped 2021 file, a later regime, and what is refused."""

from __future__ import annotations

import copy
import inspect
import json
import re
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from shanhai.consumption import facts as consumption_facts
from shanhai.consumption.models import Channel, SaleMode
from shanhai.indicators.catalogue import (
    SHIPPED,
    apply_catalogue,
    load_catalogue,
    read_catalogue_file,
)
from shanhai.indicators.models import Category, Indicator, Regime
from shanhai.indicators.selectors import progress
from shanhai.labor import facts as labor_facts
from shanhai.labor.models import Destination, HouseholdType, SubsidyRule
from shanhai.labor.rules import STABLE_MONTHS
from shanhai.ledger import facts
from shanhai.ledger.models import (
    Agreement,
    Direction,
    Donation,
    FundSource,
    FundTransaction,
    IndustryCooperation,
    Level,
    Meeting,
    SalesEvent,
    Sector,
    TalentExchange,
)
from shanhai.ledger.tests.factories import (
    DonationFactory,
    TalentExchangeFactory,
    VisitFactory,
    person,
)
from shanhai.places.tests.factories import PairingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Compare messages with their English source; the catalogue's translation is tested apart."""
    with translation.override("en"):
        yield


def catalogue_2026() -> dict[str, Any]:
    return {
        "regime": {
            "code": "2026",
            "name": "常态化帮扶（2026年起）",
            "first_year": 2026,
            "last_year": None,
            "source": "A test catalogue.",
        },
        "indicators": [
            {
                "code": "K1",
                "category": "talent",
                "name_zh": "科技人才交流",
                "name_en": "Science and technology talent exchanged",
                "unit": "人",
                "side": "both",
                "computation": "facts",
                "metric": "talent.people",
                "aggregate": "sum",
                "filters": {"subcategory": "flexible"},
            },
            {
                "code": "K2",
                "category": "funds",
                "name_zh": "人均科技人才",
                "name_en": "Talent per county",
                "unit": "人",
                "side": "both",
                "computation": "ratio",
                "filters": {"numerator": "K1", "denominator": "K0"},
            },
            {
                "code": "K0",
                "category": "funds",
                "name_zh": "结对县数",
                "name_en": "Paired counties",
                "unit": "个",
                "side": "both",
                "computation": "pairings",
                "filters": {"kind": "county"},
            },
        ],
    }


def shipped() -> dict[str, Any]:
    return read_catalogue_file(SHIPPED / "2021.json")


def test_the_migration_loads_the_2021_catalogue_with_every_category():
    regime = Regime.objects.get(code="2021")

    assert (regime.first_year, regime.last_year) == (2021, 2025)
    categories = set(regime.indicators.values_list("category", flat=True))
    assert categories == set(Category.values)
    assert regime.indicators.count() == len(shipped()["indicators"])
    b1 = regime.indicators.get(code="B1")
    assert (b1.metric, b1.aggregate, b1.scale) == ("funds.amount", "sum", Decimal(10000))


def test_loading_the_shipped_catalogue_again_changes_nothing():
    before = list(Indicator.objects.order_by("pk").values())

    loaded = apply_catalogue(data=shipped())
    again = apply_catalogue(data=shipped())

    assert loaded.created == loaded.updated == []
    assert again.created == again.updated == []
    assert len(again.unchanged) == len(shipped()["indicators"])
    assert list(Indicator.objects.order_by("pk").values()) == before
    assert Regime.objects.count() == 1


def test_a_changed_entry_is_updated_in_place():
    data = shipped()
    data["indicators"][0]["note"] = "Revised."

    loaded = apply_catalogue(data=data)

    assert loaded.updated == [data["indicators"][0]["code"]]
    assert Indicator.objects.get(regime__code="2021", code="A1").note == "Revised."


def test_a_2026_catalogue_is_added_as_data_beside_2021():
    regime = load_catalogue(data=catalogue_2026())

    assert regime.code == "2026"
    assert list(Regime.objects.values_list("code", flat=True)) == ["2021", "2026"]
    assert list(regime.indicators.values_list("code", flat=True)) == ["K1", "K2", "K0"]
    assert Indicator.objects.filter(regime__code="2021", code="B1").exists()


def test_the_shipped_catalogue_uses_the_ledger_vocabulary():
    """Every metric is one the ledger emits; every filter value is one of its choices."""
    source = inspect.getsource(facts.record_facts)
    metrics = set(re.findall(r'add\(\s*"([a-z_.]+)"', source))
    metrics |= {f"project.{kind}" for kind in FundTransaction.TransactionKind.values}
    metrics |= set(re.findall(r'"(labor\.[a-z_.]+)"', inspect.getsource(labor_facts)))
    metrics |= {f"labor.stable_{months}" for months in STABLE_MONTHS}
    metrics |= set(re.findall(r'"(consumption\.[a-z_.]+)"', inspect.getsource(consumption_facts)))
    values = {
        "direction": {*Direction.values, *SaleMode.values},
        "level": set(Level.values),
        "category": {
            *Meeting.MeetingKind.values,
            *Agreement.AgreementKind.values,
            *FundSource.values,
            *Sector.values,
            *Donation.DonationKind.values,
            *IndustryCooperation.CooperationKind.values,
            *SalesEvent.EventKind.values,
            *Destination.values,
            *SubsidyRule.Kind.values,
            *Channel.Kind.values,
        },
        "subcategory": {*TalentExchange.Form.values, *HouseholdType.values},
    }
    for entry in shipped()["indicators"]:
        if entry["computation"] != "facts":
            continue
        assert entry["metric"] in metrics, entry["code"]
        for name, value in entry["filters"].items():
            assert set(value.split("|")) <= values[name], entry["code"]


def refused(change: Any) -> str:
    data = catalogue_2026()
    change(data["indicators"])
    with pytest.raises(ValidationError) as error:
        load_catalogue(data=data)
    assert not Regime.objects.filter(code="2026").exists()
    return " ".join(error.value.messages)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", "innovation"),
        ("computation", "guess"),
        ("aggregate", "average"),
        ("side", "north"),
    ],
)
def test_an_unknown_choice_is_refused_naming_the_code_and_field(field, value):
    message = refused(lambda entries: entries[0].update({field: value}))

    assert "Indicator K1" in message
    assert field in message


def test_a_facts_indicator_without_a_metric_is_refused():
    message = refused(lambda entries: entries[0].update(metric=""))

    assert "Indicator K1, metric" in message


def test_a_facts_filter_outside_the_fact_dimensions_is_refused():
    message = refused(lambda entries: entries[0].update(filters={"sector": "health"}))

    assert "Indicator K1, filters" in message
    assert "sector" in message


def test_a_pairings_filter_other_than_kind_is_refused():
    message = refused(lambda entries: entries[2].update(filters={"direction": "east_west"}))

    assert "Indicator K0, filters" in message


def test_an_unknown_kind_of_pairing_is_refused():
    message = refused(lambda entries: entries[2].update(filters={"kind": "county|city"}))

    assert "Indicator K0, filters" in message
    assert "city" in message


def test_a_ratio_of_an_indicator_outside_the_catalogue_is_refused():
    message = refused(lambda entries: entries[1]["filters"].update(denominator="B0"))

    assert "Indicator K2, filters" in message
    assert "B0" in message


def test_a_code_used_twice_is_refused():
    message = refused(lambda entries: entries[2].update(code="K1"))

    assert "Indicator K1, code" in message


def test_a_bad_entry_leaves_the_earlier_entries_unstored():
    data = catalogue_2026()
    data["indicators"][2]["unit"] = "个" * 30  # fails full_clean, after K1 and K2 are valid

    with pytest.raises(ValidationError, match=r"Indicator K0, unit"):
        load_catalogue(data=data)

    assert not Indicator.objects.filter(code__in=["K1", "K2"]).exists()


def test_bad_json_is_reported_with_its_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "regime": {"code": "2026",}\n}', encoding="utf-8")

    with pytest.raises(ValidationError) as error:
        read_catalogue_file(path)

    assert "line 2, column 29" in error.value.messages[0]


def test_the_command_loads_a_file_and_prints_the_counts(tmp_path):
    path = tmp_path / "2026.json"
    path.write_text(json.dumps(catalogue_2026()), encoding="utf-8")
    out = StringIO()

    call_command("indicators", "load", str(path), stdout=out)
    call_command("indicators", "load", str(path), stdout=out)

    first, second = out.getvalue().splitlines()
    assert first == "Regime 2026: 3 indicators created, 0 updated, 0 unchanged."
    assert second == "Regime 2026: 0 indicators created, 0 updated, 3 unchanged."


def test_the_command_lists_one_regime():
    out = StringIO()

    call_command("indicators", "list", "--regime", "2021", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("2021 ")
    assert any(line.split()[:3] == ["B2", "funds", "ratio"] for line in lines)
    assert len(lines) == 1 + len(shipped()["indicators"])


def test_the_command_reports_a_refused_file(tmp_path):
    data = copy.deepcopy(catalogue_2026())
    data["indicators"][0]["metric"] = ""
    path = tmp_path / "2026.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError, match=r"Indicator K1, metric"):
        call_command("indicators", "load", str(path))


def test_the_2021_catalogue_computes_from_ledger_records():
    pairing = PairingFactory.create()
    user = person(pairing)
    east = {"pairing": pairing, "recorded_by": user, "direction": Direction.EAST_TO_WEST}
    VisitFactory.create(**east, level=Level.PRINCIPAL)
    VisitFactory.create(**east, level=Level.DEPARTMENT, member_count=12)
    TalentExchangeFactory.create(**east, headcount=2)  # cadres on secondment
    TalentExchangeFactory.create(
        **east, form=TalentExchange.Form.TEACHING, sector=Sector.EDUCATION, headcount=5
    )
    TalentExchangeFactory.create(
        **east, form=TalentExchange.Form.MEDICAL, sector=Sector.HEALTH, headcount=61
    )
    DonationFactory.create(**east, value_amount=Decimal(480000))

    values = {v.indicator.code: v.actual for v in progress(user, pairing, 2024).values}

    expected = {"A1": 1, "A2": 0, "A5": 1, "A7": 12, "C1": 2, "C3": 66, "C4": 5, "C5": 61}
    expected |= {"C7": 0, "B0": 1, "B3": 48, "B2": 0}  # B2 = B1 (none yet) ÷ B0
    assert {code: values[code] for code in expected} == {
        code: Decimal(value) for code, value in expected.items()
    }
    assert values["E1"] == 0  # the consumption module: nothing sold
    assert values["H1"] is None  # not fed by any module yet
    assert values["F1"] == 0  # the labor module: nobody placed
