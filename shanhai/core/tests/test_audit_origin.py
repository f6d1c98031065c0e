"""Each audit event says where it came from: the client's address and browser, or the command
or task that ran."""

from __future__ import annotations

import sys

import pytest
from django.tasks import task
from django.test import override_settings
from django.urls import reverse

from shanhai.accounts.tests.factories import UserFactory
from shanhai.core import middleware
from shanhai.core.models import AuditEvent, Source
from shanhai.core.services import record_audit_event
from shanhai.core.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0"


def sign_in(client, **headers):
    UserFactory.create(username="chen.jing")
    client.post(
        reverse("accounts:login"),
        {"username": "chen.jing", "password": "shanhai-test"},
        **headers,
    )
    return AuditEvent.objects.get(action="accounts.user.logged_in")


def test_a_sign_in_records_the_address_the_browser_and_the_page(client):
    event = sign_in(client, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=BROWSER)

    assert event.ip_address == "203.0.113.7"
    assert event.user_agent == BROWSER
    assert event.origin == "POST " + reverse("accounts:login")


def test_a_forwarded_address_is_ignored_unless_it_comes_through_a_trusted_proxy(client):
    event = sign_in(client, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.9")

    assert event.ip_address == "203.0.113.7"


@override_settings(SHANHAI_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_the_client_is_the_last_untrusted_forwarded_address(client):
    event = sign_in(
        client,
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9, 10.0.0.3",  # 1.2.3.4 is what the client sent
    )

    assert event.ip_address == "198.51.100.9"


def test_a_long_user_agent_is_cut_to_fit(client):
    event = sign_in(client, HTTP_USER_AGENT="X" * 1000)

    assert event.user_agent == "X" * 300


def test_an_event_from_a_command_names_the_command(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["/srv/shanhai/.venv/bin/shanhai", "export", "workers"])
    middleware.process_origin.cache_clear()
    try:
        event = record_audit_event(actor=None, action="core.test", target=SourceFactory.create())
    finally:
        middleware.process_origin.cache_clear()

    assert (event.origin, event.ip_address, event.user_agent) == ("command:export", "", "")


@task
def cite_source(source_id: int) -> None:
    source = Source.objects.get(pk=source_id)
    record_audit_event(actor=None, action="core.source.cited", target=source)


def test_an_event_from_a_task_names_the_task():
    cite_source.enqueue(SourceFactory.create().pk)

    event = AuditEvent.objects.get(action="core.source.cited")
    assert event.origin == f"task:{cite_source.module_path}"
    assert event.ip_address == ""
