"""The default graph of every query: one stored graph holding the union of the built graphs.

SPARQL's default graph is the RDF merge of the graphs it is made of, a set: each triple once.
Oxigraph's union default graph, and a dataset of several default graphs, give a triple once per
graph that holds it: the 4,960 triples two importers both state (the same CGPM and CIPM meetings,
from si-reference-point and bipm-data-outcomes) came out twice, in the example queries' rows and in
counts. And spelling out the 80 built graphs as a remote server's 80 `default-graph-uri` made
Oxigraph 0.5 evaluate each pattern over each graph: an entity's facts query took 1.2 s instead of
0.03 s. So a build stores the union once more, as `UNION_GRAPH`, beside the graphs it is made of
(on a remote server as on the embedded store), and queries read it as their default graph, with
the built graphs as their named graphs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import pyoxigraph as ox

from bipmkg.rdf.namespaces import GRAPH_BASE

UNION_GRAPH: Final = f"{GRAPH_BASE}union"
_UNION = ox.NamedNode(UNION_GRAPH)


def add_union(store: ox.Store) -> None:
    """Store the union of `store`'s graphs as `UNION_GRAPH` (replacing any earlier union)."""
    store.clear_graph(_UNION)
    triples = dict.fromkeys(quad.triple for quad in store.quads_for_pattern(None, None, None))
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, _UNION) for t in triples)


def has_union(store: ox.Store) -> bool:
    return bool(store.contains_named_graph(_UNION))


def union_triples(store: ox.Store) -> bytes:
    """The union graph as one N-Triples document (what a remote server is sent)."""
    quads = store.quads_for_pattern(None, None, None, _UNION)
    data = ox.serialize((quad.triple for quad in quads), format=ox.RdfFormat.N_TRIPLES)
    assert data is not None  # with no output given, serialize returns the bytes
    return data


def built_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """Every quad of the built graphs: the union graph, derived from them, left out."""
    return (q for q in store.quads_for_pattern(None, None, None) if q.graph_name != _UNION)


def dataset_of(store: ox.Store) -> dict[str, Any]:
    """`Store.query` keywords for the dataset of a query that names none: the union graph as the
    default graph and the built graphs as the named ones; a store with no union graph (one made
    in a test from a single graph) takes Oxigraph's union of its named graphs."""
    if not has_union(store):
        return {"use_default_graph_as_union": True}
    named = [g for g in store.named_graphs() if g != _UNION]
    return {"default_graph": _UNION, "named_graphs": named}
