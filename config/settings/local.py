"""The demo on a developer's machine: SQLite under var/, debug on."""

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = "local-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# runserver serves static files from the app folders; collectstatic is for production only.
STATIC_ROOT = None

# The demo runs no worker: background tasks run at once, in the request that queued them.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# Demo keys for personal data: published here, so never use them for real people's data.
PERSONAL_DATA_KEYS = ["oNTcTBv5NH_VYJxatVT_dKhcsG5-DWBYziUH2vRa4pw="]
PERSONAL_DATA_HASH_KEY = "local-only-not-secret-hash-key"
