"""Two people edit the same worker or posting: the second save is refused, not lost in silence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shanhai.accounts.models import Role, Side
from shanhai.core.tests.edit_conflicts import (
    as_posted,
    conflict_message,
    open_form,
    second_save_is_refused,
)
from shanhai.labor.models import Posting, Worker
from shanhai.labor.tests.factories import posting, worker
from shanhai.ledger.tests.factories import person
from shanhai.places.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(tree):
    return person(tree.county, Role.COOPERATION_OFFICE, Side.WEST, display_name="李四")


def test_a_second_worker_edit_is_refused_and_keeps_the_first(tree, west_office, colleague):
    seeking = worker(tree.county, west_office, origin=tree.west_town, serial=2)
    url = reverse("labor:worker-edit", args=[seeking.pk])

    saved, refused = second_save_is_refused(
        colleague, west_office, url, {"skills": "电焊"}, {"skills": "厨师"}
    )

    assert saved.status_code == 302
    assert refused.status_code == 200
    assert Worker.objects.get(pk=seeking.pk).skills == "电焊"
    assert "李四" in conflict_message(refused)
    assert "电焊" in conflict_message(refused)


def test_after_reloading_the_worker_edit_goes_through(tree, west_office, colleague):
    seeking = worker(tree.county, west_office, origin=tree.west_town, serial=2)
    url = reverse("labor:worker-edit", args=[seeking.pk])
    second_save_is_refused(colleague, west_office, url, {"skills": "电焊"}, {"skills": "厨师"})

    browser, reloaded = open_form(west_office, url)
    response = browser.post(url, as_posted(reloaded, skills="电焊、厨师"))

    assert response.status_code == 302
    assert Worker.objects.get(pk=seeking.pk).skills == "电焊、厨师"


def test_a_second_posting_edit_is_refused(tree, west_office, colleague, work_places):
    today = timezone.localdate()
    job = posting(
        tree.county,
        west_office,
        work_place=work_places.shanghai,
        employer=OrganisationFactory.create(name="松江某电子厂", place=tree.east_county),
        title="电子装配工",
        valid_from=today,
        valid_to=today + timedelta(days=60),
    )
    url = reverse("labor:posting-edit", args=[job.pk])

    saved, refused = second_save_is_refused(
        colleague, west_office, url, {"title": "电子装配工（夜班）"}, {"title": "普工"}
    )

    assert (saved.status_code, refused.status_code) == (302, 200)
    assert Posting.objects.get(pk=job.pk).title == "电子装配工（夜班）"
    assert "电子装配工（夜班）" in conflict_message(refused)
