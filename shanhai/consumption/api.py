"""The sales API: channels push their sale lines here (see docs at /api/docs).

Each channel holds API keys (`ChannelToken`); a key writes only to its own channel. A batch of
up to 10,000 lines is parsed line by line, so a bad line is reported with its index, order id
and field while the good lines are written (`services.ingest_sales` does idempotency, checks,
flags and counting). Sending the same lines again is safe: they come back as "replayed".
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import register_converter
from django.utils import timezone, translation
from django.utils.connection import ConnectionProxy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Query, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle
from pydantic import BaseModel, ConfigDict, field_validator

from shanhai.consumption import rules, services
from shanhai.consumption.models import (
    COUNTED_LINES,
    Certification,
    ChannelToken,
    EntryMethod,
    Product,
    SaleLine,
    SalesBatch,
)
from shanhai.consumption.selectors import certified_product_ids, channel_for_key
from shanhai.consumption.services import MAX_BATCH_LINES, LineError, SaleInput
from shanhai.places.models import Pairing

DEFAULT_RATE = "60/m"
MAX_ID = 2**63 - 1
MAX_NUMBER = Decimal(10) ** 12  # DecimalField(max_digits=14, decimal_places=2)
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[T ])")


class AnyTextConverter:
    """A path segment of any text, line breaks too: Django's `path` converter stops at them."""

    regex = r"[\s\S]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AnyTextConverter, "anytext")


# Authentication and rate limit -----------------------------------------------------------------


class ChannelKey(HttpBearer):
    """`Authorization: Bearer <key>`: a live key of an open channel, found by its SHA-256."""

    def __call__(self, request: HttpRequest) -> ChannelToken | None:
        # HttpBearer logs the whole header when the scheme is wrong and DEBUG is on: a key
        # sent as "Token sh_…" would land in the log. Keys are never logged here.
        scheme, _space, key = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, key.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ChannelToken | None:
        return channel_for_key(token)


class ChannelKeyThrottle(SimpleRateThrottle):
    """At most settings.SHANHAI_API_RATE requests per key (default 60 a minute).

    Ninja keeps one throttle object for every request; the history it reads is kept in local
    variables and the wait in thread-local storage, so concurrent requests do not mix them up.
    The history lives in the "throttle" cache, shared by the server's processes (a file-based
    cache by default; see docs/operations.md), so two workers do not each allow the rate.
    """

    scope = "channel-key"

    cache = ConnectionProxy(caches, "throttle")  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__(rate=DEFAULT_RATE)
        self._waits = threading.local()

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        if not isinstance(token, ChannelToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}

    def allow_request(self, request: HttpRequest) -> bool:
        key = self.get_cache_key(request)
        if key is None:
            return True
        count, seconds = self.parse_rate(getattr(settings, "SHANHAI_API_RATE", DEFAULT_RATE))
        if count is None or seconds is None:
            return True
        now = time.time()
        history = [moment for moment in self.cache.get(key, []) if moment > now - seconds]
        if len(history) >= count:
            self._waits.seconds = max(1.0, seconds - (now - history[-1]))
            return False
        self.cache.set(key, [now, *history], seconds)
        return True

    def wait(self) -> float | None:
        seconds: float | None = getattr(self._waits, "seconds", None)
        return seconds


DESCRIPTION = """\
Channels (森鲜馆, the 832 platform, livestream shops, counters, canteens …) push the sale lines
of western products here. 各销售渠道通过本接口报送消费帮扶销售明细。

**Keys 密钥.** Every request carries `Authorization: Bearer <key>`: a channel API key, issued by
the office that runs the channel (shown once; only its hash is kept). A key writes and reads
only its own channel's lines. A revoked key, or a key of a closed channel, gets 401.

**Batches 批次.** `POST /api/v1/sales` takes 1 to 10,000 lines. Each line is checked on its own:
a bad line comes back in `errors` with its `index` (from 0), `order_id`, `field` and `message`,
and the other lines are still written. Fix the rejected lines and send them again.

**Replays are safe 重复报送不重复计数.** A line is known by the channel's own `order_id`. Sending
a line again with the same values returns it as `replayed` and changes nothing; sending the
same order id with other values is rejected.

**Counted or flagged 计入或标记.** A sale counts only when its product was certified on the day
sold (消费帮扶产品认定). Lines are never refused for that: they are written, `counted: false`
and flagged (`uncertified`, `price`, `over_capacity`, `duplicate`, `wrong_pairing`) for the
office to check.

**Limits 限制.** By default at most 60 requests a minute per key (429 with `Retry-After`
beyond it); a request body of at most 2.5 MB. Amounts are yuan, given as strings or numbers
with at most two decimal places; they come back as strings.

**Language 语言.** Messages follow `Accept-Language`: `zh-hans` (the default) or `en`.
"""

