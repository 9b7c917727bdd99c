"""Serialise SPARQL results: SELECT/ASK as JSON, XML, CSV, TSV; graphs through Oxigraph.

Written here rather than with Oxigraph's result serialiser because the row cap must stop the
stream at a known row and say so; Oxigraph serialises all solutions or none.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class ResultsFormat:
    """A SPARQL results format (SELECT/ASK) or an RDF format (CONSTRUCT/DESCRIBE)."""

    name: str
    media_type: str
    kind: str  # "solutions" or "graph"
    oxigraph: ox.RdfFormat | None = None


#: One table for the endpoint's result formats: content negotiation, `format=` and file names.
RESULTS_FORMATS: tuple[ResultsFormat, ...] = (
    ResultsFormat("json", "application/sparql-results+json", "solutions"),
    ResultsFormat("xml", "application/sparql-results+xml", "solutions"),
    ResultsFormat("csv", "text/csv", "solutions"),
    ResultsFormat("tsv", "text/tab-separated-values", "solutions"),
    ResultsFormat("turtle", "text/turtle", "graph", ox.RdfFormat.TURTLE),
    ResultsFormat("ntriples", "application/n-triples", "graph", ox.RdfFormat.N_TRIPLES),
    ResultsFormat("rdfxml", "application/rdf+xml", "graph", ox.RdfFormat.RDF_XML),
    ResultsFormat("jsonld", "application/ld+json", "graph", ox.RdfFormat.JSON_LD),
    ResultsFormat("trig", "application/trig", "graph", ox.RdfFormat.TRIG),
    ResultsFormat("nquads", "application/n-quads", "graph", ox.RdfFormat.N_QUADS),
)
#: Other media types clients send for the same formats.
ALIASES = {
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/x-turtle": "turtle",
    "text/plain": "ntriples",
    "application/json+ld": "jsonld",
}


def results_format(name_or_media_type: str) -> ResultsFormat | None:
    key = ALIASES.get(name_or_media_type, name_or_media_type)
    for fmt in RESULTS_FORMATS:
        if key in (fmt.name, fmt.media_type):
            return fmt
    return None


def formats_of(kind: str) -> list[ResultsFormat]:
    return [f for f in RESULTS_FORMATS if f.kind == kind]


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None


def write_solutions(
    fmt: ResultsFormat, variables: Sequence[str], rows: Iterable[Sequence[Term]]
) -> bytes:
    if fmt.name == "json":
        return _json(variables, rows)
    if fmt.name == "xml":
        return _xml(variables, rows)
    if fmt.name == "csv":
        return _csv(variables, rows)
    if fmt.name == "tsv":
        return _tsv(variables, rows)
    raise ValueError(f"{fmt.name} is not a results format")


def write_boolean(fmt: ResultsFormat, value: bool) -> bytes:
    if fmt.name == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt.name == "xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    # CSV/TSV have no boolean form in the standard; one column "boolean" is what clients expect.
    return f"boolean\r\n{'true' if value else 'false'}\r\n".encode()


def write_triples(fmt: ResultsFormat, triples: Iterable[ox.Triple]) -> bytes:
    assert fmt.oxigraph is not None
    data = ox.serialize(triples, format=fmt.oxigraph)
    return data if isinstance(data, bytes) else b""


def _json_term(term: Term) -> dict[str, object] | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _json(variables: Sequence[str], rows: Iterable[Sequence[Term]]) -> bytes:
    bindings = []
    for row in rows:
        binding = {}
        for var, term in zip(variables, row, strict=True):
            value = _json_term(term)
            if value is not None:
                binding[var] = value
        bindings.append(binding)
    return json.dumps(
        {"head": {"vars": list(variables)}, "results": {"bindings": bindings}},
        ensure_ascii=False,
    ).encode()


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _xml(variables: Sequence[str], rows: Iterable[Sequence[Term]]) -> bytes:
    out = io.StringIO()
    out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">')
    out.write("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head>")
    out.write("<results>")
    for row in rows:
        out.write("<result>")
        for var, term in zip(variables, row, strict=True):
            if term is not None:
                out.write(f"<binding name={quoteattr(var)}>{_xml_term(term)}</binding>")
        out.write("</result>")
    out.write("</results></sparql>\n")
    return out.getvalue().encode()


def _plain(term: Term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _csv(variables: Sequence[str], rows: Iterable[Sequence[Term]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_plain(t) for t in row])
    return out.getvalue().encode()


def _tsv_term(term: Term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        value = (
            term.value.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )
        if term.language:
            return f'"{value}"@{term.language}'
        if term.datatype.value != XSD_STRING:
            return f'"{value}"^^<{term.datatype.value}>'
        return f'"{value}"'
    return str(term)


def _tsv(variables: Sequence[str], rows: Iterable[Sequence[Term]]) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()
