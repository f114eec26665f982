"""Settings for the partnership registry, read from the environment.

One file for every deployment (healthchecks style): development defaults are safe to run on a
laptop, and every production difference comes from an environment variable. A value that cannot
be parsed stops start-up with a clear message instead of silently falling back.
"""

import datetime
import os
import sys
import tempfile
from pathlib import Path

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from partnerships.proxies import parse_trusted_proxies

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "false")
# The fallback key is for local runs and tests only: `check --deploy` flags it, and the WSGI/ASGI
# entry points refuse to serve with it while DEBUG is false (config/security.py).
DEVELOPMENT_SECRET_KEY = "insecure-local-development-key"  # noqa: S105 (a known, public value)
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # django.contrib.staticfiles, collecting only the ECharts build we use (config/static.py).
    "config.static.StaticFilesConfig",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # Spreadsheet import and export in the back office (partnerships/spreadsheets/admin.py).
    "import_export",
    "partnerships",
    "companies",
    "outcomes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight after the security headers, before any session or database work.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Names each request (X-Request-ID) and makes it the audit context of the writes it causes.
    "partnerships.audit.AuditMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "partnerships.accounts.SessionLimitMiddleware",
    "partnerships.accounts.PasswordPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked log-in into
    # `partnerships.accounts.lockout_response`.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# SQLite file by default so the demo runs with nothing installed; PostgreSQL when DATABASE_URL
# is set (CI and production). Production keeps each worker's connection for CONN_MAX_AGE seconds
# (a new PostgreSQL connection costs more than most of our queries) and checks a reused one
# before a request relies on it; with DEBUG, runserver's thread per request would only leak them.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", "0" if DEBUG else "60"),
        conn_health_checks=True,
    )
}
# PostgreSQL: how long a statement waits for a lock before it fails (0: as long as it takes, as
# PostgreSQL does by default). A request that gives up answers "the database is busy, try again"
# (503 with Retry-After in the API) instead of being killed at GUNICORN_TIMEOUT with a 500.
DB_LOCK_TIMEOUT_MS = envint("DB_LOCK_TIMEOUT_MS", "0")
if DB_LOCK_TIMEOUT_MS and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={DB_LOCK_TIMEOUT_MS}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Without DEBUG, Django's default logging mails errors to ADMINS (we have none) and prints
# nothing: a 500's traceback would be lost. Production sends warnings and errors to stderr,
# beside gunicorn's error log (its JSON access log goes to stdout; config/gunicorn.conf.py).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {LOG_LEVEL!r}"
    )
if not DEBUG:
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"}
        },
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    }

