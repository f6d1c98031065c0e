"""An authenticator app as second factor: enrolment, sign-in with its code, and staff who
must have one before anything else (issue 10)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from shanhai.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "shanhai-test"  # noqa: S105 - the factory's


def current_code(device: TOTPDevice) -> str:
    """Return the code the person's phone shows now."""
    if device.pk is not None:
        device.refresh_from_db()
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{code:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"


def sign_in(client, username, next_url="/"):
    return client.post(
        f"{reverse('accounts:login')}?next={next_url}",
        {"username": username, "password": PASSWORD},
    )


def device_being_enrolled(client, user) -> TOTPDevice:
    """Return (unsaved) the device whose QR code the enrolment page shows."""
    return TOTPDevice(user=user, key=client.session["shanhai_totp_key"])


def test_enrolment_shows_a_qr_code_and_saves_nothing_yet(client):
    user = UserFactory.create()
    client.force_login(user)

    page = client.get(reverse("accounts:totp-enrol"))

    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.text  # an image the CSP allows, no script
    secret = device_being_enrolled(client, user).config_url.split("secret=")[1][:4]
    assert secret in page.text  # the key, to type in by hand
    assert not TOTPDevice.objects.exists()


def test_the_first_right_code_confirms_the_device(client):
    user = UserFactory.create()
    client.force_login(user)
    client.get(reverse("accounts:totp-enrol"))
    code = current_code(device_being_enrolled(client, user))

    response = client.post(reverse("accounts:totp-enrol"), {"token": code})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:security")
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    assert client.get(reverse("accounts:security")).context["device"] == device


def test_a_wrong_first_code_saves_no_device(client):
    user = UserFactory.create()
    client.force_login(user)
    client.get(reverse("accounts:totp-enrol"))
    code = wrong_code(device_being_enrolled(client, user))

    response = client.post(reverse("accounts:totp-enrol"), {"token": code})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert not TOTPDevice.objects.exists()


def test_with_a_device_the_password_alone_does_not_sign_in(client):
    user = UserFactory.create()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    response = sign_in(client, user.username)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login-verify"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("places:home")).status_code == 302


def test_the_right_code_after_the_password_signs_in(client):
    user = UserFactory.create()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    verify_url = sign_in(client, user.username, next_url="/places/")["Location"]

    response = client.post(verify_url, {"token": current_code(device)})

    assert response.status_code == 302
    assert response["Location"] == "/places/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("places:home")).status_code == 200


def test_a_wrong_code_after_the_password_does_not_sign_in(client):
    user = UserFactory.create()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    verify_url = sign_in(client, user.username)["Location"]

    response = client.post(verify_url, {"token": wrong_code(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert "_auth_user_id" not in client.session
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # the next try must wait


def test_the_code_page_without_a_password_first_sends_back_to_sign_in(client):
    response = client.get(reverse("accounts:login-verify"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")


def test_an_administrator_without_a_device_is_sent_to_enrol_before_anything_else(client):
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    sign_in(client, admin.username)

    for url in ["/admin/", reverse("places:home")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:totp-enrol')}?next={url}"

    enrol = client.get(reverse("accounts:totp-enrol"))
    assert enrol.status_code == 200
    assert enrol.context["must"] is True  # the page says administrators must have one


def test_an_administrator_who_enrols_reaches_the_back_office(client):
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    sign_in(client, admin.username)
    client.get(reverse("accounts:totp-enrol"))
    code = current_code(device_being_enrolled(client, admin))

    client.post(reverse("accounts:totp-enrol"), {"token": code})

    assert client.get("/admin/").status_code == 200


def test_an_administrator_with_a_device_must_give_its_code_for_the_back_office(client):
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)

    verify_url = sign_in(client, admin.username, next_url="/admin/")["Location"]
    assert client.get("/admin/").status_code == 302  # not signed in yet
    response = client.post(verify_url, {"token": current_code(device)})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_back_office_sends_strangers_to_the_one_sign_in_page(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == f"{reverse('accounts:login')}?next=/admin/"
    assert response.status_code == 200


def test_removing_the_authenticator_app_signs_out_everywhere(client):
    user = UserFactory.create()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.post(sign_in(client, user.username)["Location"], {"token": current_code(device)})
    assert client.get(reverse("accounts:security")).context["device"] == device

    response = client.post(reverse("accounts:totp-remove"))

    assert response["Location"] == reverse("accounts:login")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert client.get(reverse("accounts:security")).status_code == 302


def test_an_administrator_whose_device_was_removed_must_enrol_again(client):
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)  # verified by a device (shanhai/conftest.py)
    assert client.get("/admin/").status_code == 200

    TOTPDevice.objects.filter(user=admin).delete()

    assert client.get("/admin/")["Location"] == f"{reverse('accounts:totp-enrol')}?next=/admin/"
