"""One table of formats: name ↔ media type ↔ suffix ↔ rdflib and Oxigraph serialisers ↔ what
each can express.

Every place that picks or describes a format reads this table: content negotiation at /sparql,
on entity IRIs and at /.well-known/void (webapp.negotiation), `--format` choices of the CLI, file
suffixes (`.ttl`, `.jsonld`…), the downloads of the graph and of the network, the service
description's result formats and the media types of /openapi.json. Adding a format is one row
here (and its writer, if no rdflib or Oxigraph serialiser writes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

#: What a format can express: SELECT/ASK results, one graph of triples, named graphs (quads), or
#: the cooperation network's nodes and links (bipmkg.network.files).
Kind = Literal["solutions", "graph", "dataset", "network"]


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    kinds: tuple[Kind, ...]
    rdflib: str | None
    oxigraph: ox.RdfFormat | None
    w3c: str | None  # local name in http://www.w3.org/ns/formats/, for the service description
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """Every format here is text, written in UTF-8."""
        return f"{self.media_type}; charset=utf-8"

    @property
    def media_types(self) -> tuple[str, ...]:
        """The media type and the aliases it is also known by, in that order."""
        return (self.media_type, *self.aliases)


FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "application/sparql-results+json",
        "srj",
        ("solutions",),
        None,
        None,
        "SPARQL_Results_JSON",
        ("application/json",),
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "srx",
        ("solutions",),
        None,
        None,
        "SPARQL_Results_XML",
        ("application/xml", "text/xml"),
    ),
    # The same CSV carries SELECT results and the network's node and edge lists.
    Format("csv", "text/csv", "csv", ("solutions", "network"), None, None, "SPARQL_Results_CSV"),
    Format(
        "tsv",
        "text/tab-separated-values",
        "tsv",
        ("solutions",),
        None,
        None,
        "SPARQL_Results_TSV",
    ),
    Format(
        "turtle",
        "text/turtle",
        "ttl",
        ("graph",),
        "turtle",
        ox.RdfFormat.TURTLE,
        "Turtle",
        ("application/x-turtle",),
    ),
    Format(
        "jsonld",
        "application/ld+json",
        "jsonld",
        ("graph",),
        "json-ld",
        ox.RdfFormat.JSON_LD,
        "JSON-LD",
    ),
    Format(
        "rdfxml", "application/rdf+xml", "rdf", ("graph",), "xml", ox.RdfFormat.RDF_XML, "RDF_XML"
    ),
    Format(
        "ntriples",
        "application/n-triples",
        "nt",
        ("graph",),
        "nt",
        ox.RdfFormat.N_TRIPLES,
        "N-Triples",
        ("text/plain",),
    ),
    Format("trig", "application/trig", "trig", ("dataset",), "trig", ox.RdfFormat.TRIG, "TriG"),
    Format(
        "nquads",
        "application/n-quads",
        "nq",
        ("dataset",),
        "nquads",
        ox.RdfFormat.N_QUADS,
        "N-Quads",
    ),
    # Written by networkx (bipmkg.network.files), read by Gephi and Cytoscape.
    Format("graphml", "application/graphml+xml", "graphml", ("network",), None, None, None),
    Format("gexf", "application/gexf+xml", "gexf", ("network",), None, None, None),
)


def find_format(key: str, among: tuple[Format, ...] = FORMATS) -> Format | None:
    """The format of a name, extension, media type or alias, or None."""
    for fmt in among:
        if key in (fmt.name, fmt.extension, *fmt.media_types):
            return fmt
    return None


def format_named(key: str) -> Format:
    """Like find_format, but a ValueError names the known formats."""
    fmt = find_format(key)
    if fmt is None:
        raise ValueError(f"unknown format {key!r}; known: {', '.join(f.name for f in FORMATS)}")
    return fmt


def formats_for(*kinds: Kind) -> tuple[Format, ...]:
    """The formats that express any of the given kinds, in table order (the first is the
    default)."""
    return tuple(f for f in FORMATS if any(kind in f.kinds for kind in kinds))


def rdf_formats() -> tuple[Format, ...]:
    """What a SPARQL query's answer can be written in: results, graphs and datasets."""
    return formats_for("solutions", "graph", "dataset")


def format_names(*kinds: Kind) -> list[str]:
    """Names of the formats that express any of the given kinds (`--format` choices)."""
    return [f.name for f in formats_for(*kinds)]
