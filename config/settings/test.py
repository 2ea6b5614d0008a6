"""Test settings: throwaway keys, fast hashing, Celery tasks run in the calling process."""

import os

# Fixed throwaway secrets so that the test suite needs no configuration. Never used elsewhere.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("FORTROLIG_MASTER_KEYS", "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
os.environ.setdefault("FORTROLIG_LOOKUP_KEY", "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=")

from .base import *  # noqa: F403
from .base import VAR_DIR, env

# A fresh clone has no var/ yet; the SQLite test database and test media live there.
VAR_DIR.mkdir(exist_ok=True)

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'test.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    # TEST_SQLITE_NAME lets parallel runs on one checkout keep out of each other's way.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("TEST_SQLITE_NAME", default=str(VAR_DIR / "test-run.sqlite3"))
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGGING_CONFIG = None

# A test-only app with an encrypted field, for the envelope-encryption tests.
INSTALLED_APPS = [*INSTALLED_APPS, "fortrolig.core.tests.cryptoapp"]  # noqa: F405
