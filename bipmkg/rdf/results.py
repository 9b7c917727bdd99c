"""Serialise SPARQL results: SELECT/ASK as JSON, XML, CSV, TSV; graphs through Oxigraph.

Formats come from the one table in bipmkg.rdf.formats.

Written here rather than with Oxigraph's result serialiser because the row cap must stop the
stream at a known row and say so; Oxigraph serialises all solutions or none. The byte cap works
the same way: each row is encoded as it comes and the answer stops before the row that would take
it past the cap, so neither the worker nor the web process ever holds more than the cap of
encoded rows (a 529-character query once made a 500 MB answer out of 10,000 rows).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from bipmkg.rdf.formats import Format

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None


@dataclass(frozen=True)
class Written:
    """An encoded answer and where it stopped: `cut` is "rows" (row cap), "bytes" (byte cap) or
    "" (complete)."""

    body: bytes
    rows: int
    cut: str = ""


def write_solutions(fmt: Format, variables: Sequence[str], rows: Iterable[Sequence[Term]]) -> bytes:
    return write_solutions_capped(fmt, variables, rows).body


def write_solutions_capped(
    fmt: Format,
    variables: Sequence[str],
    rows: Iterable[Sequence[Term]],
    *,
    row_cap: int | None = None,
    max_bytes: int | None = None,
) -> Written:
    """Encode rows as they come, up to `row_cap` rows and `max_bytes` bytes (None: no cap).

    A cap is reported as applied only if a row beyond it exists: `rows` is read one row past.
    """
    head, encode, separator, tail = _pieces(fmt, variables)
    parts = [head]
    size = len(head) + len(tail)
    count = 0
    cut = ""
    for row in rows:
        if row_cap is not None and count == row_cap:
            cut = "rows"
            break
        piece = encode(row)
        extra = len(piece) + (len(separator) if count else 0)
        if max_bytes is not None and size + extra > max_bytes:
            cut = "bytes"
            break
        if count:
            parts.append(separator)
        parts.append(piece)
        size += extra
        count += 1
    parts.append(tail)
    return Written(b"".join(parts), count, cut)


RowEncoder = Callable[[Sequence[Term]], bytes]


def _pieces(fmt: Format, variables: Sequence[str]) -> tuple[bytes, RowEncoder, bytes, bytes]:
    """Head, row encoder, separator between rows, and tail of a results format."""
    if fmt.name == "json":
        head = '{"head": {"vars": ' + json.dumps(list(variables), ensure_ascii=False)
        return (
            (head + '}, "results": {"bindings": [').encode(),
            lambda row: _json_row(variables, row),
            b", ",
            b"]}}",
        )
    if fmt.name == "xml":
        return (
            (
                '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                + "<head>"
                + "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
                + "</head><results>"
            ).encode(),
            lambda row: _xml_row(variables, row),
            b"",
            b"</results></sparql>\n",
        )
    if fmt.name == "csv":
        return _csv_row(variables), lambda row: _csv_row([_plain(t) for t in row]), b"", b""
    if fmt.name == "tsv":
        return (
            ("\t".join(f"?{v}" for v in variables) + "\n").encode(),
            lambda row: ("\t".join(_tsv_term(t) for t in row) + "\n").encode(),
            b"",
            b"",
        )
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


def write_triples_capped(
    fmt: Format,
    triples: Iterable[ox.Triple],
    *,
    row_cap: int | None = None,
    max_bytes: int | None = None,
) -> Written:
    """Triples as they come, up to `row_cap` triples and `max_bytes` bytes of the written graph.

    Triples are counted by their N-Triples length while they are read (a format's prefixes and
    nesting make the written graph a little smaller, or for RDF/XML and JSON-LD larger); a
    written graph still past the cap is cut down in proportion until it fits.
    """
    kept: list[ox.Triple] = []
    size = 0
    cut = ""
    for triple in triples:
        if row_cap is not None and len(kept) == row_cap:
            cut = "rows"
            break
        length = len(str(triple).encode()) + 3  # " .\n"
        if max_bytes is not None and size + length > max_bytes:
            cut = "bytes"
            break
        kept.append(triple)
        size += length
    body = write_triples(fmt, kept)
    while max_bytes is not None and len(body) > max_bytes and kept:
        cut = "bytes"
        kept = kept[: min(len(kept) - 1, int(len(kept) * max_bytes / len(body)))]
        body = write_triples(fmt, kept)
    return Written(body, len(kept), cut)


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


def _json_row(variables: Sequence[str], row: Sequence[Term]) -> bytes:
    binding = {}
    for var, term in zip(variables, row, strict=True):
        value = _json_term(term)
        if value is not None:
            binding[var] = value
    return json.dumps(binding, ensure_ascii=False).encode()


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


def _xml_row(variables: Sequence[str], row: Sequence[Term]) -> bytes:
    bindings = "".join(
        f"<binding name={quoteattr(var)}>{_xml_term(term)}</binding>"
        for var, term in zip(variables, row, strict=True)
        if term is not None
    )
    return f"<result>{bindings}</result>".encode()


def _plain(term: Term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _csv_row(cells: Sequence[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
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
