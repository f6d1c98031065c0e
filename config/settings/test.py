"""The test suite: SQLite in memory, or PostgreSQL when DATABASE_URL is set."""

import os

import dj_database_url

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    # live_server cannot serve Manifest-hashed names.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A fresh clone has no var/ folder: tests use SQLite in memory unless DATABASE_URL names a server.
DATABASES = {
    "default": dj_database_url.config(default="sqlite://:memory:", conn_max_age=0),
}
# The replica tests (`pytest -m replica`, run by scripts/test against `scripts/pg replica`): the
# test database is created on the primary and reaches the replica by streaming, so the replica
# alias mirrors it and is never created or flushed by the test runner.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=0),
        "TEST": {"MIRROR": "default"},
    }

# Static files come from the app folders (finders); nothing is collected for tests.
STATIC_ROOT = None

# Tasks run at once, in the test's own process.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# Nothing under var/ for tests: progress lives in memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "progress",
    },
    "throttle": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "throttle",
    },
}

# Test keys for personal data (the spare one is for key-rotation tests).
PERSONAL_DATA_KEYS = ["oNTcTBv5NH_VYJxatVT_dKhcsG5-DWBYziUH2vRa4pw="]
PERSONAL_DATA_SPARE_KEY = "dzZYMLXl_B07J0Q1LfmCGbX9Rwo0By6F8iv85Y0Xrmk="
PERSONAL_DATA_HASH_KEY = "test-only-not-secret-hash-key"
