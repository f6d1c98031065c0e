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
    "shanhai.accounts.admin_apps.AdminConfig",  # django.contrib.admin, asking for a 2nd factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
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
    "shanhai.backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shanhai.core.http.PermissionsPolicyMiddleware",  # the one header Django does not send
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shanhai.core.http.DatabaseUnavailableMiddleware",  # a lost database: 503, not 500
    "shanhai.core.middleware.AuditOriginMiddleware",  # who, from where: for the audit log
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shanhai.accounts.middleware.OTPMiddleware",  # django-otp's, without a query per request
    "shanhai.accounts.middleware.SecondFactorMiddleware",
    "shanhai.accounts.middleware.IdleSessionMiddleware",
    "shanhai.core.routing.ReplicaPinMiddleware",  # only with a read replica
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
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


def shared_sqlite(database: dj_database_url.DBConfig) -> dj_database_url.DBConfig:
    """*database*, made safe for several processes when it is SQLite (the server's workers and
    the task worker write at once): the write lock taken when a transaction begins, so two
    writers queue instead of one failing with "database is locked" (a read lock cannot be
    upgraded while another waits); up to 20 s of waiting; write-ahead logging, so readers never
    wait for the writer. `shanhai loadtest` found the failures without it."""
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("OPTIONS", {}).update(
            transaction_mode="IMMEDIATE",
            timeout=20,
            init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        )
    return database


# SQLite under var/ unless DATABASE_URL names another database (PostgreSQL in production).
DATABASES = {
    "default": shared_sqlite(
        dj_database_url.config(default=f"sqlite:///{VAR_DIR / 'shanhai.sqlite3'}", conn_max_age=60)
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
# 等保 2.0 level 3 (GB/T 22239-2019 8.1.4.1): passwords of 10 or more characters from at least
# three of the four classes, not like the username, not common, not all digits.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "shanhai.accounts.validators.CharacterClassesValidator",
        "OPTIONS": {"min_classes": 3},
    },
]
# Axes refuses a locked-out username+address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "shanhai.accounts.backends.ModelBackend",  # Django's, loading the user's TOTP device id
]
# 5 wrong passwords for one username from one address lock that pair out for 30 minutes;
# `shanhai axes_reset_username NAME` (or axes_reset, or the admin's access attempts) unlocks.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shanhai.accounts.views.lockout"  # the page says for how long
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner on every command (it would corrupt `--json` output)
# A session ends after SHANHAI_SESSION_IDLE_MINUTES without a request (30 by default); it is
# renewed at most once a minute (accounts.middleware.IdleSessionMiddleware), not on every request.
SESSION_COOKIE_AGE = int(os.environ.get("SHANHAI_SESSION_IDLE_MINUTES", "30")) * 60
SHANHAI_SESSION_RENEW_SECONDS = 60
# Staff and superusers must pass a TOTP second factor; the issuer names the app's entry.
OTP_TOTP_ISSUER = "山海"
# No one, administrators included, reads another person's TOTP secret or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

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
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Django's defaults, written out because docs/security.md and the header tests rely on them.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Personal data (workers' ID numbers and phones) is encrypted with these Fernet keys, the first
# encrypting; lookup hashes use the hash key. Production reads both from the environment.
PERSONAL_DATA_KEYS: list[str] = []
PERSONAL_DATA_HASH_KEY = ""
# `shanhai personal_data expire` deletes the personal data of workers with no job for this long
# (the placements stay, anonymous, for the counts).
PERSONAL_DATA_RETENTION_YEARS = int(os.environ.get("SHANHAI_PERSONAL_DATA_RETENTION_YEARS", "5"))

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
