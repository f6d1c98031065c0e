"""In a real browser, the main pages (and their charts) run under the strict policy without a
single Content-Security-Policy violation."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from shanhai.core.tests.pages import OFFICE_USER, PAIRING
from shanhai.demo.places import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation the browser reports to the page, kept where the test can read it.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${location.pathname}: ${event.violatedDirective} ${event.blockedURI} ` +
      `(${event.sourceFile}:${event.lineNumber}) ${event.sample}`
  );
});
"""


def test_the_main_pages_and_their_charts_run_without_a_policy_violation(live_server, page: Page):
    call_command("demo", stdout=io.StringIO())
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(OFFICE_USER)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的结对")).to_be_visible()
    violations: list[str] = page.evaluate("window.__cspViolations")

    for path, charts in [
        (f"/pairings/{PAIRING}/", 1),
        ("/consumption/dashboard/?year=2023", 4),
        ("/consumption/flags/", 0),  # an inline script, with the nonce
    ]:
        page.goto(f"{live_server.url}{path}")
        for summary in page.locator("details[data-chart] summary").all():
            summary.click()
        expect(page.locator("details[data-chart] .chart svg")).to_have_count(charts)
        if charts:
            page.locator("details[data-chart] .chart svg").first.hover()  # draws a tooltip too
        page.wait_for_load_state("networkidle")
        violations += page.evaluate("window.__cspViolations")

    assert violations == []
    assert [line for line in console if "Content Security Policy" in line] == []
    assert [line for line in console if line.startswith(("error", "pageerror"))] == []
