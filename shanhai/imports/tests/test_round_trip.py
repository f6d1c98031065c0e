"""Every list exports as the template's sheet and imports back unchanged."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.base import ContentFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shanhai.accounts.models import Side
from shanhai.core.models import DatePrecision
from shanhai.imports import services
from shanhai.imports.exports import INDEX_HEADER, header_text, write_export, write_template
from shanhai.imports.kinds import KINDS, get_kind
from shanhai.imports.models import ImportJob
from shanhai.ledger.models import (
    AidProject,
    Donation,
    Meeting,
    Record,
    TalentExchange,
    Training,
    Visit,
)
from shanhai.ledger.services import create_record, record_fund_transaction
from shanhai.places.models import Pairing, Place
from shanhai.places.tests.factories import OrganisationFactory, PlaceFactory

pytestmark = pytest.mark.django_db


def export(kind_name, user, fmt="xlsx", **filters):
    kind = get_kind(kind_name)
    buffer = io.BytesIO()
    count = write_export(
        kind,
        kind.export_objects(user, pairing=filters.get("pairing"), year=filters.get("year")),
        fmt,
        buffer,
    )
    return ContentFile(buffer.getvalue(), name=f"export.{fmt}"), count


@pytest.fixture
def ledger(tree, west_office):
    """One record of every importable ledger kind, with the awkward values filled in."""
    hospital = OrganisationFactory.create(name="威信县人民医院", place=tree.west_county)
    town = PlaceFactory.create(name="扎西镇", parent=tree.west_county)
    records = [
        Visit(
            pairing=tree.county,
            title="王书记带队赴麟凤镇考察",
            occurred_on=date(2023, 6, 28),
            direction="east_west",
            level="principal",
            leader_name="王书记",
            member_count=12,
            summary="第一行，\n第二行：（括号）",
            visited_text="某某合作社",
        ),
        Meeting(
            pairing=tree.town,
            title="新浜—麟凤联席会议",
            occurred_on=date(2023, 7, 1),
            occurred_on_precision=DatePrecision.MONTH,
            meeting_kind="joint",
            attendee_count=20,
        ),
        AidProject(
            pairing=tree.county,
            title="猕猴桃基地",
            occurred_on=date(2023, 4, 1),
            sector="agriculture",
            place=town,
            budget_amount=Decimal("1234567.89"),
            benefit_mechanisms=["wages", "dividends"],
            progress_percent=35,
        ),
        Donation(
            pairing=tree.county,
            title="捐赠救护车",
            occurred_on=date(2023, 5, 5),
            donation_kind="goods",
            donor_name="某企业",
            recipient=hospital,
            items="救护车",
            quantity=Decimal(4),
            unit="辆",
            value_amount=Decimal("1600000.50"),
        ),
        TalentExchange(
            pairing=tree.county,
            title="陈医生支医",
            occurred_on=date(2023, 3, 1),
            form="medical",
            sector="health",
            person_name="陈医生",
            headcount=1,
            home_name="松江区中心医院",
            host_organisation=hospital,
        ),
        Training(
            pairing=tree.county,
            title="电商培训",
            topic="电商培训",
            occurred_on=date(2023, 9, 20),
            sessions=2,
            person_times=61,
            organiser_name="松江区商务委",
        ),
    ]
    for record in records:
        create_record(record=record, recorded_by=west_office)
    project = AidProject.objects.get()
    record_fund_transaction(
        project=project,
        transaction_kind="disbursement",
        transacted_on=date(2023, 6, 1),
        amount=Decimal("500000"),
        recorded_by=west_office,
        note="第一批",
    )
    return records


LEDGER_KINDS = [
    "visits",
    "meetings",
    "projects",
    "donations",
    "exchanges",
    "trainings",
    "transactions",
]


@pytest.mark.usefixtures("ledger")
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", LEDGER_KINDS)
def test_an_exported_list_imports_back_with_nothing_changed(kind, fmt, tree, west_office):
    file, count = export(kind, west_office, fmt)
    before = Record.objects.count()

    outcome = services.import_file(kind=kind, file=file, user=west_office, pairing=None)

    assert count == 1
    assert (outcome.rows, outcome.unchanged, outcome.rejected) == (1, 1, 0), outcome.errors
    assert Record.objects.count() == before


@pytest.mark.usefixtures("ledger")
def test_an_export_edited_in_excel_updates_the_record_with_history(tree, west_office):
    file, _count = export("visits", west_office)
    book = openpyxl.load_workbook(io.BytesIO(file.read()))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[2]]
    sheet.cell(row=3, column=headers.index("人数") + 1, value=15)
    edited = io.BytesIO()
    book.save(edited)

    outcome = services.import_file(
        kind="visits",
        file=ContentFile(edited.getvalue(), name="edited.xlsx"),
        user=west_office,
        pairing=None,
        mode=ImportJob.Mode.UPDATE,
    )

    assert (outcome.updated, outcome.created) == (1, 0)
    visit = Visit.objects.get()
    assert visit.member_count == 15
    assert visit.changes.get().changes == {"member_count": [12, 15]}


@pytest.mark.usefixtures("ledger")
def test_an_export_shows_only_what_the_person_may_see(tree, outsider, west_office):
    file, count = export("visits", outsider, "csv")

    assert count == 0
    assert "王书记" not in file.read().decode("utf-8-sig")


@pytest.mark.usefixtures("ledger")
def test_an_export_for_a_town_pairing_holds_only_its_records(tree, west_office):
    _file, county_count = export("meetings", west_office, pairing=tree.county)
    _file, visits_in_town = export("visits", west_office, pairing=tree.town)

    assert county_count == 1  # the town's meeting is in the county's tree
    assert visits_in_town == 0


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_a_template_that_its_importer_reads_as_empty(kind, tree, admin_user):
    buffer = io.BytesIO()
    write_template(get_kind(kind), buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))

    data = book.worksheets[0]
    headers = [c.value for c in data[2]]
    assert headers == [INDEX_HEADER, *(header_text(c) for c in get_kind(kind).columns)]
    assert data.cell(row=3, column=1).value == "示例"
    assert "填写说明" in book.sheetnames
    assert book["选项"].sheet_state == "hidden"
    outcome = services.import_file(
        kind=kind, file=ContentFile(buffer.getvalue(), name="t.xlsx"), user=admin_user,
        pairing=tree.county, dry_run=True,
    )  # fmt: skip
    assert (outcome.rows, outcome.error_count) == (0, 0)


def test_a_template_offers_the_choices_as_a_drop_down(tree):
    kind = get_kind("exchanges")
    buffer = io.BytesIO()
    write_template(kind, buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))

    headers = [c.value for c in book.worksheets[0][2]]
    form_letter = openpyxl.utils.get_column_letter(headers.index("交流方式*") + 1)
    lists = book["选项"]
    offered = {}
    for validation in book.worksheets[0].data_validations.dataValidation:
        sheet_range = validation.formula1.split("!")[1].replace("$", "")
        values = [row[0].value for row in lists[sheet_range]]
        for cell_range in validation.sqref.ranges:
            offered[cell_range.coord.split(":")[0].rstrip("0123456789")] = values
    assert "挂职" in offered[form_letter][0]
    assert len(offered[form_letter]) == len(TalentExchange.Form.choices)


# --- property: any visit the ledger can hold survives export → import ---------------------

texts = st.text(
    alphabet=st.sampled_from(list("松江威信麟凤镇考察调研（）：，、。abc 123\n")), max_size=30
).map(str.strip)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    precision=st.sampled_from(list(DatePrecision.values)),
    title=texts.filter(bool),
    summary=texts,
    people=st.none() | st.integers(min_value=0, max_value=100_000),
    direction=st.sampled_from(["", "east_west", "west_east", "both"]),
)
def test_any_visit_round_trips_through_a_sheet(
    tree, west_office, day, precision, title, summary, people, direction
):
    if precision == DatePrecision.MONTH:
        day = day.replace(day=1)
    elif precision == DatePrecision.YEAR:
        day = day.replace(month=1, day=1)
    Record.objects.all().delete()
    create_record(
        record=Visit(
            pairing=tree.county,
            title=title[:200],
            summary=summary,
            occurred_on=day,
            occurred_on_precision=precision,
            member_count=people,
            direction=direction,
        ),
        recorded_by=west_office,
    )
    file, _count = export("visits", west_office)

    outcome = services.import_file(kind="visits", file=file, user=west_office, pairing=None)

    assert (outcome.unchanged, outcome.created, outcome.error_count) == (1, 0, 0), outcome.errors


def test_names_of_the_sides_are_chinese_in_a_places_export(tree, admin_user):
    file, count = export("places", admin_user, "csv")
    text = file.read().decode("utf-8-sig")

    assert count == Place.objects.count()
    assert "东部" in text
    assert "西部" in text
    assert Side.EAST not in text.split("\n", 1)[1]  # values, not codes


@pytest.mark.parametrize("kind", ["places", "organisations", "pairings"])
def test_the_registry_round_trips_for_an_administrator(kind, tree, admin_user):
    OrganisationFactory.create(name="威信县人民医院", place=tree.west_county)
    file, count = export(kind, admin_user)

    outcome = services.import_file(kind=kind, file=file, user=admin_user, pairing=None)

    assert count >= 1
    assert (outcome.unchanged, outcome.rejected, outcome.created) == (count, 0, 0), outcome.errors
    assert Pairing.objects.count() == 3


def test_targets_round_trip(tree, east_office):
    from shanhai.indicators.services import set_targets

    indicator = _any_indicator()
    set_targets(
        pairing=tree.county, year=2023, targets={indicator: Decimal("5.2")}, set_by=east_office
    )
    file, count = export("targets", east_office)

    outcome = services.import_file(kind="targets", file=file, user=east_office, pairing=None)

    assert count == 1
    assert (outcome.unchanged, outcome.rejected) == (1, 0), outcome.errors


def _any_indicator():
    from shanhai.indicators.models import Indicator

    return (
        Indicator.objects.exclude(computation=Indicator.Computation.RATIO)
        .filter(regime__first_year__lte=2023)
        .first()
    )
