"""One table of RDF formats: name ↔ media type ↔ file extension ↔ rdflib serializer.

Every place that picks a format (CLI `--format` choices, file names, later content
negotiation and downloads) reads this table, so a format is added in one line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RdfFormat:
    name: str
    media_type: str
    extension: str
    rdflib_format: str
    dataset: bool = False


FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("turtle", "text/turtle", "ttl", "turtle"),
    RdfFormat("jsonld", "application/ld+json", "jsonld", "json-ld"),
    RdfFormat("rdfxml", "application/rdf+xml", "rdf", "xml"),
    RdfFormat("ntriples", "application/n-triples", "nt", "nt"),
    RdfFormat("trig", "application/trig", "trig", "trig", dataset=True),
    RdfFormat("nquads", "application/n-quads", "nq", "nquads", dataset=True),
)


def format_named(name: str) -> RdfFormat:
    """The format of a name, extension or media type; ValueError names the known ones."""
    for fmt in FORMATS:
        if name in (fmt.name, fmt.extension, fmt.media_type):
            return fmt
    known = ", ".join(f.name for f in FORMATS)
    raise ValueError(f"unknown RDF format {name!r}; known: {known}")


def graph_format_names() -> list[str]:
    """Names of the formats that serialise a single graph."""
    return [f.name for f in FORMATS if not f.dataset]
