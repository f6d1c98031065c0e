"""Sign-ins, sign-outs, failed sign-ins, back-office changes and exports are all audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.models import AuditEvent, Source
from shanhai.core.services import record_audit_event
from shanhai.core.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def test_signing_in_and_out_is_audited_with_the_person(client):
    person = UserFactory.create(username="sun.li")

    client.post(reverse("accounts:login"), {"username": "sun.li", "password": "shanhai-test"})
    client.post(reverse("accounts:logout"))

    events = AuditEvent.objects.order_by("pk")
    assert [(e.action, e.actor) for e in events] == [
        ("accounts.user.logged_in", person),
        ("accounts.user.logged_out", person),
    ]


def test_a_failed_sign_in_records_the_name_tried_but_never_the_password(client):
    person = UserFactory.create(username="sun.li")

    client.post(
        reverse("accounts:login"),
        {"username": "sun.li", "password": "wrong-Secret-42"},
        REMOTE_ADDR="203.0.113.8",
    )

    event = AuditEvent.objects.get(action="accounts.user.login_failed")
    assert event.actor is None
    assert event.details == {"username": "sun.li"}
    assert (event.target_type, event.target_id) == ("accounts.user", str(person.pk))
    assert event.ip_address == "203.0.113.8"
    stored = AuditEvent.objects.filter(pk=event.pk).values().get()
    assert "wrong-Secret-42" not in str(stored)


def test_a_failed_sign_in_under_an_unknown_name_is_audited_too(client):
    client.post(reverse("accounts:login"), {"username": "nobody", "password": "x"})

    event = AuditEvent.objects.get(action="accounts.user.login_failed")
    assert (event.target_type, event.details) == ("", {"username": "nobody"})


def test_a_change_in_the_back_office_is_audited_with_what_changed(admin_client, admin_user):
    source = SourceFactory.create(title="旧标题")
    url = reverse("admin:core_source_change", args=[source.pk])
    form = {"key": source.key, "kind": source.kind, "title": "新标题", "publisher": "", "url": ""}

    response = admin_client.post(url, {**form, "published_on": "", "excerpt": ""})

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.object.changed")
    assert event.actor == admin_user
    assert (event.target_type, event.target_id) == ("core.source", str(source.pk))
    assert event.target_repr == "新标题"
    assert "Title" in event.details["change"] or "标题" in event.details["change"]


def test_a_deletion_in_the_back_office_is_audited(admin_client, admin_user):
    source = SourceFactory.create(title="将删除的来源")
    url = reverse("admin:core_source_delete", args=[source.pk])

    admin_client.post(url, {"post": "yes"})

    assert not Source.objects.filter(pk=source.pk).exists()
    event = AuditEvent.objects.get(action="admin.object.deleted")
    assert (event.actor, event.target_repr) == (admin_user, "将删除的来源")


def test_an_export_without_personal_data_is_audited_too(client):
    person = UserFactory.create()
    client.force_login(person)

    response = client.get(reverse("imports:export", args=["visits", "csv"]))

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="imports.visits.exported")
    assert event.actor == person
    assert event.details["unmasked"] is False


def test_nobody_can_add_change_or_delete_audit_events_in_the_back_office(admin_client):
    event = record_audit_event(actor=None, action="core.test", target=SourceFactory.create())
    change = reverse("admin:core_auditevent_change", args=[event.pk])

    assert admin_client.get(reverse("admin:core_auditevent_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    admin_client.post(change, {"action": "core.forged"})
    assert admin_client.get(change).status_code == 200  # readable, not editable
    event.refresh_from_db()
    assert event.action == "core.test"
    assert AuditEvent.objects.filter(action__startswith="core.").count() == 1
