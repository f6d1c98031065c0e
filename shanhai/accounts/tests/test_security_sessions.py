"""Sessions end after 30 idle minutes, and a person can end all of theirs at once (issue 10)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from shanhai.accounts.middleware import RENEWED_AT_KEY
from shanhai.accounts.models import User
from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.models import AuditEvent

pytestmark = pytest.mark.django_db

HOME = "/"


def test_sign_out_everywhere_ends_the_session_on_another_device(client):
    user = UserFactory.create()
    phone = Client()
    phone.force_login(user)
    client.force_login(user)
    assert phone.get(HOME).status_code == 200

    response = client.post(reverse("accounts:logout-everywhere"))

    assert response["Location"] == reverse("accounts:login")
    assert phone.get(HOME)["Location"] == f"{reverse('accounts:login')}?next={HOME}"
    assert client.get(HOME)["Location"] == f"{reverse('accounts:login')}?next={HOME}"
    assert AuditEvent.objects.filter(action="accounts.user.sessions_ended").count() == 1


def test_sign_out_everywhere_leaves_other_peoples_sessions(client):
    user, colleague = UserFactory.create_batch(2)
    other = Client()
    other.force_login(colleague)
    client.force_login(user)

    client.post(reverse("accounts:logout-everywhere"))

    assert other.get(HOME).status_code == 200


def test_after_signing_out_everywhere_the_password_still_signs_in(client):
    user = UserFactory.create()
    client.force_login(user)
    client.post(reverse("accounts:logout-everywhere"))

    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": "shanhai-test"}
    )

    assert response.status_code == 302
    assert client.get(HOME).status_code == 200


def test_sign_out_everywhere_asks_for_a_post(client):
    client.force_login(UserFactory.create())

    assert client.get(reverse("accounts:logout-everywhere")).status_code == 405


def test_sessions_made_before_this_feature_stay_valid_until_someone_signs_out_everywhere():
    user = User(username="x", password="md5$salt$hash")  # noqa: S106
    djangos_own = salted_hmac(
        "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
        user.password,
        algorithm="sha256",
    ).hexdigest()

    assert user.get_session_auth_hash() == djangos_own
    user.session_salt = "rotated"
    assert user.get_session_auth_hash() != djangos_own


def test_a_session_ends_after_thirty_idle_minutes(client):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client.force_login(UserFactory.create())
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get(HOME)

    assert response["Location"] == f"{reverse('accounts:login')}?next={HOME}"


def test_use_after_a_minute_pushes_the_end_of_the_session_back(client):
    client.force_login(UserFactory.create())
    session = client.session
    session[RENEWED_AT_KEY] = int(time.time()) - 120
    session.save()
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.update(expire_date=soon)

    client.get(HOME)

    expires = Session.objects.get().expire_date
    assert expires > timezone.now() + timedelta(minutes=29)


def test_use_within_the_minute_does_not_write_the_session(client):
    client.force_login(UserFactory.create())
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.update(expire_date=soon)

    client.get(HOME)

    assert Session.objects.get().expire_date == soon
