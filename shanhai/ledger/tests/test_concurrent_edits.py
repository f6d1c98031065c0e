"""Two people edit the same record: the second save never overwrites the first in silence."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from shanhai.accounts.models import Role, Side
from shanhai.core.concurrency import EditConflictError, parse_version, version_of
from shanhai.ledger import services
from shanhai.ledger.models import RecordChange
from shanhai.ledger.tests.factories import VisitFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(tree, east_office):
    return VisitFactory.create(
        pairing=tree.county,
        recorded_by=east_office,
        title="松江区党政代表团赴威信考察",
        summary="",
        occurred_on=date(2023, 4, 10),
        direction="east_west",
    )


@pytest.fixture
def colleague(tree):
    """A second person in the same east-side office, who may edit the same records."""
    return person(tree.county, Role.COOPERATION_OFFICE, Side.EAST, display_name="张三")


def open_form(user, record_id):
    """Log *user* in on a browser of their own and load the edit form."""
    browser = Client()
    browser.force_login(user)
    response = browser.get(reverse("ledger:record-edit", args=[record_id]))
    assert response.status_code == 200
    return browser, response


def as_posted(response, **changes):
    """The form as the browser would send it back: shown values, hidden ones, and edits."""
    data = {}
    for bound in response.context["form"]:
        value = bound.value()
        data[bound.html_name] = "" if value is None else value
        if bound.field.show_hidden_initial:
            data[bound.html_initial_name] = data[bound.html_name]
    data.update(changes)
    return {k: v for k, v in data.items() if v != [] and v is not False}


def save(browser, record_id, data):
    return browser.post(reverse("ledger:record-edit", args=[record_id]), data)


def test_the_edit_form_carries_the_version_it_was_loaded_at(east_office, visit):
    _browser, response = open_form(east_office, visit.pk)

    assert f'name="loaded_version" value="{version_of(visit)}"' in response.text
    assert 'name="initial-title"' in response.text  # the values as loaded, to show a conflict


def test_the_second_save_is_refused_and_names_who_changed_what(east_office, colleague, visit):
    browser_a, form_a = open_form(colleague, visit.pk)
    browser_b, form_b = open_form(east_office, visit.pk)

    saved = save(browser_a, visit.pk, as_posted(form_a, title="松江区党政代表团赴威信县考察"))
    refused = save(browser_b, visit.pk, as_posted(form_b, summary="签订劳务协作协议"))

    assert saved.status_code == 302
    assert refused.status_code == 200  # the form again, not a redirect
    visit.refresh_from_db()
    assert visit.title == "松江区党政代表团赴威信县考察"  # A's save stands
    assert visit.summary == ""  # B's did not slip in
    assert RecordChange.objects.filter(record=visit).count() == 1
    message = "\n".join(refused.context["form"].non_field_errors())
    assert "张三" in message  # who saved in between
    assert "松江区党政代表团赴威信县考察" in message  # A's title …
    assert "松江区党政代表团赴威信考察" in message  # … against the one B had loaded
    assert "签订劳务协作协议" in refused.text  # B's input is still in the form


def test_after_reloading_the_second_person_saves_on_top(east_office, colleague, visit):
    browser_a, form_a = open_form(colleague, visit.pk)
    browser_b, form_b = open_form(east_office, visit.pk)
    save(browser_a, visit.pk, as_posted(form_a, title="松江区党政代表团赴威信县考察"))
    save(browser_b, visit.pk, as_posted(form_b, summary="签订劳务协作协议"))

    _same, reloaded = open_form(east_office, visit.pk)
    response = save(browser_b, visit.pk, as_posted(reloaded, summary="签订劳务协作协议"))

    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.title, visit.summary) == ("松江区党政代表团赴威信县考察", "签订劳务协作协议")


def test_saving_the_conflict_form_again_applies_the_kept_input(east_office, colleague, visit):
    browser_a, form_a = open_form(colleague, visit.pk)
    browser_b, form_b = open_form(east_office, visit.pk)
    save(browser_a, visit.pk, as_posted(form_a, title="松江区党政代表团赴威信县考察"))
    refused = save(
        browser_b,
        visit.pk,
        as_posted(form_b, title="松江区党政代表团赴威信县考察", summary="签订劳务协作协议"),
    )

    response = save(browser_b, visit.pk, as_posted(refused))

    assert response.status_code == 302  # the form took the new version: B applies on top
    visit.refresh_from_db()
    assert (visit.title, visit.summary) == ("松江区党政代表团赴威信县考察", "签订劳务协作协议")


def test_the_service_refuses_a_stale_version_and_writes_nothing(east_office, visit):
    loaded = parse_version(version_of(visit))
    services.update_record(
        record=visit, changed_by=east_office, values={"title": "第一次修改"}, loaded_version=loaded
    )

    with pytest.raises(EditConflictError):
        services.update_record(
            record=visit,
            changed_by=east_office,
            values={"summary": "第二次修改"},
            loaded_version=loaded,
        )

    visit.refresh_from_db()
    assert (visit.title, visit.summary) == ("第一次修改", "")
