"""One settings module, driven by the environment.

Nothing configured → SQLite file and eager Celery (the zero-service default).
DATABASE_URL → that database (PostgreSQL via psycopg 3); CELERY_BROKER_URL → a real broker.
DEBUG is off unless DJANGO_DEBUG=1; outside debug a SECRET_KEY must come from the environment.
"""

import os
from datetime import timedelta
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
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "forms_engine.core",
    "forms_engine.catalog",
    "forms_engine.library",
    "forms_engine.cases",
    "forms_engine.citizen",
    "forms_engine.clerk",
    "forms_engine.identity",
    "forms_engine.payments",
    "forms_engine.api",
    "forms_engine.studio",
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
    # Before CSRF (which reads the form): refuses an oversized upload body unread.
    "forms_engine.citizen.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "forms_engine.core.staff_auth.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into our lockout page.
    "axes.middleware.AxesMiddleware",
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
# Stored files (forms_engine/core/storage.py): the storages "uploads" (citizens' files) and
# "casefiles" (case file and supplement PDFs). Every web node and worker must see the same
# files: a shared volume mounted as DJANGO_MEDIA_ROOT on all of them (the default), or an
# S3-compatible bucket with FORMS_STORAGE_BACKEND=s3 (django-storages, the `s3` extra).
# Nothing is ever served by URL: downloads go through permission-checked views.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))
# The two directories inside it; FORMS_UPLOAD_ROOT / FORMS_CASEFILE_ROOT still move them
# elsewhere (older installations kept them in var/uploads and var/casefiles).
_upload_root = Path(os.environ.get("FORMS_UPLOAD_ROOT", MEDIA_ROOT / "uploads"))
_casefile_root = Path(os.environ.get("FORMS_CASEFILE_ROOT", MEDIA_ROOT / "casefiles"))
FORMS_STORAGE_BACKEND = os.environ.get("FORMS_STORAGE_BACKEND", "filesystem").strip().lower()


def filesystem_storage(location: Path) -> dict:
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(location),
            # The engine's service user alone (every node runs as it on the shared volume);
            # Django's default would let any local user read citizens' files.
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }


def s3_storage(prefix: str) -> dict:
    """An S3Storage on AWS_STORAGE_BUCKET_NAME under `<AWS_LOCATION>/<prefix>`.

    Credentials are never settings: boto3 takes them from the environment
    (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the machine's role).
    """
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        raise ImproperlyConfigured(
            "FORMS_STORAGE_BACKEND=s3 braucht AWS_STORAGE_BUCKET_NAME / "
            "needs AWS_STORAGE_BUCKET_NAME."
        )
    base = os.environ.get("AWS_LOCATION", "").strip("/")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": f"{base}/{prefix}" if base else prefix,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # "path" for MinIO, Ceph and most S3-compatible servers; None: boto3 decides.
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            # The bucket stays private: no ACL is set on objects, no URL is ever signed.
            "default_acl": None,
            "querystring_auth": True,
            # Names are random; a clash gets a new name instead of replacing a file.
            "file_overwrite": False,
            # A download is buffered in memory up to this size, beyond it in a local
            # temporary file (0, the library's default, would keep a whole file in memory).
            "max_memory_size": 2 * 1024 * 1024,
        },
    }


if FORMS_STORAGE_BACKEND == "filesystem":
    STORAGES = {
        "default": filesystem_storage(MEDIA_ROOT),
        "uploads": filesystem_storage(_upload_root),
        "casefiles": filesystem_storage(_casefile_root),
    }
elif FORMS_STORAGE_BACKEND == "s3":
    STORAGES = {
        "default": s3_storage("media"),
        "uploads": s3_storage("uploads"),
        "casefiles": s3_storage("casefiles"),
    }
