"""Shared fixtures: the real curated graph, parsed once per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live import LiveServer, build, start_server
from rdflib import Graph

from bipmkg.rdf.files import load_graph
from bipmkg.validation.validate import ValidationReport, validate


@pytest.fixture(scope="session")
def graph() -> Graph:
    """The ontology and every file of graph_data/, merged."""
    return load_graph()


@pytest.fixture(scope="session")
def report(graph: Graph) -> ValidationReport:
    """The validation report of the real graph, violations and warnings."""
    return validate(graph)


ROW_CAP = 500
QUERY_TIMEOUT_S = 3


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real `bipmkg serve` (gunicorn, or granian) over a store built from the curated graph."""
    base = tmp_path_factory.mktemp("server")
    build(base / "store")
    live = start_server(
        base / "store",
        {
            "BIPMKG_QUERY_TIMEOUT_S": str(QUERY_TIMEOUT_S),
            "BIPMKG_QUERY_WORKERS": "3",
            "BIPMKG_ROW_CAP": str(ROW_CAP),
            "BIPMKG_MAX_BODY_BYTES": "65536",
        },
        base / "server.log",
    )
    yield live
    live.stop()
