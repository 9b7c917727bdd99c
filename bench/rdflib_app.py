"""The benchmark's baseline: rdflib in memory behind a minimal Flask SPARQL endpoint.

Not part of bipmkg: bench/run.py serves it with gunicorn to compare bipmkg's /sparql with what a
plain rdflib endpoint does on the same data and queries. The dataset named by BENCH_RDF_FILE
(N-Quads or any format rdflib guesses from the suffix) is parsed once when the app is created
(`gunicorn --preload` shares it with the workers) into a Dataset whose default graph is the union
of its named graphs, as in bipmkg.

    BENCH_RDF_FILE=data.nq gunicorn --preload -w 2 'bench.rdflib_app:create_app()'
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from rdflib import Dataset

JSON = "application/sparql-results+json"


def create_app() -> Flask:
    dataset = Dataset(default_union=True)
    dataset.parse(os.environ["BENCH_RDF_FILE"])
    app = Flask(__name__)

    @app.route("/sparql", methods=["GET", "POST"])
    def sparql() -> Response:
        query = request.values.get("query")
        if not query:
            return Response("give a query parameter\n", status=400, mimetype="text/plain")
        try:
            result = dataset.query(query)
        except Exception as exc:  # a bad query is the client's error in this baseline
            return Response(f"{type(exc).__name__}: {exc}\n", status=400, mimetype="text/plain")
        body = result.serialize(format="json")
        return Response(body, status=200, content_type=JSON)

    return app
