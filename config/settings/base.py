"""Settings shared by every environment; the others override a few lines."""

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.csp import CSP  # type: ignore[import-not-found,unused-ignore]

django_stubs_ext.monkeypatch()  # lets admin.ModelAdmin[Model] be written at run time

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = False
SECRET_KEY = "override-me"  # noqa: S105 - every real environment sets its own
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "shanhai.core",
    "shanhai.accounts",
    "shanhai.places",
    "shanhai.facts",
    "shanhai.ledger",
    "shanhai.labor",
    "shanhai.consumption",
    "shanhai.indicators",
    "shanhai.reports",
    "shanhai.imports",
    "shanhai.news",
    "shanhai.portal",
    "shanhai.demo",
    "shanhai.synth",
    "shanhai.bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shanhai.core.routing.ReplicaPinMiddleware",  # only with a read replica
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shanhai" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite under var/ unless DATABASE_URL names another database (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'shanhai.sqlite3'}", conn_max_age=60
    )
}
# A streaming replica of the primary (DATABASE_REPLICA_URL) serves dashboards, reports and
# exports; without it there is no "replica" alias and the router has no opinion. A user who has
# just saved reads from the primary for SHANHAI_REPLICA_PIN_SECONDS; background report work waits
# up to SHANHAI_REPLICA_WAIT_SECONDS for the replica to catch up (docs/operations.md).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=60, conn_health_checks=True
    )
DATABASE_ROUTERS = ["shanhai.core.routing.ReplicaRouter"]
SHANHAI_REPLICA_PIN_SECONDS = 10
SHANHAI_REPLICA_WAIT_SECONDS = 5.0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "places:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Simplified Chinese first; English is the second language.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "shanhai" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "shanhai" / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Every script and style comes from our own origin: government intranets are offline.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Personal data (workers' ID numbers and phones) is encrypted with these Fernet keys, the first
# encrypting; lookup hashes use the hash key. Production reads both from the environment.
PERSONAL_DATA_KEYS: list[str] = []
PERSONAL_DATA_HASH_KEY = ""

# "progress" is shared by the web and the worker processes: how far a long import has got
# while its writing transaction is still open (and so invisible in the database).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": VAR_DIR / "cache" / "progress",
    },
    # API rate limits: shared by every server process, so a key gets the rate once, not once
    # per worker.
    "throttle": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": VAR_DIR / "cache" / "throttle",
    },
}

# Long work (report files) runs in a worker: `shanhai db_worker` (see docs/operations.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # WeasyPrint reports every layout step at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# A channel's batch of 10,000 sale lines is about 1.3 MB of JSON, more when pretty-printed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
