"""Resetting a forgotten password by email, without telling who has an account (issue 10)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from shanhai.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def page_text(response):
    """Return the page without what changes on every page (script nonce, form token)."""
    return re.sub(r'(nonce|value)="[^"]*"', "", response.text)


def ask_for_reset(client, email):
    return client.post(reverse("accounts:password-reset"), {"email": email}, follow=True)


def test_a_known_and_an_unknown_address_get_the_same_answer(client):
    UserFactory.create(email="liaison@example.gov.cn")

    known = ask_for_reset(client, "liaison@example.gov.cn")
    unknown = ask_for_reset(client, "nobody@example.gov.cn")

    assert known.redirect_chain == unknown.redirect_chain
    assert known.redirect_chain == [(reverse("accounts:password-reset-done"), 302)]
    assert known.status_code == unknown.status_code == 200
    assert page_text(known) == page_text(unknown)
    assert [message.to for message in mail.outbox] == [["liaison@example.gov.cn"]]


def test_the_emailed_link_sets_a_new_password_that_meets_the_policy(client):
    user = UserFactory.create(email="liaison@example.gov.cn")
    ask_for_reset(client, "liaison@example.gov.cn")
    link = re.search(r"https?://[^/\s]+(/\S+)", str(mail.outbox[0].body))
    assert link is not None

    form = client.get(link.group(1), follow=True)
    weak = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "dongxixiezuo2025", "new_password2": "dongxixiezuo2025"},
    )
    assert weak.status_code == 200  # refused: two kinds of character only
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Dongxi-Xiezuo-2025", "new_password2": "Dongxi-Xiezuo-2025"},
    )

    assert done["Location"] == reverse("accounts:password-reset-complete")
    user.refresh_from_db()
    assert user.check_password("Dongxi-Xiezuo-2025")
