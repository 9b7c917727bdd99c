"""Dereferenceable IRIs: /id/<kind>/<slug> and /ontology, as HTML or RDF.

A suffix (.ttl, .jsonld, .rdf, .nt), else `?format=` or `Accept` (q-values honoured; the one
negotiation of webapp.negotiation) chooses the representation; 406 when none can be served, 404
(in the asked form) for an unknown IRI. The RDF is the entity's concise bounded description plus
its neighbours' labels (bipmkg.linked_data.describe); JSON-LD is compacted with the project's
context.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, request, url_for
from rdflib import Graph

from bipmkg.linked_data.describe import Description, describe, describe_query
from bipmkg.linked_data.dumps import compact_jsonld
from bipmkg.linked_data.sections import read_sections
from bipmkg.query.files import load_query
from bipmkg.query.request import QueryRequest
from bipmkg.rdf.formats import Format, formats_for
from bipmkg.rdf.namespaces import ID_BASE, KINDS, ONTOLOGY_IRI, instance_iri

from .kg import get_kg
from .language import REUSED_LABELS, page_language
from .negotiation import HTML, Offer, negotiate, vary

bp = Blueprint("entities", __name__)

RDF_FORMATS = formats_for("graph")
SUFFIXES = {f.extension: f for f in RDF_FORMATS}
#: A page for people first (a browser, or `*/*`, gets it), then the graph formats.
_OFFER = Offer(RDF_FORMATS, "this resource is", page="first")
_ONTOLOGY_GRAPH = load_query(__file__, "ontology-graph")
_ENTITIES_UNDER_PREFIX = load_query(__file__, "entities-under-iri-prefix")
_PROPERTY_LABELS = load_query(__file__, "property-labels")
_ONTOLOGY_TERMS = load_query(__file__, "ontology-terms")


@bp.get("/id/<kind>/<slug>")
def entity(kind: str, slug: str) -> Response:
    slug, suffix = _split_suffix(slug)
    if kind not in KINDS:
        abort(404, f"no kind {kind!r} in this graph; kinds: {', '.join(KINDS)}")
    try:
        iri = str(instance_iri(kind, slug))
    except ValueError as exc:
        abort(404, str(exc))
    return _represent(iri, suffix)


@bp.get("/ontology")
@bp.get("/ontology.<suffix>")
def ontology(suffix: str | None = None) -> Response:
    if suffix is not None and suffix not in SUFFIXES:
        abort(404, f"no representation .{suffix}; use {', '.join('.' + s for s in SUFFIXES)}")
    fmt = _negotiate(SUFFIXES.get(suffix or ""))
    kg = get_kg()
    if fmt is None:
        terms = kg.cached("ontology-terms", lambda: _ontology_terms())
        return vary(
            Response(
                render_template(
                    "entities/ontology.html", terms=terms, lang=page_language(), iri=ONTOLOGY_IRI
                ),
                mimetype=HTML,
            )
        )
    request = QueryRequest(_ONTOLOGY_GRAPH, fmt="ntriples", row_cap=None)
    return _rdf_response(kg.engine.run(request).body, fmt)


@bp.get("/id/<kind>/")
def index(kind: str) -> Response:
    if kind not in KINDS:
        abort(404, f"no kind {kind!r} in this graph; kinds: {', '.join(KINDS)}")
    kg = get_kg()
    rows = kg.selector.select(
        _ENTITIES_UNDER_PREFIX,
        {"prefix": f"{ID_BASE}{kind}/"},
    )
    return Response(
        render_template("entities/index.html", kind=kind, rows=rows, lang=page_language()),
        mimetype=HTML,
    )


def local_path(iri: str) -> str:
    """A link for a page: this server's path for the graph's own IRIs, the IRI otherwise.

    Pages show and declare (rel=canonical) the public IRIs but link relatively, so they work
    wherever the app is served, 127.0.0.1 included.
    """
    if iri.startswith(ID_BASE):
        kind, _, slug = iri[len(ID_BASE) :].partition("/")
        if kind in KINDS and slug:
            return url_for("entities.entity", kind=kind, slug=slug)
    if iri.startswith(ONTOLOGY_IRI):
        return url_for("entities.ontology") + iri[len(ONTOLOGY_IRI) :]
    return iri


def _split_suffix(slug: str) -> tuple[str, str | None]:
    base, dot, suffix = slug.rpartition(".")
    if dot and suffix in SUFFIXES:
        return base, suffix
    if dot:
        abort(404, f"no representation .{suffix}; use {', '.join('.' + s for s in SUFFIXES)}")
    return slug, None


def _negotiate(forced: Format | None) -> Format | None:
    """The RDF format to answer with, or None for HTML; a suffix decides before anything else."""
    if forced is not None:
        return forced
    return negotiate(_OFFER, accept=request.headers.get("Accept"), name=request.args.get("format"))


def _represent(iri: str, suffix: str | None) -> Response:
    fmt = _negotiate(SUFFIXES.get(suffix or ""))
    kg = get_kg()
    if fmt is not None:
        body = kg.engine.run(QueryRequest(describe_query(iri), fmt="ntriples", row_cap=None)).body
        if not body.strip():
            return _missing_rdf(iri, fmt)
        return _rdf_response(body, fmt)
    description = describe(kg.selector, iri)
    if not description.exists:
        return vary(
            Response(
                render_template("entities/missing.html", iri=iri, lang=page_language()),
                status=404,
                mimetype=HTML,
            )
        )
    return vary(Response(_render(description), mimetype=HTML))


def _missing_rdf(iri: str, fmt: Format) -> Response:
    """404 in the asked form: an empty graph that says, where the syntax allows, what is missing."""
    message = f"<{iri}> is not described in this graph; see /id/ for what is"
    if fmt.name == "jsonld":
        # A key that is no term is dropped by JSON-LD processors: the document stays an empty graph.
        body = json.dumps({"@graph": [], "error": message}, ensure_ascii=False, indent=2)
    elif fmt.name == "rdfxml":
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f"<!-- {message.replace('--', '- -')} -->\n"
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
        )
    else:
        body = f"# {message}\n"
    return vary(Response(body, status=404, content_type=fmt.content_type))


def _rdf_response(ntriples: bytes, fmt: Format) -> Response:
    graph = Graph()
    graph.parse(data=ntriples, format="nt")
    _bind(graph)
    if fmt.name == "jsonld":
        body = json.dumps(compact_jsonld(graph), ensure_ascii=False, indent=2)
    else:
        assert fmt.rdflib is not None
        body = graph.serialize(format=fmt.rdflib)
    return vary(Response(body, content_type=fmt.content_type))


def _bind(graph: Graph) -> None:
    from bipmkg.linked_data.dumps import bind_prefixes

    bind_prefixes(graph)


def _render(description: Description) -> str:
    kg = get_kg()
    lang = page_language()
    labels = kg.cached("property-labels", _property_labels)
    sections = read_sections(kg.selector, description.kind, description.iri)
    alternates = (
        [
            (
                f.media_type,
                url_for(
                    "entities.entity",
                    kind=description.kind,
                    slug=f"{description.iri.rsplit('/', 1)[-1]}.{f.extension}",
                ),
            )
            for f in RDF_FORMATS
        ]
        if description.kind in KINDS
        else []
    )
    return render_template(
        "entities/entity.html",
        d=description,
        sections=sections,
        lang=lang,
        prop_label=lambda p: _prop_label(labels, p, lang),
        alternates=alternates,
        ego_available="network.ego_json" in _endpoints(),
    )


def _endpoints() -> set[str]:
    from flask import current_app

    return set(current_app.view_functions)


def _prop_label(labels: dict[str, tuple[str, str]], predicate: str, lang: str) -> str:
    en, fr = labels.get(predicate) or REUSED_LABELS.get(predicate) or ("", "")
    chosen = fr if lang == "fr" and fr else en
    return chosen or predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _property_labels() -> dict[str, tuple[str, str]]:
    rows = get_kg().selector.select(_PROPERTY_LABELS)
    return {r["p"]: (r["en"], r.get("fr", "")) for r in rows}


def _ontology_terms() -> list[dict[str, str]]:
    rows = get_kg().selector.select(_ONTOLOGY_TERMS)
    merged: dict[str, dict[str, str]] = {}
    for row in rows:
        entry = merged.setdefault(row["term"], {**row, "supers": ""})
        if row.get("super") and row["super"] not in entry["supers"]:
            entry["supers"] = ", ".join(filter(None, [entry["supers"], row["super"]]))
        entry["name"] = row["term"].rsplit("#", 1)[-1]
    return list(merged.values())
