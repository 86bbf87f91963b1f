"""Local development: `make run` and `manage.py` on a developer's machine."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
WHITENOISE_AUTOREFRESH = True
