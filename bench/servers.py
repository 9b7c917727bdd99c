"""The SPARQL servers the benchmark compares, started and stopped on 127.0.0.1 ports.

Each target is started from nothing and timed until it first answers a real query; a sampler
follows the memory of its whole process tree (gunicorn master, its workers and bipmkg's query
workers; or the single oxigraph / uvicorn process) for as long as it runs.

- `bipmkg`: `bipmkg serve --store DIR` (gunicorn, threads, query worker processes).
- `oxigraph`: bare `oxigraph serve-read-only --union-default-graph` (PyPI `oxigraph`, the engine's
  own HTTP server) on a store made by `oxigraph load`.
- `rdflib-flask`: rdflib in memory behind the minimal Flask endpoint of bench/rdflib_app.py,
  served by gunicorn (2 workers = 2 cores, 4 threads each, `--preload`).
- `rdflib-endpoint`: PyPI `rdflib-endpoint serve FILE` (FastAPI + uvicorn), the Python peer.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
JSON = "application/sparql-results+json"
PROBE = "ASK { ?s ?p ?o }"

#: bipmkg's per-client limits are for many clients sharing a server; the load generator is one
#: client (127.0.0.1) with 8 connections, so they are lifted, as is the row cap (the peers have
#: none). Everything else is bipmkg's default deployment.
BIPMKG_BENCH_SETTINGS = {
    "BIPMKG_ROW_CAP": "1000000",
    "BIPMKG_CLIENT_MAX_CONCURRENT": "1000",
    "BIPMKG_CLIENT_QUERY_SECONDS": "1000000",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MemorySampler:
    """Sum of RSS (and PSS, which counts pages shared between processes once) over a process
    tree, sampled every `interval` seconds in a thread; the peak and the latest sums are kept."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss = 0
        self.last_rss = 0
        self.last_pss = 0
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        try:
            tree = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        rss = pss = 0
        alive = 0
        for process in tree:
            try:
                full = process.memory_full_info()
            except psutil.Error:
                continue
            rss += full.rss
            pss += getattr(full, "pss", full.rss)
            alive += 1
        self.last_rss, self.last_pss, self.processes = rss, pss, alive
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(5)
        return {
            "peak_rss_mb": self.peak_rss / 2**20,
            "peak_pss_mb": self.peak_pss / 2**20,
            "last_rss_mb": self.last_rss / 2**20,
            "processes": self.processes,
        }


@dataclass
class Running:
    """A started target: where to send queries, how it was started, its memory."""

    name: str
    query_url: str
    process: subprocess.Popen[bytes]
    log: Path
    first_answer_s: float
    memory: MemorySampler
    extra: dict[str, float] = field(default_factory=dict)

    def url_for(self, query: str) -> str:
        return f"{self.query_url}?" + urllib.parse.urlencode({"query": query})

    def stop(self) -> dict[str, float]:
        self.memory.sample()
        memory = self.memory.stop()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return memory


def get(url: str, *, timeout: float = 600) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": JSON})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _start(
    name: str,
    command: list[str],
    query_url: str,
    log: Path,
    *,
    env: dict[str, str] | None = None,
    timeout_s: float = 1800,
) -> Running:
    """Start a server and poll it with a real query every 20 ms until it answers 200."""
    handle = log.open("ab")
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
    )
    handle.close()
    memory = MemorySampler(process.pid)
    probe = f"{query_url}?" + urllib.parse.urlencode({"query": PROBE})
    deadline = started + timeout_s
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            memory.stop()
            raise RuntimeError(f"{name} exited early; see {log}:\n{log.read_text()[-3000:]}")
        try:
            status, _ = get(probe, timeout=5)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            status = 0
        if status == 200:
            return Running(name, query_url, process, log, time.perf_counter() - started, memory)
        time.sleep(0.02)
    process.kill()
    memory.stop()
    raise RuntimeError(f"{name} did not answer within {timeout_s:g} s; see {log}")


def start_bipmkg(
    store_dir: Path, log: Path, *, workers: int | None = None, server: str | None = None
) -> Running:
    """`bipmkg serve` with its defaults (one gunicorn worker) unless `workers`/`server` say."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bipmkg",
        "serve",
        "--port",
        str(port),
        "--store",
        str(store_dir),
    ]
    if workers is not None:
        command += ["--workers", str(workers)]
    if server is not None:
        command += ["--server", server]
    url = f"http://127.0.0.1:{port}/sparql"
    return _start("bipmkg", command, url, log, env=BIPMKG_BENCH_SETTINGS)


def oxigraph_cli() -> str:
    found = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the oxigraph CLI is missing: `make install` (PyPI package oxigraph)")
    return found


def oxigraph_load(quads: Path, location: Path, log: Path) -> float:
    """`oxigraph load` (the CLI's bulk loader) into a fresh folder; returns the seconds taken."""
    shutil.rmtree(location, ignore_errors=True)
    started = time.perf_counter()
    with log.open("ab") as handle:
        subprocess.run(
            [oxigraph_cli(), "load", "--location", str(location), "--file", str(quads)],
            check=True,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return time.perf_counter() - started


def start_oxigraph(location: Path, log: Path) -> Running:
    port = free_port()
    command = [
        oxigraph_cli(),
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    return _start("oxigraph", command, f"http://127.0.0.1:{port}/query", log)


def start_rdflib_flask(quads: Path, log: Path) -> Running:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--worker-class",
        "gthread",
        "--preload",
        "--timeout",
        "600",
        "--pythonpath",
        str(ROOT / "bench"),
        "rdflib_app:create_app()",
    ]
    url = f"http://127.0.0.1:{port}/sparql"
    return _start("rdflib-flask", command, url, log, env={"BENCH_RDF_FILE": str(quads)})


def start_rdflib_endpoint(quads: Path, log: Path) -> Running:
    port = free_port()
    found = shutil.which("rdflib-endpoint", path=str(BIN)) or shutil.which("rdflib-endpoint")
    if not found:
        raise RuntimeError("rdflib-endpoint is missing: `make install` (PyPI rdflib-endpoint[cli])")
    command = [found, "serve", str(quads), "--host", "127.0.0.1", "--port", str(port)]
    # rdflib-endpoint 0.6 answers SPARQL at the root path.
    return _start("rdflib-endpoint", command, f"http://127.0.0.1:{port}/", log)


Starter = Callable[[Path, Path], Running]
