"""Test-wide set-up: the real PostgreSQL cluster is started before pytest-django connects."""

from config.localdb import ensure_running_if_needed


def pytest_configure(config):
    ensure_running_if_needed()
