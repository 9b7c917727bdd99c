"""Schemathesis throws generated requests at the app in-process, from its OpenAPI description:
no server error, and every answer fits the schema (status code, content type, body)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from live import build
from schemathesis.specs.openapi.checks import positive_data_acceptance

from webapp import create_app

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web


@schemathesis.serializer("application/sparql-query", "application/sparql-update")
def _sparql_text(ctx: object, value: object) -> bytes:
    return str(value).encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    store = tmp_path_factory.mktemp("openapi") / "store"
    build(store)  # on the backend under test (BIPMKG_TEST_BACKEND)
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


def test_api_conforms_and_never_errors(app: Flask) -> None:
    # Schemathesis's pytest plugin does not yet run under pytest 9; its engine is driven here
    # through Hypothesis directly, one operation at a time.
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            # A schema-valid string may still name no body or hold no letters: the API answers
            # 400 with a reason, which is right, so "positive data acceptance" is not checked.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
        checked += 1
    assert checked >= 10


def test_the_description_is_served(app: Flask) -> None:
    answer = app.test_client().get("/openapi.json")
    assert answer.status_code == 200
    paths = answer.get_json()["paths"]
    assert {"/sparql", "/update", "/api/search", "/api/network", "/api/path"} <= set(paths)
