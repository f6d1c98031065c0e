"""Both sides in a real browser: the west records a visit with a photo, the east confirms it."""

import io

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from shanhai.demo.places import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _log_in(browser: Browser, base_url: str, username: str) -> Page:
    page = browser.new_page(locale="zh-CN", viewport={"width": 420, "height": 900})
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的结对")).to_be_visible()
    return page


def test_a_west_liaison_records_a_visit_with_a_photo_and_the_east_confirms_it(
    live_server, browser: Browser, tmp_path
):
    call_command("demo", stdout=io.StringIO())
    photo = tmp_path / "worksite.jpg"
    Image.new("RGB", (640, 480), (30, 110, 60)).save(photo, "JPEG")

    west = _log_in(browser, live_server.url, "renshe")  # 威信县人社局, on a phone-sized screen
    west.goto(f"{live_server.url}/pairings/songjiang-weixin-hr/records/quick/")
    west.get_by_label("类别").select_option(label="互访")
    west.get_by_label("标题").fill("县人社局工作组赴松江区对接劳务协作（浏览器测试）")
    west.get_by_label("日期").fill("2023-05-16")
    west.get_by_label("方向").select_option(label="西 → 东")
    west.get_by_label("照片或文件").set_input_files(photo)
    west.get_by_role("button", name="保存").click()

    expect(west.get_by_text("已录入，将请结对方确认。")).to_be_visible()
    expect(west.locator(".badge.status-pending")).to_have_text("待确认")
    expect(west.locator("ul.evidence img")).to_be_visible()  # the thumbnail was made and served
    record_url = west.url

    east = _log_in(browser, live_server.url, "songjiang")  # 松江区合作交流办
    east.goto(record_url)
    expect(east.get_by_role("link", name="修改")).to_have_count(0)  # not their record to edit
    east.get_by_role("button", name="确认", exact=True).click()
    expect(east.locator(".badge.status-confirmed")).to_have_text("已确认")

    east.goto(f"{live_server.url}/pairings/songjiang-weixin/timeline/?q=浏览器测试")
    entry = east.locator("ol.timeline .entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("2023年5月16日")
    expect(entry).to_contain_text("已确认")
    expect(entry).to_contain_text("附件 1 个")
