"""Production: everything that matters must come from the environment.

Refuses to start without SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL rather than falling back
to development defaults.
"""

from config.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
env_str("DATABASE_URL")  # required: production never uses the embedded cluster
if not ALLOWED_HOSTS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts this archive is served on")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The container healthcheck calls /healthz over plain HTTP from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
