"""Start and stop a real `bipmkg serve` on an ephemeral 127.0.0.1 port for tests.

The server is gunicorn, or granian with BIPMKG_TEST_SERVER=granian (the third run of `make test`).

With BIPMKG_TEST_BACKEND=remote (the second run of `make test`), every store these helpers build
lives in a real `oxigraph serve` (PyPI package `oxigraph`) started here on 127.0.0.1, one per
store, and stopped when the test session ends; the servers under test then query it over the
SPARQL 1.1 Protocol.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
#: embedded (default) or remote: which store backend the web and API tests run against.
BACKEND = os.environ.get("BIPMKG_TEST_BACKEND", "embedded")
#: The remote server's own deadline: a runaway query stops there too, not only in bipmkg. Above
#: every test server's own deadline: the app's own queries over the whole graph (the search
#: index: 5-7 s here on 120k triples) ran past 6 s on CI's loaded machine and were cut short.
REMOTE_TIMEOUT_S = 20
#: How long an `oxigraph serve` may take to answer its first query: it opens the store first, and
#: a 2-core machine running the other test servers took over 30 s (the remote pass's errors).
OXIGRAPH_START_S = 120
_REMOTES: dict[Path, tuple[subprocess.Popen[bytes], str]] = {}
#: The remote stores of session-scoped fixtures: they outlive the module that first wanted them.
_LASTING: set[Path] = set()
#: gunicorn (default) or granian: the HTTP server `bipmkg serve --server` runs in these tests.
SERVER = os.environ.get("BIPMKG_TEST_SERVER", "gunicorn")


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
    #: Options of `bipmkg serve` beside the port and the store (e.g. --threads).
    options: tuple[str, ...] = ()

    def stop(self) -> None:
        _end(self.process)

    def restart(self) -> None:
        self.stop()
        port = int(self.url.rsplit(":", 1)[1])
        started = start_server(
            self.store_dir, self.settings, self.log, port=port, options=self.options
        )
        self.process = started.process


def oxigraph_server(
    location: Path, *, confined: bool = True, timeout_s: float = REMOTE_TIMEOUT_S
) -> str:
    """Start `oxigraph serve` on a free 127.0.0.1 port; return its base URL once it answers.

    Confined (as SECURITY.md advises): under `bipmkg confine-server`, so that it can accept
    connections but never open one. `timeout_s` is its own query deadline (`--timeout-s`)."""
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or "oxigraph"
    port = free_port()
    log = location.with_suffix(".log")
    handle = open(log, "ab")  # noqa: SIM115 - lives as long as the oxigraph process
    launcher = [sys.executable, "-m", "bipmkg", "confine-server", "--"] if confined else []
    process = subprocess.Popen(
        [
            *launcher,
            binary,
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout-s",
            f"{timeout_s:g}",
        ],
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + OXIGRAPH_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited early; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=2):
                _REMOTES[location] = (process, url)
                return url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    process.kill()
    process.wait(15)
    handle.flush()
    tail = log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"oxigraph serve not ready within {OXIGRAPH_START_S} s; see {log}:\n{tail}")


def backend_env(store_dir: Path, *, remote_timeout_s: float = REMOTE_TIMEOUT_S) -> dict[str, str]:
    """The environment that builds `store_dir` on the backend under test; a remote server is
    started with its own deadline `remote_timeout_s`."""
    if BACKEND != "remote":
        return {"BIPMKG_STORE": BACKEND} if BACKEND != "embedded" else {}
    location = store_dir.with_name(f"{store_dir.name}.oxigraph")
    known = _REMOTES.get(location)
    url = known[1] if known else oxigraph_server(location, timeout_s=remote_timeout_s)
    return {"BIPMKG_STORE": "remote", "BIPMKG_REMOTE_URL": url}


@atexit.register
def _stop_remotes() -> None:
    for process, _ in _REMOTES.values():
        process.terminate()
    for process, _ in _REMOTES.values():
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def remote_locations() -> frozenset[Path]:
    """The databases of the `oxigraph serve` processes running now."""
    return frozenset(_REMOTES)


def stop_remotes_since(before: frozenset[Path]) -> None:
    """Stop every `oxigraph serve` started since `before` was taken, but a session fixture's.

    Each holds its database in memory (0.4-1.5 GB RSS on the grown graph); kept to the end of the
    session, the remote pass's 40-odd modules and their per-test stores filled a 24 GB machine and
    its later tests failed or timed out (CI of stop 24)."""
    for location in set(_REMOTES) - before - _LASTING:
        _stop_remote(location)


def build(
    store_dir: Path,
    data_dir: Path | None = None,
    *,
    remote_timeout_s: float = REMOTE_TIMEOUT_S,
    lasting: bool = False,
) -> None:
    """A store of `data_dir` (default: graph_data/) at `store_dir`, on the backend under test.

    On the remote backend its `oxigraph serve` stops when the test or module that built it ends
    (conftest's `_remote_stores_end_with_their_scope`), or with the session if `lasting`.

    `bipmkg build` runs once per distinct content (the data's files, byte for byte, and the remote
    deadline) in a test session; each later store of the same content is a copy of that first one
    (an embedded store's directory, a remote server's database), with its manifest pointing at its
    own data and server. A build of 120k triples takes 15-30 s, a copy well under one, and some
    forty modules each want a store of their own."""
    key = (_content_key(data_dir), remote_timeout_s if BACKEND == "remote" else 0.0)
    if key not in _TEMPLATES:
        template = _template_root() / f"t{len(_TEMPLATES)}" / "store"
        template.parent.mkdir()
        _run_build(template, data_dir, remote_timeout_s=remote_timeout_s)
        if BACKEND == "remote":
            _stop_remote(template.with_name(f"{template.name}.oxigraph"))
        _TEMPLATES[key] = (template, data_dir or ROOT / "graph_data")
    _copy_store(*_TEMPLATES[key], store_dir, data_dir, remote_timeout_s=remote_timeout_s)
    if lasting:
        _LASTING.add(store_dir.with_name(f"{store_dir.name}.oxigraph"))


#: The first store built of each content and the data it was built from, by (content key,
#: remote deadline).
_TEMPLATES: dict[tuple[str, float], tuple[Path, Path]] = {}


@functools.cache
def _template_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="bipmkg-test-stores-"))
    atexit.register(shutil.rmtree, root, True)
    return root


def _content_key(data_dir: Path | None) -> str:
    """A hash of every file a build reads: the data's, the ontology and the shapes."""
    digest = hashlib.sha256()
    for root in (data_dir or ROOT / "graph_data", ROOT / "ontology"):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _run_build(store_dir: Path, data_dir: Path | None, *, remote_timeout_s: float) -> None:
    env = {
        **os.environ,
        "BIPMKG_STORE_DIR": str(store_dir),
        **backend_env(store_dir, remote_timeout_s=remote_timeout_s),
    }
    if data_dir is not None:
        env["BIPMKG_DATA_DIR"] = str(data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "bipmkg", "build"], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        # The reason, not only the exit status: a fixture error is otherwise unexplained.
        raise RuntimeError(
            f"bipmkg build of {data_dir or 'graph_data/'} into {store_dir} exited "
            f"{done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )


def _stop_remote(location: Path) -> None:
    _end(_REMOTES.pop(location)[0])


def _end(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server, killed if it has not exited within 15 s."""
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def _copy_store(
    template: Path,
    template_data: Path,
    store_dir: Path,
    data_dir: Path | None,
    *,
    remote_timeout_s: float,
) -> None:
    """`template` (built from `template_data`) at `store_dir`, as if `bipmkg build` had built it
    there from `data_dir`."""
    from bipmkg.rdf.files import input_paths
    from bipmkg.store.endpoint import endpoint_from_env
    from bipmkg.store.manifest import MANIFEST, _fingerprint

    shutil.rmtree(store_dir, ignore_errors=True)
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template, store_dir)
    manifest_path = store_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    source_data, own_data = str(template_data), str(data_dir or ROOT / "graph_data")
    for graph in manifest["graphs"]:
        if graph["path"].startswith(source_data):
            graph["path"] = own_data + graph["path"][len(source_data) :]
    if BACKEND == "remote":
        location = store_dir.with_name(f"{store_dir.name}.oxigraph")
        if location in _REMOTES:
            _stop_remote(location)
        shutil.rmtree(location, ignore_errors=True)
        shutil.copytree(template.with_name(f"{template.name}.oxigraph"), location)
        url = oxigraph_server(location, timeout_s=remote_timeout_s)
        overrides = {"BIPMKG_REMOTE_URL": url}
        if data_dir is not None:
            overrides["BIPMKG_DATA_DIR"] = str(data_dir)
        # The manifest a build would write there: read from the environment, as the CLI does.
        with mock.patch.dict(os.environ, overrides):
            endpoint = endpoint_from_env()
            manifest["endpoint"] = endpoint.public()
            inputs = input_paths(None, with_ontology=True)
            manifest["fingerprint"] = _fingerprint(inputs, "remote", endpoint)
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def start_server(
    store_dir: Path,
    settings: dict[str, str],
    log: Path,
    *,
    port: int | None = None,
    ready_path: str = "/readyz",
    options: tuple[str, ...] = (),
) -> LiveServer:
    port = port or free_port()
    env = {**os.environ, "BIPMKG_STORE_DIR": str(store_dir), **settings}
    handle = open(log, "ab")  # noqa: SIM115 - lives as long as the server process
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "bipmkg", "serve", "--server", SERVER),
            *("--port", str(port), "--store", str(store_dir)),
            *options,
        ],
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
                    return LiveServer(url, store_dir, settings, process, log, options)
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


def http_from(
    source: str,
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    """`http`, from the loopback address `source` (127.0.0.2, 127.0.0.3…): the server, which
    knows clients by address, sees another client; loopback reaches 127.0.0.1 from any 127/8."""
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=timeout, source_address=(source, 0)
    )
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target or "/", body=data, headers=headers or {})
        response = conn.getresponse()
        return Answer(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        conn.close()
