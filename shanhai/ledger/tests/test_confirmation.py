"""The paired side confirms or queries what the other side recorded."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanhai.core.models import AuditEvent
from shanhai.ledger.models import Record, RecordComment
from shanhai.ledger.services import confirm_record, query_record, reply_to_query, update_record
from shanhai.ledger.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(tree, east_office):
    """A visit the east recorded, awaiting the west's confirmation."""
    return VisitFactory.create(
        pairing=tree.county, recorded_by=east_office, title="松江考察团赴威信"
    )


def test_the_paired_side_confirms_a_visit(visit, west_office):
    confirm_record(record=visit, confirmed_by=west_office)

    visit.refresh_from_db()
    assert visit.status == Record.Status.CONFIRMED
    assert visit.confirmed_by == west_office
    assert visit.confirmed_at is not None


def test_a_confirmation_is_kept_in_the_thread_with_its_note(visit, west_office):
    confirm_record(record=visit, confirmed_by=west_office, note="情况属实")

    comment = RecordComment.objects.get(record=visit)
    assert comment.kind == RecordComment.Kind.CONFIRMATION
    assert comment.author == west_office
    assert comment.side == "west"
    assert comment.text == "情况属实"


def test_a_confirmation_leaves_an_audit_event(visit, west_office):
    confirm_record(record=visit, confirmed_by=west_office)

    assert AuditEvent.objects.get(action="ledger.record.confirmed").actor == west_office


def test_the_recording_side_cannot_confirm_its_own_record(visit, east_office):
    with pytest.raises(PermissionDenied):
        confirm_record(record=visit, confirmed_by=east_office)

    visit.refresh_from_db()
    assert visit.status == Record.Status.PENDING
    assert not visit.comments.exists()


def test_a_record_cannot_be_confirmed_twice(visit, west_office):
    confirm_record(record=visit, confirmed_by=west_office)

    with pytest.raises(ValidationError) as caught:
        confirm_record(record=visit, confirmed_by=west_office)

    assert caught.value.code == "already_confirmed"
    assert visit.comments.count() == 1


def test_a_query_must_say_what_is_wrong(visit, west_office):
    with pytest.raises(ValidationError) as caught:
        query_record(record=visit, queried_by=west_office, text="   ")

    assert "text" in caught.value.error_dict
    visit.refresh_from_db()
    assert visit.status == Record.Status.PENDING


def test_a_query_marks_the_record_queried_and_opens_the_thread(visit, west_office):
    query_record(record=visit, queried_by=west_office, text="来访人数是12人还是15人？")

    visit.refresh_from_db()
    assert visit.status == Record.Status.QUERIED
    comment = visit.comments.get()
    assert (comment.kind, comment.side, comment.text) == (
        "query",
        "west",
        "来访人数是12人还是15人？",
    )


def test_the_recording_side_cannot_query_its_own_record(visit, east_office):
    with pytest.raises(PermissionDenied):
        query_record(record=visit, queried_by=east_office, text="自己问自己")


def test_a_query_withdraws_an_earlier_confirmation(visit, west_office):
    confirm_record(record=visit, confirmed_by=west_office)

    query_record(record=visit, queried_by=west_office, text="日期有误")

    visit.refresh_from_db()
    assert visit.status == Record.Status.QUERIED
    assert visit.confirmed_by is None


def test_a_reply_by_the_recording_side_puts_the_record_back_to_awaiting_confirmation(
    visit, east_office, west_office
):
    query_record(record=visit, queried_by=west_office, text="来访人数是12人还是15人？")

    reply_to_query(record=visit, author=east_office, text="15人，名单已补充。")

    visit.refresh_from_db()
    assert visit.status == Record.Status.PENDING
    assert list(visit.comments.values_list("kind", "side")) == [
        ("query", "west"),
        ("reply", "east"),
    ]


def test_the_querying_side_cannot_answer_its_own_query(visit, west_office):
    query_record(record=visit, queried_by=west_office, text="日期有误")

    with pytest.raises(PermissionDenied):
        reply_to_query(record=visit, author=west_office, text="我们自己答")


def test_a_reply_needs_text(visit, east_office, west_office):
    query_record(record=visit, queried_by=west_office, text="日期有误")

    with pytest.raises(ValidationError):
        reply_to_query(record=visit, author=east_office, text="")

    visit.refresh_from_db()
    assert visit.status == Record.Status.QUERIED


def test_the_querying_side_confirms_once_its_query_is_answered(visit, east_office, west_office):
    query_record(record=visit, queried_by=west_office, text="来访人数是12人还是15人？")
    reply_to_query(record=visit, author=east_office, text="15人。")

    confirm_record(record=visit, confirmed_by=west_office)

    visit.refresh_from_db()
    assert visit.status == Record.Status.CONFIRMED
    assert [c.kind for c in visit.comments.all()] == ["query", "reply", "confirmation"]


def test_editing_a_confirmed_record_sends_it_back_for_confirmation(visit, east_office, west_office):
    confirm_record(record=visit, confirmed_by=west_office)

    update_record(record=visit, changed_by=east_office, values={"member_count": 15})

    visit.refresh_from_db()
    assert visit.status == Record.Status.PENDING
    assert visit.confirmed_by is None
    assert visit.confirmed_at is None


def test_a_confirmed_record_saved_without_changes_stays_confirmed(visit, east_office, west_office):
    confirm_record(record=visit, confirmed_by=west_office)

    update_record(record=visit, changed_by=east_office, values={"title": visit.title})

    visit.refresh_from_db()
    assert visit.status == Record.Status.CONFIRMED
    assert visit.confirmed_by == west_office