api = NinjaAPI(
    title="Shanhai sales API · 山海消费帮扶销售接口",
    version="1",
    urls_namespace="api",
    description=DESCRIPTION,
    auth=ChannelKey(),
    throttle=ChannelKeyThrottle(),
    # Served from our own /static/ (ninja is in INSTALLED_APPS); no validator badge from
    # swagger.io: the intranet has no internet.
    docs=Swagger(settings={"validatorUrl": None, "defaultModelsExpandDepth": 0}),
)


def _token(request: HttpRequest) -> ChannelToken:
    token = getattr(request, "auth", None)
    if not isinstance(token, ChannelToken):  # the API's auth guarantees one
        raise AuthenticationError
    return token


# Schemas -------------------------------------------------------------------------------------

Loose = str | int | float | None


class SaleLineIn(BaseModel):
    """One sale line as the channel sends it; every field is checked per line."""

    # A plain pydantic model: ninja's Schema would read attributes off anything, so a line
    # that is not an object would pass as an empty one.
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "order_id": "SXG-20230915-0001",
                "sold_on": "2023-09-15",
                "trace_code": "WX-KIWI-001",
                "quantity": "2",
                "amount": "120.00",
                "buyer": 3,
            }
        }
    )

    order_id: Loose = Field(
        None,
        description="The channel's own order (or order line) id, at most 64 characters. "
        "渠道自己的订单号：同一订单号再次报送视为重放，不重复计数。",
        examples=["SXG-20230915-0001"],
    )
    sold_on: Loose = Field(
        None,
        description="Date sold, YYYY-MM-DD. 销售日期。",
        examples=["2023-09-15"],
        json_schema_extra={"format": "date"},
    )
    product: Loose = Field(
        None,
        description="Product id (see GET /api/v1/products). Give this or `trace_code`. 产品编号。",
        examples=[12],
    )
    trace_code: Loose = Field(
        None,
        description="The product's trace code, instead of its id. 产品追溯码。",
        examples=["WX-KIWI-001"],
    )
    quantity: Loose = Field(
        None,
        description="Quantity in the product's unit, more than 0, at most 2 decimal places. 数量。",
        examples=["2", 2.5],
    )
    amount: Loose = Field(
        None,
        description="Amount in yuan, 0 or more, at most 2 decimal places. 金额（元）。",
        examples=["120.00", 120],
    )
    pairing: Loose = Field(
        None,
        description="Code of the pairing credited; empty: the pairing the product comes from. "
        "计入的结对关系代码，留空则为产品所属结对。",
        examples=["songjiang-weixin"],
    )
    buyer: Loose = Field(
        None,
        description="Buyer id, when an eastern body bought (counted as purchased). 采购单位编号。",
        examples=[3],
    )
    sales_event: Loose = Field(
        None,
        description="Id of the livestream or expo the sale was made at. 直播或展会编号。",
        examples=[7],
    )


class SalesIn(BaseModel):
    lines: list[SaleLineIn] = Field(
        ...,
        min_length=1,
        max_length=MAX_BATCH_LINES,
        description="1 to 10,000 sale lines. 每批 1 至 10,000 条。",
    )


class LineOut(Schema):
    index: int = Field(..., description="Position of the line in `lines`, from 0.")
    order_id: str
    status: Literal["created", "replayed", "rejected"] = Field(
        ...,
        description="created: new line written; replayed: already received with the same "
        "values, nothing changed; rejected: see `errors`.",
    )
    line_id: int | None = Field(None, description="The stored line's id.")
    counted: bool = Field(
        ..., description="Whether the sale counts (certified on the day sold, not held)."
    )
    flags: list[str] = Field(
        default_factory=list,
        description="Kinds of flag on the line: uncertified, price, over_capacity, duplicate, "
        "wrong_pairing.",
    )


