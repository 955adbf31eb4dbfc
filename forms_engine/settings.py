"""One settings module, driven by the environment.

Nothing configured → SQLite file and eager Celery (the zero-service default).
DATABASE_URL → that database (PostgreSQL via psycopg 3); CELERY_BROKER_URL → a real broker.
DEBUG is off unless DJANGO_DEBUG=1; outside debug a SECRET_KEY must come from the environment.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or env_bool("DJANGO_TESTING"):
        # Only for a developer's machine and the test suite; never used in production.
        SECRET_KEY = "insecure-dev-only-key-not-for-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY fehlt / is not set. Set it in the environment (DEBUG is off)."
        )

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "forms_engine.core",
    "forms_engine.catalog",
    "forms_engine.cases",
    "forms_engine.citizen",
    "forms_engine.clerk",
    "forms_engine.identity",
    "forms_engine.payments",
    "forms_engine.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "forms_engine.core.middleware.ContentSecurityPolicyMiddleware",
    # no-store on every private page and API answer (before Session/CSRF: sees their Vary).
    "forms_engine.core.middleware.PrivateNoStoreMiddleware",
    # NUL / lone surrogates in path, query or cookies never reach a view (404/400).
    "forms_engine.core.middleware.InputHygieneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "forms_engine.urls"
WSGI_APPLICATION = "forms_engine.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several workers on one SQLite file: take the write lock when a transaction starts
    # (IMMEDIATE; a deferred transaction that later writes fails with "database is locked"
    # instead of waiting), wait up to 20 s for it, and let readers go on beside a writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "var" / "static"))
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Uploads are never served publicly; they are read through permission-checked views.
UPLOAD_ROOT = Path(os.environ.get("FORMS_UPLOAD_ROOT", BASE_DIR / "var" / "uploads"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Case-file PDFs and supplements; like uploads, only read through permission-checked views.
CASEFILE_ROOT = Path(os.environ.get("FORMS_CASEFILE_ROOT", BASE_DIR / "var" / "casefiles"))
# Hard ceiling for any single upload, whatever a process allows.
FORMS_UPLOAD_MAX_BYTES = int(os.environ.get("FORMS_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))

# Sessions and cookies: secure by default, relaxed only for the local debug server.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 2)))
SESSION_COOKIE_SECURE = not DEBUG and env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY") else None
)
CONTENT_SECURITY_POLICY = os.environ.get(
    "DJANGO_CSP",
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'",
)

# Celery: eager unless a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# A case whose pipeline has not finished this long after it was (re-)enqueued is handed to
# the pipeline again by the sweeper (crashed worker, broker down at submit time).
FORMS_PIPELINE_STUCK_AFTER = int(os.environ.get("FORMS_PIPELINE_STUCK_AFTER", "300"))
CELERY_BEAT_SCHEDULE = {
    "cases-sweep-stuck-pipelines": {
        "task": "cases.tasks.pipeline_sweep",
        "schedule": float(os.environ.get("FORMS_SWEEP_EVERY", "60")),
    },
    "payments-reconcile": {
        "task": "payments.tasks.payments_reconcile",
        "schedule": float(os.environ.get("FORMS_PAYMENT_RECONCILE_EVERY", "120")),
    },
    "retention-purge": {
        "task": "cases.tasks.retention_purge",
        "schedule": float(os.environ.get("FORMS_RETENTION_EVERY", str(60 * 60))),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "forms_engine.api.schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, with size/depth/text limits (api/parsers.py); uploads declare multipart.
    "DEFAULT_PARSER_CLASSES": ["forms_engine.api.parsers.SafeJSONParser"],
    # Every API error as {"errors": [{pointer, message, message_en, code}]}.
    "EXCEPTION_HANDLER": "forms_engine.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"submit": os.environ.get("API_SUBMIT_THROTTLE", "120/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OZG-Antragsmaschine API",
    "DESCRIPTION": "Veröffentlichte Verwaltungsleistungen lesen und vollständige Anträge einreichen.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "forms_engine.api.schema.add_links",
    ],
}

# Where `process_sync` reads the shipped library.
FORMS_PROCESS_LIBRARY = Path(os.environ.get("FORMS_PROCESS_LIBRARY", BASE_DIR / "processes"))
# Prefix of case reference numbers, e.g. HST-2026-000042 (per process `x-reference-prefix`
# in the definition, this is the fallback).
FORMS_REFERENCE_PREFIX = os.environ.get("FORMS_REFERENCE_PREFIX", "ANT")

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "noreply@localhost")

# Demo plugins (BundID and XBezahldienste stand-ins) only where explicitly enabled;
# `make run` enables them. Never in production.
ENABLE_DEMO_BACKENDS = env_bool("ENABLE_DEMO_BACKENDS")

# The public address of the engine, for links in e-mails (status page, resume link).
FORMS_SITE_URL = os.environ.get("FORMS_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Staff logins (clerks, admin): refused for a while after repeated failures.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", str(15 * 60)))
if os.environ.get("REDIS_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_CACHE_URL"],
        }
    }

LOGIN_URL = "/sachbearbeitung/anmelden/"
LOGIN_REDIRECT_URL = "/sachbearbeitung/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Routes the bare floor view that bench/ compares citizen steps against. Off in production.
FORMS_BENCH_VIEWS = env_bool("FORMS_BENCH_VIEWS")
