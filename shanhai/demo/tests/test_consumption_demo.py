"""The consumption demo: 金鸡村's kiwifruit, the NGO's livestream, 森鲜馆, flags and demand."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shanhai.accounts.models import User
from shanhai.consumption.models import (
    BenefitLinkage,
    Buyer,
    BuyerQuota,
    Certification,
    Channel,
    Demand,
    GuidanceNotice,
    Product,
    SaleFlag,
    SaleLine,
    SalesMonth,
    Supplier,
)
from shanhai.facts.selectors import rollup_differences
from shanhai.facts.selectors import total as fact_total
from shanhai.indicators.selectors import progress, regime_for_year
from shanhai.ledger.models import SalesEvent
from shanhai.places.models import Pairing

pytestmark = pytest.mark.django_db

KIWI = "红心猕猴桃"
COUNTED = {"is_certified": True, "is_excluded": False, "is_held": False}


@pytest.fixture
def demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def indicator_values(code, year):
    office = User.objects.get(username="songjiang")
    result = progress(office, Pairing.objects.get(code=code), year)
    return {v.indicator.code: v.actual for v in result.values}


def test_jinji_villages_kiwifruit_is_certified_from_2022_after_the_whole_workflow(demo):
    co_op = Supplier.objects.get(name__contains="金鸡村猕猴桃")
    kiwi = Product.objects.get(name=KIWI)
    first = Certification.objects.filter(product=kiwi).earliest("applied_on")
    town = co_op.place.parent

    assert town is not None
    assert (co_op.place.name, town.name) == ("金鸡村", "麟凤镇")
    assert co_op.is_illustrative
    assert kiwi.is_illustrative
    assert kiwi.season_months == [9, 10, 11]
    linkages = {link.year: link for link in BenefitLinkage.objects.filter(supplier=co_op)}
    assert sorted(linkages) == [2021, 2022, 2023]
    assert all(link.poverty_exited_households and link.paid_amount for link in linkages.values())
    assert first.status == Certification.Status.CERTIFIED
    assert first.valid_from == date(2022, 3, 1)
    assert list(first.steps.values_list("kind", flat=True)) == [
        "applied", "reviewed", "rechecked", "publicised", "objection", "answered", "certified",
    ]  # fmt: skip
    assert {step.done_by.username for step in first.steps.all()} == {"weixin", "songjiang"}
    assert "威信县商务局" in first.steps.get(kind="reviewed").note
    statuses = set(Certification.objects.values_list("status", flat=True))
    assert statuses == {"certified", "rejected", "withdrawn", "publicised"}
    notice = Certification.objects.get(status="publicised")
    assert notice.publicity_to is not None
    assert notice.publicity_to >= timezone.localdate()  # under public notice as the demo opens


def test_the_livestream_lines_belong_to_the_2022_08_22_event_and_the_ngo_pairing(demo):
    livestream = SalesEvent.objects.get(occurred_on=date(2022, 8, 22))
    lines = SaleLine.objects.filter(sales_event=livestream)

    assert lines.count() == 240
    assert set(lines.values_list("sold_on", "pairing__code", "product__name")) == {
        (date(2022, 8, 22), "baixing-jinji", KIWI)
    }
    channel = Channel.objects.get(kind="livestream")
    assert set(lines.values_list("channel", flat=True)) == {channel.pk}
    assert channel.operator is not None
    assert channel.operator.name == "上海市松江区百姓义工公益发展中心"
    expo = SaleLine.objects.filter(sales_event__occurred_on=date(2022, 11, 5))
    assert expo.exists()
    assert set(expo.values_list("channel__kind", flat=True)) == {"expo"}
    senxian = Channel.objects.get(name="森鲜馆")
    assert senxian.kind == "platform"
    assert senxian.operator is not None
    assert "森鲜馆" in senxian.operator.name
    assert BuyerQuota.objects.filter(buyer__kind="budget_unit", year=2023).count() == 3
    assert SaleLine.objects.filter(channel__kind="832", buyer__kind="budget_unit").exists()
    assert {"union", "canteen"} <= set(Buyer.objects.values_list("kind", flat=True))
    assert not SaleLine.objects.filter(is_illustrative=False).exists()
    assert set(SaleLine.objects.values_list("batch__entry_method", flat=True)) == {"demo"}


def test_counted_sales_leave_out_lines_sold_before_certification(demo):
    kiwi_2021 = SaleLine.objects.filter(product__name=KIWI, sold_on__year=2021)
    county = Pairing.objects.get(code="songjiang-weixin")
    ids = Pairing.objects.filter(path__startswith=county.path).values_list("pk", flat=True)
    counted_2023 = SaleLine.objects.filter(pairing__in=ids, sold_on__year=2023, **COUNTED)
    figures = indicator_values("songjiang-weixin", 2023)

    assert kiwi_2021.count() > 100
    assert not kiwi_2021.filter(is_certified=True).exists()
    assert set(kiwi_2021.values_list("flags__kind", flat=True)) == {"uncertified"}
    total = counted_2023.aggregate(s=Sum("amount"))["s"]
    assert figures["E1"] + figures["E2"] == (total / 10000).quantize(Decimal("0.01"))
    uncertified = SaleLine.objects.filter(pairing__in=ids, sold_on__year=2023, is_certified=False)
    assert uncertified.exists()
    facts = fact_total(list(ids), "consumption.sales", date(2023, 1, 1), date(2023, 12, 31))
    assert facts[1] == total
    months = SalesMonth.objects.filter(pairing__in=ids, month__year=2023, is_counted=True)
    assert months.aggregate(s=Sum("amount"))["s"] == total


def test_every_kind_of_flag_is_raised_some_resolved_some_still_open(demo):
    flags = SaleFlag.objects.all()

    for kind in SaleFlag.Kind.values:
        assert flags.filter(kind=kind).exists(), kind
        assert flags.filter(kind=kind, status="open").exists(), kind
        assert flags.filter(kind=kind).exclude(status="open").exists(), kind
    held = SaleLine.objects.get(flags__kind="duplicate", flags__status="open")
    assert held.is_held
    assert held.channel.kind == "union"
    assert held.flags.get().other_line
    wrong = flags.filter(kind="wrong_pairing").values_list("line__pairing__code", flat=True)
    assert set(wrong) == {"songjiang-zhaoyang"}
    capacity = flags.filter(kind="over_capacity").values_list("line__product__name", flat=True)
    assert set(capacity) == {"威信天麻（干品）"}
    resent = SaleLine.objects.get(order_id__endswith="-R")
    assert resent.pairing.code == "songjiang-weixin"
    assert resent.is_counted


def test_demand_for_the_coming_months_and_a_published_notice_for_growers(demo):
    today = timezone.localdate()
    upcoming = Demand.objects.filter(status="open", deliver_from__gt=today)

    assert upcoming.count() >= 5
    assert all(d.deliver_from <= today + timedelta(days=366) for d in upcoming)
    assert upcoming.filter(category="fruit", product_name__contains="猕猴桃").exists()
    assert Demand.objects.filter(status="matched", matched_supplier__place__name="金鸡村").exists()
    notice = GuidanceNotice.objects.get()
    assert notice.published_on == today
    assert notice.town is not None
    assert notice.town.name == "麟凤镇"
    assert "猕猴桃" in notice.title
    kiwi = Product.objects.get(name=KIWI)
    kiwi_demand = upcoming.get(pairing__code="songjiang-weixin", category="fruit")
    valid = Certification.objects.filter(product=kiwi, valid_to__gte=kiwi_demand.deliver_from)
    assert valid.exists()  # certificates renewed, so the product can meet next season's demand


def test_indicators_e1_to_e9_have_figures_and_rollups_stay_exact_on_reload(demo):
    regime = regime_for_year(2023)
    codes = [f"E{n}" for n in (1, 2, 3, 5, 6, 7, 8, 9)]
    assert regime is not None
    assert set(codes) <= set(regime.indicators.values_list("code", flat=True))
    for year in (2022, 2023):
        values = indicator_values("songjiang-weixin", year)
        assert all(values[code] for code in codes), (year, values)
    lines = SaleLine.objects.count()

    call_command("demo", stdout=io.StringIO())

    assert SaleLine.objects.count() == lines
    assert rollup_differences() == []


def test_the_drill_down_lists_the_sale_lines_that_add_up_to_the_figure(demo, client):
    client.force_login(User.objects.get(username="songjiang"))
    figures = indicator_values("songjiang-weixin", 2023)
    url = "/pairings/songjiang-weixin/indicators/2023/{}/"

    response = client.get(url.format("E1"))
    behind = response.context["behind"]
    lines = list(behind.rows)
    assert behind.kind == "sales"
    assert len(lines) == behind.count > 50
    assert sum(line.amount for line in lines) == behind.total
    assert (behind.total / 10000).quantize(Decimal("0.01")) == figures["E1"]
    assert {line.mode for line in lines} == {"purchased"}
    assert all(line.is_counted and line.sold_on.year == 2023 for line in lines)
    assert len(response.context["page"].object_list) == 50
    page = response.content.decode()
    assert lines[0].order_id in page
    assert "ledger records behind" not in page

    helped = list(client.get(url.format("E2")).context["behind"].rows)
    ngo = next(i for i, line in enumerate(helped) if line.pairing.code == "baixing-jinji")
    with CaptureQueriesContext(connection) as first_page:
        client.get(url.format("E2"))
    with CaptureQueriesContext(connection) as ngo_page:  # names the NGO pairing on its lines
        response = client.get(url.format("E2") + f"?page={ngo // 50 + 1}")
    assert "百姓义工" in response.content.decode()
    assert len(ngo_page) == len(first_page)

    e3 = client.get(url.format("E3")).context["behind"]
    assert {line.channel.kind for line in e3.rows} == {"832"}
    assert (e3.total / 10000).quantize(Decimal("0.01")) == figures["E3"]
    e5 = client.get(url.format("E5")).context["behind"]
    assert e5.kind == "certifications"
    assert e5.count == figures["E5"]
    e8 = client.get(url.format("E8")).context["behind"]
    assert e8.kind == "linkages"
    assert e8.total == figures["E8"]
    e6 = client.get(url.format("E6")).context["behind"]
    assert e6.count == figures["E6"]
    assert all(s.registered_on.year == 2023 for s in e6.rows)
