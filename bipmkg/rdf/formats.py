"""One table of formats: name ↔ media type ↔ extension ↔ rdflib and Oxigraph serialisers.

Every place that picks a format reads this table: content negotiation at /sparql and on entity
IRIs, `--format` choices of the CLI, file suffixes (`.ttl`, `.jsonld`…), downloads and the
service description. Adding a format is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    kind: str  # "solutions" (SELECT/ASK results), "graph" (triples) or "dataset" (quads)
    rdflib: str | None
    oxigraph: ox.RdfFormat | None
    w3c: str  # local name in http://www.w3.org/ns/formats/
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """Every format here is text, written in UTF-8."""
        return f"{self.media_type}; charset=utf-8"


FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "application/sparql-results+json",
        "srj",
        "solutions",
        None,
        None,
        "SPARQL_Results_JSON",
        ("application/json",),
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "srx",
        "solutions",
        None,
        None,
        "SPARQL_Results_XML",
        ("application/xml", "text/xml"),
    ),
    Format("csv", "text/csv", "csv", "solutions", None, None, "SPARQL_Results_CSV"),
    Format(
        "tsv", "text/tab-separated-values", "tsv", "solutions", None, None, "SPARQL_Results_TSV"
    ),
    Format(
        "turtle",
        "text/turtle",
        "ttl",
        "graph",
        "turtle",
        ox.RdfFormat.TURTLE,
        "Turtle",
        ("application/x-turtle",),
    ),
    Format(
        "jsonld",
        "application/ld+json",
        "jsonld",
        "graph",
        "json-ld",
        ox.RdfFormat.JSON_LD,
        "JSON-LD",
    ),
    Format("rdfxml", "application/rdf+xml", "rdf", "graph", "xml", ox.RdfFormat.RDF_XML, "RDF_XML"),
    Format(
        "ntriples",
        "application/n-triples",
        "nt",
        "graph",
        "nt",
        ox.RdfFormat.N_TRIPLES,
        "N-Triples",
        ("text/plain",),
    ),
    Format("trig", "application/trig", "trig", "dataset", "trig", ox.RdfFormat.TRIG, "TriG"),
    Format(
        "nquads", "application/n-quads", "nq", "dataset", "nquads", ox.RdfFormat.N_QUADS, "N-Quads"
    ),
)


def find_format(key: str) -> Format | None:
    """The format of a name, extension, media type or alias, or None."""
    for fmt in FORMATS:
        if key in (fmt.name, fmt.extension, fmt.media_type, *fmt.aliases):
            return fmt
    return None


def format_named(key: str) -> Format:
    """Like find_format, but a ValueError names the known formats."""
    fmt = find_format(key)
    if fmt is None:
        raise ValueError(f"unknown format {key!r}; known: {', '.join(f.name for f in FORMATS)}")
    return fmt


def formats_for(*kinds: str) -> list[Format]:
    """The formats of the given kinds, in table order (the first is the default)."""
    return [f for f in FORMATS if f.kind in kinds]


def graph_format_names() -> list[str]:
    """Names of the formats that serialise a single graph."""
    return [f.name for f in formats_for("graph")]
