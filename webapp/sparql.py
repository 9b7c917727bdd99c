"""/sparql — the SPARQL 1.1 Protocol query endpoint.

GET `?query=`, POST form (`query=`), POST `application/sparql-query`; `default-graph-uri` and
`named-graph-uri` select stored graphs. The text is checked for SERVICE, LOAD and foreign FROM
before any evaluation (bipmkg.safety), then evaluated by a worker with a deadline
(bipmkg.engine). The result format follows the `format` parameter or the `Accept` header.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request, url_for
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from werkzeug.datastructures import MultiDict

from bipmkg.formats import FORMATS, Format, find_format, formats_for
from bipmkg.safety import check_graphs, check_query

from .errors import HTTPError
from .kg import get_kg, get_limits

bp = Blueprint("sparql", __name__)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS_NS = Namespace("http://www.w3.org/ns/formats/")
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Expose-Headers": "X-SPARQL-Rows, X-SPARQL-Row-Cap, X-SPARQL-Truncated",
}


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204, headers=_CORS)
    query, default_graphs, named_graphs = _read_protocol_request()
    if query is None:
        return _without_query()
    limit = int(current_app.config["MAX_QUERY_CHARS"])
    if len(query) > limit:
        raise HTTPError(
            413,
            f"the query is {len(query)} characters long; at most {limit} are accepted "
            "(setting MAX_QUERY_CHARS)",
        )
    kg = get_kg()
    checked = check_query(query, stored_graphs=kg.graphs)
    check_graphs(default_graphs, stored_graphs=kg.graphs, parameter="default-graph-uri")
    check_graphs(named_graphs, stored_graphs=kg.graphs, parameter="named-graph-uri")
    kind = "graph" if checked.form in ("CONSTRUCT", "DESCRIBE") else "solutions"
    fmt = _negotiate(kind)
    with get_limits().hold(request.remote_addr or "unknown"):
        result = kg.engine.run(
            query,
            fmt=fmt.name,
            default_graphs=default_graphs or list(checked.from_graphs),
            named_graphs=named_graphs or list(checked.from_named_graphs),
        )
    response = Response(result.body, status=200, content_type=fmt.content_type, headers=_CORS)
    response.headers["X-SPARQL-Rows"] = str(result.rows)
    response.headers["Vary"] = "Accept"
    if result.truncated:
        cap = current_app.config["ROW_CAP"]
        response.headers["X-SPARQL-Row-Cap"] = str(cap)
        response.headers["X-SPARQL-Truncated"] = "true"
        response.headers["Warning"] = (
            f'199 bipmkg "result truncated at {cap} rows (setting ROW_CAP); '
            'add LIMIT/OFFSET to page through it"'
        )
    return response


def _read_protocol_request() -> tuple[str | None, list[str], list[str]]:
    """The query and dataset parameters, from whichever of the three protocol forms was used."""
    default_graphs = request.args.getlist("default-graph-uri")
    named_graphs = request.args.getlist("named-graph-uri")
    if "update" in request.args or (request.method == "POST" and "update" in _form()):
        raise HTTPError(400, "SPARQL Update is not accepted at /sparql; curators use /update")
    if request.method == "GET":
        queries = request.args.getlist("query")
    else:
        mimetype = request.mimetype
        if mimetype == "application/x-www-form-urlencoded":
            form = _form()
            queries = form.getlist("query")
            default_graphs += form.getlist("default-graph-uri")
            named_graphs += form.getlist("named-graph-uri")
        elif mimetype == "application/sparql-query":
            try:
                queries = [request.get_data(cache=False).decode("utf-8")]
            except UnicodeDecodeError as exc:
                raise HTTPError(400, f"the query body is not valid UTF-8: {exc}") from exc
        elif mimetype == "application/sparql-update":
            raise HTTPError(400, "SPARQL Update is not accepted at /sparql; curators use /update")
        else:
            raise HTTPError(
                415,
                f"POST a query as application/x-www-form-urlencoded (query=…) or "
                f"application/sparql-query, not {mimetype or 'no content type'}",
            )
    if len(queries) > 1:
        raise HTTPError(400, "give exactly one query parameter")
    if not queries:
        if request.method == "POST":
            raise HTTPError(400, "the request has no query")
        return None, default_graphs, named_graphs
    if not queries[0].strip():
        raise HTTPError(400, "the query is empty")
    return queries[0], default_graphs, named_graphs


def _form() -> MultiDict[str, str]:
    if request.mimetype == "application/x-www-form-urlencoded":
        return request.form
    return MultiDict()


def _negotiate(kind: str) -> Format:
    """The `format` parameter if given, else the best `Accept` match (q-values honoured)."""
    candidates = (
        formats_for("solutions") if kind == "solutions" else formats_for("graph", "dataset")
    )
    name = request.values.get("format")
    if name:
        chosen = find_format(name)
        if chosen is None:
            known = ", ".join(f.name for f in FORMATS)
            raise HTTPError(400, f"unknown format {name!r}; known: {known}")
        if chosen not in candidates:
            raise HTTPError(
                400,
                f"format {chosen.name} cannot express "
                f"{'graph' if kind == 'graph' else 'SELECT/ASK'} results; "
                f"use one of {', '.join(f.name for f in candidates)}",
            )
        return chosen
    if not request.accept_mimetypes or not request.headers.get("Accept"):
        return candidates[0]
    offered = [f.media_type for f in candidates] + [a for f in candidates for a in f.aliases]
    best = request.accept_mimetypes.best_match(offered)
    if best is None:
        raise HTTPError(
            406,
            f"cannot answer in {request.headers.get('Accept')}; this query's results are "
            f"available as {', '.join(f.media_type for f in candidates)}",
        )
    chosen = find_format(best)
    assert chosen is not None
    return chosen


def _without_query() -> Response:
    """No query: the query page for a browser, the service description for anyone else."""
    best = request.accept_mimetypes.best_match(["text/turtle", "text/html"])
    if (
        best == "text/html"
        and request.accept_mimetypes["text/html"] > request.accept_mimetypes["text/turtle"]
    ):
        return redirect(url_for("pages.query_page"), code=303)  # type: ignore[return-value]
    return Response(
        service_description().serialize(format="turtle"),
        mimetype="text/turtle",
        headers=_CORS,
    )


def service_description() -> Graph:
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS_NS)
    endpoint = URIRef(url_for("sparql.endpoint", _external=True))
    service = URIRef(str(endpoint) + "#service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, endpoint))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for fmt in FORMATS:
        graph.add((service, SD.resultFormat, FORMATS_NS[fmt.w3c]))
    dataset = URIRef(str(endpoint) + "#dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default = URIRef(str(endpoint) + "#default-graph")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    for iri in get_kg().graphs:
        named = URIRef(f"{endpoint}#graph-{iri.rsplit('/', 1)[-1]}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(iri)))
    graph.add(
        (
            service,
            URIRef("http://purl.org/dc/terms/description"),
            Literal(
                "SPARQL 1.1 Query endpoint of bipmkg; "
                "the default graph is the union of the named graphs.",
                lang="en",
            ),
        )
    )
    return graph
