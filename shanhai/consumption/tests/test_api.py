"""A channel pushes its sale lines through the REST API with its own key, and reads them back."""

from __future__ import annotations

import json
import logging
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from shanhai.consumption import services
from shanhai.consumption.models import SaleFlag, SaleLine, SalesBatch, SalesMonth
from shanhai.core.models import AuditEvent

pytestmark = pytest.mark.django_db

KIWI_LINE = {"order_id": "SXG-0001", "sold_on": "2023-09-15", "quantity": "2", "amount": "120"}


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    caches["throttle"].clear()  # the throttle's history lives in the cache, keyed by the token's id
    yield
    caches["throttle"].clear()


@pytest.fixture
def issued(shop, east_office):
    return services.issue_channel_token(
        channel=shop.channel, name="森鲜馆 ERP", issued_by=east_office
    )


@pytest.fixture
def key(issued):
    return issued[1]


def push(key: str, lines: list[Any], language: str = "en", **headers: Any):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": language, **headers}
    return Client().post(
        "/api/v1/sales", {"lines": lines}, content_type="application/json", **headers
    )


def get(key: str, url: str, language: str = "en"):
    return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE=language)


def kiwi(shop, **fields: Any) -> dict[str, Any]:
    return {**KIWI_LINE, "product": shop.kiwi.pk, **fields}


def totals() -> tuple[int, int, Decimal, int]:
    months = SalesMonth.objects.all()
    return (
        SaleLine.objects.count(),
        sum(m.lines for m in months),
        sum((m.amount for m in months), Decimal(0)),
        SaleFlag.objects.count(),
    )


# Keys ----------------------------------------------------------------------------------------


