"""Two browsers editing one row, for the concurrent-edit tests of every app (core.concurrency)."""

from __future__ import annotations

from typing import Any

from django.test import Client


def open_form(user: Any, url: str) -> tuple[Client, Any]:
    """Sign *user* in on a browser of their own and load the edit form at *url*."""
    browser = Client()
    browser.force_login(user)
    response = browser.get(url)
    assert response.status_code == 200
    return browser, response


def as_posted(response: Any, **changes: Any) -> dict[str, Any]:
    """The form as the browser sends it back: shown values, the hidden ones, and *changes*."""
    data: dict[str, Any] = {}
    for bound in response.context["form"]:
        value = bound.value()
        data[bound.html_name] = "" if value is None else value
        if bound.field.show_hidden_initial:
            data[bound.html_initial_name] = data[bound.html_name]
    data.update(changes)
    return {k: v for k, v in data.items() if v != [] and v is not False and v is not None}


def second_save_is_refused(
    first: Any, second: Any, url: str, first_changes: dict[str, Any], second_changes: dict[str, Any]
) -> tuple[Any, Any]:
    """*first* and *second* open the form; *first* saves, then *second*: return both answers."""
    browser_a, form_a = open_form(first, url)
    browser_b, form_b = open_form(second, url)
    saved = browser_a.post(url, as_posted(form_a, **first_changes))
    refused = browser_b.post(url, as_posted(form_b, **second_changes))
    return saved, refused


def conflict_message(response: Any) -> str:
    return "\n".join(response.context["form"].non_field_errors())
