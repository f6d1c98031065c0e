"""copy_rows: COPY on PostgreSQL, bulk_create elsewhere, the same rows and ids either way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Field
from django.test.utils import CaptureQueriesContext

from shanhai.accounts.models import User
from shanhai.consumption import services
from shanhai.consumption.models import Buyer, ChannelToken, SaleLine, SalesBatch
from shanhai.consumption.tests.conftest import shop  # noqa: F401 (fixtures are found by name)
from shanhai.core.copy import AS_IS, as_is, copy_rows, update_rows
from shanhai.ledger.tests.conftest import (  # noqa: F401 (fixtures are found by name)
    east_office,
    media_root,
    tree,
    west_office,
)

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def template(shop: Any, east_office: Any) -> SaleLine:  # noqa: F811 (the fixtures, by name)
    """A line as the service writes it: every column set (a column added later is too)."""
    sale = services.SaleInput("T-0", date(2022, 9, 1), shop.kiwi.pk, Decimal(1), Decimal(60))
    outcome = services.ingest_sales(
        channel=shop.channel, sales=[sale], entry_method="api", user=east_office
    )
    assert outcome.created == 1
    return SaleLine.objects.select_related("channel").get(channel=shop.channel, order_id="T-0")


def like(template: SaleLine, order_id: str, **values: Any) -> SaleLine:
    """A new, unsaved line with *template*'s values but for *order_id* and *values*."""
    fields = {
        f.attname: getattr(template, f.attname)
        for f in SaleLine._meta.concrete_fields
        if not f.primary_key
    }
    return SaleLine(**{**fields, "order_id": order_id, **values})


def stored(line: SaleLine) -> dict[str, Any]:
    return {f.attname: getattr(line, f.attname) for f in SaleLine._meta.concrete_fields}


def test_ids_are_set_unique_new_and_in_order(template):
    lines = [like(template, f"C-{n}") for n in range(50)]

    returned = copy_rows(SaleLine, lines)

    ids = [line.pk for line in lines]
    assert returned == lines
    assert None not in ids
    assert len(set(ids)) == 50
    assert template.pk not in ids
    assert ids == sorted(ids)
    assert all(not line._state.adding and line._state.db == "default" for line in lines)
    assert set(SaleLine.objects.filter(order_id__startswith="C-").values_list("pk", flat=True)) == (
        set(ids)
    )
    # The sequence moved past them: the next line saved the ordinary way gets a new id.
    later = like(template, "after")
    later.save()
    assert later.pk not in ids


def test_values_round_trip(template):
    union = Buyer.objects.get(name="松江区总工会")
    kinds: list[dict[str, Any]] = [
        {"quantity": Decimal("0.01"), "amount": Decimal("0.00"), "buyer_id": None},
        {"quantity": Decimal("999999999999.99"), "amount": Decimal("123456789012.34")},
        {"quantity": Decimal("2.5"), "amount": Decimal("150"), "buyer_id": union.pk},
        {"is_certified": False, "is_held": True, "is_illustrative": True, "mode": "purchased"},
        {"is_certified": True, "is_held": False, "is_excluded": True, "sales_event_id": None},
        {"sold_on": date(2000, 1, 1)},
        {"sold_on": date(2024, 2, 29)},
    ]
    lines = [like(template, f"V-{n}", **values) for n, values in enumerate(kinds)]
    # Text COPY has its own escapes: tabs, newlines, backslashes and \N must come back as sent.
    lines.append(like(template, "订单\t甲\\N\n乙\\\r"))
    expected = [stored(line) for line in lines]

    copy_rows(SaleLine, lines)

    for line, wanted in zip(lines, expected, strict=True):
        back = stored(SaleLine.objects.get(pk=line.pk))
        assert back == {**wanted, "id": line.pk}
    assert SaleLine.objects.get(pk=lines[0].pk).buyer_id is None
    assert SaleLine.objects.get(pk=lines[2].pk).buyer_id == union.pk


