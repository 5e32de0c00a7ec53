"""Kenesh settings: one module, read from the environment.

Nothing set means the embedded default: SQLite under ``var/`` (or ``KENESH_DATA_DIR``) in WAL
mode, a secret key generated on first start and kept in the data directory, debug off unless
``KENESH_DEBUG`` says otherwise. ``kenesh serve`` runs it as production does (gunicorn and a
Celery worker on a broker in the data directory, docs/deployment.md). With ``DATABASE_URL`` set
(several web nodes) ``KENESH_SECRET_KEY`` is required: the nodes must share it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import time
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


def embedded_secret_key(data_dir: Path) -> str:
    """The embedded installation's secret key: generated on first start into the data directory,
    readable by its owner only (0600), and read back by every later start and process."""
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two processes starting at once, one writes the key and the other reads it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _attempt in range(50):
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.1)  # the other process is still writing it
        raise ImproperlyConfigured(f"{path} is empty: delete it to generate a new key.") from None
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


DEBUG = env_bool("KENESH_DEBUG", False)
DATA_DIR = Path(env_str("KENESH_DATA_DIR") or BASE_DIR / "var")
DATABASE_URL = env_str("DATABASE_URL")
#: The day the demo's records run up to (ISO date; default: the day it is loaded).
KENESH_DEMO_DATE = env_str("KENESH_DEMO_DATE")

SECRET_KEY = env_str("KENESH_SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-for-KENESH_DEBUG"
    elif not DATABASE_URL:
        SECRET_KEY = embedded_secret_key(DATA_DIR)
    else:
        raise ImproperlyConfigured(
            "KENESH_SECRET_KEY is required with DATABASE_URL (every web node must share it). "
            "Set it to a long random string (see docs/deployment.md)."
        )

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
    "kenesh.consultations",
    "kenesh.portal",  # the top app: reads the module registry, imported by nothing
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kenesh.core.middleware.SecureCookiesOverHttps",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kenesh.core.middleware.DropMalformedSessionCookie",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "kenesh.core.middleware.RejectNulCharacters",
    "kenesh.core.middleware.ApiErrorShape",  # JSON for every error under /api/ (405, 500, ...)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kenesh.accounts.middleware.AccountLanguage",  # a signed-in user's language, on any browser
    "kenesh.core.middleware.NoStoreWhenSignedIn",  # Cache-Control: no-store for signed-in users
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "kenesh.accounts.middleware.SecurityTrail",  # refused writes (401/403/404) to the security log
    # Last, so its 413 page gets the headers above; nothing above reads the body.
    "kenesh.core.middleware.RequestBodyLimit",
    "kenesh.core.middleware.DatabaseBusyPage",  # 503 "try again" while an import holds SQLite
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

if not DATABASE_URL:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{DATA_DIR / 'kenesh.sqlite3'}",
        # Persistent connections, one per server thread: `kenesh serve` runs a fixed number of
        # threads, so the connections are bounded (workers x threads, docs/deployment.md).
        conn_max_age=int(env_str("KENESH_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL: pages read while an import writes; a writer waits up to 20 s for another, and
        # takes the write lock when its transaction begins (no upgrade deadlock between two).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
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
# Behind N reverse proxies the client's address is the N-th X-Forwarded-For hop from the right
# (each proxy appends the address it was reached from); without KENESH_PROXY_COUNT the header is
# ignored. The lockout and the security log count that address (kenesh.accounts.client_address).
PROXY_COUNT = int(env_str("KENESH_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "kenesh.accounts.client_address.client_address"

# API tokens expire this many days after they are made; the security log (failed logins,
# lockouts, refused writes, token events) is kept this many days (docs/security.md).
TOKEN_LIFETIME_DAYS = int(env_str("KENESH_TOKEN_DAYS", "90"))
SECURITY_LOG_DAYS = int(env_str("KENESH_SECURITY_LOG_DAYS", "365"))
if TOKEN_LIFETIME_DAYS < 1 or SECURITY_LOG_DAYS < 1:
    raise ImproperlyConfigured("KENESH_TOKEN_DAYS and KENESH_SECURITY_LOG_DAYS must be 1 or more.")

LANGUAGE_CODE = "ky"
LANGUAGES = [
    ("ky", _("Kyrgyz")),
    ("ru", _("Russian")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates, numbers and intervals as read in Kyrgyzstan: Kenesh's own format modules where
# Django's do not fit (English dates day first, the decimal comma in Kyrgyz), then Django's
# (kenesh.core.formats, docs/formats.md).
FORMAT_MODULE_PATH = ["kenesh.core.formats"]
TIME_ZONE = "Asia/Bishkek"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("KENESH_STATIC_ROOT") or DATA_DIR / "static")
# WhiteNoise warns on every request when the directory is missing (before collectstatic).
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded files (meeting attachments) live in the data directory. There is no MEDIA_URL route:
# they are never served as media, only through views that check scope and role.
MEDIA_ROOT = Path(env_str("KENESH_MEDIA_ROOT") or DATA_DIR / "media")
# The largest attachment of a meeting (docs/meetings.md), in bytes.
KENESH_MEETING_ATTACHMENT_MAX_BYTES = int(
    env_str("KENESH_MEETING_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "kenesh.core.staticfiles.KeneshStaticFilesStorage"
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
WHITENOISE_KEEP_ONLY_HASHED_FILES = not DEBUG  # pages link hashed names; half the compressing

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
# HTTPS is declared by KENESH_HTTPS (the site is only reached over HTTPS: secure cookies, the
# redirect, HSTS) or, request by request, by a proxy's X-Forwarded-Proto: https (cookies are then
# marked secure by kenesh.core.middleware.SecureCookiesOverHttps and HSTS is sent). Without
# either, plain HTTP works, so phones on the office network can log in to the machine's address.
HTTPS = env_bool("KENESH_HTTPS", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    # SecurityMiddleware sends HSTS on secure requests only, so this is safe over plain HTTP.
    SECURE_HSTS_SECONDS = int(env_str("KENESH_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("KENESH_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
CSRF_TRUSTED_ORIGINS = env_list("KENESH_CSRF_TRUSTED_ORIGINS", [])

# Background jobs: Celery on Redis when REDIS_URL is set; under `kenesh serve` without Redis, on
# a broker in the data directory (kombu's filesystem transport) with the worker `kenesh serve`
# starts; otherwise (development server, commands, tests) in-process.
REDIS_URL = env_str("REDIS_URL")
EMBEDDED_WORKER = env_bool("KENESH_EMBEDDED_WORKER", False)
QUEUE_DIR = DATA_DIR / "queue"
CELERY_RESULT_BACKEND: str | None
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
elif EMBEDDED_WORKER:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(QUEUE_DIR / "messages"),
        "data_folder_out": str(QUEUE_DIR / "messages"),
        "control_folder": str(QUEUE_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
    CELERY_TASK_IGNORE_RESULT = True
    for _folder in ("messages", "control"):
        (QUEUE_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or EMBEDDED_WORKER)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# The cache carries what processes tell each other outside the database (an import's progress
# while its transaction holds SQLite's single writer): Redis when there is one, else files in
# the data directory, which the web and worker processes of one machine share.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    )
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE

# Imports (docs/import.md, "Limits"): a file over a limit is refused as a whole with a clear
# error and nothing written, before it can fill memory. The upload itself is at most
# KENESH_MAX_UPLOAD_MB; a request declaring a larger body (Content-Length, with 1 MB for the
# form around the file) is refused with 413 before it is read (kenesh.core.middleware).
MAX_UPLOAD_MB = int(env_str("KENESH_MAX_UPLOAD_MB", "50"))
if MAX_UPLOAD_MB < 1:
    raise ImproperlyConfigured("KENESH_MAX_UPLOAD_MB must be 1 or more.")
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

# SMS and Telegram intake (docs/intake.md). A webhook whose secret is empty refuses everything.
# The SMS gateway signs each request with KENESH_SMS_SECRET (X-Kenesh-Signature); Telegram sends
# KENESH_TELEGRAM_SECRET in X-Telegram-Bot-Api-Secret-Token (setWebhook's secret_token). Replies
# go through the senders named here (dotted paths; the console sender prints them, the demo's).
KENESH_SMS_SECRET = env_str("KENESH_SMS_SECRET")
KENESH_TELEGRAM_SECRET = env_str("KENESH_TELEGRAM_SECRET")
KENESH_SMS_SENDER = env_str(
    "KENESH_SMS_SENDER", "kenesh.consultations.intake.senders.ConsoleSender"
)
KENESH_TELEGRAM_SENDER = env_str(
    "KENESH_TELEGRAM_SENDER", "kenesh.consultations.intake.senders.ConsoleSender"
)
# For the HTTP SMS sender: where the gateway takes outgoing messages (signed with the SMS secret).
KENESH_SMS_SEND_URL = env_str("KENESH_SMS_SEND_URL")
# For the Telegram sender: the bot's token from @BotFather.
KENESH_TELEGRAM_BOT_TOKEN = env_str("KENESH_TELEGRAM_BOT_TOKEN")
# The number people text concerns to, printed on the public concern posters (docs/concerns.md).
KENESH_SMS_NUMBER = env_str("KENESH_SMS_NUMBER", "")
# A webhook that takes messages in must be able to answer them: in production (debug off) a
# configured intake secret with the console sender would mark every reply sent and deliver none.
_CONSOLE_SENDER = "kenesh.consultations.intake.senders.ConsoleSender"
for _secret, _sender in (
    ("KENESH_SMS_SECRET", "KENESH_SMS_SENDER"),
    ("KENESH_TELEGRAM_SECRET", "KENESH_TELEGRAM_SENDER"),
):
    if not DEBUG and globals()[_secret] and globals()[_sender] == _CONSOLE_SENDER:
        raise ImproperlyConfigured(
            f"{_secret} is set but {_sender} is the console sender, which delivers nothing: "
            "name the sender that reaches people (docs/intake.md), or set KENESH_DEBUG=1 to try "
            "the webhook out."
        )
# A JSON object of the priority matrix's weights (docs/priorities.md), e.g.
# {"concerns_share": 0.3, "severity": 0.1}; components left out keep their defaults.
try:
    KENESH_PRIORITY_WEIGHTS = json.loads(env_str("KENESH_PRIORITY_WEIGHTS", "{}"))
except json.JSONDecodeError as exc:
    raise ImproperlyConfigured(f"KENESH_PRIORITY_WEIGHTS is not JSON: {exc}") from None
if not isinstance(KENESH_PRIORITY_WEIGHTS, dict):
    raise ImproperlyConfigured("KENESH_PRIORITY_WEIGHTS must be a JSON object of weights.")


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KENESH_LOG_LEVEL", "WARNING")},
}
