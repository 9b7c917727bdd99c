"""Shared fixtures: the real curated graph, parsed once per test session; the Flask app and its
test client over a store of it (flaskr's `app` and `client`); a real server (`server`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from live import LiveServer, build, remote_locations, start_server, stop_remotes_since
from rdflib import Graph

from bipmkg.rdf.files import load_graph
from bipmkg.validation.validate import ValidationReport, validate
from webapp import create_app


@pytest.fixture(scope="module", autouse=True)
def _remote_stores_end_with_their_module() -> Iterator[None]:
    """A module's remote stores (BIPMKG_TEST_BACKEND=remote) stop when it ends, not the session.

    Set up before the module's other fixtures, so torn down after them, servers included."""
    before = remote_locations()
    yield
    stop_remotes_since(before)


@pytest.fixture(autouse=True)
def _remote_stores_end_with_their_test() -> Iterator[None]:
    """A test's own remote stores (built in its body or in function-scoped fixtures) stop with it:
    the wider-scoped fixtures' are already running when this one starts, so are kept."""
    before = remote_locations()
    yield
    stop_remotes_since(before)


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
    build(base / "store", lasting=True)
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


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The Flask app in this process over a store of the curated graph, built on the backend under
    test (BIPMKG_TEST_BACKEND), with no per-client limits (the test client is one address)."""
    store = tmp_path_factory.mktemp("app") / "store"
    build(store, lasting=True)
    flask_app = create_app(
        {
            "STORE_DIR": str(store),
            "QUERY_WORKERS": 2,
            "QUERY_TIMEOUT_S": 5.0,
            "CLIENT_QUERY_SECONDS": 0,
            "CLIENT_MAX_CONCURRENT": 0,
        }
    )
    yield flask_app
    flask_app.extensions["bipmkg"].engine.close()


@pytest.fixture(scope="session")
def client(app: Flask) -> FlaskClient:
    return app.test_client()
