"""Text that people type is shown as text: attack payloads in every main text field come back
escaped on every page that shows them, as data in the JSON API, and as text in exports."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from shanhai.accounts.models import User
from shanhai.consumption import services as consumption_services
from shanhai.consumption.models import (
    Channel,
    ChannelToken,
    Demand,
    GuidanceNotice,
    Product,
    Supplier,
)
from shanhai.core.tests.pages import OFFICE_USER, PAIRING, load_demo_office_client, page_urls
from shanhai.core.tests.test_web_security_csp import csp_problems
from shanhai.imports.models import ImportJob
from shanhai.labor.models import Posting, Worker
from shanhai.ledger.models import Record
from shanhai.news.models import Article, Proposal
from shanhai.places.models import Organisation, Pairing, Place

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    "</textarea><svg onload=alert(1)>",
    "山海<b>加粗</b>协作",
]
# What would be live markup if a payload were written out unescaped.
LIVE = ("<script>alert(1)</script>", "<img src=x onerror", "<svg onload", "<b>加粗</b>")


@dataclass(frozen=True)
class Field:
    model: type[Model]
    name: str
    detail: str | None  # the URL name of the page showing one object, if it has its own page


# The main models' text fields that people type, and where each object has its own page.
FIELDS = [
    Field(Record, "title", "ledger:record-detail"),
    Field(Record, "summary", "ledger:record-detail"),
    Field(Organisation, "name", "places:organisation-detail"),
    Field(Place, "name", "places:place-detail"),
    Field(Worker, "name", "labor:worker-detail"),
    Field(Worker, "skills", "labor:worker-detail"),
    Field(Posting, "title", "labor:posting-edit"),
    Field(Supplier, "name", "consumption:supplier-detail"),
    Field(Supplier, "contact_name", "consumption:supplier-detail"),
    Field(Product, "name", "consumption:product-detail"),
    Field(Channel, "name", "consumption:channel-detail"),
    Field(ChannelToken, "name", None),
    Field(Demand, "product_name", "consumption_market:demand-detail"),
    Field(GuidanceNotice, "title", None),
    Field(Article, "title", "news:article-detail"),
    Field(Proposal, "evidence", None),
    Field(ImportJob, "file_name", "imports:job"),
]
# The pages that show objects without a page of their own.
EXTRA_PAGES = {
    ChannelToken: lambda token: reverse("consumption:channel-detail", args=[token.channel_id]),
    GuidanceNotice: lambda notice: reverse("consumption_market:guidance"),
    Proposal: lambda proposal: reverse("news:article-detail", args=[proposal.article_id]),
}


def _visible(field: Field, office: User) -> list[Any]:
    """Up to one object per payload that the office user may see."""
    objects: Any = field.model._default_manager.order_by("pk")
    if field.model is Record:
        objects = objects.filter(pairing__code__startswith="songjiang-weixin")
    elif field.model in (Worker, Posting, Supplier, Channel, Demand, GuidanceNotice):
        objects = objects.filter(pairing__code__startswith="songjiang")
    elif field.model is Place:
        objects = objects.filter(name__in=["威信县", "松江区", "麟凤镇", "金鸡村", "新浜镇"])
    return list(objects[: len(PAYLOADS)])


def _store(field: Field, obj: Any, payload: str) -> str:
    """Store *payload*, tagged with the field and object so it can be found on a page."""
    value = f"{payload}[{field.model.__name__[:4]}.{field.name[:4]}{obj.pk}]"
    changes = {field.name: value}
    if field.model is Place:
        changes["full_name"] = value
    field.model._default_manager.filter(pk=obj.pk).update(**changes)
    return value


def _pages_of(field: Field, obj: Any) -> list[str]:
    if field.detail:
        return [reverse(field.detail, args=[obj.pk])]
    return [EXTRA_PAGES[field.model](obj)]


def _escaped(value: str) -> Iterable[str]:
    yield escape(value)
    yield value.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def test_payloads_in_every_main_text_field_are_shown_escaped_on_every_page():
    client = load_demo_office_client()
    office = User.objects.get(username=OFFICE_USER)
    _add_what_the_demo_lacks(office)
    stored: dict[str, tuple[Field, str]] = {}
    pages = set(page_urls())
    for field in FIELDS:
        objects = _visible(field, office)
        assert objects, f"the demo has no {field.model.__name__} the office may see"
        for obj, payload in zip(objects, PAYLOADS, strict=False):
            stored[_store(field, obj, payload)] = (field, payload)
            pages.update(_pages_of(field, obj))

    shown: dict[str, set[str]] = {value: set() for value in stored}
    problems: list[str] = []
    for url in sorted(pages):
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        problems += csp_problems(url, response)  # an injected script or handler shows here
        for value in stored:
            if any(live in value and value in html for live in LIVE):
                problems.append(f"{url}: {value!r} written out as live markup")
            if any(escaped in html for escaped in _escaped(value)):
                shown[value].add(url)

    assert problems == []
    unseen = sorted(value for value, urls in shown.items() if not urls)
    assert unseen == []  # every stored payload really was on a page, escaped
    assert len(stored) >= 85  # 17 fields, most with all six payloads (as many as the demo has)
    assert {payload for _field, payload in stored.values()} == set(PAYLOADS)
    assert len(pages) > 100


def test_the_api_returns_stored_payloads_as_json_data_never_as_a_page():
    load_demo_office_client()
    office = User.objects.get(username=OFFICE_USER)
    channel = Channel.objects.filter(pairing__code__startswith="songjiang").order_by("pk")[0]
    _token, key = consumption_services.issue_channel_token(
        channel=channel, name="ERP", issued_by=office
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    product = api.get("/api/v1/products").json()["items"][0]
    Product.objects.filter(pk=product["id"]).update(name=PAYLOADS[1])
    line = {"order_id": PAYLOADS[0], "sold_on": "2023-09-15", "quantity": "1", "amount": "10"}

    pushed = api.post(
        "/api/v1/sales",
        {"lines": [{**line, "product": product["id"]}]},
        content_type="application/json",
    )
    products = api.get("/api/v1/products")
    sale = api.get(f"/api/v1/sales/{quote(PAYLOADS[0], safe='')}")

    assert pushed.status_code == 200, pushed.content
    for response in (products, sale):
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response["X-Content-Type-Options"] == "nosniff"  # never sniffed into HTML
    assert PAYLOADS[1] in [p["name"] for p in products.json()["items"]]  # data, unchanged
    assert sale.json()["order_id"] == PAYLOADS[0]


FORMULAS = ['=HYPERLINK("http://evil.example","点此")', "+1+1", "-2+3", "@SUM(1,1)"]


def test_an_xlsx_export_writes_formula_like_text_as_text_never_as_a_formula():
    client = load_demo_office_client()
    records = Record.objects.filter(pairing__code=PAIRING, visit__isnull=False).order_by("pk")
    for record, text in zip(records, [*FORMULAS, PAYLOADS[0]], strict=False):
        Record.objects.filter(pk=record.pk).update(title=text)

    response = client.get(f"/imports/export/visits.xlsx?pairing={PAIRING}")

    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    cells = {cell.value: cell.data_type for row in sheet.iter_rows() for cell in row}
    assert response["Content-Disposition"].startswith("attachment")
    assert {text: cells.get(text) for text in [*FORMULAS, PAYLOADS[0]]} == dict.fromkeys(
        [*FORMULAS, PAYLOADS[0]], "s"
    )  # each is a string cell ("s"), none a formula ("f")


def _add_what_the_demo_lacks(office: User) -> None:
    """Import jobs and channel keys, so that file names and key names are shown too."""
    channel = Channel.objects.filter(pairing__code__startswith="songjiang").order_by("pk")[0]
    for number, _payload in enumerate(PAYLOADS):
        consumption_services.issue_channel_token(
            channel=channel, name=f"ERP {number}", issued_by=office
        )
        ImportJob.objects.create(
            kind="visits",
            pairing=Pairing.objects.get(code=PAIRING),
            file=ContentFile(b"x", name="upload.xlsx"),
            file_name="upload.xlsx",
            sha256="0" * 64,
            created_by=office,
        )
