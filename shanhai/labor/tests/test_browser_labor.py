"""Weixin's office in a real browser: register a worker, place them in Shanghai, see the
placement on the overview's charts, and confirm them from the follow-up due list."""

import io
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from shanhai.demo.places import DEMO_PASSWORD
from shanhai.labor.tests.factories import id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
SCREENSHOTS = Path(tempfile.gettempdir())  # /tmp/labor-*.png
NAME = "杨浏览"  # no demo worker has this name
NUMBER = id_number(417, born="19660315", area="530629")  # older than any demo worker
MISTYPED = NUMBER[:-1] + ("1" if NUMBER[-1] == "0" else "0")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _log_in(browser: Browser, base_url: str, username: str) -> Page:
    page = browser.new_page(locale="zh-CN", viewport=PHONE)
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的结对")).to_be_visible()
    return page


def _shots(page: Page, name: str) -> None:
    """Screenshots at a phone's width and a desktop's, to look at."""
    page.screenshot(path=SCREENSHOTS / f"labor-{name}.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=SCREENSHOTS / f"labor-{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)


def test_an_office_registers_a_worker_places_them_in_shanghai_and_follows_up(
    live_server, browser: Browser
):
    call_command("demo", stdout=io.StringIO())
    started = timezone.localdate() - timedelta(days=95)  # three months a few days ago

    page = _log_in(browser, live_server.url, "weixin")  # 威信县乡村振兴局, on a phone
    page.locator("header.site nav a[href='/labor/']").click()
    page.locator("ul.labor-home a[href='/pairings/songjiang-weixin/labor/']").click()
    page.locator("nav.labor-tabs a[href$='/labor/workers/']").click()
    page.locator("a.button.primary[href$='/workers/new/']").click()

    page.locator("#id_name").fill(NAME)
    page.locator("#id_id_number").fill(MISTYPED)
    page.locator("#id_phone").fill("139 0870 0417")
    page.locator("#id_origin").select_option(label="云南省昭通市威信县麟凤镇")
    page.locator("#id_household_type").select_option("poverty_exited")
    page.locator("form.record-form button[type=submit]").click()
    expect(page.locator(".field.has-error")).to_contain_text("校验码")  # a mistyped digit
    page.locator("#id_id_number").fill(NUMBER)
    page.locator("form.record-form button[type=submit]").click()

    expect(page.locator("h1")).to_contain_text(NAME)
    details = page.locator("dl.worker-details")
    expect(details).to_contain_text(f"{NUMBER[:4]}**********{NUMBER[-4:]}")
    expect(details).to_contain_text("139****0417")
    expect(details).not_to_contain_text(NUMBER)
    profile_url = page.url

    page.locator("a.button.primary[href$='/placements/new/']").click()
    page.locator("#id_employer_name").fill("上海某电子厂（浏览器测试）")
    page.locator("#id_work_place").fill("上海市松江区")
    page.locator("#id_started_on").fill(started.isoformat())
    page.locator("#id_monthly_wage").fill("5,200元")
    page.locator("#id_channel").select_option("matched")
    page.locator("form.record-form button[type=submit]").click()

    placement = page.locator("article.placement")
    expect(placement).to_contain_text("上海市松江区")
    expect(placement.locator("ol.milestones li")).to_have_count(3)
    page.locator("details.reveal summary").click()
    expect(page.locator("details.reveal input[name=reason]")).to_be_visible()
    _shots(page, "profile")

    page.goto(f"{live_server.url}/pairings/songjiang-weixin/labor/?year={started.year}")
    expect(page.locator("tr.destination-shanghai td.num")).not_to_have_text("0")
    for summary in page.locator("details.labor-chart summary").all():
        summary.click()
    expect(page.locator("details.labor-chart .chart svg")).to_have_count(2)
    page.wait_for_timeout(800)  # the bars grow in
    _shots(page, "overview")

    page.locator("nav.labor-tabs a[href$='/labor/due/']").click()
    row = page.locator("ul.due li", has_text=NAME)
    expect(row).to_contain_text("3")
    _shots(page, "due")
    row.locator("form.quick button[type=submit]").click()
    expect(page.locator("p.message.success")).to_be_visible()
    expect(page.locator("ul.due li", has_text=NAME)).to_have_count(0)

    page.goto(profile_url)
    expect(page.locator("article.placement details")).to_contain_text("1")