class LineErrorOut(Schema):
    index: int = Field(..., description="Position of the line in `lines`, from 0.")
    order_id: str
    field: str = Field(..., description="The field at fault.", examples=["sold_on"])
    message: str = Field(..., examples=["Give the date sold as YYYY-MM-DD, e.g. 2023-09-15."])


class SalesOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "batch": 42,
                "received": 2,
                "created": 1,
                "replayed": 0,
                "rejected": 1,
                "flagged": 1,
                "lines": [
                    {
                        "index": 0,
                        "order_id": "SXG-20230915-0001",
                        "status": "created",
                        "line_id": 1001,
                        "counted": False,
                        "flags": ["uncertified"],
                    },
                    {
                        "index": 1,
                        "order_id": "SXG-20230915-0002",
                        "status": "rejected",
                        "line_id": None,
                        "counted": False,
                        "flags": [],
                    },
                ],
                "errors": [
                    {
                        "index": 1,
                        "order_id": "SXG-20230915-0002",
                        "field": "sold_on",
                        "message": "销售日期请按 YYYY-MM-DD 填写，例如 2023-09-15。",
                    }
                ],
            }
        }
    )

    batch: int = Field(..., description="Id of the batch (see GET /api/v1/batches/{id}).")
    received: int
    created: int
    replayed: int
    rejected: int
    flagged: int = Field(..., description="Lines created in this batch that carry a flag.")
    lines: list[LineOut]
    errors: list[LineErrorOut]


class FlagOut(Schema):
    kind: str = Field(..., examples=["uncertified"])
    label: str = Field(..., examples=["Product not certified on the date sold"])
    status: str = Field(..., description="open, accepted or excluded.", examples=["open"])
    detail: str


class SaleOut(Schema):
    line_id: int
    order_id: str
    sold_on: date
    product: int
    product_name: str
    trace_code: str
    quantity: Decimal
    amount: Decimal = Field(..., description="Yuan.")
    pairing: str = Field(..., description="Code of the pairing credited.")
    buyer: int | None
    sales_event: int | None
    mode: str = Field(..., description="purchased (by an eastern body) or helped (to sell).")
    batch: int
    certified: bool = Field(..., description="The product was certified on the day sold.")
    counted: bool = Field(..., description="Certified, and neither excluded nor held.")
    excluded: bool = Field(..., description="An office excluded the line after checking a flag.")
    held: bool = Field(..., description="Held as a probable duplicate until an office checks it.")
    flags: list[FlagOut]


class BatchOut(Schema):
    batch: int
    channel: str
    entered_through: str = Field(..., description="api, import, form or demo.")
    received_at: datetime
    received: int
    created: int
    replayed: int
    rejected: int
    flagged: int
    counted_lines: int = Field(..., description="Lines of this batch that count today.")
    amount: Decimal = Field(..., description="Yuan, all lines created by this batch.")
    counted_amount: Decimal = Field(..., description="Yuan, the lines that count today.")


class ProductOut(Schema):
    id: int
    name: str
    spec: str
    unit: str
    trace_code: str
    category: str = Field(..., examples=["fruit"])
    category_label: str = Field(..., examples=["Fruit"])
    supplier: str
    pairing: str = Field(..., description="Code of the pairing the product comes from.")
    reference_price: Decimal = Field(..., description="Yuan per unit.")
    certificate_number: str
    certified_until: date = Field(..., description="Last day of the certificate covering `on`.")


class ProductsOut(Schema):
    on: date = Field(..., description="The day the products are certified on.")
    count: int = Field(..., description="Products in all pages.")
    items: list[ProductOut]


class ErrorOut(Schema):
    detail: str = Field(..., description="What went wrong, in the language asked for.")
    code: str = Field(
        ...,
        description="unauthorized, not_found, bad_json, too_large, too_many_lines, invalid, "
        "throttled or forbidden.",
    )


class ThrottledOut(ErrorOut):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "detail": "该密钥请求过于频繁，请稍后再发送。",
                "code": "throttled",
                "detail_en": "Too many requests with this key; wait a little and send again.",
                "retry_after": 12,
            }
        }
    )

    detail_en: str = Field(..., description="The same message in English.")
    retry_after: int | None = Field(None, description="Seconds to wait (also in Retry-After).")