def test_a_duplicate_order_raises_integrity_error_and_nothing_is_written(template):
    before = SaleLine.objects.count()
    lines = [like(template, "D-1"), like(template, "D-2"), like(template, template.order_id)]

    with pytest.raises(IntegrityError), transaction.atomic():
        copy_rows(SaleLine, lines)

    assert SaleLine.objects.count() == before
    assert not SaleLine.objects.filter(order_id__startswith="D-").exists()
    assert [line.pk for line in lines] == [None, None, None]


def test_a_duplicate_within_the_rows_rolls_the_whole_insert_back(template):
    before = SaleLine.objects.count()

    with pytest.raises(IntegrityError), transaction.atomic():
        copy_rows(
            SaleLine, [like(template, "Twice"), like(template, "E-1"), like(template, "Twice")]
        )

    assert SaleLine.objects.count() == before
    # The connection is usable afterwards, in the same outer transaction.
    copy_rows(SaleLine, [like(template, "E-1")])
    assert SaleLine.objects.count() == before + 1


def test_a_check_constraint_is_enforced_as_by_bulk_create(template):
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_rows(SaleLine, [like(template, "Q-0", quantity=Decimal(0))])
    assert not SaleLine.objects.filter(order_id="Q-0").exists()


def test_postgresql_copies_and_other_databases_bulk_create(template):
    with CaptureQueriesContext(connection) as queries:
        copy_rows(SaleLine, [like(template, f"Q-{n}") for n in range(3)])

    written = [q["sql"] for q in queries.captured_queries]
    if ON_POSTGRESQL:
        assert any(sql.startswith('COPY "consumption_saleline" (') for sql in written)
        assert not any(sql.startswith("INSERT") for sql in written)
    else:
        assert any(sql.startswith('INSERT INTO "consumption_saleline"') for sql in written)


def test_the_copy_goes_through_the_execute_wrappers(template):
    """The replica router learns that a request wrote by watching them."""
    seen: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        copy_rows(SaleLine, [like(template, "W-1")])

    assert any(sql.startswith("COPY" if ON_POSTGRESQL else "INSERT") for sql in seen)
    assert SaleLine.objects.filter(order_id="W-1").exists()


