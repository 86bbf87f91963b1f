"""The embedded cluster's port: each checkout its own, kept while free, replaced when taken."""

import os
import socket

import pytest

from config import localdb


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A checkout's var/ with no cluster in it, and no fixed port in the environment."""
    monkeypatch.delenv("LOCAL_PG_PORT", raising=False)
    monkeypatch.setattr(localdb, "VAR_DIR", tmp_path)
    monkeypatch.setattr(localdb, "CLUSTER_DIR", tmp_path / "postgres")
    monkeypatch.setattr(localdb, "PORT_FILE", tmp_path / "postgres.port")
    localdb.port.cache_clear()
    yield tmp_path
    localdb.port.cache_clear()


def test_a_port_is_chosen_once_and_kept(checkout):
    chosen = localdb.port()
    assert chosen in localdb.PORT_RANGE
    assert (checkout / "postgres.port").read_text().strip() == str(chosen)
    localdb.port.cache_clear()
    assert localdb.port() == chosen


def test_a_port_taken_by_another_program_is_replaced(checkout):
    with socket.socket() as other:
        other.bind((localdb.HOST, 0))
        other.listen()
        taken = other.getsockname()[1]
        (checkout / "postgres.port").write_text(f"{taken}\n")
        chosen = localdb.port()
    assert chosen != taken
    assert (checkout / "postgres.port").read_text().strip() == str(chosen)


def test_the_running_clusters_port_is_kept(checkout):
    """Busy because this checkout's own server listens there: not replaced."""
    with socket.socket() as server:
        server.bind((localdb.HOST, 0))
        server.listen()
        serving = server.getsockname()[1]
        (checkout / "postgres").mkdir()
        (checkout / "postgres" / "postmaster.pid").write_text(
            f"{os.getpid()}\n{checkout}\n0\n{serving}\n\n127.0.0.1\n"
        )
        (checkout / "postgres.port").write_text(f"{serving}\n")
        assert localdb.port() == serving


def test_local_pg_port_fixes_the_port(checkout, monkeypatch):
    monkeypatch.setenv("LOCAL_PG_PORT", "23456")
    assert localdb.port() == 23456
    assert not (checkout / "postgres.port").exists()
