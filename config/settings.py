"""Kenesh settings: one module, read from the environment.

Nothing set means the embedded default: SQLite under ``var/`` (or ``KENESH_DATA_DIR``),
background jobs in-process, debug off unless ``KENESH_DEBUG`` says otherwise. Production
(``KENESH_DEBUG`` off) refuses to start without ``KENESH_SECRET_KEY``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


DEBUG = env_bool("KENESH_DEBUG", False)
DATA_DIR = Path(env_str("KENESH_DATA_DIR") or BASE_DIR / "var")

SECRET_KEY = env_str("KENESH_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "KENESH_SECRET_KEY is required when KENESH_DEBUG is off. "
            "Set it to a long random string (see docs/deployment.md)."
        )
    SECRET_KEY = "insecure-development-key-only-for-KENESH_DEBUG"

ALLOWED_HOSTS = env_list("KENESH_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

INSTALLED_APPS = [
    "kenesh.core.apps.KeneshAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "bootstrap",
    "csp",
    "axes",
    "ninja",
    "kenesh.core",
    "kenesh.accounts",
    "kenesh.geo",
    "kenesh.orgs",
    "kenesh.incidents",
    "kenesh.portal",  # the top app: reads the module registry, imported by nothing
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kenesh.core.middleware.DropMalformedSessionCookie",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "kenesh.core.middleware.RejectNulCharacters",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kenesh.portal.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{DATA_DIR / 'kenesh.sqlite3'}",
        conn_max_age=int(env_str("KENESH_DB_CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout after repeated failures, by username and address together.
AXES_FAILURE_LIMIT = int(env_str("KENESH_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False
# Behind a reverse proxy the client address is in X-Forwarded-For; say how many proxies.
PROXY_COUNT = int(env_str("KENESH_PROXY_COUNT", "0"))
if PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

LANGUAGE_CODE = "ky"
LANGUAGES = [
    ("ky", _("Kyrgyz")),
    ("ru", _("Russian")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bishkek"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("KENESH_STATIC_ROOT") or DATA_DIR / "static")
# WhiteNoise warns on every request when the directory is missing (before collectstatic).
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Leaflet's files come from the django-leaflet wheel without installing the app: its admin
# module imports GeoDjango (GDAL), which Kenesh does not use. The package is located without
# importing it (its __init__ reads these settings).
_leaflet = importlib.util.find_spec("leaflet")
if _leaflet is None or _leaflet.origin is None:
    raise ImproperlyConfigured("django-leaflet is not installed (pip install -e .).")
STATICFILES_DIRS = [("leaflet", str(Path(_leaflet.origin).parent / "static" / "leaflet"))]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_MANIFEST_STRICT = False

# Content-Security-Policy: everything from ourselves, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("KENESH_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env_str("KENESH_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env_list("KENESH_CSRF_TRUSTED_ORIGINS", [])

# Background jobs: Celery on Redis when REDIS_URL is set, in-process otherwise.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE

# Imports (docs/import.md, "Limits"): a file over a limit is refused as a whole with a clear
# error and nothing written, before it can fill memory. The upload itself is at most 50 MB.
IMPORT_MAX_ROWS = int(env_str("KENESH_IMPORT_MAX_ROWS", "1000000"))
IMPORT_MAX_CELLS = int(env_str("KENESH_IMPORT_MAX_CELLS", "20000000"))
IMPORT_MAX_UNZIPPED_MB = int(env_str("KENESH_IMPORT_MAX_UNZIPPED_MB", "1024"))  # an XLSX unpacked
IMPORT_MAX_INFLATE_RATIO = int(env_str("KENESH_IMPORT_MAX_INFLATE_RATIO", "100"))  # per part
IMPORT_MAX_SHARED_STRINGS = int(env_str("KENESH_IMPORT_MAX_SHARED_STRINGS", "1000000"))
# Errors a job keeps in full for its page and API; every one is in its report file.
IMPORT_REPORT_ERRORS = int(env_str("KENESH_IMPORT_REPORT_ERRORS", "500"))
# A running job without a heartbeat for this long, or a job queued for this long, is failed by
# the sweep (Celery beat, core.import_jobs_sweep): its worker died or never came.
IMPORT_JOB_TIMEOUT = int(env_str("KENESH_IMPORT_JOB_TIMEOUT", "900"))  # seconds
IMPORT_QUEUE_TIMEOUT = int(env_str("KENESH_IMPORT_QUEUE_TIMEOUT", "86400"))  # seconds


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KENESH_LOG_LEVEL", "WARNING")},
}
