"""Fixtures shared by several test modules, grouped by area."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

# --- Importer -------------------------------------------------------------------------------

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "articles"
IMPORT_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importing"


def seed(number):
    """Path of seed file ``NNN_…`` in fixtures/articles/."""
    return next(SEEDS.glob(f"{number:03d}_*"))


@pytest.fixture
def run_import():
    """Run ``import_articles --json`` in-process; return (summary, exit status, stdout)."""

    def run(*paths, options=()):
        stdout, stderr = io.StringIO(), io.StringIO()
        status = 0
        try:
            call_command(
                "import_articles",
                *map(str, paths),
                "--json",
                *options,
                stdout=stdout,
                stderr=stderr,
            )
        except CommandError as exc:
            status = exc.returncode
        output = stdout.getvalue()
        summary = json.loads(output.strip().splitlines()[-1]) if output.strip() else None
        return summary, status, output

    return run
