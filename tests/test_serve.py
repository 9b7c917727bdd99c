"""`bipmkg serve`: the server it runs (gunicorn or granian) and its refusals of bad options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from live import SERVER, LiveServer, http

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web


def serve(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bipmkg", "serve", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_server_asked_for_is_the_one_answering(server: LiveServer) -> None:
    # After execve the process started by the tests is the server's own master process.
    command = Path(f"/proc/{server.process.pid}/cmdline").read_bytes().split(b"\0")
    assert [b"-m", SERVER.encode()] == command[1:3], command
    assert http("GET", f"{server.url}/sparql?query=ASK%7B%7D").status == 200


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--server", "nginx"), "invalid choice: 'nginx'"),
        (("--workers", "0"), "--workers and --threads must be at least 1"),
        (("--threads", "0"), "--workers and --threads must be at least 1"),
        (("--port", "http"), "invalid int value: 'http'"),
    ],
)
def test_bad_options_are_refused_with_a_message(
    server: LiveServer, arguments: tuple[str, ...], message: str
) -> None:
    done = serve("--store", str(server.store_dir), *arguments)
    assert done.returncode == 2, done
    assert message in done.stderr


def test_without_a_built_store_it_says_so(tmp_path: Path) -> None:
    done = serve("--store", str(tmp_path / "nothing"))
    assert done.returncode == 2
    assert "no built store" in done.stderr and "bipmkg build" in done.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BIPMKG_HEADER_TIMEOUT_S", "0"),
        ("BIPMKG_HEADER_TIMEOUT_S", "61"),  # granian reads headers for at most 60 s
        ("BIPMKG_BODY_TIMEOUT_S", "soon"),
        ("BIPMKG_BODY_TIMEOUT_S", "-1"),
    ],
)
def test_bad_read_timeouts_are_refused_with_a_message(
    server: LiveServer, name: str, value: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bipmkg", "serve", "--store", str(server.store_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, name: value},
    )
    assert done.returncode == 2, done
    assert name in done.stderr and "seconds" in done.stderr
