"""Settings shared by every environment. Values come from the environment (django-environ).

Every variable read here is documented in README.md, under "Configuration".
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from fortrolig.core.keys import parse_lookup_key, parse_master_keys

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Envelope encryption (P-27). The first master key wraps new data keys; the others only
# unwrap, so that a key can be rotated without downtime (`manage.py rotate_master_key`).
FORTROLIG_MASTER_KEYS = parse_master_keys(env.str("FORTROLIG_MASTER_KEYS", default=""))
# Keyed hash (HMAC) for exact-match lookups of personal values, such as duplicate emails
# and the suppression list. Separate from the master keys: rotating those must not change
# any lookup hash.
FORTROLIG_LOOKUP_KEY = parse_lookup_key(env.str("FORTROLIG_LOOKUP_KEY", default=""))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "ninja",
    "fortrolig.core",
    "fortrolig.accounts",
    "fortrolig.audit",
    "fortrolig.candidates",
    "fortrolig.documents",
    "fortrolig.clients",
    "fortrolig.assignments",
    "fortrolig.staffing",
    "fortrolig.search",
    "fortrolig.privacy",
    "fortrolig.messaging",
    "fortrolig.api",
    "fortrolig.public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fortrolig.core.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fortrolig.accounts.context_processors.staff_context",
            ],
        },
    },
]

# SQLite under var/ is the embedded default; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'fortrolig.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: opening one costs about 9 ms per request on PostgreSQL.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web server read while the other writes; the busy timeout
    # makes a writer wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling (P-26): failures within the window, per account and per client address.
LOGIN_THROTTLE_WINDOW_SECONDS = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=15 * 60)
LOGIN_THROTTLE_ACCOUNT_FAILURES = env.int("LOGIN_THROTTLE_ACCOUNT_FAILURES", default=5)
LOGIN_THROTTLE_IP_FAILURES = env.int("LOGIN_THROTTLE_IP_FAILURES", default=20)

# The public address of the site: the "own site" address of a published ad (P-14) and the
# links in emails are built from it.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Spam protection of the public apply form: applications per client address per window.
APPLY_THROTTLE_WINDOW_SECONDS = env.int("APPLY_THROTTLE_WINDOW_SECONDS", default=60 * 60)
APPLY_THROTTLE_PER_IP = env.int("APPLY_THROTTLE_PER_IP", default=10)

OTP_TOTP_ISSUER = "Fortrolig"

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Front-end libraries come from the npm registry (package.json, installed by `make setup`)
# and are served from node_modules; none is copied into the repository.
STATICFILES_DIRS = [("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist")]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# No MEDIA_URL on purpose: stored files are served only through authorised views (P-29).

# Uploaded documents (P-29): size limit, and the time and memory limits of the subprocess
# that checks uploads and extracts their text.
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
DOCUMENT_CHECK_SECONDS = env.int("DOCUMENT_CHECK_SECONDS", default=20)
DOCUMENT_EXTRACT_SECONDS = env.int("DOCUMENT_EXTRACT_SECONDS", default=20)
DOCUMENT_SANDBOX_MEMORY_BYTES = env.int("DOCUMENT_SANDBOX_MEMORY_BYTES", default=512 * 1024 * 1024)
# Accepted uploads stay in memory: Django would otherwise write files over 2.5 MB in
# plaintext to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = DOCUMENT_MAX_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = FILE_UPLOAD_MAX_MEMORY_SIZE

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Celery: Redis in production; the embedded default is kombu's filesystem transport.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Email (P-10): the console backend in development; SMTP in production.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Fortrolig <no-reply@fortrolig.example.com>"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
