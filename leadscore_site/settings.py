"""Leadscore settings: every deployment choice is read from the environment.

`.env.example` explains each variable in one line.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import pandas as pd
import plotly
from django.core.exceptions import ImproperlyConfigured

from leadscore_site.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# pandas keeps text in plain Python strings, as before pyarrow was installed
# (for writing CSV): one lead through the API took 1.2 ms more with Arrow
# strings, and the frames scoring builds are mostly small.
pd.set_option("mode.string_storage", "python")

DEBUG = env_bool("DEBUG", default=False)
# The fallback key only serves local runs; production sets SECRET_KEY.
SECRET_KEY = env_str("SECRET_KEY", default="insecure-local-only-key-change-me")
LOCAL_HOSTS = ["127.0.0.1", "localhost"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=LOCAL_HOSTS)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_rq",
    # Login throttling: failed logins are counted in the database.
    "axes",
    "leadscore_site",
    "datasets",
    "modeling",
    "routing",
    # --- routing: scoring API (issue 5) ---
    "rest_framework",
    "drf_spectacular",
    # --- end routing ---
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "leadscore_site.security.SecurityHeadersMiddleware",
    # Every URL is checked against the role matrix in leadscore_site/access.py.
    "leadscore_site.access.AccessMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "leadscore_site.urls"

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
                "leadscore_site.context_processors.steps",
            ],
        },
    },
]

WSGI_APPLICATION = "leadscore_site.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", default=0),
        # A kept connection the database has since dropped is reopened.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # With a write-ahead log, pages read while a lead is written, and a commit
    # skips the disk flush that cost 15 ms per scoring call. A power cut can
    # lose the last commits, never corrupt the file. (Local disks only: WAL
    # does not work on a network share.)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        # A transaction that reads and then writes (a lead looked up, then
        # stored) would otherwise fail at once with "database is locked"
        # when another request wrote in between; taking the write lock at
        # the start makes concurrent requests wait their turn instead.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation." + name}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
# django-axes first: it refuses a login while its user and address are locked
# out. It has no get_user, so the test client's force_login uses ModelBackend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", default=15))
# The pair is locked, so a stranger guessing a name cannot lock its owner out
# everywhere, and an office behind one address is not locked out by one person.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind reverse proxies, say how many (TRUSTED_PROXY_COUNT): the visitor's
# address is then read from X-Forwarded-For, skipping that many hops, rather
# than taken as the last proxy's, which every visitor would share.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Plotly's own bundle is served straight from the installed package, so the
# pages load it from this machine and it always matches the Python library.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("plotly", Path(plotly.__file__).parent / "package_data"),
]

# Uploads and model artifacts live in Django's storage, outside the web root.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", default=200) * 1024 * 1024
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", default=2_000_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An oversized file is cut off as it arrives, not stored and then refused.
FILE_UPLOAD_HANDLERS = [
    "datasets.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REDIS_URL = env_str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Shared by every web process, so API rate limits hold across machines.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "leadscore",
    }
}
# One queue per kind of work, so a long training never delays a delivery.
RQ_QUEUES = {
    name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": timeout}
    for name, timeout in (("training", 3600), ("scoring", 3600), ("delivery", 300))
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"level": "WARNING", "propagate": True},
        # Its start-up line would land in every shell command's output; its
        # lockouts are warnings and still show.
        "axes": {"level": "WARNING", "propagate": True},
    },
}

# --- routing: scoring API, deliveries and e-mail (issue 5) ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["routing.api_auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["routing.api_auth.HasApiToken"],
    "DEFAULT_THROTTLE_CLASSES": ["routing.api_auth.TokenRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["routing.api_parsers.ApiJsonParser"],
    "EXCEPTION_HANDLER": "routing.api_errors.error_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Leadscore API",
    "DESCRIPTION": "Score leads, add qualification answers, record outcomes; "
    "with an admin token, watch deliveries and choose the model in use.",
    "VERSION": "1.1.0",
    # OpenAPI 3.1: its schemas are plain JSON Schema (a blank value is
    # "type": ["string", "null"]), so a CRM's validator reads them as written.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}
# Requests one API token may make, per second, min, hour or day.
API_RATE_LIMIT = env_str("API_RATE_LIMIT", default="600/min")
# Requests with an unknown token one address may send in ten minutes.
API_BAD_TOKEN_LIMIT = env_int("API_BAD_TOKEN_LIMIT", default=50)
# Webhooks may not reach loopback, private or metadata addresses unless the
# host is listed here (tests list 127.0.0.1).
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", default=[])
# The address people open the app at, e.g. https://leads.example.com; e-mails
# link to lead pages with it. Blank: links are paths on the app's own host.
SITE_URL = env_str("SITE_URL", default="").rstrip("/")
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", default=10)
# Seconds RQ waits before each retry of a failed delivery; one retry per entry.
DELIVERY_RETRY_INTERVALS = [
    int(s) for s in env_list("DELIVERY_RETRY_INTERVALS", default=["10", "60", "300"])
]
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="leadscore@localhost")
# --- end routing ---
# --- modeling: retraining, drift, audit log (issue 6) ---
# Tells audit entries which signed-in person changed a tier, rule or user.
MIDDLEWARE += ["modeling.audit.AuditUserMiddleware"]
# How often a worker checks whether enough new outcomes arrived to retrain.
RETRAIN_CHECK_MINUTES = env_int("RETRAIN_CHECK_MINUTES", default=60)
# A worker silent for this long while holding a training job counts as dead.
WORKER_DEAD_AFTER_SECONDS = env_int("WORKER_DEAD_AFTER_SECONDS", default=150)
# Tests under SQLite use a file, so a worker process can share the database;
# the process id keeps concurrent test runs apart.
import tempfile  # noqa: E402

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"leadscore-test-{os.getpid()}.db")
    }
# --- end modeling ---

# --- security (issue 7) ---
# HTTPS is assumed wherever the site answers to a name other than this machine
# (a certificate cannot be had for 127.0.0.1); HTTPS=false/true overrides it.
HTTPS = env_bool(
    "HTTPS", default=not DEBUG and any(h not in LOCAL_HOSTS for h in ALLOWED_HOSTS)
)
if HTTPS and "SECRET_KEY" not in os.environ:
    raise ImproperlyConfigured("Set SECRET_KEY to long random text to serve HTTPS.")
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe the health endpoint over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
# Behind a proxy that ends TLS, set this so Django sees the request as HTTPS
# (gunicorn does it already for a proxy on the same machine).
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", default=12) * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style: pages load their code and styles from static/.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    # Plotly's bundle injects two constant <style> elements; their hashes
    # (for plotly 7.1.0, the pinned version) let them in and nothing else.
    "style-src": [
        "'self'",
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",
    ],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"
# --- end security ---
