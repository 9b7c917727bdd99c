"""Run SELECT queries on whatever holds the graph and get plain rows back: the `Selector`
interface, and its adapter over an rdflib graph (tests, the CLI on Turtle files).

Analysis, search and pages read the graph through SPARQL projections, whichever engine holds
it. Rows are dicts of variable → lexical value (IRIs and literals as text); unbound variables
are absent. The adapters over a built store and over the query engine are in
`bipmkg.store.manifest.adapters`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from rdflib import Graph
from rdflib.term import Node

from bipmkg.errors import QueryError

#: A row: variable → lexical value (IRIs and literals as text); unbound variables are absent.
Row = dict[str, str]


class Selector(Protocol):
    """Anything that answers a SELECT query with plain rows."""

    def select(self, query: str, bindings: Mapping[str, str] | None = None) -> list[Row]: ...


def _bind(query: str, bindings: Mapping[str, str] | None) -> str:
    """Bind IRIs with a VALUES block: values are IRIs checked to contain no IRI delimiter."""
    if not bindings:
        return query
    for name, iri in bindings.items():
        if not name.isidentifier() or any(c in iri for c in '<>"{}|^`\\ \n\r\t'):
            raise QueryError(f"cannot bind {name} to {iri!r}: not an IRI")
    values = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(f"<{iri}>" for iri in bindings.values())
    head, brace, tail = query.partition("{")
    if not brace:
        raise QueryError("query has no group pattern to bind values into")
    return f"{head}{{ VALUES ({values}) {{ ({terms}) }} {tail}"


class GraphSelector:
    """rdflib graph, evaluated by rdflib's own SPARQL: for tests on small graphs (the real graph
    goes through `store.adapters.StoreSelector.from_graph`, hundreds of times faster)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def select(self, query: str, bindings: Mapping[str, str] | None = None) -> list[Row]:
        result = self.graph.query(_bind(query, bindings))
        variables = [str(v) for v in result.vars or ()]
        rows: list[Row] = []
        for record in result:
            values: tuple[Node | None, ...] = tuple(record)  # type: ignore[arg-type]
            rows.append(
                {v: str(t) for v, t in zip(variables, values, strict=True) if t is not None}
            )
        return rows
