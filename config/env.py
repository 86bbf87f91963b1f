"""Reading settings from the environment: each helper fails loudly on a value it cannot read,
so a typo in a deployment stops the process instead of silently choosing a default."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None):
    """A string; without a default the variable is required, and an empty value counts as unset
    (``DATABASE_URL=`` in an env file must not quietly select the embedded database)."""
    value = os.environ.get(name)
    if default is None and not (value or "").strip():
        raise ImproperlyConfigured(
            f"environment variable {name} is required (see docs/configuration.md)"
        )
    if value is None:
        return default
    return value


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name, default, choices):
    """One of ``choices``; any other value stops the process, naming the allowed ones."""
    value = os.environ.get(name, default).strip()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value
