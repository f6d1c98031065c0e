"""Production: everything that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def env(name: str) -> str:
    """Return the environment variable *name*, or stop with a message naming it."""
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def envbool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable such as SHANHAI_HTTPS=false."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envlist(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


DEBUG = False
SECRET_KEY = env("SHANHAI_SECRET_KEY")
ALLOWED_HOSTS = envlist("SHANHAI_ALLOWED_HOSTS")
# Fernet keys, comma-separated, newest first (see docs/operations.md, "Personal data").
PERSONAL_DATA_KEYS = envlist("SHANHAI_PERSONAL_DATA_KEYS")
PERSONAL_DATA_HASH_KEY = env("SHANHAI_PERSONAL_DATA_HASH_KEY")
# Connections persist; a health check at the start of each request drops one the database
# closed (a restart, a failover), so the app reconnects by itself once the database is back.
DATABASES = {
    "default": shared_sqlite(  # noqa: F405
        dj_database_url.parse(env("DATABASE_URL"), conn_max_age=600, conn_health_checks=True)
    )
}
# Optional: a streaming replica for dashboards, reports and exports (docs/operations.md).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env("DATABASE_REPLICA_URL"), conn_max_age=600, conn_health_checks=True
    )
SHANHAI_REPLICA_PIN_SECONDS = int(os.environ.get("SHANHAI_REPLICA_PIN_SECONDS", "10"))
SHANHAI_REPLICA_WAIT_SECONDS = float(os.environ.get("SHANHAI_REPLICA_WAIT_SECONDS", "5"))
# Pre-compressed (gzip, brotli) static files by default; SHANHAI_STATIC_COMPRESS=false skips
# the compression (a minute on two cores), e.g. for the load benchmark's throwaway server.
if not envbool("SHANHAI_STATIC_COMPRESS", True):
    STORAGES = {
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
STATIC_ROOT = Path(os.environ.get("SHANHAI_STATIC_ROOT", VAR_DIR / "static"))  # noqa: F405
MEDIA_ROOT = Path(os.environ.get("SHANHAI_MEDIA_ROOT", MEDIA_ROOT))  # noqa: F405

# Behind the intranet's TLS-terminating proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SHANHAI_HTTPS", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SHANHAI_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = envbool("SHANHAI_HSTS_PRELOAD", False)
# Intranet host names cannot be on the public HSTS preload list; preloading is opt-in above.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS if not host.startswith(".")]
