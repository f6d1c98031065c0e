"""Five wrong passwords for one account from one address lock it for 30 minutes (issue 10)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from shanhai.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "shanhai-test"  # the factory's password


def attempt(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_four_wrong_passwords_still_let_the_right_one_in(client):
    user = UserFactory.create()
    for _ in range(4):
        assert attempt(client, user.username, "wrong-password").status_code == 200

    assert attempt(client, user.username, RIGHT).status_code == 302


def test_the_fifth_wrong_password_locks_the_account_from_that_address(client):
    user = UserFactory.create()
    for _ in range(4):
        attempt(client, user.username, "wrong-password")

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the page in English, as asked
    locked = attempt(client, user.username, "wrong-password")

    assert locked.status_code == 429
    assert "Try again in 30 minutes" in locked.text
    assert "5 times" in locked.text
    # even the right password is refused now
    assert attempt(client, user.username, RIGHT).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_block_the_account_from_another_address(client):
    user = UserFactory.create()
    for _ in range(5):
        attempt(client, user.username, "wrong-password")

    assert attempt(client, user.username, RIGHT, address="10.0.0.2").status_code == 302


def test_an_administrator_unlocks_with_axes_reset_username(client):
    user = UserFactory.create()
    for _ in range(5):
        attempt(client, user.username, "wrong-password")

    call_command("axes_reset_username", user.username)

    assert attempt(client, user.username, RIGHT).status_code == 302