class FieldErrorOut(Schema):
    field: str = Field(..., examples=["lines[3].quantity"])
    message: str


class InvalidOut(ErrorOut):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "detail": "The request is not valid; see errors for the fields at fault.",
                "code": "invalid",
                "errors": [{"field": "lines[3]", "message": "Input should be a valid dictionary"}],
            }
        }
    )

    errors: list[FieldErrorOut]


ERRORS: dict[int, Any] = {401: ErrorOut, 422: InvalidOut, 429: ThrottledOut}


# Errors --------------------------------------------------------------------------------------


def _error(request: HttpRequest, status: int, code: str, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request,
        401,
        "unauthorized",
        _("Give a valid channel API key: Authorization: Bearer <key>."),
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def _throttled_message() -> str:
    return _("Too many requests with this key; wait a little and send again.")


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    with translation.override("en"):
        english = _throttled_message()
    wait = round(exc.wait) if exc.wait is not None else None
    return _error(
        request, 429, "throttled", _throttled_message(), detail_en=english, retry_after=wait
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, RequestDataTooBig):
        megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
        detail = _("The request is larger than %(size)s MB; send fewer lines at a time.") % {
            "size": f"{megabytes:g}"
        }
        return _error(request, 413, "too_large", detail)
    if exc.status_code == 400:
        return _error(request, 400, "bad_json", _("The request body is not valid JSON."))
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    for error in exc.errors:
        if error.get("type") == "too_long" and tuple(error.get("loc", ()))[-1:] == ("lines",):
            detail = _("A batch holds at most %(max)s lines; this one has %(count)s.") % {
                "max": MAX_BATCH_LINES,
                "count": error.get("ctx", {}).get("actual_length", "?"),
            }
            return _error(request, 413, "too_many_lines", detail)
    return _error(
        request,
        422,
        "invalid",
        _("The request is not valid; see errors for the fields at fault."),
        errors=[{"field": _field_path(e.get("loc", ())), "message": e["msg"]} for e in exc.errors],
    )


def _field_path(loc: Sequence[Any]) -> str:
    parts = [part for part in loc if part not in {"body", "payload", "query", "path"}]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found for this channel."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", str(exc) or _("This key may not do that."))


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _error(request, 422, "invalid", " ".join(exc.messages))


# Parsing lines -------------------------------------------------------------------------------


@dataclass
class ParsedLines:
    """The lines that parsed, where each came from in the request, and the ones that did not."""

    sales: list[SaleInput] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def _text(value: Loose) -> str:
    return "" if value is None else str(value).strip()


def _storable(value: Loose) -> bool:
    """Whether the database can hold or look up the text: PostgreSQL refuses a NUL in it."""
    return "\x00" not in _text(value)


def _whole(value: Loose) -> int | None:
    """A positive id, or None when *value* is not one."""
    text = _text(value)
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


NUMBER_MESSAGES = {
    "quantity": (
        gettext_lazy("Give the quantity."),
        gettext_lazy("Give the quantity as a number, e.g. 2 or 2.5."),
    ),
    "amount": (
        gettext_lazy("Give the amount in yuan."),
        gettext_lazy("Give the amount in yuan as a number, e.g. 120 or 120.50."),
    ),
}


def _number(value: Loose, field_name: str, problems: list[tuple[str, str]]) -> Decimal | None:
    """A finite number with at most two decimals that fits the sale line's columns."""
    missing, not_a_number = NUMBER_MESSAGES[field_name]
    text = _text(value)
    if not text:
        problems.append((field_name, str(missing)))
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        problems.append((field_name, str(not_a_number)))
        return None
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        problems.append((field_name, _("At most two decimal places.")))
        return None
    if abs(number) >= MAX_NUMBER:
        problems.append((field_name, _("The number is too large.")))
        return None
    return number


