"""The query engine's worker processes: limits end the query, never the engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bipmkg.engine import EngineSettings, QueryAborted, QueryEngine, QueryTimeout
from bipmkg.errors import QueryError
from bipmkg.store import build_store

PRODUCT_SORT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d ?f LIMIT 1"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("engine") / "store").store_dir


@pytest.fixture
def engine(store: Path) -> Iterator[QueryEngine]:
    pool = QueryEngine(EngineSettings(store, workers=1, timeout_s=30, memory_limit_mb=1024))
    yield pool
    pool.close()


def test_a_worker_that_cannot_open_the_store_is_a_clear_error(store: Path) -> None:
    with pytest.raises(QueryAborted, match="memory limit"):
        QueryEngine(EngineSettings(store, workers=1, memory_limit_mb=64))


def test_memory_limit_ends_the_query_and_the_engine_goes_on(engine: QueryEngine) -> None:
    with pytest.raises(QueryAborted, match="memory limit"):
        engine.run(PRODUCT_SORT, fmt="json")
    assert engine.run("ASK { ?s ?p ?o }", fmt="json").body.endswith(b"true}")


def test_deadline_ends_the_query_and_the_engine_goes_on(engine: QueryEngine) -> None:
    with pytest.raises(QueryTimeout, match="1 s limit"):
        engine.run(
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
            fmt="json",
            timeout_s=1,
        )
    assert engine.run("ASK { ?s ?p ?o }", fmt="json").rows == 1


def test_syntax_error_reports_the_position(engine: QueryEngine) -> None:
    with pytest.raises(QueryError, match=r"malformed query: error at 1:"):
        engine.run("SELECT ?s WHERE { ?s ?p }", fmt="json")


def test_build_is_skipped_when_nothing_changed(store: Path) -> None:
    again = build_store(store)
    assert again.rebuilt is False
    assert again.triples > 5000
