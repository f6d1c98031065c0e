"""The back office's list of people reads the same number of queries with 2 people as with 12
(issue 9): each row names the person's organisation, fetched with the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shanhai.accounts.models import Side
from shanhai.accounts.tests.factories import UserFactory
from shanhai.places.models import Organisation
from shanhai.places.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [2, 12])
def test_the_list_of_people_reads_the_same_queries_however_many(
    admin_client, django_assert_num_queries, rows
):
    kinds = [Organisation.Kind.DEPARTMENT, Organisation.Kind.NGO]
    for n in range(rows):
        UserFactory.create(
            username=f"liaison{n:02d}",
            display_name=f"联络员{n:02d}",
            side=Side.WEST if n % 2 else Side.EAST,
            organisation=OrganisationFactory.create(name=f"单位{n:02d}", kind=kinds[n % 2])
            if n % 3
            else None,
        )

    with django_assert_num_queries(5):  # session, user, count ×2, the page with organisations
        response = admin_client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 200
    for n in range(rows):
        assert f"联络员{n:02d}" in response.text
        assert (f"单位{n:02d}" in response.text) == bool(n % 3)