def test_a_given_pk_is_kept_beside_drawn_ones(template):
    free = (SaleLine.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    given, drawn = like(template, "P-1"), like(template, "P-2")
    given.pk = free

    copy_rows(SaleLine, [given, drawn])

    assert given.pk == free
    assert drawn.pk is not None
    assert drawn.pk != free
    assert SaleLine.objects.get(pk=free).order_id == "P-1"


def test_an_unsaved_related_object_is_refused_as_bulk_create_does(template):
    line = like(template, "U-1")
    line.batch = SalesBatch(channel=template.channel, entry_method="api")  # never saved

    with pytest.raises(ValueError, match="unsaved related object 'batch'"):
        copy_rows(SaleLine, [line])


def test_a_related_object_saved_after_it_was_assigned_gives_its_id(template):
    batch = SalesBatch(channel=template.channel, entry_method="api")
    line = like(template, "R-1")
    line.batch = batch
    batch.save()

    copy_rows(SaleLine, [line])

    assert SaleLine.objects.get(pk=line.pk).batch_id == batch.pk


def test_pre_save_runs_so_auto_now_add_is_filled(template):
    token = ChannelToken(
        channel=template.channel,
        name="k",
        prefix="sh_copytest",
        key_hash="x" * 64,
        created_by=User.objects.first(),
    )

    copy_rows(ChannelToken, [token])

    assert token.created_at is not None
    assert ChannelToken.objects.get(pk=token.pk).created_at == token.created_at


def test_nothing_to_insert_is_no_query(template):
    with CaptureQueriesContext(connection) as queries:
        assert copy_rows(SaleLine, []) == []
    assert len(queries.captured_queries) == 0


def test_a_decimal_django_refuses_is_refused_as_bulk_create_does(template):
    with pytest.raises(ValidationError), transaction.atomic():
        copy_rows(SaleLine, [like(template, "N-1", amount=Decimal("NaN"))])
    assert not SaleLine.objects.filter(order_id="N-1").exists()


SAMPLES: dict[type[Field[Any, Any]], list[Any]] = {
    models.CharField: ["", "订单\t1", "\\N"],
    models.TextField: ["a\nb"],
    models.BooleanField: [True, False],
    models.DecimalField: [Decimal("0.10"), Decimal("-12345678901.25"), Decimal(7)],
    models.DateField: [date(2000, 1, 1), date(2024, 2, 29)],
    models.AutoField: [1, 2**31 - 1],
    models.BigAutoField: [1, 2**62],
    models.SmallAutoField: [1, 32767],
}


@pytest.mark.postgresql  # the values are sent as they are only to PostgreSQL
def test_values_sent_as_they_are_are_what_get_db_prep_save_gives():
    """AS_IS lets values skip get_db_prep_save: Django's own method must agree, value and type,
    so an upgrade that changes what it gives fails here rather than storing something else."""
    assert set(SAMPLES) == set(AS_IS)
    for kind, values in SAMPLES.items():
        options: dict[str, Any] = {}
        if kind is models.DecimalField:
            options = {"max_digits": 14, "decimal_places": 2}
        field = kind(**options)
        assert {type(value) for value in values} <= as_is(field)
        for value in values:
            prepared = field.get_db_prep_save(value, connection)
            assert prepared == value
            assert type(prepared) is type(value)
    # Foreign keys: their target's values, and None.
    line = SaleLine._meta.get_field("buyer")
    assert as_is(line) == {int, type(None)}
    assert line.get_db_prep_save(None, connection) is None
    assert type(line.get_db_prep_save(5, connection)) is int
    # Anything else goes through get_db_prep_save.
    assert as_is(models.DateTimeField()) == set()
    assert as_is(models.IntegerField()) == set()  # Django wraps ints for psycopg there
    assert as_is(models.JSONField()) == set()


def test_update_rows_saves_the_fields_named_and_nothing_else(template):
    lines = copy_rows(SaleLine, [like(template, f"U-{n}") for n in range(30)])
    before = {line.pk: stored(SaleLine.objects.get(pk=line.pk)) for line in lines}
    for n, line in enumerate(lines):
        line.quantity = Decimal("999999999999.99") if n == 0 else Decimal(n) / 100
        line.amount = Decimal("0.01") * n
        line.is_held = n % 2 == 0
        line.order_id = "not saved"  # not among the fields named

    with CaptureQueriesContext(connection) as queries:
        sent = update_rows(SaleLine, lines, ["quantity", "amount", "is_held"])

    assert sent == 30
    assert len(queries.captured_queries) == 1  # one statement, sent for every line
    for n, line in enumerate(lines):
        back = stored(SaleLine.objects.get(pk=line.pk))
        wanted = before[line.pk] | {
            "quantity": line.quantity,
            "amount": line.amount,
            "is_held": n % 2 == 0,
        }
        assert back == wanted
    assert stored(SaleLine.objects.get(pk=template.pk)) == stored(template)  # not among them


def test_update_rows_leaves_auto_now_as_bulk_update_does(template):
    token = copy_rows(
        ChannelToken,
        [
            ChannelToken(
                channel=template.channel,
                name="k",
                prefix="sh_update",
                key_hash="x" * 64,
                created_by=User.objects.first(),
            )
        ],
    )[0]
    created = ChannelToken.objects.get(pk=token.pk).created_at
    token.name = "改名"

    update_rows(ChannelToken, [token], ["name"])

    saved = ChannelToken.objects.get(pk=token.pk)
    assert (saved.name, saved.created_at) == ("改名", created)
    with CaptureQueriesContext(connection) as queries:
        assert update_rows(ChannelToken, [], ["name"]) == 0
    assert queries.captured_queries == []