def _day(value: Loose) -> date | None:
    text = _text(value)
    if not ISO_DAY.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_lines(lines: Sequence[SaleLineIn]) -> ParsedLines:
    """Turn loose lines into SaleInputs, reporting every field that cannot be read.

    Trace codes and pairing codes are looked up in one query each.
    """
    codes = {_text(line.trace_code) for line in lines if _storable(line.trace_code)} - {""}
    by_trace = dict(
        Product.objects.filter(trace_code__in=codes).values_list("trace_code", "pk")
        if codes
        else []
    )
    pairing_codes = {_text(line.pairing) for line in lines if _storable(line.pairing)} - {""}
    by_code = dict(
        Pairing.objects.filter(code__in=pairing_codes).values_list("code", "pk")
        if pairing_codes
        else []
    )
    parsed = ParsedLines()
    for index, line in enumerate(lines):
        problems: list[tuple[str, str]] = []
        order_id = _text(line.order_id)
        if not order_id or len(order_id) > 64:
            problems.append(("order_id", _("Give the channel's order id (at most 64 characters).")))
        elif not _storable(order_id):
            problems.append(("order_id", _("An order id cannot hold a NUL character.")))
        sold_on = _day(line.sold_on)
        if sold_on is None:
            problems.append(("sold_on", _("Give the date sold as YYYY-MM-DD, e.g. 2023-09-15.")))
        product_id = _product_id(line, by_trace, problems)
        quantity = _number(line.quantity, "quantity", problems)
        amount = _number(line.amount, "amount", problems)
        pairing_code = _text(line.pairing)
        pairing_id = by_code.get(pairing_code) if pairing_code else None
        if pairing_code and pairing_id is None:
            problems.append(("pairing", _("No pairing with this code.")))
        buyer_id = _whole(line.buyer) if _text(line.buyer) else None
        if _text(line.buyer) and buyer_id is None:
            problems.append(("buyer", _("Give the buyer id as a whole number.")))
        event_id = _whole(line.sales_event) if _text(line.sales_event) else None
        if _text(line.sales_event) and event_id is None:
            problems.append(("sales_event", _("Give the sales event id as a whole number.")))
        if problems or sold_on is None or product_id is None or quantity is None or amount is None:
            parsed.errors += [LineError(index, order_id[:64], f, m) for f, m in problems]
            continue
        parsed.positions.append(index)
        parsed.sales.append(
            SaleInput(
                order_id=order_id,
                sold_on=sold_on,
                product_id=product_id,
                quantity=quantity,
                amount=amount,
                pairing_id=pairing_id,
                buyer_id=buyer_id,
                sales_event_id=event_id,
            )
        )
    return parsed


def _product_id(
    line: SaleLineIn, by_trace: dict[str, int], problems: list[tuple[str, str]]
) -> int | None:
    given, code = _text(line.product), _text(line.trace_code)
    if not given and not code:
        problems.append(("product", _("Give the product id or its trace code.")))
        return None
    product_id = _whole(line.product) if given else None
    if given and product_id is None:
        problems.append(("product", _("Give the product id as a whole number.")))
        return None
    if code:
        traced = by_trace.get(code)
        if traced is None:
            problems.append(("trace_code", _("No product with this trace code.")))
            return None
        if product_id is not None and product_id != traced:
            problems.append(("trace_code", _("This trace code is of another product.")))
            return None
        product_id = traced
    return product_id


# Sales ---------------------------------------------------------------------------------------


@api.post(
    "/v1/sales",
    response={200: SalesOut, 400: ErrorOut, 413: ErrorOut, **ERRORS},
    tags=["Sales 销售"],
    operation_id="push_sales",
    summary="Push a batch of sale lines · 报送一批销售明细",
    description="Write the new lines of a batch (1 to 10,000), each checked on its own. The "
    "answer lists every line with its status (created, replayed, rejected), whether it counts "
    "and its flags, and every error with the line's index and the field at fault. Good lines "
    "are written even when others are rejected; send the fixed ones again. 每条单独校验，合格的"
    "明细即使同批有错误也会写入；修正后重新报送即可，已写入的明细不会重复计数。",
)
def push_sales(request: HttpRequest, payload: SalesIn) -> dict[str, Any]:
    token = _token(request)
    parsed = parse_lines(payload.lines)
    outcome = services.ingest_sales(
        channel=token.channel,
        sales=parsed.sales,
        entry_method=EntryMethod.API,
        token=token,
        unreadable=len({error.index for error in parsed.errors}),
    )
    batch = outcome.batch
    assert batch is not None  # ingest_sales always makes one
    return _answer(batch, parsed, outcome)


