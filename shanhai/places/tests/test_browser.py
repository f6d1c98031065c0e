"""A person opens Shanhai in a real browser (Debian's Chromium, driven by Playwright)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from shanhai.demo.places import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_weixin_officer_logs_in_and_sees_the_nine_town_pairings(live_server, page: Page):
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("用户名").fill("weixin")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", name="我的结对")).to_be_visible()
    page.get_by_role("link", name="松江区 ↔ 威信县").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("松江区 ↔ 威信县")
    expect(page.get_by_text("2021年", exact=True)).to_be_visible()
    town_pairings = page.locator("ul.tree > li").filter(has_text="街镇 ↔ 乡镇")
    expect(town_pairings).to_have_count(9)
    expect(town_pairings.first.locator(".badge.illustrative")).to_have_text("示意")
    expect(page.get_by_text("云南威信：东西部协作强对接")).to_be_visible()
