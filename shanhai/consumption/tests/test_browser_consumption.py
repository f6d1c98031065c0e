"""The county commerce bureau in a real browser: certify a product step by step, issue a key to
a channel, enter a sale that counts, and resolve a sale two channels both reported."""

import re
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from shanhai.accounts.models import Role, Side
from shanhai.consumption import selectors, services
from shanhai.consumption.models import SaleFlag
from shanhai.consumption.services import SaleInput
from shanhai.ledger.tests.factories import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 360, "height": 780}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
SCREENSHOTS = Path(tempfile.gettempdir())  # /tmp/consumption-*.png


def _shots(page: Page, name: str) -> None:
    """Screenshots at a desktop's width and a small phone's, to look at."""
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=SCREENSHOTS / f"consumption-{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=SCREENSHOTS / f"consumption-{name}-360.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("shanhai-test")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的结对")).to_be_visible()


def _step(page: Page, step: str, on: str, **fields: str) -> None:
    form = page.locator("form.step-form")
    form.locator(f"input[name=step][value={step}]").check()
    form.locator("#id_on").fill(on)
    for name, value in fields.items():
        form.locator(f"#id_{name}").fill(value)
    form.locator("button[type=submit]").click()


def test_the_commerce_bureau_certifies_issues_a_key_and_checks_the_sales(
    live_server, page: Page, tree, shop, east_office
):
    bureau = person(
        tree.county, Role.COOPERATION_OFFICE, Side.WEST, username="commerce",
        display_name="威信县商务局",
    )  # fmt: skip
    # The expo and 森鲜馆 both report the same box of kiwifruit: the second report is held.
    for channel, order in ((shop.expo, "EXPO-88"), (shop.channel, "SX-88")):
        services.ingest_sales(
            channel=channel,
            sales=[
                SaleInput(
                    order,
                    date(2023, 9, 20),
                    shop.kiwi.pk,
                    Decimal(1),
                    Decimal(60),
                    buyer_id=shop.union.pk,
                )
            ],
            entry_method="api",
        )
    held = SaleFlag.objects.get(kind=SaleFlag.Kind.DUPLICATE)
    counted_before = selectors.sales_totals(selectors.months_for_user(bureau)).counted_amount

    _log_in(page, live_server.url, "commerce")
    page.locator("header.site nav a[href='/consumption/']").click()
    expect(page.locator("dl.consumption-facts")).to_be_visible()
    _shots(page, "home")

    # Certify the honey, step by step.
    page.locator("nav.consumption-tabs a[href='/consumption/suppliers/']").click()
    _shots(page, "suppliers")
    page.locator("ul.products a", has_text="土蜂蜜").click()
    page.locator("a.button.primary[href$='/certification/apply/']").click()
    for box in page.locator("input[name=criteria]").all():
        box.check()
    page.locator("#id_applied_on").fill("2023-05-10")
    page.locator("#id_note").fill("金鸡村合作社申报，附申报表")
    page.locator("form.record-form button[type=submit]").click()
    expect(page.locator("form.step-form")).to_be_visible()

    _step(page, "reviewed", "2023-05-20", note="县商务局审核盖章")
    _step(page, "rechecked", "2023-05-25")
    _step(page, "publicised", "2023-06-01", publicity_to="2023-06-07")
    expect(page.locator("dl.details")).to_contain_text("2023年6月7日")
    _step(page, "certified", "2023-06-05", certificate_number="WX-2023-018",
          valid_from="2023-06-10", valid_to="2099-12-31")  # fmt: skip
    expect(page.locator(".field.has-error")).to_be_visible()  # the notice has not ended
    _shots(page, "certification")
    _step(page, "certified", "2023-06-10", certificate_number="WX-2023-018",
          valid_from="2023-06-10", valid_to="2099-12-31")  # fmt: skip
    expect(page.locator("p.message.success")).to_be_visible()
    expect(page.locator("ol.steps li")).to_have_count(5)
    expect(page.locator("h1 .badge")).to_have_class(re.compile("status-confirmed"))

    # Give 森鲜馆 a key for its shop system; it is shown once.
    page.locator("nav.consumption-tabs a[href='/consumption/channels/']").click()
    page.locator("table.channels a", has_text="森鲜馆").click()
    page.locator("#id_name").fill("店铺系统夜间上传")
    page.locator("form.issue-key button[type=submit]").click()
    key = page.locator("#new-key").input_value()
    assert selectors.channel_for_key(key) is not None
    page.goto(page.url)  # the address again, without the POST: the key is gone for good
    expect(page.locator("#new-key")).to_have_count(0)
    expect(page.locator("ul.tokens")).to_contain_text(key[:11])

    # A sale of the honey, entered by hand, counts now that it is certified.
    page.locator("a.button.primary[href$='/sales/new/']").click()
    page.locator("#id_line-0-order_id").fill("SX-HAND-1")
    page.locator("#id_line-0-sold_on").fill("2023-09-21")
    page.locator("#id_line-0-product").select_option(
        label="土蜂蜜 · 威信县金鸡猕猴桃种植专业合作社"
    )
    page.locator("#id_line-0-quantity").fill("2")
    page.locator("#id_line-0-amount").fill("160元")
    page.locator("form.sale-lines button[type=submit]").click()
    expect(page.locator("li.line-created .counted")).to_be_visible()

    # The held duplicate is checked and accepted: it counts too.
    page.locator("nav.consumption-tabs a[href='/consumption/flags/']").click()
    flag = page.locator("li.flag-duplicate")
    expect(flag).to_contain_text("EXPO-88")
    _shots(page, "flags")
    flag.locator("input[name=flags]").check()
    page.locator("input[name=resolution][value=accepted]").check()
    page.locator("#id_note").fill("两个渠道各卖出一箱，已核实")
    page.locator("div.resolve button[type=submit]").click()
    expect(page.locator("p.message.success")).to_be_visible()
    expect(page.locator("li.flag-duplicate")).to_have_count(0)

    held.refresh_from_db()
    assert held.status == SaleFlag.Status.ACCEPTED
    after = selectors.sales_totals(selectors.months_for_user(bureau)).counted_amount
    assert after == counted_before + Decimal(60) + Decimal(160)
