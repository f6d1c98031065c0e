"""The demo ledger: the seed article's facts, sourced, and an illustrative year around them."""

import io
from datetime import date

import pytest
from django.core.management import call_command

from shanhai.core.models import DatePrecision
from shanhai.demo.places import ARTICLE
from shanhai.ledger.models import (
    Donation,
    FundTransaction,
    Level,
    Meeting,
    Record,
    RecordComment,
    SalesEvent,
    TalentExchange,
    Visit,
)

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo():
    load_demo()


def test_the_demo_holds_the_2023_03_10_symposium_in_songjiang_with_the_article_as_source(demo):
    meeting = Meeting.objects.get(occurred_on=date(2023, 3, 10))

    assert meeting.meeting_kind == Meeting.MeetingKind.SYMPOSIUM
    assert meeting.level == Level.PRINCIPAL
    assert meeting.venue_place is not None
    assert meeting.venue_place.name == "松江区"
    assert meeting.source is not None
    assert meeting.source.key == ARTICLE
    assert "2023年3月10日" in meeting.source_note
    assert not meeting.is_illustrative


def test_the_same_day_weixin_delegation_is_a_principal_visit_west_to_east(demo):
    visit = Visit.objects.get(occurred_on=date(2023, 3, 10))

    assert (visit.direction, visit.level, visit.side) == ("west_east", "principal", "west")


def test_the_four_law_enforcement_vehicles_are_a_donation_in_service_from_july_2023(demo):
    donation = Donation.objects.get(pairing__code="songjiang-weixin-urban")

    assert donation.donation_kind == Donation.DonationKind.GOODS
    assert donation.quantity == 4
    assert donation.unit == "辆"
    assert (donation.occurred_on, donation.occurred_on_precision) == (
        date(2023, 6, 1),
        DatePrecision.MONTH,
    )
    assert (donation.in_service_on, donation.in_service_on_precision) == (
        date(2023, 7, 1),
        DatePrecision.MONTH,
    )


def test_sixty_one_weixin_medical_staff_studied_in_shanghai(demo):
    exchange = TalentExchange.objects.get(headcount=61)

    assert exchange.direction == "west_east"
    assert exchange.form == TalentExchange.Form.STUDY
    assert exchange.sector == "health"


def test_the_livestream_lesson_of_2022_08_22_is_a_sales_event_dated_to_the_day(demo):
    event = SalesEvent.objects.get(occurred_on=date(2022, 8, 22))

    assert event.pairing.code == "baixing-jinji"
    assert event.occurred_on_precision == DatePrecision.DAY
    assert event.source is not None
    assert event.source.key == ARTICLE


def test_every_record_citing_the_article_quotes_the_sentence_that_states_it(demo):
    from_article = Record.objects.filter(source__key=ARTICLE)

    assert from_article.count() > 30
    assert not from_article.filter(source_note="").exists()
    assert not from_article.exclude(entry_method=Record.EntryMethod.DEMO).exists()


def test_records_with_dates_of_our_own_are_flagged_illustrative(demo):
    made_up_dates = Record.objects.filter(source__key=ARTICLE, source_note__contains="为示意")
    invented = Record.objects.filter(source__key="illustrative-demo")

    assert made_up_dates.count() >= 10
    assert not made_up_dates.filter(is_illustrative=False).exists()
    assert not invented.filter(is_illustrative=False).exists()


def test_the_undated_leader_visits_carry_illustrative_dates(demo):
    visits = Visit.objects.filter(level="principal")
    dated_by_article = visits.filter(occurred_on=date(2023, 3, 10))

    assert visits.count() == 7  # 4 west → east, 3 east → west
    assert not visits.exclude(pk__in=dated_by_article).filter(is_illustrative=False).exists()


def test_loading_the_demo_twice_leaves_the_same_records(demo):
    def counts():
        models = [Record, RecordComment, FundTransaction]
        return [model._default_manager.count() for model in models]

    before = counts()

    output = load_demo()

    assert counts() == before
    assert "本次新增 0 条" in output


def test_most_records_are_confirmed_by_the_other_side_and_a_few_still_wait(demo):
    confirmed = Record.objects.filter(status=Record.Status.CONFIRMED)

    assert confirmed.count() > Record.objects.count() / 2
    assert Record.objects.filter(status=Record.Status.PENDING).exists()
    for record in confirmed.select_related("confirmed_by"):
        assert record.confirmed_by is not None
        assert record.confirmed_by.side != record.side


def test_at_least_one_record_was_queried_and_answered(demo):
    answered = Record.objects.filter(comments__kind=RecordComment.Kind.QUERY).filter(
        comments__kind=RecordComment.Kind.REPLY
    )

    assert answered.exists()
    record = answered.first()
    assert record is not None
    kinds = list(record.comments.values_list("kind", "side"))
    assert kinds == [("query", "east"), ("reply", "west")]
