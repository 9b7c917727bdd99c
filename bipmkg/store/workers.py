"""Evaluate SPARQL queries in worker processes, each with a deadline and a memory limit.

pyoxigraph cannot be interrupted from Python once a query runs, so every query is evaluated in a
worker process that opens the store read-only; at the deadline the parent kills the worker and
starts a fresh one, so a runaway query really stops and other clients keep being served. A worker
also runs under an address-space limit: a query that outgrows it ends that worker, not the server.

A worker keeps what its queries made it allocate (Oxigraph's RocksDB caches and freed heap it does
not give back): on a 10^6-triple store one heavy aggregate took a worker from 44 MB to 140 MB. A
worker whose resident memory grew past `recycle_mb` since it opened the store is therefore replaced
by a fresh one after it answered, in the background, as servers' "reload on RSS" settings do.
"""

from __future__ import annotations

import queue
import resource
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bipmkg.errors import (
    EngineBusy,
    QueryAborted,
    QueryError,
    QueryTimeout,
    SandboxRefused,
)
from bipmkg.query.engine import EngineResult, EngineSettings, encode_answer
from bipmkg.query.request import QueryRequest


@dataclass
class _Worker:
    # A fresh interpreter rather than multiprocessing's fork (unsafe in a threaded server) or
    # spawn (which re-imports the server's __main__, e.g. gunicorn's).
    process: subprocess.Popen[bytes]
    conn: Connection
    started: float = field(default_factory=time.monotonic)
    opened_kb: int = 0  # its RSS once the store was open
    confinement: str = ""  # what bipmkg.store.sandbox applied; "" when unconfined


