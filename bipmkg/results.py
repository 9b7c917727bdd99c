"""Serialise SPARQL results: SELECT/ASK as JSON, XML, CSV, TSV; graphs through Oxigraph.

Formats come from the one table in bipmkg.formats.

Written here rather than with Oxigraph's result serialiser because the row cap must stop the
stream at a known row and say so; Oxigraph serialises all solutions or none.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .formats import Format

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None


def write_solutions(fmt: Format, variables: Sequence[str], rows: Iterable[Sequence[Term]]) -> bytes:
    if fmt.name == "json":
        return _json(variables, rows)
    if fmt.name == "xml":
        return _xml(variables, rows)
    if fmt.name == "csv":
        return _csv(variables, rows)
    if fmt.name == "tsv":
        return _tsv(variables, rows)
    raise ValueError(f"{fmt.name} is not a results format")


def write_boolean(fmt: Format, value: bool) -> bytes:
    if fmt.name == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt.name == "xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    # CSV/TSV have no boolean form in the standard; one column "boolean" is what clients expect.
    return f"boolean\r\n{'true' if value else 'false'}\r\n".encode()


def write_triples(fmt: Format, triples: Iterable[ox.Triple]) -> bytes:
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
