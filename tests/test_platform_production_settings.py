"""Production settings: clean under `check --deploy`, and refuse to start half-configured.

Each case runs manage.py in a fresh process, because settings are read once per process.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config import localdb

BASE_DIR = Path(__file__).resolve().parent.parent


def _manage(*args, **env_overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is a test-process setting, never a
        # deployment's (check --deploy rightly refuses it).
        if key
        not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    env.update(env_overrides)
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _complete_environment():
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "archive.example.org",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or localdb.url(),
    }


def test_check_deploy_passes_with_no_warnings():
    result = _manage("check", "--deploy", **_complete_environment())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "System check identified some issues" not in output
    assert "System check identified no issues" in output


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_refuses_to_start_without_required_variable(missing, how):
    environment = _complete_environment()
    environment[missing] = None if how == "unset" else ""
    result = _manage("check", **environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"environment variable {missing} is required" in result.stderr


def test_each_worker_loads_the_urlconf_and_jieba_before_its_first_request():
    """config.wsgi warms a worker as it starts, so the first reader does not wait for them."""
    probe = (
        "import sys, jieba, config.wsgi; "
        "print('archive.api' in sys.modules, 'search.views' in sys.modules, jieba.dt.initialized)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    env.update(_complete_environment())
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"]
