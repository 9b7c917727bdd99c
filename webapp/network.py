"""The cooperation network over HTTP: JSON API for machines and file downloads for desktop tools.

Adapts bipmkg.network.projection, bipmkg.network.analysis and bipmkg.network.files to HTTP:

- `/api/network[?as_of=]` nodes (labels, kind, metrics) and edges (kind, dates, fact, sources),
  with the error bounds of any sampled metric (`estimates`);
- `/api/analysis[?as_of=]` metrics, communities, bridges, articulation points, components,
  the algorithms used and the year-by-year evolution;
- `/api/path?from=&to=[&as_of=&limit=]` shortest paths with the facts behind every hop;
- `/api/ego?node=[&radius=&as_of=]` the bodies within `radius` (0–5, default 1) links;
- `/download/network.graphml`, `.gexf`, `network-nodes.csv`, `network-edges.csv` (`?as_of=`).

The projection is read through the query engine (the same workers and deadlines as /sparql) once
per build of the store; each as-of view, its analysis and its /api/network answer are kept in small
per-process LRUs keyed by the build (bipmkg.store.single_flight), and computed once even when many
requests ask at the same time.
Bad parameters answer 400 with what is wrong (NetworkQueryError is a QueryError).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, jsonify, request

from bipmkg.errors import NetworkQueryError
from bipmkg.rdf.formats import format_named
from bipmkg.store.adapters import EngineSelector
from bipmkg.store.single_flight import SingleFlightCache

from .errors import HTTPError
from .kg import get_kg
from .params import known_parameters

if TYPE_CHECKING:
    import networkx as nx  # type: ignore[import-untyped]

    from bipmkg.network.analysis import Analysis
    from bipmkg.network.projection import Projection

# networkx, igraph and the analysis are imported by the first network request, not at start:
# a server must answer its first query within a second, and most never draw the network.

bp = Blueprint("network", __name__)

VIEWS_KEPT = 16  # as-of views (network + analysis) kept per process


@dataclass(frozen=True)
class View:
    network: nx.MultiGraph
    analysis: Analysis


# Computed once even when many first requests ask at the same time (bipmkg.store.single_flight):
# a burst of them on a large graph would otherwise run the same analysis once per thread.
_projections: SingleFlightCache[tuple[object, ...], Projection] = SingleFlightCache(max_weight=2)
_views: SingleFlightCache[tuple[object, ...], View] = SingleFlightCache(max_weight=VIEWS_KEPT)
# /api/network answers, encoded once per view
_payloads: SingleFlightCache[tuple[object, ...], str] = SingleFlightCache(max_weight=VIEWS_KEPT)


def _build_key() -> tuple[str, int]:
    kg = get_kg()
    return str(kg.store_dir), kg.manifest_mtime


def _projection() -> Projection:
    from bipmkg.network.projection import project

    kg = get_kg()
    return _projections.get(_build_key(), lambda: project(EngineSelector(kg.engine)))


def _view() -> View:
    from bipmkg.network.analysis import analyse
    from bipmkg.network.projection import network_of, parse_as_of

    as_of = parse_as_of(request.args.get("as_of"))

    def compute() -> View:
        network = network_of(_projection(), as_of=as_of)
        return View(network, analyse(network, as_of=as_of))

    return _views.get((*_build_key(), as_of), compute)


def _required(name: str) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        raise HTTPError(
            400, f"the parameter {name}= is missing: name a body by acronym, label or IRI"
        )
    return value


def _whole_number(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = int(text.strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise NetworkQueryError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
    return value


@bp.get("/api/network")
def network_json() -> Response:
    from bipmkg.network.projection import parse_as_of

    known_parameters("as_of")
    as_of = parse_as_of(request.args.get("as_of"))
    body = _payloads.get(
        (*_build_key(), as_of), lambda: f"{current_app.json.dumps(_network(_view()))}\n"
    )
    return current_app.response_class(body, mimetype="application/json")


def _network(view: View) -> dict[str, Any]:
    from bipmkg.network.analysis import LinkView, links_of
    from bipmkg.network.projection import LINK_KINDS

    nodes = []
    for m in sorted(view.analysis.metrics, key=lambda m: m.iri):
        nodes.append(
            {
                "iri": m.iri,
                "name": m.name,
                "label_en": m.label_en,
                "label_fr": m.label_fr,
                "acronym": m.acronym,
                "kind": m.kind,
                "metrics": {
                    "rank": m.rank,
                    "degree": m.degree,
                    "weighted_degree": m.weighted_degree,
                    "betweenness": m.betweenness,
                    "closeness": m.closeness,
                    "pagerank": m.pagerank,
                    "community": m.community,
                    "component": m.component,
                    "articulation_point": m.articulation_point,
                },
            }
        )
    return {
        "as_of": view.analysis.as_of,
        "bodies": view.analysis.bodies,
        "links": view.analysis.links,
        "link_kinds": dict(LINK_KINDS),
        # Empty unless betweenness or closeness was estimated: then how far off it may be.
        "estimates": [asdict(estimate) for estimate in view.analysis.estimates],
        "nodes": nodes,
        # Field by field: dataclasses.asdict deep-copies, 10× slower on 10^5 links.
        "edges": [
            {f.name: getattr(link, f.name) for f in fields(LinkView)}
            for link in links_of(view.network)
        ],
    }


@bp.get("/api/analysis")
def analysis_json() -> Response:
    from bipmkg.network.projection import LINK_KINDS, by_year

    known_parameters("as_of")
    view = _view()
    payload: dict[str, Any] = asdict(view.analysis)
    payload["by_year"] = [asdict(year) for year in by_year(_projection())]
    payload["link_kinds"] = dict(LINK_KINDS)
    return jsonify(payload)


@bp.get("/api/path")
def path_json() -> Response:
    from bipmkg.network.analysis import MAX_PATHS, path

    known_parameters("from", "to", "limit", "as_of")
    source, target = _required("from"), _required("to")
    limit = _whole_number("limit", MAX_PATHS, 1, 50)
    return jsonify(asdict(path(_view().network, source, target, limit=limit)))


@bp.get("/api/ego")
def ego_json() -> Response:
    from bipmkg.network.analysis import MAX_EGO_RADIUS, ego

    known_parameters("node", "radius", "as_of")
    node = _required("node")
    radius = _whole_number("radius", 1, 0, MAX_EGO_RADIUS)
    return jsonify(asdict(ego(_view().network, node, radius)))


def _download(body: bytes | str, fmt: str, name: str) -> Response:
    known_parameters("as_of")
    as_of = request.args.get("as_of", "").strip()
    stem, _, extension = name.rpartition(".")
    filename = f"{stem}-{as_of}.{extension}" if as_of else name
    response = Response(body, content_type=format_named(fmt).content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/download/network.graphml")
def download_graphml() -> Response:
    from bipmkg.network.files import to_graphml

    view = _view()
    return _download(to_graphml(view.network, view.analysis), "graphml", "network.graphml")


@bp.get("/download/network.gexf")
def download_gexf() -> Response:
    from bipmkg.network.files import to_gexf

    view = _view()
    return _download(to_gexf(view.network, view.analysis), "gexf", "network.gexf")


@bp.get("/download/network-nodes.csv")
def download_nodes() -> Response:
    from bipmkg.network.files import nodes_csv

    view = _view()
    return _download(nodes_csv(view.network, view.analysis), "csv", "network-nodes.csv")


@bp.get("/download/network-edges.csv")
def download_edges() -> Response:
    from bipmkg.network.files import edges_csv

    return _download(edges_csv(_view().network), "csv", "network-edges.csv")