def test_a_request_without_a_key_is_refused_with_a_json_401(shop):
    response = Client().post(
        "/api/v1/sales",
        {"lines": [kiwi(shop)]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "detail": "Give a valid channel API key: Authorization: Bearer <key>.",
        "code": "unauthorized",
    }
    assert not SaleLine.objects.exists()


def test_a_wrong_key_is_refused(shop, key):
    assert push("sh_" + "x" * 43, [kiwi(shop)]).status_code == 401
    assert push(key, [kiwi(shop)], HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert not SaleLine.objects.exists()


def test_a_revoked_key_is_refused(shop, issued, east_office):
    token, key = issued
    services.revoke_channel_token(token=token, revoked_by=east_office)

    assert push(key, [kiwi(shop)]).status_code == 401
    assert get(key, "/api/v1/products").status_code == 401


def test_a_key_of_a_closed_channel_is_refused(shop, key):
    shop.channel.is_active = False
    shop.channel.save()

    assert push(key, [kiwi(shop)]).status_code == 401


def test_a_key_sent_with_the_wrong_scheme_is_never_logged(shop, key, settings, caplog):
    settings.DEBUG = True

    with caplog.at_level(logging.DEBUG):
        response = push(key, [kiwi(shop)], HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 401
    assert key not in caplog.text


def test_a_channel_cannot_read_another_channels_line_or_batch(shop, key, east_office):
    _token, expo_key = services.issue_channel_token(
        channel=shop.expo, name="进博会", issued_by=east_office
    )
    batch = push(expo_key, [kiwi(shop, order_id="EXPO-1")]).json()["batch"]

    assert get(key, "/api/v1/sales/EXPO-1").status_code == 404
    assert get(key, f"/api/v1/batches/{batch}").json() == {
        "detail": "Not found for this channel.",
        "code": "not_found",
    }
    assert get(expo_key, "/api/v1/sales/EXPO-1").status_code == 200


def test_the_same_order_id_in_two_channels_is_two_separate_lines(shop, key, east_office):
    _token, expo_key = services.issue_channel_token(
        channel=shop.expo, name="进博会", issued_by=east_office
    )
    push(expo_key, [kiwi(shop, amount="100")])

    answer = push(key, [kiwi(shop)]).json()

    assert answer["created"] == 1
    assert get(key, "/api/v1/sales/SXG-0001").json()["amount"] == "120.00"
    assert get(expo_key, "/api/v1/sales/SXG-0001").json()["amount"] == "100.00"


# Writing a batch -----------------------------------------------------------------------------


def test_a_good_batch_is_written_and_only_the_certified_product_counts(shop, key):
    response = push(
        key,
        [
            kiwi(shop, buyer=shop.union.pk),
            {
                "order_id": "SXG-0002",
                "sold_on": "2023-09-15",
                "product": str(shop.honey.pk),
                "quantity": 3,
                "amount": 240.5,
            },
        ],
    )

    assert response.status_code == 200
    answer = response.json()
    assert {k: answer[k] for k in ("received", "created", "replayed", "rejected", "flagged")} == {
        "received": 2,
        "created": 2,
        "replayed": 0,
        "rejected": 0,
        "flagged": 1,
    }
    kiwi_line, honey_line = answer["lines"]
    assert kiwi_line["status"] == "created"
    assert kiwi_line["counted"] is True
    assert kiwi_line["flags"] == []
    assert honey_line["counted"] is False
    assert honey_line["flags"] == ["uncertified"]
    assert answer["errors"] == []
    stored = SaleLine.objects.get(pk=honey_line["line_id"])
    assert stored.amount == Decimal("240.50")
    assert stored.batch_id == answer["batch"]


def test_a_line_reads_back_as_stored_with_its_flags(shop, key):
    push(key, [kiwi(shop, order_id="SXG-2023/09/15-7", product=shop.honey.pk, amount="240")])

    line = get(key, "/api/v1/sales/SXG-2023/09/15-7").json()

    assert line["product"] == shop.honey.pk
    assert line["quantity"] == "2.00"
    assert line["amount"] == "240.00"
    assert line["pairing"] == "xinbang-linfeng"
    assert line["mode"] == "helped"
    assert (line["certified"], line["counted"], line["held"]) == (False, False, False)
    assert line["flags"] == [
        {
            "kind": "uncertified",
            "label": "Product not certified on the date sold",
            "status": "open",
            "detail": "Not certified on the date sold.",
        }
    ]


def test_a_line_can_name_its_product_by_trace_code(shop, key):
    answer = push(key, [{**KIWI_LINE, "trace_code": "WX-KIWI-001"}]).json()

    assert answer["lines"][0]["status"] == "created"
    assert SaleLine.objects.get().product == shop.kiwi


def test_a_line_can_credit_a_pairing_by_its_code(shop, key, tree):
    push(key, [kiwi(shop, pairing="songjiang-weixin")])

    assert SaleLine.objects.get().pairing == tree.county


def test_bad_lines_are_reported_by_index_and_field_while_good_lines_are_written(shop, key):
    lines = [
        kiwi(shop, order_id="OK-0"),
        kiwi(shop, order_id="BAD-DATE", sold_on="2023-13-01"),
        kiwi(shop, order_id="OK-2", sold_on="2023-09-16"),
        kiwi(shop, order_id="NO-PRODUCT", product=999_999),
        {**KIWI_LINE, "order_id": "NO-TRACE", "trace_code": "NOPE-404"},
        kiwi(shop, order_id="NEGATIVE", quantity="-2"),
        kiwi(shop, order_id="OK-6", amount="130.5"),
        kiwi(shop, order_id="TWO-BAD", quantity="两箱", sold_on="15/09/2023"),
        kiwi(shop, order_id="NO-PAIRING", pairing="nowhere"),
        kiwi(shop, order_id="TOO-FINE", amount="120.005"),
    ]

    answer = push(key, lines).json()

    assert (answer["received"], answer["created"], answer["rejected"]) == (10, 3, 7)
    assert [(e["index"], e["order_id"], e["field"]) for e in answer["errors"]] == [
        (1, "BAD-DATE", "sold_on"),
        (3, "NO-PRODUCT", "product"),
        (4, "NO-TRACE", "trace_code"),
        (5, "NEGATIVE", "quantity"),
        (7, "TWO-BAD", "sold_on"),
        (7, "TWO-BAD", "quantity"),
        (8, "NO-PAIRING", "pairing"),
        (9, "TOO-FINE", "amount"),
    ]
    messages = {e["order_id"]: e["message"] for e in answer["errors"]}
    assert messages["BAD-DATE"] == "Give the date sold as YYYY-MM-DD, e.g. 2023-09-15."
    assert messages["NO-PRODUCT"] == "No product with this id."
    assert messages["NO-TRACE"] == "No product with this trace code."
    assert messages["NEGATIVE"] == "The quantity must be more than zero."
    assert [line["status"] for line in answer["lines"]] == [
        "created", "rejected", "created", "rejected", "rejected",
        "rejected", "created", "rejected", "rejected", "rejected",
    ]  # fmt: skip
    assert sorted(SaleLine.objects.values_list("order_id", flat=True)) == ["OK-0", "OK-2", "OK-6"]
    batch = SalesBatch.objects.get()
    assert (batch.lines_received, batch.lines_created, batch.lines_rejected) == (10, 3, 7)


def test_a_replay_changes_nothing(shop, key):
    lines = [
        kiwi(shop),
        kiwi(shop, order_id="SXG-0002", product=shop.honey.pk, amount="150"),
        kiwi(shop, order_id="SXG-0003", sold_on="2023-02-30"),
    ]
    first = push(key, lines).json()
    before = totals()

    again = push(key, lines).json()

    assert totals() == before
    assert (again["created"], again["replayed"], again["rejected"]) == (0, 2, 1)
    assert [line["status"] for line in again["lines"]] == ["replayed", "replayed", "rejected"]
    assert [line["line_id"] for line in again["lines"]] == [
        line["line_id"] for line in first["lines"]
    ]
    assert again["lines"][1]["flags"] == ["uncertified"]
    assert again["lines"][1]["counted"] is False


def test_the_same_order_id_with_other_values_is_rejected_and_the_line_is_unchanged(shop, key):
    push(key, [kiwi(shop)])

    answer = push(key, [kiwi(shop, amount="999")]).json()

    assert answer["lines"][0]["status"] == "rejected"
    assert answer["errors"] == [
        {
            "index": 0,
            "order_id": "SXG-0001",
            "field": "order_id",
            "message": "This order was already reported with other values; it is not changed.",
        }
    ]
    assert SaleLine.objects.get().amount == Decimal("120.00")


def test_a_batch_of_more_than_ten_thousand_lines_is_refused_before_anything_is_written(shop, key):
    lines = [kiwi(shop, order_id=f"SXG-{n}") for n in range(10_001)]

    response = push(key, lines)

    assert response.status_code == 413
    assert response.json() == {
        "detail": "A batch holds at most 10000 lines; this one has 10001.",
        "code": "too_many_lines",
    }
    assert not SalesBatch.objects.exists()
    assert not SaleLine.objects.exists()


def test_an_empty_batch_or_a_line_that_is_not_an_object_names_the_field(shop, key):
    empty = push(key, [])
    not_an_object = push(key, [kiwi(shop), "SXG-0002"])

    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "lines"
    assert not_an_object.status_code == 422
    assert not_an_object.json()["errors"][0]["field"] == "lines[1]"
    assert not SaleLine.objects.exists()


def test_a_body_that_is_not_json_gets_a_clear_400(key):
    response = Client().post(
        "/api/v1/sales",
        "{lines: [",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "The request body is not valid JSON."


def test_each_batch_is_audited_without_the_key(shop, issued):
    token, key = issued

    answer = push(key, [kiwi(shop)]).json()

    event = AuditEvent.objects.get(action="consumption.sales.ingest")
    assert event.target_id == str(answer["batch"])
    assert event.details["key"] == token.prefix
    assert event.details["created"] == 1
    assert key not in json.dumps(event.details)


def test_a_batch_summary_adds_up_what_counts(shop, key):
    answer = push(
        key,
        [
            kiwi(shop),
            kiwi(shop, order_id="SXG-0002", product=shop.honey.pk, amount="150"),
            kiwi(shop, order_id="SXG-0003", sold_on="yesterday"),
        ],
    ).json()

    summary = get(key, f"/api/v1/batches/{answer['batch']}").json()

    assert summary["channel"] == "森鲜馆"
    assert summary["entered_through"] == "api"
    assert (summary["received"], summary["created"], summary["rejected"]) == (3, 2, 1)
    assert summary["counted_lines"] == 1
    assert summary["amount"] == "270.00"
    assert summary["counted_amount"] == "120.00"


# Catalogue -----------------------------------------------------------------------------------


def test_the_catalogue_lists_certified_products_for_mapping_skus(shop, key):
    items = get(key, "/api/v1/products?on=2023-09-15").json()["items"]

    assert [item["name"] for item in items] == ["红心猕猴桃"]  # honey is not certified
    item = items[0]
    assert item["trace_code"] == "WX-KIWI-001"
    assert item["supplier"] == "威信县金鸡猕猴桃种植专业合作社"
    assert item["certified_until"] == "2024-12-31"
    assert item["certificate_number"] == f"WX-{shop.kiwi.pk:04d}"
    assert get(key, "/api/v1/products?on=2021-06-01").json()["count"] == 0


def test_the_catalogue_can_list_only_what_changed_since_a_moment(shop, key):
    everything = get(key, "/api/v1/products?on=2023-09-15").json()
    later = get(key, "/api/v1/products?on=2023-09-15&updated_since=2999-01-01T00:00:00").json()

    assert everything["count"] == 1
    assert later == {"on": "2023-09-15", "count": 0, "items": []}


# Limits and language -------------------------------------------------------------------------


def test_a_key_over_its_rate_gets_429_with_a_message_in_both_languages(shop, key, settings):
    settings.SHANHAI_API_RATE = "2/m"
    assert push(key, [kiwi(shop)]).status_code == 200
    assert get(key, "/api/v1/products").status_code == 200

    response = push(key, [kiwi(shop, order_id="SXG-0002")], language="zh-hans")

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail_en"] == "Too many requests with this key; wait a little and send again."
    with translation.override("zh-hans"):
        assert body["detail"] == gettext(body["detail_en"])
    assert SaleLine.objects.count() == 1


def test_the_rate_is_counted_per_key(shop, key, east_office, settings):
    settings.SHANHAI_API_RATE = "1/m"
    _token, other_key = services.issue_channel_token(
        channel=shop.channel, name="备用", issued_by=east_office
    )

    assert push(key, [kiwi(shop)]).status_code == 200
    assert push(key, [kiwi(shop)]).status_code == 429
    assert push(other_key, [kiwi(shop)]).status_code == 200


def test_messages_follow_accept_language_and_default_to_chinese(shop, key):
    chinese = push(key, [kiwi(shop, sold_on="bad")], language="zh-hans")
    default = Client().post(
        "/api/v1/sales",
        {"lines": [kiwi(shop, order_id="X", sold_on="bad")]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )

    english = "Give the date sold as YYYY-MM-DD, e.g. 2023-09-15."
    with translation.override("zh-hans"):
        expected = gettext(english)
    assert chinese["Content-Language"] == "zh-hans"
    assert chinese.json()["errors"][0]["message"] == expected
    assert default["Content-Language"] == "zh-hans"
    assert default.json()["errors"][0]["message"] == expected


# Documentation -------------------------------------------------------------------------------


def test_the_openapi_schema_describes_every_endpoint():
    response = Client().get("/api/openapi.json")

    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    operations = {
        (path, method): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    assert set(operations) == {
        ("/api/v1/sales", "post"),
        ("/api/v1/sales/{order_id}", "get"),
        ("/api/v1/batches/{batch_id}", "get"),
        ("/api/v1/products", "get"),
    }
    for operation in operations.values():
        assert operation["summary"]
        assert operation["description"]
        assert operation["security"] == [{"ChannelKey": []}]
        assert {"200", "401", "429"} <= set(operation["responses"])
    push_sales = operations["/api/v1/sales", "post"]
    assert {"413", "422"} <= set(push_sales["responses"])
    line = schema["components"]["schemas"]["SaleLineIn"]
    assert all(field.get("description") for field in line["properties"].values())
    assert schema["components"]["securitySchemes"]["ChannelKey"]["scheme"] == "bearer"


def test_the_docs_page_loads_nothing_from_outside():
    response = Client().get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert all(urlparse(url).netloc == "" and url.startswith("/static/") for url in urls), urls
    assert "http://" not in html
    assert "https://" not in html
    assert '"validatorUrl": null' in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_render_in_a_browser_with_no_internet(live_server, page):
    outside: list[str] = []
    problems: list[str] = []

    def only_ours(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_ours)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/api/docs")

    page.locator(".swagger-ui .info .title").wait_for()
    assert "Shanhai sales API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() == 4
    assert outside == []
    assert problems == []
