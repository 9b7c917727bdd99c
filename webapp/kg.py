"""The web app's handle on the knowledge graph: the built store and its query engine.

Opened once per server process by `init_app`, reached by views through `get_kg()`
(flaskr's `db.py` pattern). The server opens the built store; it never re-parses Turtle.
"""

from __future__ import annotations

import atexit
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import Flask, current_app

from bipmkg import config
from bipmkg.errors import QueryAborted, RemoteError, StoreError
from bipmkg.query.engine import EngineSettings
from bipmkg.store.adapters import EngineSelector
from bipmkg.store.backends import backend_of
from bipmkg.store.kept_answers import CachingEngine
from bipmkg.store.manifest import MANIFEST, read_manifest, recover_store
from bipmkg.store.single_flight import SingleFlightCache

from .limits import ClientLimits
from .replay import AnswerReplay

T = TypeVar("T")
#: More than the names `cached` is called with (a handful), so none is ever dropped.
_VALUES_KEPT = 64


@dataclass
class KnowledgeGraph:
    store_dir: Path
    engine: CachingEngine
    graphs: tuple[str, ...]
    manifest_mtime: int = 0
    #: Values computed once per build of the store, once too when first asked by many requests.
    cache: SingleFlightCache[str, Any] = field(
        default_factory=lambda: SingleFlightCache(max_weight=_VALUES_KEPT)
    )

    @property
    def selector(self) -> EngineSelector:
        return EngineSelector(self.engine)

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """A value computed once per build of the store (labels, search index, counts)."""
        return cast(T, self.cache.get(key, compute))

    def refresh(self) -> None:
        """Re-read the manifest and restart the workers after the store was rebuilt."""
        self.graphs = _stored_graphs(self.store_dir)
        self.manifest_mtime = _manifest_mtime(self.store_dir)
        self.cache.clear()
        self.engine.reload(self.graphs)

    def ensure_current(self) -> None:
        """Follow a rebuild made by another server process (one stat per request)."""
        if _manifest_mtime(self.store_dir) != self.manifest_mtime:
            self.refresh()


def init_app(app: Flask) -> None:
    """Open the store; if it is missing or unreadable, keep the process up but unready.

    /healthz then answers (the process lives), /readyz and every data route answer 503 with the
    reason, and the log says it once: better than a crash loop with the reason lost.
    """
    app.extensions["bipmkg-limits"] = ClientLimits(
        max_concurrent=int(app.config["CLIENT_MAX_CONCURRENT"]),
        seconds_per_minute=float(app.config["CLIENT_QUERY_SECONDS"]),
        workers=int(app.config["QUERY_WORKERS"]),
        waiting=int(app.config["SPARQL_WAITING"]),
        max_wait_s=float(app.config["QUERY_TIMEOUT_S"]),
    )
    store_dir = Path(str(app.config["STORE_DIR"]) or config.store_dir())
    try:
        recover_store(store_dir)  # a build killed mid-swap leaves the complete store beside
        graphs = _stored_graphs(store_dir)
        engine = _open_engine(app, store_dir, graphs)
    except (StoreError, QueryAborted, RemoteError) as exc:
        message = f"the store at {store_dir} cannot be served: {exc}"
        app.logger.error(message)
        app.extensions["bipmkg"] = StoreError(message)
        return
    atexit.register(engine.close)
    app.extensions["bipmkg"] = KnowledgeGraph(store_dir, engine, graphs, _manifest_mtime(store_dir))
    if engine.max_bytes:
        app.wsgi_app = AnswerReplay(  # type: ignore[method-assign]
            app.wsgi_app,
            engine=engine,
            manifest_path=_manifest_path(store_dir),
            max_bytes=engine.max_bytes,
        )


def _open_engine(app: Flask, store_dir: Path, graphs: tuple[str, ...]) -> CachingEngine:
    """The engine of the store's backend: worker processes over an embedded or memory store,
    HTTP to a remote one (`bipmkg.store.backends`).

    Answers are kept per build (RESULT_CACHE_MB) where the backend keeps answers: where bipmkg
    owns the store (a remote server may be written by other clients than bipmkg).
    """
    # /sparql's fair gate lets at most QUERY_WORKERS of its queries in at once (webapp.fairness);
    # the PAGE_WORKERS beyond them are therefore always there for the site's own queries.
    workers = int(app.config["QUERY_WORKERS"]) + max(0, int(app.config["PAGE_WORKERS"]))
    row_cap = int(app.config["ROW_CAP"])
    settings = EngineSettings(
        store_dir=store_dir,
        max_bytes=int(app.config["RESULT_MAX_BYTES"]) or None,
        workers=workers,
        timeout_s=float(app.config["QUERY_TIMEOUT_S"]),
        row_cap=row_cap,
        memory_limit_mb=int(app.config["WORKER_MEMORY_MB"]),
        recycle_mb=int(app.config["WORKER_RECYCLE_MB"]),
        sandbox=bool(int(app.config["WORKER_SANDBOX"])),
    )
    backend = backend_of(store_dir)
    cache_bytes = int(float(app.config["RESULT_CACHE_MB"]) * 1024 * 1024)
    return CachingEngine(
        backend.engine(store_dir, graphs, settings),
        max_bytes=cache_bytes if backend.keeps_answers else 0,
        row_cap=row_cap,
    )


def get_limits() -> ClientLimits:
    limits = current_app.extensions["bipmkg-limits"]
    assert isinstance(limits, ClientLimits)
    return limits


def get_kg() -> KnowledgeGraph:
    kg = current_app.extensions["bipmkg"]
    if isinstance(kg, StoreError):
        raise kg
    assert isinstance(kg, KnowledgeGraph)
    kg.ensure_current()
    return kg


def _manifest_mtime(store_dir: Path) -> int:
    try:
        return os.stat(_manifest_path(store_dir)).st_mtime_ns
    except OSError:
        return 0


@functools.lru_cache(maxsize=16)
def _manifest_path(store_dir: Path) -> str:
    # Asked on every request: joining the path each time costs more than the stat itself.
    return str(store_dir / MANIFEST)


def _stored_graphs(store_dir: Path) -> tuple[str, ...]:
    manifest = read_manifest(store_dir)
    if manifest is None:
        raise StoreError(f"no built store at {store_dir}: run `bipmkg build` first")
    graphs = manifest.get("graphs", [])
    assert isinstance(graphs, list)
    return tuple(str(g["iri"]) for g in graphs)
