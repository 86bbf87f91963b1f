"""The Docker image and compose file, checked without a Docker engine.

This machine cannot build images, so these tests read the Dockerfile and compose.yaml for the
properties that matter (multi-stage, non-root, healthcheck, PostgreSQL healthy before the web
starts) and then run the image's own commands here: the build-time collectstatic with its
placeholder environment, and gunicorn with the image's command under production settings.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from config.healthcheck import host_header
from tests.factories import make_article
from tests.servers import GUNICORN, child_env, database_url, free_port, serving

BASE_DIR = Path(__file__).resolve().parent.parent


def _instructions():
    """The Dockerfile as (stage index, INSTRUCTION, arguments), continuation lines joined."""
    text = (BASE_DIR / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    stage = -1
    result = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stage += 1
        result.append((stage, instruction, arguments.strip()))
    return result


def _final_stage():
    instructions = _instructions()
    last = instructions[-1][0]
    return [(name, arguments) for stage, name, arguments in instructions if stage == last]


def _compose():
    return yaml.safe_load((BASE_DIR / "compose.yaml").read_text())


def _build_time_environment():
    """The placeholder variables of the collectstatic RUN line."""
    (run,) = [args for name, args in _final_stage() if name == "RUN" and "collectstatic" in args]
    return dict(re.findall(r"([A-Z_]+)=(\S+)", run.split("python", 1)[0]))


def test_dockerfile_is_multi_stage_on_slim_python():
    froms = [args for _, name, args in _instructions() if name == "FROM"]
    assert len(froms) >= 2
    assert froms[0].startswith("python:3.11-slim-bookworm AS builder")
    assert froms[-1].startswith("python:3.11-slim-bookworm")
    final = _final_stage()
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in final
    assert any(name == "RUN" and "pip install" in args for _, name, args in _instructions())


def test_image_runs_as_a_non_root_user_with_a_healthcheck():
    final = _final_stage()
    users = [args for name, args in final if name == "USER"]
    assert users and users[-1] not in {"root", "0"}
    names = [name for name, _ in final]
    assert names.index("USER") < names.index("CMD")
    (healthcheck,) = [args for name, args in final if name == "HEALTHCHECK"]
    assert '"config.healthcheck"' in healthcheck
    assert ("EXPOSE", "8000") in final
    assert ("VOLUME", '["/data/index"]') in final
    env = " ".join(args for name, args in final if name == "ENV")
    assert "SEARCH_INDEX_PATH=/data/index" in env
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in env
    assert "SECRET_KEY" not in env  # the build-time placeholder never reaches the image
    (cmd,) = [args for name, args in final if name == "CMD"]
    assert cmd.startswith('["gunicorn", "config.wsgi"')


def test_dockerfile_copies_only_paths_that_exist():
    for _, name, arguments in _instructions():
        if name == "COPY" and "--from" not in arguments:
            *sources, _target = [a for a in arguments.split() if not a.startswith("--")]
            for source in sources:
                assert (BASE_DIR / source).exists(), source


def test_compose_waits_for_a_healthy_database_and_migrates_first():
    services = _compose()["services"]
    assert services["db"]["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    for name in ("web", "migrate"):
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}
        assert services[name]["env_file"] == ".env"
        assert "index:/data/index" in services[name]["volumes"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["web"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert set(_compose()["volumes"]) == {"pgdata", "pgreplica", "index"}


def test_several_hosts_profile_adds_a_second_host_and_a_streaming_replica():
    """``--profile several-hosts``: a second application host that the proxy reaches by the
    same name as the first, and a replica made from db by pg_basebackup -R; neither starts
    without the profile."""
    services = _compose()["services"]
    web, second, replica, proxy = (services[name] for name in ("web", "web-2", "replica", "proxy"))
    assert second["profiles"] == replica["profiles"] == ["several-hosts"]
    assert "profiles" not in web and "profiles" not in proxy
    for key in ("image", "build", "env_file", "volumes", "environment", "depends_on"):
        assert second[key] == web[key], key
    assert second["networks"]["default"]["aliases"] == ["web"]
    assert proxy["environment"]["ARCHIVE_UPSTREAM"] == "web:8000"
    assert proxy["depends_on"]["web-2"] == {"condition": "service_started", "required": False}
    script = " ".join(replica["command"])
    assert "pg_basebackup -h db" in script and " -R " in script and "exec postgres" in script
    assert replica["image"] == services["db"]["image"]
    assert replica["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "pgreplica:/var/lib/postgresql/data" in replica["volumes"]
    example = (BASE_DIR / ".env.example").read_text()
    assert "# DATABASE_REPLICA_URL=postgres://archive:PASSWORD@replica:5432/archive" in example


def test_primary_init_script_lets_the_replica_stream():
    """The script db runs on first start writes a pg_hba rule that PostgreSQL accepts: a
    real cluster loads it without error and lists it for replication connections."""
    from config import localdb

    (mount,) = [v for v in _compose()["services"]["db"]["volumes"] if "initdb.d" in v]
    script = BASE_DIR / mount.split(":")[0]
    # Under /tmp, not pytest's tmp_path: the cluster's owner must reach the directory.
    scratch = Path(tempfile.mkdtemp(prefix="archive-hba-"))
    localdb.give_to_owner(scratch)
    data, port = scratch / "data", free_port()
    made = localdb.run_as_owner(
        [localdb.bin_path("initdb"), "-D", str(data), "-U", "archive", "--auth=trust"],
        check=False,
    )
    assert made.returncode == 0, made.stderr
    ran = localdb.run_as_owner(
        ["env", f"PGDATA={data}", "POSTGRES_USER=archive", "sh", str(script)], check=False
    )
    assert ran.returncode == 0, ran.stderr
    started = localdb.run_as_owner(
        [localdb.bin_path("pg_ctl"), "start", "-w", "-D", str(data), "-l", str(scratch / "log"),
         "-o", f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"],
        check=False,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    try:
        import psycopg

        with psycopg.connect(f"postgresql://archive@127.0.0.1:{port}/postgres") as connection:
            rules = connection.execute(
                "SELECT type, database, user_name, address, auth_method, error "
                "FROM pg_hba_file_rules WHERE database = '{replication}'"
            ).fetchall()
    finally:
        localdb.run_as_owner(
            [localdb.bin_path("pg_ctl"), "stop", "-m", "immediate", "-D", str(data)], check=False
        )
        shutil.rmtree(scratch, ignore_errors=True)
    assert ("host", ["replication"], ["archive"], "samenet", "scram-sha-256", None) in rules


def test_every_environment_variable_is_documented():
    documentation = (BASE_DIR / "docs" / "configuration.md").read_text()
    example = (BASE_DIR / ".env.example").read_text()
    read = set()
    for path in [*BASE_DIR.glob("config/**/*.py"), *BASE_DIR.glob("archive/**/*.py"),
                 *BASE_DIR.glob("search/**/*.py")]:  # fmt: skip
        read |= set(
            re.findall(
                r"(?:env_(?:str|bool|int|list|choice)|os\.environ\.get|os\.getenv)\(\s*\"([A-Z_]+)\"",
                path.read_text(),
            )
        )
    assert {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"} <= read
    for name in read:
        assert f"`{name}`" in documentation, f"{name} is read but not in docs/configuration.md"
    for name in re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE):
        assert f"`{name}`" in documentation, f"{name} is in .env.example but not documented"


def test_healthcheck_sends_a_concrete_allowed_host(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "*, .archive.example.org, other.example.org")
    assert host_header() == "archive.example.org"
    monkeypatch.setenv("ALLOWED_HOSTS", "")
    assert host_header() is None


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """The Dockerfile's build-time collectstatic, run here with its placeholder environment."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(_build_time_environment())
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", STATIC_ROOT=str(static_root))
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return static_root


