"""The API against its own OpenAPI description: schemathesis generates requests for every
operation from /api/openapi.json and checks each answer (no server error, a body that
matches the declared schema and content type). Prints what it ran for the hardening
counts."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def test_every_operation_conforms_to_the_description(live_server, browse_world, tmp_path):
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "st"),
            "run",
            f"{live_server.url}/api/openapi.json",
            "--checks",
            CHECKS,
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "30",
            "--seed",
            "17",
            "--generation-allow-x00",
            "false",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # where schemathesis keeps its example database
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    operations = re.search(r"Tested: (\d+)", run.stdout).group(1)
    generated, passed = re.search(r"(\d+) generated, (\d+) passed", run.stdout).groups()
    assert int(operations) >= 9 and generated == passed
    print(
        f"schemathesis: {operations} operations, {generated} requests, "
        "0 server errors, 0 schema violations"
    )
