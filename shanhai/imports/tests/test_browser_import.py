"""An office imports its own visit sheet in a real browser: preview, teach a column, commit."""

import io
import tempfile
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from playwright.sync_api import Browser, Page, ViewportSize, expect

from shanhai.demo.places import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
SCREENSHOTS = Path(tempfile.gettempdir())  # /tmp/import-preview.png is the one to look at
LEADER = "周浏览"  # a name no demo record has


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _sheet(path):
    """The office's own sheet: a banner, the header on row 3 with 带队人姓名, a 合计 row."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("2024年")
    title = "2024年松江区赴威信县考察情况统计表"
    sheet.merge_range(0, 0, 0, 5, title)
    sheet.write_row(1, 0, ["填报单位：松江区合作交流办", None, None, None, "填报日期：2024年12月"])
    sheet.write_row(2, 0, ["序号", "考察时间", "带队人姓名", "人数", "考察地点", "主要任务"])
    sheet.write_row(
        3, 0, [1, "2024年8月8日", LEADER, "6人", "威信县", "对接劳务协作（浏览器测试）"]
    )
    sheet.write_row(4, 0, [2, "2024.9.12", "吴测试", 4, "威信县", "调研产业园区（浏览器测试）"])
    sheet.write_row(5, 0, ["合计", None, None, 10])
    book.close()


def _log_in(browser: Browser, base_url: str, username: str) -> Page:
    page = browser.new_page(locale="zh-CN", viewport=PHONE)
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的结对")).to_be_visible()
    return page


def test_an_office_imports_its_visit_sheet_teaching_one_column(
    live_server, browser: Browser, tmp_path
):
    call_command("demo", stdout=io.StringIO())
    sheet = tmp_path / "松江考察台账.xlsx"
    _sheet(sheet)

    page = _log_in(browser, live_server.url, "songjiang")  # 松江区合作交流办, on a phone
    page.locator("header.site nav").get_by_role("link", name="导入表格").click()
    page.locator("#id_kind").select_option("visits")
    page.locator("#id_pairing").select_option("songjiang-weixin")
    page.locator("#id_file").set_input_files(sheet)
    page.locator("form.upload-form button[type=submit]").click()

    # Checked at once (tasks run in the test process): the preview and the unknown header.
    preview = page.locator("table.preview")
    expect(preview).to_contain_text("2024年8月8日")
    expect(page.locator("form.mapping-form label")).to_contain_text("带队人姓名")
    expect(preview.locator("tbody tr")).to_have_count(2)  # the 合计 row is not a record
    expect(page.locator(".sheet-read")).to_contain_text("2024年")
    page.screenshot(path=SCREENSHOTS / "import-preview.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=SCREENSHOTS / "import-preview-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)

    page.locator("form.mapping-form select").select_option("leader_name")
    page.locator("form.mapping-form button[type=submit]").click()

    expect(page.locator("form.mapping-form")).to_have_count(0)
    expect(preview.locator("thead")).to_contain_text("带队人姓名→ 带队领导")
    expect(preview.locator("tbody")).to_contain_text(LEADER)
    page.screenshot(path=SCREENSHOTS / "import-rechecked.png", full_page=True)
    page.locator("button[name=commit]").click()

    expect(page.locator(".outcome.good")).to_contain_text("2")
    page.screenshot(path=SCREENSHOTS / "import-done.png", full_page=True)
    page.locator(".outcome.good a.button.primary").click()
    page.get_by_role("searchbox").fill(LEADER)
    page.locator("form.search button[type=submit]").click()
    expect(page.locator("table tbody")).to_contain_text(f"{LEADER}带队赴威信县考察")
