"""Settings shared by every environment; dev, test and production import this module.

Every environment variable is documented in docs/configuration.md.
"""

from pathlib import Path

import dj_database_url

from config import localdb
from config.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-never-used-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "haystack",
    "simple_history",
    "axes",
    "csp",
    "archive",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware so that every response, static files included, carries it.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside every layer that can answer an error, inside the ones that add security headers:
    # every error under /api/ is answered as JSON, whichever layer made it.
    "config.errors.json_api_errors",
    "config.api_head.head_as_get",
    "config.nul_bytes.reject_nul_bytes",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: anonymous readers' requests may read the replica.
    "config.replicas.read_from_replica",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes' own rule).
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
            ],
        },
    },
]

if env_str("DATABASE_URL", ""):
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL"), conn_max_age=60, conn_health_checks=True
        )
    }
else:
    DATABASES = {"default": localdb.database_settings()}
# A streaming replica of that database for anonymous readers (config/replicas.py).
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"), conn_max_age=60, conn_health_checks=True
    )
    # A replica that does not answer must not hold a reader long: the primary answers instead.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Five wrong passwords lock that username from that address for an hour.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "lockout.html"
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
# Reverse proxies in front of gunicorn that append to X-Forwarded-For (0: none, use the peer),
# and the addresses they connect from: the header is believed only from those (client_ip.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SEARCH_INDEX_PATH = Path(env_str("SEARCH_INDEX_PATH", str(VAR_DIR / "whoosh_index")))
# The search engine (search.engine): Whoosh files beside one host, or PostgreSQL tables that
# every host and replica shares (search.postgres).
SEARCH_ENGINES = {
    "whoosh": {
        "ENGINE": "search.whoosh.backend.ChineseWhooshEngine",
        "PATH": str(SEARCH_INDEX_PATH),
    },
    "postgres": {"ENGINE": "search.postgres.backend.PostgresSearchEngine"},
}
SEARCH_BACKEND = env_choice("SEARCH_BACKEND", "whoosh", tuple(SEARCH_ENGINES))
HAYSTACK_CONNECTIONS = {"default": SEARCH_ENGINES[SEARCH_BACKEND]}

# The index follows writes through the outbox and its worker (archive.pipeline,
# search.outbox), not haystack's signals. Owed work (index documents, queued bulk changes
# and uploads) is done in the writer's process at commit only where tests ask for it.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
OWED_WORK_AT_COMMIT = env_bool("OWED_WORK_AT_COMMIT", False)
# /healthz tolerates owed index work, and an index behind the database, this long.
HEALTH_GRACE_SECONDS = env_int("HEALTH_GRACE_SECONDS", 60)

# Rendered pages for anonymous readers live in PostgreSQL, shared by the workers
# (archive.pagecache); this many bounds the table's size (a page's size: docs/benchmarks.md,
# "Why the code is as it is").
PAGE_CACHE_ENTRIES = env_int("PAGE_CACHE_ENTRIES", 20000)

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline scripts or styles anywhere, the admin included (Django 5.2's admin needs none).
# Article images stay on their original sites, hence any https:/http: image source; templates
# load them with referrerpolicy="no-referrer".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:", "http:", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"jieba": {"level": "WARNING"}},
}
