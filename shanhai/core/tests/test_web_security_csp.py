"""Every page an office user opens carries an enforced Content-Security-Policy that blocks inline
script, and holds no markup that the policy would block (so the policy can stay strict)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils.csp import CSP  # type: ignore[import-not-found,unused-ignore]

from shanhai.core.tests.pages import load_demo_office_client, page_urls, read_markup

pytestmark = pytest.mark.django_db

# Data blocks: the browser never runs them, so the policy does not apply (json_script writes these).
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def csp_problems(url: str, response) -> list[str]:
    """List what on this page breaks the policy or would need it loosened."""
    header = response.get("Content-Security-Policy")
    if not header:
        return [f"{url}: no enforced Content-Security-Policy header"]
    policy = directives(header)
    scripts_allowed = policy.get("script-src", policy.get("default-src", []))
    styles_allowed = policy.get("style-src", policy.get("default-src", []))
    problems = []
    if {"'unsafe-inline'", "'unsafe-eval'"} & set(scripts_allowed):
        problems.append(f"{url}: script-src allows {scripts_allowed}")
    nonces = {word[len("'nonce-") : -1] for word in scripts_allowed if word.startswith("'nonce-")}
    markup = read_markup(response.content.decode())
    for script in markup.scripts:
        if (script.get("type") or "").lower() in DATA_SCRIPT_TYPES:
            continue
        src, nonce = script.get("src"), script.get("nonce")
        if nonce is not None and nonce not in nonces:
            problems.append(f"{url}: a script carries nonce {nonce!r}, not this response's")
        if src is None and nonce is None:
            problems.append(f"{url}: an inline script without a nonce")
        if src is not None and not (src.startswith("/") and not src.startswith("//")):
            problems.append(f"{url}: a script from elsewhere: {src}")
    problems += [f"{url}: inline event handler {item}" for item in markup.event_handlers]
    problems += [f"{url}: javascript: URL {item}" for item in markup.javascript_urls]
    if "'unsafe-inline'" not in styles_allowed:
        problems += [f"{url}: style attribute {item}" for item in markup.style_attributes]
        problems += [
            f"{url}: a <style> element without a nonce"
            for style in markup.style_elements
            if style.get("nonce") is None
        ]
    return problems


def test_the_policy_is_enforced_and_lets_scripts_run_only_from_our_files_or_with_a_nonce():
    policy = settings.SECURE_CSP

    assert policy["script-src"] == [CSP.SELF, CSP.NONCE]  # the nonce is filled in per response
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not settings.SECURE_CSP_REPORT_ONLY  # enforced, never only reported


def test_every_page_of_the_office_user_has_a_strict_policy_and_nothing_it_would_block():
    client = load_demo_office_client()
    checked, post_only, problems, unexpected = [], [], [], []

    for url in page_urls():
        response = client.get(url)
        if response.status_code == 405:
            post_only.append(url)  # a form's target, not a page
            continue
        if response.status_code not in (200, 302):
            unexpected.append((url, response.status_code))
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            checked.append(url)
            problems += csp_problems(url, response)

    assert unexpected == []
    assert problems == []
    assert len(checked) >= 40, checked  # the walk really reached the application's pages
    assert "/accounts/logout/" in post_only


def test_a_page_with_an_inline_script_names_that_responses_nonce_in_its_policy():
    client = load_demo_office_client()
    response = client.get("/consumption/flags/")  # its inline script carries the nonce

    [inline] = [s for s in read_markup(response.content.decode()).scripts if "src" not in s]
    nonce = inline["nonce"]
    assert nonce
    assert len(nonce) >= 16
    assert f"'nonce-{nonce}'" in directives(response["Content-Security-Policy"])["script-src"]
    again = client.get("/consumption/flags/")
    assert f"'nonce-{nonce}'" not in again["Content-Security-Policy"]  # a new nonce each time


def test_the_walk_finds_markup_the_policy_would_block():
    response = Client().get("/accounts/login/")
    response.content = re.sub(
        rb"</body>",
        b'<a href="javascript:alert(1)" onclick="x()" style="color:red">x</a>'
        b'<script>alert(1)</script><script src="https://cdn.example/x.js"></script></body>',
        response.content,
    )

    problems = csp_problems("/accounts/login/", response)

    assert len(problems) == 5, problems