def test_build_time_collectstatic_needs_no_real_secrets(collected_static):
    assert (collected_static / "staticfiles.json").exists()
    assert list(collected_static.glob("css/site.*.css"))
    assert (collected_static / "admin" / "js" / "theme.js").exists()


def image_command(port):
    """The image's CMD (the exec form is a JSON list), bound to ``port`` on 127.0.0.1, with
    this environment's gunicorn."""
    (cmd,) = [args for name, args in _final_stage() if name == "CMD"]
    command = yaml.safe_load(cmd)
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[0] = GUNICORN
    return command


def image_env(host, static_root, **variables):
    """What the image runs with in production, here against the test database: random
    secret, one allowed host, the build's static files, and ``variables``."""
    return child_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS=host,
        DATABASE_URL=database_url(),
        STATIC_ROOT=str(static_root),
        **variables,
    )


def _get(url, host, **headers):
    request = urllib.request.Request(url, headers={"Host": host, **headers})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.django_db(transaction=True)
def test_image_command_serves_production_settings(collected_static):
    """gunicorn as the image's CMD starts it, against the test database."""
    make_article("生产环境测试文章")
    host = "archive.example.org"
    port = free_port()
    env = image_env(host, collected_static, WEB_CONCURRENCY="1")
    with serving(image_command(port), env, stderr=subprocess.PIPE) as server:
        healthcheck = [
            sys.executable,
            "-m",
            "config.healthcheck",
            f"http://127.0.0.1:{port}/healthz",
        ]
        for _attempt in range(100):
            check = subprocess.run(healthcheck, env=env, capture_output=True)
            if check.returncode == 0 or server.poll() is not None:
                break
            time.sleep(0.2)
        assert check.returncode == 0, check.stderr

        status, headers, body = _get(f"http://127.0.0.1:{port}/healthz", host)
        assert status == 200
        assert b'"articles": 1' in body

        # Plain HTTP is sent to HTTPS; behind the proxy's X-Forwarded-Proto it is served.
        status, headers, _ = _get(f"http://127.0.0.1:{port}/", host)
        assert status == 301
        assert headers["Location"] == f"https://{host}/"
        status, headers, _ = _get(
            f"http://127.0.0.1:{port}/healthz", host, **{"X-Forwarded-Proto": "https"}
        )
        assert status == 200
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]

        # Static files come from whitenoise, with their hashed names cached for a year.
        css = next(collected_static.glob("css/site.*.css")).name
        status, headers, _ = _get(
            f"http://127.0.0.1:{port}/static/css/{css}", host, **{"X-Forwarded-Proto": "https"}
        )
        assert status == 200
        assert "max-age=315360000" in headers["Cache-Control"]

        status, _, _ = _get(f"http://127.0.0.1:{port}/healthz", "attacker.example")
        assert status == 400
