"""Liveness and readiness: /healthz answers while the process lives, /readyz once it can query."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from bipmkg.query.files import load_query
from bipmkg.query.request import QueryRequest

from .kg import get_kg

bp = Blueprint("health", __name__)

_ANY_TRIPLE = load_query(__file__, "any-triple")


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response | tuple[Response, int]:
    kg = get_kg()
    # Past the answer cache: readiness is whether the engine answers now.
    result = kg.engine.inner.run(QueryRequest(_ANY_TRIPLE, fmt="json", timeout_s=2.0))
    return jsonify(status="ready", graphs=len(kg.graphs), answered_in_s=round(result.elapsed_s, 4))
