"""Monitoring asks two questions: is the process up, and can it reach its database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_live_answers_without_login_or_database(client: Client) -> None:
    response = client.get(reverse("core:health-live"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_answers_ok_when_the_database_answers(client: Client) -> None:
    response = client.get(reverse("core:health-ready"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_is_503_and_names_the_database_that_does_not_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db.backends.utils import CursorWrapper

    def refuse(self: CursorWrapper, sql: str, params: object = None) -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)

    response = client.get(reverse("core:health-ready"))

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "databases": ["default"]}


def test_health_refuses_writes(client: Client) -> None:
    assert client.post(reverse("core:health-live")).status_code == 405
