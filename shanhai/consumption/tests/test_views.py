"""The consumption pages: who may open and write them, the registry forms, certification step by
step from the web, API keys, manual sale entry, the flags queue, and how many queries the long
lists need."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context
from django.urls import reverse
from django.utils import translation
from PIL import Image

from shanhai.accounts.models import Role, Side, User
from shanhai.consumption import rules, selectors, services
from shanhai.consumption.models import (
    BenefitLinkage,
    Certification,
    ChannelToken,
    Product,
    SaleFlag,
    SaleLine,
    Supplier,
)
from shanhai.consumption.services import SaleInput
from shanhai.consumption.templatetags import consumption_pages
from shanhai.consumption.tests.conftest import ALL_CRITERIA, Shop
from shanhai.core.models import AuditEvent
from shanhai.ledger.tests.factories import person
from shanhai.places.tests.factories import PlaceFactory

pytestmark = pytest.mark.django_db

# Measured; neither grows with the number of rows shown. A signed-in page spends three on who is
# asking (session, user, the navigation's import link) and one on each reading of their grants.
SALE_LIST_QUERIES = 10  # … the filter's channels, the page, its lines' flags, the tab's flag count
FLAG_LIST_QUERIES = 10  # … the filter's channels, count, page, open flags by kind


def _png() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")
    return SimpleUploadedFile("盖章.png", buffer.getvalue(), content_type="image/png")


def _sale(
    order_id: str,
    product: Product,
    *,
    sold_on: date = date(2023, 9, 20),
    quantity: Decimal = Decimal(2),
    amount: Decimal = Decimal(120),
    buyer_id: int | None = None,
) -> SaleInput:
    return SaleInput(order_id, sold_on, product.pk, quantity, amount, buyer_id=buyer_id)


@dataclass
class Sales:
    key: str
    token: ChannelToken
    duplicate: SaleFlag  # the expo reported a sale 森鲜馆 had already reported: held
    price: SaleFlag  # a kiwi box sold at 100 yuan each: counted, but flagged
    uncertified: SaleFlag  # honey is not certified


@pytest.fixture
def sales(shop: Shop, east_office: User) -> Sales:
    token, key = services.issue_channel_token(
        channel=shop.channel, name="店铺系统", issued_by=east_office
    )
    services.ingest_sales(
        channel=shop.channel,
        sales=[
            _sale("SX-1", shop.kiwi, buyer_id=shop.union.pk),
            _sale("SX-2", shop.kiwi, amount=Decimal(400), quantity=Decimal(2)),
            _sale("SX-3", shop.honey, amount=Decimal(160)),
        ],
        entry_method="api",
        token=token,
    )
    services.ingest_sales(
        channel=shop.expo,
        sales=[_sale("EXPO-1", shop.kiwi, buyer_id=shop.union.pk)],
        entry_method="form",
        user=east_office,
    )
    return Sales(
        key=key,
        token=token,
        duplicate=SaleFlag.objects.get(kind=SaleFlag.Kind.DUPLICATE),
        price=SaleFlag.objects.get(kind=SaleFlag.Kind.PRICE),
        uncertified=SaleFlag.objects.get(kind=SaleFlag.Kind.UNCERTIFIED),
    )


@pytest.fixture
def viewer(tree) -> User:
    return person(tree.county, Role.VIEWER, Side.WEST, display_name="观察员")


def _counted(user: User) -> Decimal:
    return selectors.sales_totals(selectors.months_for_user(user)).counted_amount


def list_pages() -> list[str]:
    """Pages without an object: they open for anyone signed in, showing only their pairings."""
    return [
        reverse(f"consumption:{name}")
        for name in (
            "home",
            "supplier-list",
            "certification-queue",
            "channel-list",
            "sale-list",
            "flag-list",
        )
    ]


def object_pages(shop: Shop, sales: Sales) -> list[str]:
    """Pages of one supplier, product, certification or channel."""
    cert = shop.kiwi.certifications.get()
    return [
        reverse("consumption:supplier-detail", args=[shop.supplier.pk]),
        reverse("consumption:supplier-edit", args=[shop.supplier.pk]),
        reverse("consumption:linkage-edit", args=[shop.supplier.pk]),
        reverse("consumption:product-create", args=[shop.supplier.pk]),
        reverse("consumption:product-detail", args=[shop.kiwi.pk]),
        reverse("consumption:product-edit", args=[shop.kiwi.pk]),
        reverse("consumption:certification-apply", args=[shop.honey.pk]),
        reverse("consumption:certification-detail", args=[cert.pk]),
        reverse("consumption:channel-detail", args=[shop.channel.pk]),
        reverse("consumption:sale-create", args=[shop.channel.pk]),
    ]


def object_writes(shop: Shop, sales: Sales) -> list[str]:
    cert = shop.kiwi.certifications.get()
    return [
        reverse("consumption:supplier-edit", args=[shop.supplier.pk]),
        reverse("consumption:linkage-edit", args=[shop.supplier.pk]),
        reverse("consumption:product-create", args=[shop.supplier.pk]),
        reverse("consumption:product-edit", args=[shop.kiwi.pk]),
        reverse("consumption:certification-apply", args=[shop.honey.pk]),
        reverse("consumption:certification-detail", args=[cert.pk]),
        reverse("consumption:channel-key-issue", args=[shop.channel.pk]),
        reverse("consumption:channel-key-revoke", args=[sales.token.pk]),
        reverse("consumption:sale-create", args=[shop.channel.pk]),
    ]


# Access ---------------------------------------------------------------------------------------


def test_every_consumption_page_opens_for_the_office(client, east_office, shop, sales):
    client.force_login(east_office)

    for url in [
        *list_pages(),
        reverse("consumption:supplier-create"),
        reverse("consumption:channel-create"),
        *object_pages(shop, sales),
    ]:
        assert client.get(url).status_code == 200, url


def test_an_outsider_finds_none_of_the_pairings_pages_or_records(client, outsider, shop, sales):
    client.force_login(outsider)

    for url in object_pages(shop, sales):
        assert client.get(url).status_code == 404, url
    for url in object_writes(shop, sales):
        assert client.post(url, {"name": "看看", "note": "看看"}).status_code == 404, url
    for url in list_pages():
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        channel_page = reverse("consumption:channel-detail", args=[shop.channel.pk])
        for name in ("金鸡", "红心猕猴桃", "SX-1", channel_page):
            assert name not in content, (url, name)


def test_an_outsider_cannot_register_a_supplier_in_a_pairing_not_theirs(
    client, tree, outsider, shop
):
    client.force_login(outsider)

    response = client.post(
        reverse("consumption:supplier-create"),
        {"pairing": tree.county.pk, "name": "冒名合作社", "kind": "cooperative",
         "place": shop.village.pk, "registered_on": "2023-05-01"},
    )  # fmt: skip

    assert response.status_code == 200
    assert response.context["form"].errors["pairing"]
    assert not Supplier.objects.filter(name="冒名合作社").exists()


def test_a_viewer_sees_the_pages_but_every_write_is_refused(client, viewer, shop, sales):
    client.force_login(viewer)

    for url in list_pages():
        assert client.get(url).status_code == 200, url
    assert (
        client.get(reverse("consumption:supplier-detail", args=[shop.supplier.pk])).status_code
        == 200
    )
    assert client.get(reverse("consumption:supplier-create")).status_code == 403
    for url in object_writes(shop, sales):
        assert client.post(url, {"name": "看看", "note": "看看"}).status_code == 403, url
    flag = sales.price
    response = client.post(
        reverse("consumption:flag-resolve"),
        {"flags": [flag.pk], "resolution": "excluded", "note": "不该排除"},
    )
    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.status == SaleFlag.Status.OPEN


# Suppliers and products -------------------------------------------------------------------------


def test_a_supplier_is_registered_through_the_form(client, tree, west_office, shop):
    client.force_login(west_office)

    response = client.post(
        reverse("consumption:supplier-create"),
        {
            "pairing": tree.town.pk,
            "name": "威信县旧城蜂业家庭农场",
            "kind": "family_farm",
            "place": shop.village.pk,
            "credit_code": "",
            "contact_name": "王师傅",
            "contact_phone": "13908700000",
            "registered_on": "2023-05-01",
        },
    )

    supplier = Supplier.objects.get(name="威信县旧城蜂业家庭农场")
    assert response.status_code == 302
    assert response.url == reverse("consumption:supplier-detail", args=[supplier.pk])
    assert supplier.pairing == tree.town
    assert supplier.place == shop.village
    assert AuditEvent.objects.filter(action="consumption.supplier.register").count() == 2


def test_the_supplier_form_refuses_a_bad_credit_code_and_a_place_outside_the_pairing(
    client, tree, west_office, shop
):
    client.force_login(west_office)
    with translation.override("en"):
        response = client.post(
            reverse("consumption:supplier-create"),
            {"pairing": tree.town.pk, "name": "某合作社", "kind": "cooperative",
             "place": tree.east_town.pk, "credit_code": "91530629MA6K000000",
             "registered_on": "2023-05-01"},
        )  # fmt: skip

    errors = response.context["form"].errors
    assert "credit_code" in errors
    assert "place" in errors
    assert not Supplier.objects.filter(name="某合作社").exists()


def test_a_product_is_registered_with_amounts_written_the_chinese_way(client, west_office, shop):
    client.force_login(west_office)

    response = client.post(
        reverse("consumption:product-create", args=[shop.supplier.pk]),
        {
            "name": "天麻",
            "category": "herbs",
            "spec": "500克",
            "unit": "斤",
            "origin": shop.village.pk,
            "reference_price": "120元",
            "season_months": ["10", "11"],
            "capacity_quantity": "1.2万",
            "capacity_amount": "144万元",
        },
    )

    product = Product.objects.get(name="天麻")
    assert response.status_code == 302
    assert product.capacity_quantity == Decimal(12000)
    assert product.capacity_amount == Decimal(1_440_000)
    assert product.season_months == [10, 11]


def test_a_supplier_s_benefit_linkage_is_recorded_for_a_year(client, west_office, shop):
    client.force_login(west_office)

    response = client.post(
        reverse("consumption:linkage-edit", args=[shop.supplier.pk]) + "?year=2023",
        {"kinds": ["purchase", "wages"], "households": "120", "poverty_exited_households": "45",
         "monitored_households": "5", "paid_amount": "36.5万"},
    )  # fmt: skip

    linkage = BenefitLinkage.objects.get(supplier=shop.supplier, year=2023)
    assert response.status_code == 302
    assert linkage.households == 120
    assert linkage.paid_amount == Decimal(365_000)


def test_the_supplier_list_shows_each_product_with_its_certification_status(
    client, east_office, shop
):
    cert = services.apply_for_certification(
        product=shop.honey, applied_by=east_office, criteria=ALL_CRITERIA
    )
    client.force_login(east_office)

    with translation.override("en"):
        html = client.get(reverse("consumption:supplier-list")).content.decode()
        services.advance_certification(
            certification=cert, step="rejected", by=east_office, note="不符"
        )
        after = client.get(reverse("consumption:supplier-list"), {"q": "金鸡"}).content.decode()

    assert "审核中" in html
    assert "cert-review" in html
    assert "已过期" in html or "已认定（至" in html  # the kiwi, 2022–2024
    assert "cert-rejected" in after


def test_the_supplier_list_filters_by_town_kind_and_name(client, tree, west_office, shop):
    other_town = PlaceFactory.create(name="扎西镇", parent=tree.west_county)
    services.register_supplier(
        pairing=tree.county, recorded_by=west_office, name="扎西天麻种植大户",
        kind=Supplier.Kind.BIG_GROWER, place=other_town, registered_on=date(2022, 3, 1),
    )  # fmt: skip
    client.force_login(west_office)

    def names(**query: object) -> list[str]:
        response = client.get(reverse("consumption:supplier-list"), query)
        return [supplier.name for supplier in response.context["page"]]

    assert names() == ["威信县金鸡猕猴桃种植专业合作社", "扎西天麻种植大户"]
    assert names(town=tree.west_town.pk) == ["威信县金鸡猕猴桃种植专业合作社"]
    assert names(kind="big_grower") == ["扎西天麻种植大户"]
    assert names(q="天麻") == ["扎西天麻种植大户"]
    assert names(pairing=tree.town.pk) == ["威信县金鸡猕猴桃种植专业合作社"]


def test_the_sale_list_shows_only_the_lines_not_counted_when_asked(client, east_office, sales):
    client.force_login(east_office)

    response = client.get(reverse("consumption:sale-list"), {"counted": "no"})

    orders = sorted(line.order_id for line in response.context["page"].lines)
    assert orders == ["EXPO-1", "SX-3"]  # the held duplicate and the uncertified honey


# Certification --------------------------------------------------------------------------------


def _step(client, cert: Certification, **data):
    data.setdefault("on", "2023-06-01")
    if "criteria" not in data:
        cert.refresh_from_db()
        data["criteria"] = [name for name in Certification.CRITERIA if getattr(cert, name)]
    return client.post(reverse("consumption:certification-detail", args=[cert.pk]), data)


def test_the_commerce_bureau_takes_a_product_through_every_step_from_the_web(
    client, west_office, shop
):
    client.force_login(west_office)
    five = ALL_CRITERIA[:-1]  # no after-sales service yet

    response = client.post(
        reverse("consumption:certification-apply", args=[shop.honey.pk]),
        {"criteria": five, "applied_on": "2023-05-10", "note": "县商务局受理", "evidence": _png()},
    )
    cert = Certification.objects.get(product=shop.honey)
    assert response.url == reverse("consumption:certification-detail", args=[cert.pk])

    assert _step(client, cert, step="reviewed", on="2023-05-20", evidence=_png()).status_code == 302
    assert _step(client, cert, step="rechecked", on="2023-05-25").status_code == 302
    with translation.override("en"):
        too_early = _step(client, cert, step="publicised", publicity_to="2023-05-31")
    assert too_early.status_code == 400
    assert too_early.context["form"].errors["publicity_to"]
    assert _step(client, cert, step="publicised", publicity_to="2023-06-07").status_code == 302
    assert _step(client, cert, step="objection", note="有群众反映蜂蜜掺糖").status_code == 302
    with translation.override("en"):
        unanswered = _step(client, cert, step="certified", on="2023-06-10",
                           certificate_number="WX-2023-018", valid_from="2023-06-10",
                           valid_to="2025-06-09")  # fmt: skip
    assert unanswered.status_code == 400
    assert "尚未核实答复" in str(unanswered.context["form"].errors["note"])
    assert _step(client, cert, step="answered", note="抽检合格").status_code == 302

    with translation.override("en"):
        during_notice = _step(client, cert, step="certified", on="2023-06-05",
                              certificate_number="WX-2023-018", valid_from="2023-06-10",
                              valid_to="2025-06-09", criteria=ALL_CRITERIA)  # fmt: skip
        unmet = _step(client, cert, step="certified", on="2023-06-10",
                      certificate_number="WX-2023-018", valid_from="2023-06-10",
                      valid_to="2025-06-09")  # fmt: skip
    assert "请在公示期满后认定" in str(during_notice.context["form"].errors["on"])
    assert "有售后服务" in str(unmet.context["form"].errors["criteria"])
    assert 'class="field has-error"' in unmet.content.decode()
    cert.refresh_from_db()
    assert cert.status == Certification.Status.PUBLICISED  # a refused step changes nothing
    assert not cert.has_after_sales

    done = _step(client, cert, step="certified", on="2023-06-10", certificate_number="WX-2023-018",
                 valid_from="2023-06-10", valid_to="2025-06-09", criteria=ALL_CRITERIA)  # fmt: skip

    assert done.status_code == 302
    cert.refresh_from_db()
    assert cert.status == Certification.Status.CERTIFIED
    assert cert.certificate_number == "WX-2023-018"
    assert list(cert.steps.values_list("kind", flat=True)) == [
        "applied", "reviewed", "rechecked", "publicised", "objection", "answered", "certified",
    ]  # fmt: skip
    page = client.get(reverse("consumption:product-detail", args=[shop.honey.pk])).content.decode()
    assert "WX-2023-018" in page
    assert "有群众反映蜂蜜掺糖" in page
    assert page.count("/evidence/") == 2
    next_steps = client.get(done.url).context["form"].fields["step"].choices
    assert [value for value, _label in next_steps] == ["withdrawn"]


def test_step_evidence_is_served_to_the_pairing_only(client, west_office, outsider, shop):
    client.force_login(west_office)
    client.post(
        reverse("consumption:certification-apply", args=[shop.honey.pk]),
        {"criteria": ALL_CRITERIA, "applied_on": "2023-05-10", "evidence": _png()},
    )
    step = Certification.objects.get(product=shop.honey).steps.get()
    url = reverse("consumption:certification-evidence", args=[step.pk])

    assert client.get(url).status_code == 200
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_an_evidence_file_that_is_not_a_document_is_refused_at_its_field(client, west_office, shop):
    client.force_login(west_office)

    response = client.post(
        reverse("consumption:certification-apply", args=[shop.honey.pk]),
        {"criteria": ALL_CRITERIA, "applied_on": "2023-05-10",
         "evidence": SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 100)},
    )  # fmt: skip

    assert response.status_code == 200
    assert response.context["form"].errors["evidence"]
    assert not Certification.objects.filter(product=shop.honey).exists()


def test_a_rejection_needs_a_reason_given_at_the_note(client, west_office, shop):
    cert = services.apply_for_certification(
        product=shop.honey, applied_by=west_office, criteria=ALL_CRITERIA
    )
    client.force_login(west_office)

    with translation.override("en"):
        response = _step(client, cert, step="rejected", note="")

    assert response.context["form"].errors["note"] == ["请填写不予认定的理由。"]
    cert.refresh_from_db()
    assert cert.status == Certification.Status.APPLIED


def test_the_queue_says_what_each_open_application_waits_for(client, west_office, shop):
    cert = services.apply_for_certification(
        product=shop.honey, applied_by=west_office, criteria=ALL_CRITERIA
    )
    client.force_login(west_office)

    with translation.override("en"):
        response = client.get(reverse("consumption:certification-queue"))

    assert response.context["total"] == 1
    assert "县级审核盖章" in response.content.decode()
    assert reverse("consumption:certification-detail", args=[cert.pk]) in response.content.decode()


# API keys ---------------------------------------------------------------------------------------


def test_issuing_a_key_shows_it_once_and_stores_only_its_hash(client, east_office, shop):
    client.force_login(east_office)
    url = reverse("consumption:channel-detail", args=[shop.channel.pk])

    response = client.post(
        reverse("consumption:channel-key-issue", args=[shop.channel.pk]), {"name": "夜间上传"}
    )

    found = re.search(r'value="(sh_[^"]+)"', response.content.decode())
    assert found is not None
    key = found.group(1)
    token = ChannelToken.objects.get(name="夜间上传")
    assert token.key_hash == rules.hash_key(key)
    assert key not in {token.prefix, token.key_hash, token.name}
    assert "no-cache" in response["Cache-Control"]
    assert selectors.channel_for_key(key) == token
    assert key not in client.get(url).content.decode()  # shown that once only


def test_revoking_a_key_makes_the_api_refuse_it(client, east_office, shop, sales):
    client.force_login(east_office)
    assert selectors.channel_for_key(sales.key) == sales.token

    response = client.post(reverse("consumption:channel-key-revoke", args=[sales.token.pk]))

    assert response.status_code == 302
    assert selectors.channel_for_key(sales.key) is None


# Sales ----------------------------------------------------------------------------------------


def _lines(*rows: dict[str, object]) -> dict[str, object]:
    data: dict[str, object] = {
        "line-TOTAL_FORMS": str(len(rows)),
        "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "0",
        "line-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"line-{index}-{name}"] = value
    return data


def test_a_sale_of_an_uncertified_product_is_stored_but_said_not_to_be_counted(
    client, east_office, shop
):
    client.force_login(east_office)

    with translation.override("en"):
        response = client.post(
            reverse("consumption:sale-create", args=[shop.channel.pk]),
            _lines(
                {"order_id": "HAND-1", "sold_on": "2023-09-01", "product": shop.honey.pk,
                 "quantity": "3", "amount": "240元", "buyer": shop.union.pk},
                {"order_id": "HAND-2", "sold_on": "2023-09-01", "product": shop.kiwi.pk,
                 "quantity": "1", "amount": "60", "buyer": ""},
            ),
        )  # fmt: skip

    html = response.content.decode()
    outcomes = {o.order_id: o for o in response.context["outcomes"]}
    assert not outcomes["HAND-1"].is_counted
    assert outcomes["HAND-2"].is_counted
    assert "不计入" in html
    assert "销售当日产品未认定" in html
    line = SaleLine.objects.get(order_id="HAND-1")
    assert not line.is_certified
    assert line.batch.entry_method == "form"
    assert line.batch.received_by == east_office


def test_a_line_the_service_rejects_comes_back_with_its_error_at_the_field(
    client, east_office, shop, sales
):
    client.force_login(east_office)

    with translation.override("en"):
        response = client.post(
            reverse("consumption:sale-create", args=[shop.channel.pk]),
            _lines(
                {"order_id": "SX-1", "sold_on": "2023-09-21", "product": shop.kiwi.pk,
                 "quantity": "2", "amount": "120"},
                {"order_id": "HAND-3", "sold_on": "2023-09-21", "product": shop.kiwi.pk,
                 "quantity": "1", "amount": "60"},
            ),
        )  # fmt: skip

    formset = response.context["formset"]
    assert len(formset.forms) == 1
    assert "已按不同内容报送过" in str(formset.forms[0].errors["order_id"])
    assert SaleLine.objects.filter(order_id="HAND-3").exists()
    assert SaleLine.objects.get(order_id="SX-1").sold_on == date(2023, 9, 20)


def test_a_sale_form_with_an_unreadable_amount_writes_nothing(client, east_office, shop):
    client.force_login(east_office)

    response = client.post(
        reverse("consumption:sale-create", args=[shop.channel.pk]),
        _lines(
            {"order_id": "HAND-4", "sold_on": "2023-09-01", "product": shop.kiwi.pk,
             "quantity": "1", "amount": "六十块"},
        ),
    )  # fmt: skip

    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["amount"]
    assert not SaleLine.objects.filter(order_id="HAND-4").exists()


# Flags -----------------------------------------------------------------------------------------


def test_accepting_a_duplicate_counts_the_held_line(client, east_office, sales):
    client.force_login(east_office)
    before = _counted(east_office)

    response = client.post(
        reverse("consumption:flag-resolve"),
        {"flags": [sales.duplicate.pk], "resolution": "accepted", "note": "两个渠道各卖了一箱"},
    )

    assert response.status_code == 302
    sales.duplicate.refresh_from_db()
    assert sales.duplicate.status == SaleFlag.Status.ACCEPTED
    assert sales.duplicate.line.is_counted
    assert _counted(east_office) == before + Decimal(120)


def test_excluding_a_flag_takes_its_line_out_of_the_counted_total(client, east_office, sales):
    client.force_login(east_office)
    before = _counted(east_office)

    client.post(
        reverse("consumption:flag-resolve") + "?kind=price",
        {"flags": [sales.price.pk], "resolution": "excluded", "note": "录入错误"},
    )

    sales.price.line.refresh_from_db()
    assert sales.price.line.is_excluded
    assert _counted(east_office) == before - Decimal(400)


def test_excluding_without_a_note_is_refused_at_the_note(client, east_office, sales):
    client.force_login(east_office)
    before = _counted(east_office)

    with translation.override("en"):
        response = client.post(
            reverse("consumption:flag-resolve"),
            {"flags": [sales.price.pk], "resolution": "excluded", "note": ""},
        )

    assert response.status_code == 400
    assert response.context["resolve_form"].errors["note"] == ["请说明剔除的理由。"]
    assert "checked" in response.content.decode()  # the ticks are kept
    assert _counted(east_office) == before


def test_the_flags_queue_shows_the_other_channel_s_line_of_a_duplicate(client, east_office, sales):
    client.force_login(east_office)

    response = client.get(reverse("consumption:flag-list"), {"kind": "duplicate"})

    html = response.content.decode()
    assert [f.pk for f in response.context["page"]] == [sales.duplicate.pk]
    assert "EXPO-1" in html
    assert "SX-1" in html  # the line 森鲜馆 reported first


# Tabs and query counts ---------------------------------------------------------------------------


def test_the_tab_bar_leaves_out_pages_that_do_not_exist(monkeypatch, rf, east_office):
    monkeypatch.setattr(
        consumption_pages,
        "TABS",
        (*consumption_pages.TABS, ("consumption_market", "not-built-yet", "?")),
    )
    request = rf.get("/")
    request.user = east_office

    tabs = consumption_pages.consumption_tabs(Context({"request": request}))

    keys = [tab.key for tab in tabs]
    assert "not-built-yet" not in keys
    assert keys[:5] == ["home", "supplier-list", "certification-queue", "channel-list", "flag-list"]


def _many_lines(shop: Shop, east_office: User, count: int) -> None:
    services.ingest_sales(
        channel=shop.channel,
        sales=[
            _sale(
                f"MANY-{n}",
                shop.honey if n % 2 else shop.kiwi,
                sold_on=date(2023, 10, 1 + n % 28),
                amount=Decimal((160 if n % 2 else 120) + n),
            )
            for n in range(count)
        ],
        entry_method="form",
        user=east_office,
    )


@pytest.mark.parametrize("count", [3, 30])
def test_the_sale_list_needs_the_same_queries_however_many_lines(
    client, east_office, shop, django_assert_num_queries, count
):
    _many_lines(shop, east_office, count)
    client.force_login(east_office)

    with django_assert_num_queries(SALE_LIST_QUERIES):
        response = client.get(reverse("consumption:sale-list"))

    assert len(response.context["page"].lines) == count


@pytest.mark.parametrize("count", [3, 30])
def test_the_flags_queue_needs_the_same_queries_however_many_flags(
    client, east_office, shop, django_assert_num_queries, count
):
    _many_lines(shop, east_office, count * 2)  # every other line is uncertified honey
    client.force_login(east_office)

    with django_assert_num_queries(FLAG_LIST_QUERIES):
        response = client.get(reverse("consumption:flag-list"))

    assert len(response.context["page"].object_list) == count


def test_the_back_office_shows_the_records_but_changes_none(admin_client, shop, sales):
    from django.contrib import admin

    from shanhai.consumption import models

    kinds = [models.Supplier, models.Product, models.Certification, models.Channel,
             models.ChannelToken, models.SalesBatch, models.SaleLine, models.SaleFlag]  # fmt: skip
    for model in kinds:
        name = f"admin:consumption_{model._meta.model_name}"
        assert admin_client.get(reverse(f"{name}_changelist")).status_code == 200
        obj = model._default_manager.first()
        assert obj is not None
        page = admin_client.get(reverse(f"{name}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert admin.site._registry[model].has_add_permission(page.wsgi_request) is False
    token_page = admin_client.get(
        reverse("admin:consumption_channeltoken_change", args=[sales.token.pk])
    )
    assert sales.token.key_hash not in token_page.content.decode()
