"""Start and stop a real `bipmkg serve` (gunicorn) on an ephemeral 127.0.0.1 port for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    store_dir: Path
    settings: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def restart(self) -> None:
        self.stop()
        port = int(self.url.rsplit(":", 1)[1])
        started = start_server(self.store_dir, self.settings, self.log, port=port)
        self.process = started.process


def build(store_dir: Path, data_dir: Path | None = None) -> None:
    env = {**os.environ, "BIPMKG_STORE_DIR": str(store_dir)}
    if data_dir is not None:
        env["BIPMKG_DATA_DIR"] = str(data_dir)
    subprocess.run(
        [sys.executable, "-m", "bipmkg", "build"], check=True, env=env, capture_output=True
    )


def start_server(
    store_dir: Path,
    settings: dict[str, str],
    log: Path,
    *,
    port: int | None = None,
    ready_path: str = "/readyz",
) -> LiveServer:
    port = port or free_port()
    env = {**os.environ, "BIPMKG_STORE_DIR": str(store_dir), **settings}
    handle = open(log, "ab")  # noqa: SIM115 - lives as long as the server process
    process = subprocess.Popen(
        [sys.executable, "-m", "bipmkg", "serve", "--port", str(port), "--store", str(store_dir)],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}{ready_path}", timeout=2) as answer:
                if answer.status == 200:
                    return LiveServer(url, store_dir, settings, process, log)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server not ready within 60 s; see {log}")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def http(
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    """One HTTP request with the standard library; 4xx/5xx are answers, not exceptions."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())
