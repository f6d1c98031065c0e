"""The back office's lists of sources and of the audit log read the same number of queries with
2 rows as with 12 (issue 9)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.models import Source
from shanhai.core.services import record_audit_event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [2, 12])
def test_the_list_of_sources_reads_the_same_queries_however_many(
    admin_client, django_assert_num_queries, rows
):
    kinds = list(Source.Kind)
    for n in range(rows):
        Source.objects.create(kind=kinds[n % len(kinds)], key=f"source-{n}", title=f"来源{n:02d}")

    with django_assert_num_queries(5):
        response = admin_client.get(reverse("admin:core_source_changelist"))

    assert response.status_code == 200
    for n in range(rows):
        assert f"来源{n:02d}" in response.text


@pytest.mark.parametrize("rows", [2, 12])
def test_the_audit_log_reads_the_same_queries_however_many_events(
    admin_client, django_assert_num_queries, rows
):
    for n in range(rows):
        actor = UserFactory.create(username=f"actor{n:02d}", display_name=f"操作人{n:02d}")
        record_audit_event(actor=actor, action=f"core.test.{n % 3}", target=actor)

    with django_assert_num_queries(6):
        response = admin_client.get(reverse("admin:core_auditevent_changelist"))

    assert response.status_code == 200
    for n in range(rows):
        assert f"操作人{n:02d}" in response.text
