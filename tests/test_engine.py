"""The query engine's worker processes: limits end the query, never the engine."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bipmkg.build import build_store
from bipmkg.errors import QueryAborted, QueryError, QueryTimeout
from bipmkg.query.engine import EngineSettings
from bipmkg.query.request import QueryRequest
from bipmkg.store.workers import QueryEngine

PRODUCT_SORT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d ?f LIMIT 1"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("engine") / "store").store_dir


@pytest.fixture
def engine(store: Path) -> Iterator[QueryEngine]:
    pool = QueryEngine(EngineSettings(store, workers=1, timeout_s=30, memory_limit_mb=1536))
    yield pool
    pool.close()


def test_a_worker_that_cannot_open_the_store_is_a_clear_error(store: Path) -> None:
    with pytest.raises(QueryAborted, match="memory limit"):
        QueryEngine(EngineSettings(store, workers=1, memory_limit_mb=64))


def test_memory_limit_ends_the_query_and_the_engine_goes_on(engine: QueryEngine) -> None:
    with pytest.raises(QueryAborted, match="memory limit"):
        engine.run(QueryRequest(PRODUCT_SORT, fmt="json"))
    assert engine.run(QueryRequest("ASK { ?s ?p ?o }", fmt="json")).body.endswith(b"true}")


def test_deadline_ends_the_query_and_the_engine_goes_on(engine: QueryEngine) -> None:
    with pytest.raises(QueryTimeout, match="1 s limit"):
        engine.run(
            QueryRequest(
                "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
                fmt="json",
                timeout_s=1,
            )
        )
    assert engine.run(QueryRequest("ASK { ?s ?p ?o }", fmt="json")).rows == 1


def test_syntax_error_reports_the_position(engine: QueryEngine) -> None:
    with pytest.raises(QueryError, match=r"malformed query: error at 1:"):
        engine.run(QueryRequest("SELECT ?s WHERE { ?s ?p }", fmt="json"))


def test_build_is_skipped_when_nothing_changed(store: Path) -> None:
    again = build_store(store)
    assert again.rebuilt is False
    assert again.triples > 5000


#: Every triple written out: a few MB more in the worker that answers it.
EVERY_TRIPLE = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


def _worker_pids() -> set[int]:
    """This process's query workers, read from /proc (what the operating system sees)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"bipmkg.store.worker" in command:
            pids.add(int(entry.name))
    return pids


def _wait_for(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_worker_whose_memory_grew_is_replaced_after_its_answer(store: Path) -> None:
    others = _worker_pids()
    pool = QueryEngine(EngineSettings(store, workers=1, timeout_s=30, recycle_mb=1))
    try:
        (first,) = _worker_pids() - others
        answer = pool.run(QueryRequest(EVERY_TRIPLE, fmt="json", row_cap=None))
        assert answer.rows > 5000  # the answer is whole: recycling comes after it
        assert pool.recycled == 1
        # Its successor alone is left: the grown worker was stopped and waited for (no zombie).
        assert _wait_for(lambda: len(_worker_pids() - others - {first}) == 1)
        assert _wait_for(lambda: first not in _worker_pids())
        assert pool.run(QueryRequest("ASK { ?s ?p ?o }", fmt="json")).body.endswith(b"true}")
    finally:
        pool.close()


def test_recycling_is_off_at_zero_and_small_answers_never_trigger_it(store: Path) -> None:
    never = QueryEngine(EngineSettings(store, workers=1, timeout_s=30, recycle_mb=0))
    default = QueryEngine(EngineSettings(store, workers=1, timeout_s=30))
    try:
        before = _worker_pids()
        never.run(QueryRequest(EVERY_TRIPLE, fmt="json", row_cap=None))
        for n in range(20):
            default.run(QueryRequest(f"ASK {{ ?s ?p {n} }}", fmt="json"))
        assert (never.recycled, default.recycled) == (0, 0)
        assert _worker_pids() == before
    finally:
        never.close()
        default.close()
