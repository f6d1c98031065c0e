"""On PostgreSQL the database itself refuses edits to the audit log, and concurrent writers
take turns on the chain instead of forking it."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.models import AuditEvent
from shanhai.core.selectors import check_audit_chain
from shanhai.core.services import record_audit_event
from shanhai.core.tests.factories import SourceFactory

pytestmark = pytest.mark.postgresql


@pytest.mark.django_db
def test_the_database_refuses_to_change_an_audit_event():
    event = record_audit_event(actor=None, action="core.test", target=SourceFactory.create())

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(details={"forged": True})

    event.refresh_from_db()
    assert event.details == {}


@pytest.mark.django_db
def test_the_database_refuses_to_delete_an_audit_event():
    event = record_audit_event(actor=None, action="core.test", target=SourceFactory.create())

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_the_database_lets_a_deleted_account_leave_its_events_behind():
    officer = UserFactory.create(username="he.ping")
    record_audit_event(actor=officer, action="core.test", target=SourceFactory.create())

    officer.delete()

    assert AuditEvent.objects.get().actor_username == "he.ping"
    assert check_audit_chain().is_intact


@pytest.mark.django_db
def test_the_database_refuses_to_give_an_event_another_actor():
    officer, other = UserFactory.create(), UserFactory.create()
    event = record_audit_event(actor=officer, action="core.test", target=SourceFactory.create())

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor=other)


@pytest.mark.django_db(transaction=True)
def test_two_writers_appending_at_once_leave_one_unbroken_chain():
    sources = [SourceFactory.create(), SourceFactory.create()]
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def write(source_index: int) -> None:
        try:
            start.wait()
            for n in range(40):
                with transaction.atomic():
                    record_audit_event(
                        actor=None,
                        action="core.test",
                        target=sources[source_index],
                        details={"n": n},
                    )
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    assert failures == []
    check = check_audit_chain()
    assert (check.is_intact, check.length) == (True, 80)
    targets = AuditEvent.objects.values_list("target_id", flat=True).order_by("pk")
    assert len(set(targets)) == 2  # both wrote
