"""Channel API keys: what shanhai/consumption/tests already proves is listed in docs/security.md;
these add that no table anywhere holds a key, and that a key cannot write for another channel.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from shanhai.consumption import services
from shanhai.consumption.models import SaleLine
from shanhai.consumption.tests.conftest import shop  # noqa: F401 (fixtures are found by name)
from shanhai.ledger.tests.conftest import (  # noqa: F401
    east_office,
    media_root,
    tree,
    west_office,
)

pytestmark = pytest.mark.django_db


def every_stored_text() -> str:
    """Every text and JSON column of every table, as one string."""
    texts = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            for field in model._meta.local_concrete_fields:  # a child's own table
                if field.get_internal_type() in ("CharField", "TextField", "JSONField"):
                    column = connection.ops.quote_name(str(field.column))
                    # Names from the models, never from input; a query per column keeps it plain.
                    cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608
                    texts += [str(value) for (value,) in cursor.fetchall()]
    return "\n".join(texts)


def test_no_table_holds_a_channel_key_after_it_is_issued_and_used(shop, east_office):  # noqa: F811
    token, key = services.issue_channel_token(
        channel=shop.channel, name="森鲜馆 ERP", issued_by=east_office
    )
    line = {"order_id": "SXG-1", "sold_on": "2023-09-15", "quantity": "1", "amount": "60"}
    response = Client().post(
        "/api/v1/sales",
        {"lines": [{**line, "product": shop.kiwi.pk}]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )

    assert response.status_code == 200
    stored = every_stored_text()
    assert token.key_hash in stored  # the scan does read the keys' table
    assert key not in stored
    assert key[len(token.prefix) :] not in stored  # not even the secret part alone


def test_a_line_naming_another_channel_is_still_written_to_the_keys_own_channel(
    shop,  # noqa: F811
    east_office,  # noqa: F811
):
    _token, key = services.issue_channel_token(
        channel=shop.channel, name="森鲜馆 ERP", issued_by=east_office
    )
    line = {"order_id": "SXG-2", "sold_on": "2023-09-15", "quantity": "1", "amount": "60"}

    response = Client().post(
        "/api/v1/sales",
        {"lines": [{**line, "product": shop.kiwi.pk, "channel": shop.expo.pk}]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )

    assert response.status_code == 200  # the key alone says which channel: the field is ignored
    assert list(SaleLine.objects.values_list("channel", "order_id")) == [(shop.channel.pk, "SXG-2")]