def _answer(
    batch: SalesBatch, parsed: ParsedLines, outcome: services.IngestOutcome
) -> dict[str, Any]:
    """The batch's counts, every line by its index in the request, and every error."""
    lines: dict[int, dict[str, Any]] = {}
    for error in parsed.errors:
        lines[error.index] = {
            "index": error.index,
            "order_id": error.order_id,
            "status": "rejected",
            "line_id": None,
            "counted": False,
            "flags": [],
        }
    for result in outcome.results:
        index = parsed.positions[result.index]
        lines[index] = {
            "index": index,
            "order_id": result.order_id,
            "status": result.status,
            "line_id": result.line_id,
            "counted": result.is_counted,
            "flags": list(result.flags),
        }
    errors = parsed.errors + [
        LineError(parsed.positions[e.index], e.order_id, e.field, e.message) for e in outcome.errors
    ]
    errors.sort(key=lambda error: error.index)  # stable: a line's errors keep their order
    return {
        "batch": batch.pk,
        "received": batch.lines_received,
        "created": batch.lines_created,
        "replayed": batch.lines_replayed,
        "rejected": batch.lines_rejected,
        "flagged": batch.lines_flagged,
        "lines": [lines[index] for index in sorted(lines)],
        "errors": [
            {"index": e.index, "order_id": e.order_id, "field": e.field, "message": e.message}
            for e in errors
        ],
    }


@api.get(
    "/v1/sales/{anytext:order_id}",
    response={200: SaleOut, 404: ErrorOut, **ERRORS},
    tags=["Sales 销售"],
    operation_id="get_sale",
    summary="One sale line as stored · 查询一条已报送的明细",
    description="The line this channel sent under `order_id`, with whether it was certified on "
    "the day sold, whether it counts, and its flags and their status. 404 for order ids this "
    "channel did not send.",
)
def get_sale(request: HttpRequest, order_id: str) -> dict[str, Any]:
    token = _token(request)
    if not _storable(order_id):
        raise Http404
    line = (
        SaleLine.objects.select_related("product", "pairing")
        .prefetch_related("flags")
        .filter(channel_id=token.channel_id, order_id=order_id.strip())
        .first()
    )
    if line is None:
        raise Http404
    return {
        "line_id": line.pk,
        "order_id": line.order_id,
        "sold_on": line.sold_on,
        "product": line.product_id,
        "product_name": str(line.product),
        "trace_code": line.product.trace_code,
        "quantity": line.quantity,
        "amount": line.amount,
        "pairing": line.pairing.code,
        "buyer": line.buyer_id,
        "sales_event": line.sales_event_id,
        "mode": line.mode,
        "batch": line.batch_id,
        "certified": line.is_certified,
        "counted": line.is_counted,
        "excluded": line.is_excluded,
        "held": line.is_held,
        "flags": [
            {
                "kind": flag.kind,
                "label": flag.get_kind_display(),
                "status": flag.status,
                "detail": flag.detail,
            }
            for flag in line.flags.all()
        ],
    }