else:
    raise ImproperlyConfigured(
        f"FORMS_STORAGE_BACKEND={FORMS_STORAGE_BACKEND!r}: erlaubt sind / allowed are "
        "'filesystem' and 's3'."
    )
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Hard ceiling for any single upload, whatever a process allows.
FORMS_UPLOAD_MAX_BYTES = int(os.environ.get("FORMS_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
# Upload limits are enforced while the body streams in (citizen.uploads.LimitedUploadHandler):
# a file over its field's limit is cut off at the first chunk beyond it, a request whose
# Content-Length exceeds FORMS_UPLOAD_MAX_REQUEST_BYTES is refused before any byte is read.
FILE_UPLOAD_HANDLERS = [
    "forms_engine.citizen.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FORMS_UPLOAD_MAX_REQUEST_BYTES = int(
    os.environ.get("FORMS_UPLOAD_MAX_REQUEST_BYTES", str(60 * 1024 * 1024))
)
# Anonymous API uploads: the owner token lives this long (then the file can no longer be
# submitted and is deleted by the retention purge); per client address at most this many
# unused uploads and bytes within that time.
FORMS_API_UPLOAD_TOKEN_HOURS = float(os.environ.get("FORMS_API_UPLOAD_TOKEN_HOURS", "2"))
FORMS_API_UPLOAD_MAX_PENDING = int(os.environ.get("FORMS_API_UPLOAD_MAX_PENDING", "20"))
FORMS_API_UPLOAD_MAX_PENDING_BYTES = int(
    os.environ.get("FORMS_API_UPLOAD_MAX_PENDING_BYTES", str(100 * 1024 * 1024))
)

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
# A remote delivery (FIT-Connect) is leased to one run for this many seconds; a run killed
# mid-delivery leaves it to the next run once the lease has run out (cases.pipeline).
FORMS_REMOTE_DELIVERY_LEASE = int(os.environ.get("FORMS_REMOTE_DELIVERY_LEASE", "300"))
# FIT-Connect: the client secret of the sender (never in the activation's options); an
# activation may name another variable (`client_secret_env`). See docs/architecture.md.
# Event logs of delivered cases are polled for the recipient's answer this many days.
FORMS_FITCONNECT_POLL_DAYS = int(os.environ.get("FORMS_FITCONNECT_POLL_DAYS", "30"))
CELERY_BEAT_SCHEDULE = {
    "fitconnect-events-poll": {
        "task": "cases.tasks.fitconnect_events_poll",
        "schedule": float(os.environ.get("FORMS_FITCONNECT_POLL_EVERY", "120")),
    },
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
    "catalog-scheduled-publish": {
        "task": "catalog.tasks.scheduled_publish_sweep",
        "schedule": float(os.environ.get("FORMS_SCHEDULED_PUBLISH_EVERY", "60")),
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

# The installation's own publisher (slug, name): owner of the shipped library (process_sync
# without --publisher, demo_setup's plain process ids, drafts created without a publisher).
FORMS_DEFAULT_PUBLISHER = (
    os.environ.get("FORMS_DEFAULT_PUBLISHER", "standard"),
    os.environ.get("FORMS_DEFAULT_PUBLISHER_NAME", "Standardbibliothek dieser Installation"),
)
# Where `process_sync` reads the shipped library.
FORMS_PROCESS_LIBRARY = Path(os.environ.get("FORMS_PROCESS_LIBRARY", BASE_DIR / "processes"))
# Shared process libraries (docs/bundle-format.md): unsigned bundles are refused unless the
# operator allows them explicitly for local testing (every page and command then warns).
FORMS_BUNDLES_ALLOW_UNSIGNED = env_bool("FORMS_BUNDLES_ALLOW_UNSIGNED")
# The starter library's source (built into a signed demo bundle by demo_setup).
FORMS_STARTER_LIBRARY = BASE_DIR / "library" / "starter"
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

# Staff sign-in (clerks, admin), see README "Staff sign-in".
# django-axes counts failed passwords per user name AND client address: a stranger who
# fails on one account from one address locks only that pair, never the other staff.
# Its default handler keeps the counts in the database, shared by every worker process.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("FORMS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("FORMS_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Counts are cleared only when the whole sign-in succeeds (after the code, where required):
# staff_auth.sign_in_completed, not axes' reset on a right password.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "forms_engine.clerk.views.login_locked_out"
AXES_VERBOSE = False  # no start-up banner in every command; lockouts are still logged
# The client address: REMOTE_ADDR, unless FORMS_TRUSTED_PROXY_COUNT reverse proxies of ours
# stand in front, each appending the address it saw to FORMS_TRUSTED_PROXY_HEADER; then the
# entry that many places from the right. Without that setting a client-sent
# X-Forwarded-For is ignored (anyone can forge it). The API throttle counts the same way.
FORMS_TRUSTED_PROXY_COUNT = int(os.environ.get("FORMS_TRUSTED_PROXY_COUNT", "0"))
FORMS_TRUSTED_PROXY_HEADER = os.environ.get("FORMS_TRUSTED_PROXY_HEADER", "X-Forwarded-For")
AXES_CLIENT_IP_CALLABLE = "forms_engine.core.staff_auth.client_address"
REST_FRAMEWORK["NUM_PROXIES"] = FORMS_TRUSTED_PROXY_COUNT
# Second factor (TOTP, django-otp) for every staff account: required unless switched off;
# demo mode (ENABLE_DEMO_BACKENDS, `make run`) switches it off so a newcomer signs in with
# the demo passwords alone.
FORMS_STAFF_2FA_REQUIRED = env_bool("FORMS_STAFF_2FA_REQUIRED", not ENABLE_DEMO_BACKENDS)
OTP_TOTP_ISSUER = os.environ.get("FORMS_TOTP_ISSUER", "OZG-Antragsmaschine")
# The default cache holds the API throttles (and any lockout counted in the cache): it must
# be shared by every process that serves, or each gunicorn worker counts on its own and the
# limits multiply with the workers. Redis when REDIS_CACHE_URL is set, else the database
# (table `django_cache`, created by migration core/0002; no extra service). A process-local
# cache only for a developer's runserver and the tests; the system check
# `forms_engine.core.E001` refuses it elsewhere.
FORMS_PROCESS_LOCAL_CACHE_ALLOWED = DEBUG or env_bool("DJANGO_TESTING")
if os.environ.get("REDIS_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_CACHE_URL"],
        }
    }
elif FORMS_PROCESS_LOCAL_CACHE_ALLOWED:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
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
