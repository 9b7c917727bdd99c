"""/sparql — the SPARQL 1.1 Protocol query endpoint.

GET `?query=`, POST form (`query=`), POST `application/sparql-query`; `default-graph-uri` and
`named-graph-uri` select stored graphs. Parameters are decoded as strict UTF-8 and unknown ones
refused. The text is checked for SERVICE, LOAD, foreign FROM, deep nesting and long chains of
operators before any evaluation (bipmkg.query.safety), then evaluated by a worker with a deadline
(bipmkg.store.workers), or answered from the answers kept for this build of the store
(bipmkg.store.kept_answers), which also name the answer's ETag. The result format follows the
`format` parameter or the `Accept` header.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, redirect, request, url_for
from rdflib import RDF, Graph, Literal, URIRef

from bipmkg.query.request import QueryRequest
from bipmkg.query.safety import QueryCheck, check_graphs, check_query
from bipmkg.rdf.formats import Format, format_named, formats_for, rdf_formats
from bipmkg.rdf.namespaces import FORMATS as FORMATS_NS
from bipmkg.rdf.namespaces import SD

from .errors import HTTPError
from .kg import get_kg, get_limits
from .negotiation import Offer, negotiate, vary
from .params import body, pairs

bp = Blueprint("sparql", __name__)

#: A preflight's answer; the headers of every answer come from webapp.security's CORS hook.
_PREFLIGHT = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
}


#: The query parameters of the SPARQL 1.1 Protocol, and this endpoint's own: `format`, and its
#: aliases `output` and `results`, which SPARQLWrapper sends beside it. Any other is refused, so
#: that a misspelt `default-graph-uri` cannot silently query the whole graph.
PARAMETERS = ("query", "default-graph-uri", "named-graph-uri", "format", "output", "results")
_FORMAT_PARAMETERS = ("format", "output", "results")
#: Character sets a query body may declare; SPARQL's own is UTF-8, the default.
_BODY_CHARSETS = ("utf-8", "utf-16", "utf-16le", "utf-16be")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: Queries up to this length have their safety check remembered (at most 1,024 of them).
_MEMO_QUERY_CHARS = 4096
#: What a query's answer can be written in, by the kind of its results.
_OFFERS = {
    "solutions": Offer(
        formats_for("solutions"),
        "this query's results are",
        known=formats_for("graph", "dataset"),
        expresses="SELECT/ASK results",
    ),
    "graph": Offer(
        formats_for("graph", "dataset"),
        "this query's results are",
        known=formats_for("solutions"),
        expresses="graph results",
    ),
}
#: Without a query: the service description, unless the client prefers a page (a browser).
_DESCRIPTION = Offer(
    (format_named("turtle"),), "the service description is", page="last", fallback=True
)


@dataclass(frozen=True)
class ProtocolRequest:
    """What a protocol request asks, from whichever of its three forms was used."""

    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    format: str | None


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204, headers=_PREFLIGHT)
    asked = _read_protocol_request()
    query, default_graphs, named_graphs = asked.query, asked.default_graphs, asked.named_graphs
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
    checked = _check(
        query,
        kg.graphs,
        int(current_app.config["MAX_QUERY_DEPTH"]),
        int(current_app.config["MAX_QUERY_OPERATORS"]),
    )
    check_graphs(default_graphs, stored_graphs=kg.graphs, parameter="default-graph-uri")
    check_graphs(named_graphs, stored_graphs=kg.graphs, parameter="named-graph-uri")
    kind = "graph" if checked.form in ("CONSTRUCT", "DESCRIBE") else "solutions"
    fmt = _negotiate(kind, asked.format)
    defaults = default_graphs or list(checked.from_graphs)
    named = named_graphs or list(checked.from_named_graphs)
    asked_for = QueryRequest(
        query, fmt=fmt.name, default_graphs=tuple(defaults), named_graphs=tuple(named)
    )
    key = kg.engine.key(asked_for)
    etag = f'W/"{kg.manifest_mtime:x}-{key}"' if key is not None else None
    if etag is not None and etag in _if_none_match():
        # The client holds this answer on this build of the store: nothing to evaluate or send.
        return Response(status=304, headers={"ETag": etag, "Vary": "Accept"})
    # A kept answer needs no worker, so it does not queue at the gate behind this client's own
    # running queries.
    result = kg.engine.lookup(key) if key is not None else None
    if result is None:
        with get_limits().hold(request.remote_addr or "unknown"):
            result = kg.engine.run(asked_for)
    headers = [
        ("X-SPARQL-Rows", str(result.rows)),
        ("X-SPARQL-Cache", "hit" if result.cached else "miss"),
        ("Vary", "Accept"),
    ]
    if etag is not None:
        headers.append(("ETag", etag))
    if result.truncated and result.truncated_by == "bytes":
        cap = current_app.config["RESULT_MAX_BYTES"]
        headers += [
            ("X-SPARQL-Byte-Cap", str(cap)),
            ("X-SPARQL-Truncated", "true"),
            (
                "Warning",
                f'199 bipmkg "result truncated at {cap} bytes (setting RESULT_MAX_BYTES), after '
                f'{result.rows} rows; add LIMIT/OFFSET to page through it"',
            ),
        ]
    elif result.truncated:
        cap = current_app.config["ROW_CAP"]
        headers += [
            ("X-SPARQL-Row-Cap", str(cap)),
            ("X-SPARQL-Truncated", "true"),
            (
                "Warning",
                f'199 bipmkg "result truncated at {cap} rows (setting ROW_CAP); '
                'add LIMIT/OFFSET to page through it"',
            ),
        ]
    # One list, not one header at a time: werkzeug scans all headers on each assignment.
    return Response(result.body, status=200, content_type=fmt.content_type, headers=headers)


def _check(query: str, graphs: tuple[str, ...], depth: int, operators: int) -> QueryCheck:
    """`check_query`, remembered for the short queries that clients send again and again."""
    if len(query) > _MEMO_QUERY_CHARS:
        return check_query(query, stored_graphs=graphs, max_depth=depth, max_operators=operators)
    return _checked(query, graphs, depth, operators)


@functools.lru_cache(maxsize=1024)
def _checked(query: str, graphs: tuple[str, ...], depth: int, operators: int) -> QueryCheck:
    # A refused query raises, and lru_cache keeps no exception: refusals are checked each time.
    return check_query(query, stored_graphs=graphs, max_depth=depth, max_operators=operators)


def _if_none_match() -> set[str]:
    """The entity tags of If-None-Match, weak or strong alike (RFC 9110's weak comparison)."""
    header = request.headers.get("If-None-Match", "")
    return {
        tag.strip() if tag.strip().startswith("W/") else "W/" + tag.strip()
        for tag in header.split(",")
        if tag.strip()
    }


def _read_protocol_request() -> ProtocolRequest:
    """The query, dataset and format parameters; 400 for anything ambiguous or unreadable.

    Parameters are percent-decoded here as strict UTF-8 (werkzeug would put U+FFFD in place of a
    bad byte, silently changing a literal in the query).
    """
    params = pairs(request.query_string, "query string")
    body_query: str | None = None
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == "application/x-www-form-urlencoded":
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise HTTPError(415, f"a form is read as UTF-8, not charset={charset}")
            params += pairs(body(), "form body")
        elif mimetype == "application/sparql-query":
            body_query = _decode_body(body())
        elif mimetype == "application/sparql-update":
            raise HTTPError(400, "SPARQL Update is not accepted at /sparql; curators use /update")
        else:
            raise HTTPError(
                415,
                f"POST a query as application/x-www-form-urlencoded (query=…) or "
                f"application/sparql-query, not {mimetype or 'no content type'}",
            )
    names = [name for name, _ in params]
    if "update" in names:
        raise HTTPError(400, "SPARQL Update is not accepted at /sparql; curators use /update")
    unknown = sorted({name for name in names if name not in PARAMETERS})
    if unknown:
        raise HTTPError(
            400,
            f"unknown parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(n) for n in unknown)}; /sparql takes {', '.join(PARAMETERS[:4])} "
            "(output and results as aliases of format)",
        )
    queries = [value for name, value in params if name == "query"]
    if body_query is not None:
        if queries:
            raise HTTPError(400, "give the query once: in the body or in query=, not in both")
        queries = [body_query]
    if len(queries) > 1:
        raise HTTPError(400, "give exactly one query parameter")
    formats = [value for name, value in params if name in _FORMAT_PARAMETERS]
    asked = ProtocolRequest(
        query=queries[0] if queries else None,
        default_graphs=[value for name, value in params if name == "default-graph-uri"],
        named_graphs=[value for name, value in params if name == "named-graph-uri"],
        format=formats[0] if formats else None,
    )
    if asked.query is None:
        if request.method == "POST":
            raise HTTPError(400, "the request has no query")
        return asked
    if not asked.query.strip():
        raise HTTPError(400, "the query is empty")
    nul = asked.query.find("\x00")
    if nul >= 0:
        raise HTTPError(
            400,
            f"the query holds a NUL character (character {nul + 1}); is it UTF-16 sent as "
            "UTF-8? Send UTF-8, or declare charset=utf-16",
        )
    return asked


def _decode_body(data: bytes) -> str:
    """A query body: UTF-8 unless the request declares UTF-16; a byte order mark is dropped."""
    charset = request.mimetype_params.get("charset", "utf-8").lower().replace("utf8", "utf-8")
    if charset not in _BODY_CHARSETS:
        raise HTTPError(
            415,
            f"a query body is read as UTF-8 (or a declared UTF-16), not charset={charset}",
        )
    if charset == "utf-8" and data[:2] in _UTF16_BOMS:
        raise HTTPError(
            400,
            "the query body starts with a UTF-16 byte order mark but declares no charset: "
            "send UTF-8, or declare charset=utf-16",
        )
    # RFC 2781: UTF-16 without a byte order mark is big-endian.
    codec = {"utf-16": "utf-16" if data[:2] in _UTF16_BOMS else "utf-16-be"}.get(charset, charset)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        hint = "; a UTF-16 body must declare charset=utf-16" if charset == "utf-8" else ""
        raise HTTPError(
            400,
            f"the query body is not valid {charset.upper()}: {exc.reason} at byte {exc.start}"
            + hint,
        ) from exc
    return text.removeprefix("\ufeff")


def _negotiate(kind: str, name: str | None) -> Format:
    """The `format` parameter if given, else the best `Accept` match (q-values honoured)."""
    chosen = negotiate(_OFFERS[kind], accept=request.headers.get("Accept"), name=name)
    assert chosen is not None  # no page is offered beside a query's results
    return chosen


def _without_query() -> Response:
    """No query: the query page for a browser, the service description for anyone else."""
    if negotiate(_DESCRIPTION, accept=request.headers.get("Accept")) is None:
        return vary(redirect(url_for("pages.query_page"), code=303))  # type: ignore[return-value]
    return vary(
        Response(
            service_description().serialize(format="turtle"),
            mimetype=_DESCRIPTION.formats[0].media_type,
        )
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
    for fmt in rdf_formats():
        assert fmt.w3c is not None
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