def _limit_memory(megabytes: int) -> None:
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _rss_kb() -> int:
    """This process's resident memory now (not getrusage's peak: Linux carries that over from the
    parent through fork and exec, so a worker of a large server would start out "grown")."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0  # no /proc: never recycled
    return resident_pages * _PAGE_KB


_PAGE_KB = resource.getpagesize() // 1024


def refuse_start(conn: Connection, reason: str) -> None:
    """Tell the engine this worker cannot confine itself, so it will not serve."""
    conn.send(("sandbox", reason))


def worker_main(conn: Connection, store_dir: str, memory_limit_mb: int, confinement: str) -> None:
    """Worker loop: open the store read-only, answer requests until told to stop.

    The ready message carries the worker's RSS in kB (every answer does too, for recycling) and
    what confines it.
    """
    import pyoxigraph as ox

    from bipmkg.store.backends import open_store
    from bipmkg.store.union import dataset_of

    _limit_memory(memory_limit_mb)
    store = open_store(Path(store_dir))
    dataset = dataset_of(store)
    conn.send(("ready", (_rss_kb(), confinement)))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            answer = _evaluate(ox, store, dataset, request)
            answer["rss_kb"] = _rss_kb()
            conn.send(("ok", answer))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except MemoryError:
            conn.send(("memory", "the query needed more memory than a worker may use"))
        except Exception as exc:  # an evaluation error is the query's, not the server's
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _evaluate(
    ox: Any, store: Any, dataset: dict[str, Any], request: QueryRequest
) -> dict[str, Any]:
    """Evaluate a request whose caps the engine has resolved (`QueryRequest.capped`), over the
    dataset it names, else over `dataset` (`bipmkg.store.union.dataset_of`)."""
    kwargs = dict(dataset)
    if request.default_graphs:
        kwargs.pop("use_default_graph_as_union", None)
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs]
    if request.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
    answer = store.query(request.text, **kwargs)
    return encode_answer(answer, request.fmt, request.row_cap, request.byte_cap)


class QueryEngine:
    """A pool of worker processes over one built store."""

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._recycled = 0
        # Started together, then awaited: the workers open the store in parallel.
        spawned = [self._spawn_worker() for _ in range(max(1, settings.workers))]
        try:
            for worker in spawned:
                self._await_ready(worker)
        except QueryAborted:
            for worker in spawned:
                worker.process.kill()
            raise
        for worker in spawned:
            self._idle.put(worker)

    def _start_worker(self) -> _Worker:
        return self._await_ready(self._spawn_worker())

    def _spawn_worker(self) -> _Worker:
        parent_sock, child_sock = socket.socketpair()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bipmkg.store.worker",
                str(child_sock.fileno()),
                str(self.settings.store_dir),
                str(self.settings.memory_limit_mb),
                "1" if self.settings.sandbox else "0",
            ],
            pass_fds=[child_sock.fileno()],
            stdin=subprocess.DEVNULL,
        )
        child_sock.close()
        return _Worker(process, Connection(parent_sock.detach()))

    def _await_ready(self, worker: _Worker) -> _Worker:
        process, parent = worker.process, worker.conn
        if not parent.poll(60):
            process.kill()
            raise QueryAborted("a query worker did not start within 60 s")
        try:
            status, detail = parent.recv()
        except (EOFError, OSError) as exc:
            process.kill()
            raise QueryAborted(
                "a query worker ended while opening the store; is the store readable and the "
                f"worker memory limit ({self.settings.memory_limit_mb} MB) large enough?"
            ) from exc
        if status == "sandbox":
            process.wait(5)
            raise SandboxRefused(
                f"a query worker could not confine itself ({detail}); queries are not evaluated "
                "unconfined unless the setting WORKER_SANDBOX is 0 (see SECURITY.md)"
            )
        if status != "ready":
            raise QueryAborted(f"a query worker failed to start: {status}")
        worker.opened_kb, worker.confinement = int(detail[0]), str(detail[1])
        return worker

    @property
    def confinement(self) -> str:
        """What confines the workers (the same for all): for /healthz and the start-up log."""
        with self._idle.mutex:
            workers = list(self._idle.queue)
        return workers[0].confinement if workers else ""

    def run(self, request: QueryRequest) -> EngineResult:
        """Evaluate a checked query; raises QueryError, QueryTimeout, QueryAborted, EngineBusy.

        The request's caps default to the settings (what /sparql applies); `row_cap=None` lifts
        them, for the app's own bounded queries (an entity's description, the ontology).
        """
        deadline = request.deadline(self.settings.timeout_s)
        try:
            worker = self._idle.get(timeout=deadline)
        except queue.Empty as exc:
            raise EngineBusy(
                f"all {self.settings.workers} query workers stayed busy for {deadline:g} s; "
                "try again shortly"
            ) from exc
        started = time.monotonic()
        request = request.capped(row_cap=self.settings.row_cap, byte_cap=self.settings.max_bytes)
        try:
            worker.conn.send(request)
            if not worker.conn.poll(deadline):
                self._replace(worker)
                raise QueryTimeout(
                    f"the query did not finish within the {deadline:g} s limit and was stopped"
                )
            status, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._replace(worker)
            raise QueryAborted(
                "the query was stopped: it exceeded the worker's memory limit "
                f"({self.settings.memory_limit_mb} MB) or its worker failed"
            ) from exc
        if status == "ok" and self._grown(worker, payload.get("rss_kb", 0)):
            self._recycle(worker)
        else:
            self._idle.put(worker)
        if status == "syntax":
            raise QueryError(f"malformed query: {payload}")
        if status == "memory":
            raise QueryAborted(payload)
        if status == "error":
            raise QueryError(f"the query could not be evaluated: {payload}")
        return EngineResult.of(payload, elapsed_s=time.monotonic() - started)

    @property
    def recycled(self) -> int:
        """Workers replaced so far because their memory grew past `recycle_mb`."""
        return self._recycled

    def _grown(self, worker: _Worker, rss_kb: int) -> bool:
        limit_mb = self.settings.recycle_mb
        return limit_mb > 0 and rss_kb - worker.opened_kb > limit_mb * 1024

    def _recycle(self, worker: _Worker) -> None:
        """Stop a worker that has answered and start its successor, both in the background."""
        with self._lock:
            self._recycled += 1

        def swap() -> None:
            self._stop(worker)
            if not self._closed:
                self._add_worker()

        threading.Thread(target=swap, daemon=True, name="bipmkg-recycle").start()

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start its successor in the background, so the answer is not late."""
        worker.process.kill()
        worker.process.wait(5)
        worker.conn.close()
        if not self._closed:
            threading.Thread(target=self._add_worker, daemon=True).start()

    def _add_worker(self) -> None:
        try:
            worker = self._start_worker()
        except QueryAborted:
            # Retry once; a pool that keeps failing to start workers answers 503 (EngineBusy).
            worker = self._start_worker()
        self._idle.put(worker)
        if self._closed:
            # close() ran while this successor was starting: it would outlive the engine.
            self.close()

    def reload(self, graphs: Sequence[str] | None = None) -> None:
        """Restart every worker so that they open the store as it is now (after a rebuild)."""
        for _ in range(max(1, self.settings.workers)):
            worker = self._idle.get()
            self._stop(worker)
            self._idle.put(self._start_worker())

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            self._stop(worker)

    @staticmethod
    def _stop(worker: _Worker) -> None:
        try:
            worker.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        try:
            worker.process.wait(2)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(2)
        worker.conn.close()