@api.get(
    "/v1/batches/{int:batch_id}",
    response={200: BatchOut, 404: ErrorOut, **ERRORS},
    tags=["Sales 销售"],
    operation_id="get_batch",
    summary="A batch's summary · 查询批次汇总",
    description="What a batch of this channel did: lines received, created, replayed, rejected "
    "and flagged, and what its lines add up to and count today (a certificate or an office's "
    "decision can change that later).",
)
def get_batch(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    token = _token(request)
    batch = SalesBatch.objects.filter(pk=batch_id, channel_id=token.channel_id).first()
    if batch is None:
        raise Http404
    counted = COUNTED_LINES
    sums = SaleLine.objects.filter(batch=batch).aggregate(
        counted_lines=Count("pk", filter=counted),
        total=Sum("amount"),
        counted_total=Sum("amount", filter=counted),
    )
    return {
        "batch": batch.pk,
        "channel": token.channel.name,
        "entered_through": batch.entry_method,
        "received_at": batch.received_at,
        "received": batch.lines_received,
        "created": batch.lines_created,
        "replayed": batch.lines_replayed,
        "rejected": batch.lines_rejected,
        "flagged": batch.lines_flagged,
        "counted_lines": sums["counted_lines"],
        "amount": _yuan(sums["total"]),
        "counted_amount": _yuan(sums["counted_total"]),
    }


def _yuan(total: Decimal | None) -> Decimal:
    return (total or Decimal(0)).quantize(Decimal("0.01"))


# Catalogue -----------------------------------------------------------------------------------


class ProductQuery(Schema):
    updated_since: datetime | None = Field(
        None,
        description="Only products whose record or certificates changed since then; ISO 8601, "
        "e.g. 2023-09-01T00:00:00+08:00. 仅返回此后有变动的产品。",
    )
    on: date | None = Field(None, description="Certified on this day; default today. 认定日期。")
    limit: int = Field(100, ge=1, le=500, description="Products per page.")
    offset: int = Field(0, ge=0, description="Products to skip.")

    @field_validator("updated_since", "on", mode="before")
    @classmethod
    def _iso_8601(cls, value: Any) -> Any:
        """Refuse a bare number, which pydantic would take for a Unix timestamp."""
        if value is not None and not (isinstance(value, str) and ISO_START.match(value)):
            raise ValueError(_("Give a date as YYYY-MM-DD or a time as ISO 8601."))
        return value


@api.get(
    "/v1/products",
    response={200: ProductsOut, **ERRORS},
    tags=["Catalogue 产品目录"],
    operation_id="list_products",
    summary="Certified products, to map the channel's SKUs · 已认定产品目录",
    description="Products certified on `on` (default today), ordered by id, a page at a time. "
    "Use their `id` or `trace_code` in sale lines. 认定有效期内的消费帮扶产品，供渠道对照自己的"
    "商品编码。",
)
def list_products(request: HttpRequest, params: Query[ProductQuery]) -> dict[str, Any]:
    _token(request)
    day = params.on or timezone.localdate()
    found = Product.objects.filter(pk__in=certified_product_ids(day))
    if params.updated_since is not None:
        since = params.updated_since
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        found = found.filter(
            Q(updated_at__gte=since) | Q(certifications__updated_at__gte=since)
        ).distinct()
    page = list(
        found.select_related("supplier__pairing").order_by("pk")[
            params.offset : params.offset + params.limit
        ]
    )
    certificates = _certificates_on(page, day)
    return {
        "on": day,
        "count": found.count(),
        "items": [
            {
                "id": product.pk,
                "name": product.name,
                "spec": product.spec,
                "unit": product.unit,
                "trace_code": product.trace_code,
                "category": product.category,
                "category_label": product.get_category_display(),
                "supplier": product.supplier.name,
                "pairing": product.supplier.pairing.code,
                "reference_price": product.reference_price,
                "certificate_number": certificates[product.pk][0],
                "certified_until": certificates[product.pk][1],
            }
            for product in page
        ],
    }


@api.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{anytext:rest}",
    include_in_schema=False,
)
def unknown_path(request: HttpRequest, rest: str) -> HttpResponse:
    """Answer a path no operation has (/api/v1/batches/abc) in JSON, as the API does.

    Ninja matches routes in the order they are defined: keep this one below all the others.
    """
    return _error(request, 404, "not_found", _("There is no such address in the API."))


def _certificates_on(products: list[Product], day: date) -> dict[int, tuple[str, date]]:
    """Each product's certificate number and last certified day, of the certificate covering
    *day* that runs longest (a withdrawn one ends the day before its withdrawal)."""
    found: dict[int, tuple[str, date]] = {}
    rows = Certification.objects.filter(
        product__in=products,
        status__in=[Certification.Status.CERTIFIED, Certification.Status.WITHDRAWN],
        valid_from__lte=day,
        valid_to__gte=day,
    ).values_list("product_id", "certificate_number", "valid_from", "valid_to", "withdrawn_on")
    for product_id, number, valid_from, valid_to, withdrawn_on in rows:
        if valid_from is None or valid_to is None:  # never, as filtered above
            continue
        if not rules.Validity(valid_from, valid_to, withdrawn_on).covers(day):
            continue
        until = min(valid_to, withdrawn_on - timedelta(days=1)) if withdrawn_on else valid_to
        if product_id not in found or until > found[product_id][1]:
            found[product_id] = (number, until)
    return found
