"""Passwords as 等保 2.0 level 3 asks: 10 or more characters of three kinds, not like the
username, not common, not all digits (issue 10)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from shanhai.accounts.models import User
from shanhai.accounts.tests.factories import UserFactory


def problems(password: str, username: str = "zhangwei") -> list[str]:
    with translation.override("en"):
        try:
            validate_password(password, User(username=username))
        except ValidationError as error:
            return list(error.messages)
    return []


@pytest.mark.parametrize(
    "password", ["Shanhai-2025", "dongxi#xiezuo7", "YUNNAN2025!", "Xie Zuo Dong Xi 9"]
)
def test_a_long_password_of_three_kinds_is_accepted(password):
    assert problems(password) == []


def test_two_kinds_of_character_are_refused_naming_what_to_add():
    assert problems("dongxixiezuo2025") == [
        "The password uses 2 of the four kinds of character; it needs at least 3. "
        "Add upper-case letters or symbols."
    ]


def test_one_kind_of_character_names_the_three_missing():
    assert problems("dongxixiezuoshanhai") == [
        "The password uses 1 of the four kinds of character; it needs at least 3. "
        "Add upper-case letters or digits or symbols."
    ]


def test_nine_characters_are_too_few():
    assert any("at least 10 characters" in problem for problem in problems("Shan-hai9"))


def test_a_password_like_the_username_is_refused():
    assert any("too similar" in problem for problem in problems("Zhangwei-2025", "zhangwei2025"))


def test_a_common_password_is_refused():
    assert any("too common" in problem for problem in problems("Password123"))


def test_an_all_digit_password_is_refused():
    assert any("entirely numeric" in problem for problem in problems("20252025202520"))


@pytest.mark.django_db
def test_changing_the_password_to_a_weak_one_is_refused_on_the_page(client):
    user = UserFactory.create()
    client.force_login(user)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the page in English, as asked
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": "shanhai-test",
            "new_password1": "dongxixiezuo2025",
            "new_password2": "dongxixiezuo2025",
        },
    )

    assert response.status_code == 200
    assert "Add upper-case letters or symbols." in response.text
    user.refresh_from_db()
    assert user.check_password("shanhai-test")


@pytest.mark.django_db
def test_changing_the_password_to_a_strong_one_keeps_this_session(client):
    user = UserFactory.create()
    client.force_login(user)

    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": "shanhai-test",
            "new_password1": "Dongxi-Xiezuo-2025",
            "new_password2": "Dongxi-Xiezuo-2025",
        },
    )

    assert response["Location"] == reverse("accounts:password-change-done")
    user.refresh_from_db()
    assert user.check_password("Dongxi-Xiezuo-2025")
    assert client.get("/").status_code == 200