# Password rules of MLPS 2.0 level 3: at least 8 characters of 3 of 4 classes, not a
# common password, not like the user's name, changed every PASSWORD_MAX_AGE_DAYS.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "partnerships.accounts.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    # Checks nothing; records each change for the age rule (see partnerships/accounts.py).
    {"NAME": "partnerships.accounts.PasswordAgeValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Public pages: our stylesheet and chart script, and Apache ECharts from npm (`npm ci`, run by
# `make run` and `make test`), so `{% static 'echarts.min.js' %}` needs no CDN. Only ECharts'
# dist/ folder is exposed, never the rest of node_modules.
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "node_modules" / "echarts" / "dist"]
# Production (scripts/serve.sh) serves what `collectstatic` made: names with a content hash, so
# whitenoise sends them with a ten-year immutable Cache-Control, each beside gzip and brotli
# copies. Tests render pages with DEBUG off but never run collectstatic: under pytest the plain
# storage links the source names, which the finders serve (tests/test_serving.py runs the real
# production set-up in a subprocess).
TESTING = "pytest" in sys.modules
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Under pytest there is no STATIC_ROOT to index: whitenoise looks files up in the source folders.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Source maps (megabytes, for the API docs' bundles) are fetched only by developer tools: not
# worth compressing at every deployment.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

LOGIN_URL = "admin:login"

# --- Spreadsheet import and export (docs/import.md) ----------------------------------------------
# Limits that refuse a file before anything parses it (partnerships/spreadsheets/checks.py). Put the
# same size limit (plus a little) on the reverse proxy's request body, which stops a huge
# upload before Django receives it.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", str(5 * 1024 * 1024))
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", "5000")
# An xlsx is a zip: the sizes its parts declare, unpacked, and how much each may be compressed.
IMPORT_MAX_UNCOMPRESSED_BYTES = envint("IMPORT_MAX_UNCOMPRESSED_BYTES", str(50 * 1024 * 1024))
IMPORT_MAX_COMPRESSION_RATIO = envint("IMPORT_MAX_COMPRESSION_RATIO", "100")
# Where an upload waits between preview and confirm, and for how long. With several app
# servers, point this at a folder they share (or keep each user on one server).
IMPORT_UPLOAD_DIR = Path(
    os.environ.get("IMPORT_UPLOAD_DIR") or Path(tempfile.gettempdir()) / "registry-imports"
)
IMPORT_CONFIRM_SECONDS = envint("IMPORT_CONFIRM_SECONDS", "3600")
# The preview runs the import in a transaction and rolls it back; confirm runs it for real.
IMPORT_EXPORT_USE_TRANSACTIONS = True

# --- Accounts: log-in lock-out, password age, session limits ------------------------------------
# django-axes checks every log-in before Django's own backend does.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# 5 failures for one user name from one address lock that name at that address for 30 minutes,
# during which the right password is refused too; the same name from elsewhere, and colleagues
# behind the same address (one office, one NAT or proxy), still log in. Against password spraying
# (a few guesses at many names), an address with AXES_ADDRESS_FAILURE_LIMIT failures over all
# names is locked altogether (partnerships.accounts.LoginLockoutHandler). Attempts made while
# locked do not extend the lock, so nobody can keep an administrator out for good; a success
# clears the count of that name at that address.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_ADDRESS_FAILURE_LIMIT = envint("AXES_ADDRESS_FAILURE_LIMIT", "100")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", "30"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "partnerships.accounts.LoginLockoutHandler"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "partnerships.accounts.lockout_response"
# The address behind our own proxies, as the audit trail and the API throttle see it.
AXES_CLIENT_IP_CALLABLE = "partnerships.proxies.client_address"
# Staff must change a password this old (and on first log-in); see partnerships.accounts.
PASSWORD_MAX_AGE_DAYS = envint("PASSWORD_MAX_AGE_DAYS", "90")
# Idle timeout: the session cookie and row expire 30 minutes after the latest request.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", "1800")
SESSION_SAVE_EVERY_REQUEST = True
# Absolute cap: a session ends this long after its log-in however active it is.
SESSION_ABSOLUTE_SECONDS = envint("SESSION_ABSOLUTE_SECONDS", str(12 * 60 * 60))

# Audit trail (docs/audit.md): entries are kept AUDIT_RETENTION_DAYS, then `manage.py purge_audit`
# may delete them. MLPS 2.0 asks for at least six months; below the minimum the purge refuses,
# and on PostgreSQL the database itself refuses to delete younger entries (migration 0006).
AUDIT_MINIMUM_RETENTION_DAYS = 180
AUDIT_RETENTION_DAYS = envint("AUDIT_RETENTION_DAYS", "190")
# Dashboard and statistics aggregates are cached per data version (outcomes.selectors
# .cached_aggregate): a write makes the next request compute anew, so this only bounds memory.
AGGREGATE_CACHE_SECONDS = envint("AGGREGATE_CACHE_SECONDS", "3600")
if AUDIT_RETENTION_DAYS < AUDIT_MINIMUM_RETENTION_DAYS:
    raise ImproperlyConfigured(
        f"AUDIT_RETENTION_DAYS must be at least {AUDIT_MINIMUM_RETENTION_DAYS} (MLPS 2.0)."
    )

# --- Security ------------------------------------------------------------------------------------
# Our own reverse proxies (addresses or networks, comma-separated; `unix` for one that connects
# over gunicorn's unix socket). Only a request from one of them has its client taken from
# X-Forwarded-For (partnerships/proxies.py); from anyone else the header is ignored. Empty: the
# peer is the client.
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES", "")
parse_trusted_proxies(TRUSTED_PROXIES)
# The largest request body Django (form posts) and the API's JSON parser accept: API writes are
# one record each. Put the same limit (or the import's, which is larger) on the reverse proxy.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("MAX_REQUEST_BODY_BYTES", str(2_621_440))  # 2.5 MiB

# Secure unless DEBUG: production needs only SECRET_KEY, ALLOWED_HOSTS and, where Django itself
# must send http to https, SECURE_SSL_REDIRECT=true (`check --deploy --fail-level WARNING` then
# passes; tests/test_security_headers.py runs it). The redirect is opt-in because the TLS proxy
# usually does it, and the test client, the live server and `make run` speak plain http.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "false")
# Load balancers and orchestrators probe the app's own port, which speaks plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if envbool("BEHIND_TLS_PROXY", "false"):
    # Only behind a proxy that sets this header itself; otherwise a client could claim https.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "true")
# Joining the browsers' preload list is hard to undo, so it is the domain owner's explicit choice;
# until then the check that asks for it (W021) is silenced, not failed.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "false")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Secure cookies are still stored and sent by Django's test client and by browsers on
# http://localhost, so tests need no exception.
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", "false" if DEBUG else "true")
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", "false" if DEBUG else "true")
SESSION_COOKIE_HTTPONLY = True
# No script of ours reads the CSRF cookie: every form carries the token in a hidden field.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No inline script or style anywhere, ours or the admin's: charts read their data from
# json_script blocks, and the API docs use our templates/api/ pages (tests/browser checks that
# no page logs a CSP violation).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    }
}
# --- end Security --------------------------------------------------------------------------------

