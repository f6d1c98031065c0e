"""The sales API against its own OpenAPI schema: generated requests, good and bad, never a 5xx.

Schemathesis reads /api/openapi.json from the WSGI app in process and sends each operation
requests built from the schema (valid ones, and ones that break it); every answer must be
documented, match its schema and not be a server error. A wrong key gets 401 and nothing else.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from schemathesis.checks import negative_data_rejection
from schemathesis.config import SchemathesisConfig

from shanhai.consumption import services
from shanhai.core.tests.fuzzing import fuzzed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_tests_connection():
    """As Django's test client does: a request must not close the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings: Any) -> None:
    settings.SHANHAI_API_RATE = "100000/m"  # the rate limit has its own tests
    caches["throttle"].clear()


@pytest.fixture
def key(shop: Any, east_office: Any) -> str:
    _token, key = services.issue_channel_token(
        channel=shop.channel, name="森鲜馆 ERP", issued_by=east_office
    )
    return key


# A batch over 10,000 lines breaks the schema's maxItems and is answered 413 too_many_lines,
# as documented; every other request that breaks the schema must get one of these.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429]
            }
        }
    }
)
# Generating the schema touches no database, so it is read once, as the tests are collected.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application(), config=CONFIG)


@schema.parametrize()
@fuzzed(25)
def test_every_operation_answers_generated_requests_as_its_schema_says(case: Any, key: str):
    headers = {"Authorization": f"Bearer {key}"}
    if case.operation.definition.raw.get("operationId") != "push_sales":
        case.call_and_validate(headers=headers)
        return
    # A batch is read line by line: a line of the wrong type is rejected on its own, in a 200
    # that lists its error, so that the good lines of the batch are written.
    response = case.call_and_validate(headers=headers, excluded_checks=[negative_data_rejection])
    if response.status_code == 200:
        answer = response.json()
        assert answer["received"] == answer["created"] + answer["replayed"] + answer["rejected"]
        rejected = {line["index"] for line in answer["lines"] if line["status"] == "rejected"}
        assert rejected == {error["index"] for error in answer["errors"]}


@schema.parametrize()
@fuzzed(15)
def test_a_wrong_key_gets_401_and_nothing_else(case: Any, shop: Any):
    case.headers = {**(case.headers or {}), "Authorization": "Bearer sh_not-a-real-key"}
    response = case.call()
    if case.method.upper() != case.operation.method.upper():
        assert response.status_code == 405  # a method the address does not have
        return
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthorized"
    headers = {name.lower(): value for name, value in response.headers.items()}
    assert headers["www-authenticate"] == ["Bearer"]


# Found by fuzzing on PostgreSQL, which refuses a NUL in any text it stores or looks up: each
# of these answered 500.
def test_a_nul_in_a_line_rejects_that_line_saying_which_field(shop: Any, key: str):
    lines = [
        {"order_id": "SXG\x00-1", "sold_on": "2023-09-15", "quantity": "1", "amount": "60"},
        {"order_id": "SXG-2", "sold_on": "2023-09-15", "quantity": "1", "amount": "60"},
        {"order_id": "SXG-3", "sold_on": "2023-09-15", "quantity": "1", "amount": "60"},
    ]
    lines[0]["product"] = lines[1]["product"] = shop.kiwi.pk
    lines[1]["pairing"] = "songjiang\x00"
    lines[2]["trace_code"] = "WX\x00"

    response = Client().post(
        "/api/v1/sales",
        {"lines": lines},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    errors = {(error["index"], error["field"]) for error in response.json()["errors"]}
    assert errors == {(0, "order_id"), (1, "pairing"), (2, "trace_code")}


def test_a_nul_in_an_order_id_asked_for_is_not_found(shop: Any, key: str):
    response = Client().get(
        "/api/v1/sales/SXG%00-1", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
