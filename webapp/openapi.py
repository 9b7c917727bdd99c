"""/openapi.json — an OpenAPI 3 description of the JSON API, SPARQL and update routes.

Schemathesis reads it in the test suite and throws generated requests at the app in-process:
no answer may be a server error or stray from the schema.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from bipmkg import __version__
from bipmkg.rdf.formats import formats_for, rdf_formats

bp = Blueprint("openapi", __name__)

_TEXT_ERROR = {"text/plain": {"schema": {"type": "string"}}}


def _errors(*codes: int) -> dict[str, Any]:
    meaning = {
        400: "Bad input; the body says what is wrong",
        401: "A curator's bearer token is required",
        403: "Updates are off on this server",
        404: "Not found",
        406: "The Accept header names no format this route serves",
        413: "The body or the query is too large",
        415: "Unsupported content type",
        422: "The change would make the graph non-conformant; the body is the report",
        429: "Per-client limit reached; see Retry-After",
        503: "Deadline, memory limit or busy workers, or a read-only data folder; see Retry-After",
        507: "The data folder's disk is full; nothing was written",
    }
    return {str(c): {"description": meaning[c], "content": _TEXT_ERROR} for c in codes}


_ROW = {"type": "object", "additionalProperties": True}
#: JSON bodies are described as JSON; JSON-LD answers to CONSTRUCT may be an object or an array.
_JSON_SCHEMAS: dict[str, dict[str, Any]] = {"json": {"type": "object"}, "jsonld": {}}
_SPARQL_RESULTS = {
    f.media_type: {"schema": _JSON_SCHEMAS.get(f.name, {"type": "string"})} for f in rdf_formats()
}
_QUERY_PARAMS = [
    {
        "name": "query",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": 2000},
    },
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "default-graph-uri", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "named-graph-uri", "in": "query", "required": False, "schema": {"type": "string"}},
]


#: What a curator may upload to /update/data: one graph, in any of these.
_RDF_UPLOAD = {
    f.media_type: {"schema": {"type": "object"} if f.name == "jsonld" else {"type": "string"}}
    for f in formats_for("graph")
}


def _upload_operation(summary: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [
            {
                "name": "graph",
                "in": "query",
                "required": True,
                "description": "The curated graph: its IRI, its file name or the file's stem",
                "schema": {"type": "string"},
            }
        ],
        "requestBody": {"required": True, "content": _RDF_UPLOAD},
        "responses": {
            "200": {
                "description": "Validated, written back and rebuilt",
                "content": {"application/json": {"schema": _ROW}},
            },
            **_errors(400, 401, 403, 413, 415, 422, 503, 507),
        },
    }


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "bipmkg",
            "version": __version__,
            "description": "The knowledge graph of the BIPM's international cooperation.",
        },
        "paths": {
            "/sparql": {
                "get": {
                    "summary": "SPARQL 1.1 query (GET), or the service description",
                    "parameters": _QUERY_PARAMS,
                    "responses": {
                        "200": {"description": "Results", "content": _SPARQL_RESULTS},
                        "303": {"description": "Browsers are sent to the query page"},
                        **_errors(400, 406, 413, 429, 503),
                    },
                },
                "post": {
                    "summary": "SPARQL 1.1 query (POST)",
                    "requestBody": {
                        "content": {
                            "application/sparql-query": {
                                "schema": {"type": "string", "maxLength": 2000}
                            },
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"query": {"type": "string", "maxLength": 2000}},
                                }
                            },
                        }
                    },
                    "responses": {
                        "200": {"description": "Results", "content": _SPARQL_RESULTS},
                        **_errors(400, 406, 413, 415, 429, 503),
                    },
                },
            },
            "/update": {
                "post": {
                    "summary": "SPARQL Update for curators (bearer token)",
                    "requestBody": {
                        "content": {"application/sparql-update": {"schema": {"type": "string"}}}
                    },
                    "responses": {
                        "200": {
                            "description": "Applied, written back and rebuilt",
                            "content": {"application/json": {"schema": _ROW}},
                        },
                        **_errors(400, 401, 403, 413, 415, 422, 503, 507),
                    },
                }
            },
            "/update/data": {
                "put": _upload_operation(
                    "Replace a curated file's graph with uploaded RDF (bearer token)"
                ),
                "post": _upload_operation(
                    "Add uploaded RDF to a curated file's graph (bearer token)"
                ),
            },
            "/api/search": {
                "get": {
                    "summary": "Search names, acronyms and other names (English and French)",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "Ranked hits",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["query", "hits"],
                                        "properties": {
                                            "query": {"type": "string"},
                                            "hits": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "required": [
                                                        "iri",
                                                        "kind",
                                                        "label_en",
                                                        "score",
                                                    ],
                                                    "properties": {
                                                        "iri": {"type": "string"},
                                                        "url": {"type": "string"},
                                                        "kind": {"type": "string"},
                                                        "label_en": {"type": "string"},
                                                        "label_fr": {"type": "string"},
                                                        "matched": {"type": "string"},
                                                        "score": {"type": "integer"},
                                                    },
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        **_errors(400, 503),
                    },
                }
            },
            "/api/queries": {
                "get": {
                    "summary": "The example queries (competency questions)",
                    "responses": {
                        "200": {
                            "description": "Prefixes and queries",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["prefixes", "queries"],
                                        "properties": {
                                            "prefixes": _ROW,
                                            "queries": {"type": "array", "items": _ROW},
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            },
            "/api/network": {
                "get": {
                    "summary": "The network of bodies and typed links, with metrics",
                    "parameters": [
                        {
                            "name": "as_of",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "format": "date"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Nodes and edges",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["nodes", "edges"],
                                        "properties": {
                                            "nodes": {"type": "array", "items": _ROW},
                                            "edges": {"type": "array", "items": _ROW},
                                        },
                                    }
                                }
                            },
                        },
                        **_errors(400, 503),
                    },
                }
            },
            "/api/analysis": {
                "get": {
                    "summary": "Centralities, communities, bridges, cut points, components",
                    "parameters": [
                        {
                            "name": "as_of",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "format": "date"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Analysis",
                            "content": {"application/json": {"schema": _ROW}},
                        },
                        **_errors(400, 503),
                    },
                }
            },
            "/api/path": {
                "get": {
                    "summary": "Shortest cooperation paths between two bodies, explained",
                    "parameters": [
                        {
                            "name": "from",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "to",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "as_of",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "format": "date"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "Paths",
                            "content": {"application/json": {"schema": _ROW}},
                        },
                        **_errors(400, 404, 503),
                    },
                }
            },
            "/api/ego": {
                "get": {
                    "summary": "A body's ego network",
                    "parameters": [
                        {
                            "name": "node",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "radius",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 0, "maximum": 5},
                        },
                        {
                            "name": "as_of",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "format": "date"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "Ego network",
                            "content": {"application/json": {"schema": _ROW}},
                        },
                        **_errors(400, 404, 503),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Alive",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": _ROW}},
                        }
                    },
                }
            },
            "/readyz": {
                "get": {
                    "summary": "Answers queries",
                    "responses": {
                        "200": {
                            "description": "ready",
                            "content": {"application/json": {"schema": _ROW}},
                        },
                        **_errors(503),
                    },
                }
            },
        },
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    response = jsonify(document())
    return response
