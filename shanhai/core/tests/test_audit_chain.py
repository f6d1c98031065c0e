"""The audit log is a hash chain: `shanhai audit verify` finds any entry changed or removed."""

from __future__ import annotations

import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils.translation import gettext as _

from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.models import AuditChain, AuditEvent
from shanhai.core.services import record_audit_event
from shanhai.core.tests.audit_helpers import as_a_dba
from shanhai.core.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def record(count: int) -> list[AuditEvent]:
    officer = UserFactory.create(username="wang.fang")
    return [
        record_audit_event(
            actor=officer,
            action="core.source.cited",
            target=SourceFactory.create(title=f"威信县简报第{n}期"),
            details={"page": n, "share": 0.25, "tags": ["劳务协作"]},
        )
        for n in range(count)
    ]


def verify() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        verify()
    assert failure.value.returncode == 1
    return str(failure.value)


def test_an_untouched_log_verifies_and_says_how_many_entries_it_holds():
    record(3)

    assert verify().strip() == _("Audit log intact: %(count)d entries.") % {"count": 3}


def test_each_entry_carries_the_hash_of_the_one_before():
    first, second = record(2)

    assert first.prev_hash == ""
    assert second.prev_hash == first.hash
    assert len(second.hash) == 64
    assert AuditChain.objects.get().last_hash == second.hash


def test_an_entry_edited_in_the_database_fails_verification_naming_it():
    events = record(3)

    with as_a_dba():
        AuditEvent.objects.filter(pk=events[1].pk).update(details={"page": 99})

    message = verify_fails()
    assert f"id {events[1].pk}" in message
    assert "core.source.cited" in message


def test_an_entry_edited_and_rehashed_is_caught_at_the_entry_after_it():
    events = record(3)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.target_repr = "另一篇"
    forged.hash = forged.compute_hash()

    with as_a_dba():
        AuditEvent.objects.filter(pk=forged.pk).update(
            target_repr=forged.target_repr, hash=forged.hash
        )

    assert f"id {events[2].pk}" in verify_fails()


def test_a_deleted_entry_fails_verification_at_the_entry_after_it():
    events = record(3)

    with as_a_dba():
        AuditEvent.objects.filter(pk=events[1].pk).delete()

    assert f"id {events[2].pk}" in verify_fails()


def test_removing_the_last_entries_fails_verification():
    events = record(3)

    with as_a_dba():
        AuditEvent.objects.filter(pk=events[2].pk).delete()

    expected = _(
        "The log ends after %(length)d entries, but %(expected)d were recorded: "
        "the last entries were removed."
    ) % {"length": 2, "expected": 3}
    assert expected in verify_fails()


def fail_after_auditing() -> None:
    with transaction.atomic():
        record_audit_event(actor=None, action="core.source.cited", target=SourceFactory.create())
        raise RuntimeError("the operation failed after auditing")


def test_a_rolled_back_operation_leaves_no_event_and_no_gap():
    record(1)
    with pytest.raises(RuntimeError):
        fail_after_auditing()
    record_audit_event(actor=None, action="core.source.cited", target=SourceFactory.create())

    assert AuditEvent.objects.count() == 2
    assert verify().strip() == _("Audit log intact: %(count)d entries.") % {"count": 2}


def test_an_entry_keeps_its_actor_name_after_the_account_is_deleted():
    officer = UserFactory.create(username="li.ming")
    record_audit_event(actor=officer, action="core.source.cited", target=SourceFactory.create())

    officer.delete()

    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_username) == (None, "li.ming")
    verify()


def test_events_recorded_before_the_chain_existed_are_chained_by_the_migration():
    officer = UserFactory.create(username="zhao.lei")
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=officer,
            action="core.source.cited",
            target_type="core.source",
            target_id=str(n),
            target_repr=f"简报{n}",
            details={"n": n},
        )
        for n in range(5)
    )
    migration = importlib.import_module("shanhai.core.migrations.0003_backfill_audit_chain")

    with as_a_dba():  # the trigger comes in the migration after this one
        migration.chain_existing_events(apps, SimpleNamespace(connection=connection))

    assert set(AuditEvent.objects.values_list("actor_username", flat=True)) == {"zhao.lei"}
    assert verify().strip() == _("Audit log intact: %(count)d entries.") % {"count": 5}
