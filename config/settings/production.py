"""Production: everything that matters must come from the environment.

Refuses to start without SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL rather than falling back
to development defaults, and with proxy settings that contradict each other. With those set and DEBUG off, `manage.py check --deploy` is clean
(tests/test_platform_production_settings.py).
"""

from django.core.exceptions import ImproperlyConfigured

from config.client_ip import check_proxy_settings
from config.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
env_str("DATABASE_URL")  # required: production never uses the embedded cluster
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "environment variable ALLOWED_HOSTS is required: the comma-separated host names this "
        "archive is served on (see docs/configuration.md)"
    )

check_proxy_settings(TRUSTED_PROXY_COUNT, TRUSTED_PROXIES)  # noqa: F405

# TLS ends at the reverse proxy in front of gunicorn, which must set X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Switch these off only for a plain-HTTP trial on localhost (docs/configuration.md).
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
# The container healthcheck calls /healthz over plain HTTP from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
