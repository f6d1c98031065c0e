"""Every answer carries the security headers, and production adds HTTPS-only ones on top."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.test import Client

from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.http import PERMISSIONS_POLICY
from shanhai.demo.places import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "SHANHAI_SECRET_KEY": "check-deploy-a-long-random-enough-key-for-the-deploy-check-0123456789",
    "SHANHAI_PERSONAL_DATA_KEYS": Fernet.generate_key().decode(),
    "SHANHAI_PERSONAL_DATA_HASH_KEY": "check-deploy-hash-key-0123456789",
    "SHANHAI_ALLOWED_HOSTS": "shanhai.example.gov.cn",
    "DATABASE_URL": "sqlite:///:memory:",
}


@pytest.fixture
def production(monkeypatch):
    """The production settings module, read with a complete environment."""
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    sys.modules.pop("config.settings.production", None)
    module = importlib.import_module("config.settings.production")
    yield module
    sys.modules.pop("config.settings.production", None)


@pytest.mark.parametrize("url", ["/accounts/login/", "/health/live/", "/api/v1/products"])
def test_every_answer_carries_the_security_headers(url):
    response = Client().get(url)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_the_permissions_policy_switches_off_camera_microphone_and_location():
    features = dict(item.split("=") for item in PERMISSIONS_POLICY.split(", "))

    assert features["camera"] == features["microphone"] == features["geolocation"] == "()"
    assert set(features.values()) == {"()"}  # nothing is allowed, not even to ourselves


def test_forms_may_only_post_back_to_shanhai():
    response = Client().get("/accounts/login/")

    assert "form-action 'self'" in response["Content-Security-Policy"]


def test_production_sends_hsts_and_marks_session_and_csrf_cookies_secure(production, settings):
    for name in (
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ):
        setattr(settings, name, getattr(production, name))
    UserFactory.create(username="office", password=DEMO_PASSWORD)
    client = Client(HTTP_X_FORWARDED_PROTO="https")

    plain = Client().get("/accounts/login/")
    page = client.get("/accounts/login/")
    login = client.post(
        "/accounts/login/",
        {"username": "office", "password": DEMO_PASSWORD},
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert page.cookies["csrftoken"]["secure"]
    assert login.status_code == 302
    assert login.cookies[django_settings.SESSION_COOKIE_NAME]["secure"]
    assert login.cookies[django_settings.SESSION_COOKIE_NAME]["httponly"]


def test_the_deploy_check_passes_with_the_production_settings():
    # The suite's conftest allows Django in Playwright's event loop; a server never would.
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            **PRODUCTION_ENV,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_REPLICA_URL": "",
        },
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
