import pytest

from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.models import AuditEvent
from shanhai.core.services import record_audit_event
from shanhai.core.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def test_an_audit_event_names_the_actor_the_action_and_the_target():
    officer = UserFactory.create()
    source = SourceFactory.create(title="云南威信：东西部协作强对接")

    record_audit_event(actor=officer, action="core.source.cited", target=source)

    event = AuditEvent.objects.get()
    assert event.actor == officer
    assert event.action == "core.source.cited"
    assert (event.target_type, event.target_id) == ("core.source", str(source.pk))
    assert event.target_repr == "云南威信：东西部协作强对接"


def test_an_event_without_an_actor_is_recorded_as_done_by_the_system():
    event = record_audit_event(
        actor=None, action="core.source.cited", target=SourceFactory.create()
    )

    assert event.actor is None
    assert event.details == {}


def test_details_are_kept_with_the_event():
    event = record_audit_event(
        actor=None,
        action="core.source.cited",
        target=SourceFactory.create(),
        details={"changed": ["title"]},
    )

    event.refresh_from_db()
    assert event.details == {"changed": ["title"]}


def test_a_long_target_name_is_cut_to_fit_the_column():
    source = SourceFactory.create(title="山" * 300)
    source.title = "海" * 400  # as if a longer description came from elsewhere

    event = record_audit_event(actor=None, action="core.source.cited", target=source)

    event.refresh_from_db()
    assert event.target_repr == "海" * 300


def test_the_event_outlives_the_account_of_its_actor():
    officer = UserFactory.create()
    record_audit_event(actor=officer, action="core.source.cited", target=SourceFactory.create())

    officer.delete()

    assert AuditEvent.objects.get().actor is None