# REST API (/api/v1/). Deny unless a view says otherwise; tokens only, so no session and no CSRF
# exposure; keyset cursor paging; JSON and CSV; limits per minute from the environment.
API_ANON_RATE = envint("API_ANON_RATE", "60")
API_TOKEN_RATE = envint("API_TOKEN_RATE", "600")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["partnerships.api.auth.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["partnerships.api.auth.DenyAll"],
    "DEFAULT_THROTTLE_CLASSES": ["partnerships.api.auth.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": f"{API_ANON_RATE}/min", "user": f"{API_TOKEN_RATE}/min"},
    "DEFAULT_PAGINATION_CLASS": "partnerships.api.pagination.KeysetCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # partnerships.api.renderers.JSONRenderer: DRF's JSON byte for byte, written by orjson
    # (faster lists).
    "DEFAULT_RENDERER_CLASSES": [
        "partnerships.api.renderers.JSONRenderer",
        "partnerships.api.renderers.CSVRenderer",
    ],
    # partnerships.api.renderers.JSONParser: DRF's, with the body size and nesting limits (a 400
    # or 413, not a 500).
    "DEFAULT_PARSER_CLASSES": ["partnerships.api.renderers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "partnerships.api.schema.RegistryAutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "校地合作登记系统 API · Partnership registry API",
    "DESCRIPTION": (
        "Read the registry's published records, keep a mirror in sync, ask for honest totals, "
        "and, with a write-scope token, create and change records of your districts.\n\n"
        f"**Limits**: {API_ANON_RATE} requests a minute per IP address without a token, "
        f"{API_TOKEN_RATE} a minute per user with one. Every response says where you stand in "
        "`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until "
        "a request is free again); a 429 carries `Retry-After`.\n\n"
        "**Tokens**: `Authorization: Bearer <prefix>.<secret>` (`Token …` works too). Without "
        "one, and with a read-scope token, only published records exist; a write-scope token "
        "also sees the drafts of its user's districts and may write to them.\n\n"
        "**Paging**: every list is paged by cursor: follow `next` (also sent as a `Link` "
        "header) to the end; deep pages cost the same as the first. `page_size` is 100 by "
        "default and capped at 1000.\n\n"
        "**Mirroring**: poll each list with `updated_since` and `/api/v1/deletions/?since=` "
        "set to when your previous poll started, less a minute (a write that was committing "
        "then is not missed; applying a row twice is harmless); upsert the rows, then remove "
        "what the feed lists. The mirror then equals what the API shows.\n\n"
        "**CSV**: `?format=csv` or `Accept: text/csv` on every list; UTF-8 with a BOM, nested "
        "objects as dotted columns (`district.name`), lists as JSON in one cell; the next page "
        "is in the `Link` header.\n\n"
        "**Writes**: related records are given as ids (`district_id`, `project_id`…) and shown "
        "as nested objects; `state` is read-only: new records are drafts, and a record moves "
        "through review only by `POST …/{id}/submit/`, `publish/`, `withdraw/` and "
        "`return-to-draft/` (publishing a record also publishes its submitted outcomes and "
        "targets); participant and party lists are read-only for now. "
        "Every write is checked like the back office and answers 400 with field messages; "
        "rights follow the token user's district roles: another district's record answers 404, "
        "a change the role may not make (an editor changing a published record) 403; "
        "`If-Match` with the ETag you read makes a stale write fail with 412; a database too "
        "busy to answer (a lock held by a long write) gives 503 with `Retry-After`: nothing was "
        "written, send the same request again."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["partnerships.api.auth.ReadOnly"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from the public validator: the docs work offline.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "InstitutionKindEnum": "partnerships.choices.InstitutionKind",
        "AgreementKindEnum": "partnerships.choices.AgreementKind",
        "AgreementStatusEnum": "partnerships.choices.AgreementStatus",
        "ProjectKindEnum": "partnerships.choices.ProjectKind",
        "ProjectStatusEnum": "partnerships.choices.ProjectStatus",
        "CertificationKindEnum": "companies.choices.CertificationKind",
        "RecognitionLevelEnum": "companies.choices.RecognitionLevel",
        "OutcomeKindEnum": "outcomes.choices.OutcomeKind",
        "StandardLevelEnum": "outcomes.choices.StandardLevel",
        "EnterpriseCategoryEnum": "outcomes.choices.EnterpriseCategory",
        "PublicationStateEnum": "partnerships.choices.PublicationState",
        "DatePrecisionEnum": "partnerships.choices.DatePrecision",
        "QualifierEnum": "partnerships.choices.Qualifier",
    },
}
