"""Evaluate a curator's SPARQL Update on a copy of the curated files, in a confined process.

`python -m bipmkg.curation.update_worker MEMORY_MB SANDBOX` reads one request (JSON on stdin: the
update's
text and the curated files by graph IRI), confines itself (`bipmkg.store.sandbox`: no network, read
only beneath the curated files' folder and the interpreter's), applies the update to an rdflib
copy of the files and writes the changed graphs as N-Triples (JSON on stdout). The parent
(`bipmkg.curation.update.apply_update`) kills it at the update's deadline, so an update's time is
bounded
like a query's, and nothing the text says can make it fetch a URL or read a file elsewhere.

Two readers:
- an update made only of INSERT DATA and DELETE DATA operations (what curators mostly send) is
  read by Oxigraph's TriG parser, linear in the text (rdflib's update parser took 22 s for 400
  events and grew faster than linearly), and applied triple by triple;
- any other update is parsed by rdflib, its algebra checked (no LOAD, SERVICE, CREATE or
  whole-store DROP/CLEAR, whatever the spelling: the parsed form is what rdflib evaluates), then
  evaluated by rdflib.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bipmkg.errors import QueryError
from bipmkg.query.safety import Token, tokens

#: Whole-store targets of DROP and CLEAR that would erase curated graphs.
_ERASING = frozenset({"ALL", "NAMED", "DEFAULT"})


@dataclass(frozen=True)
class DataOperation:
    """One INSERT DATA or DELETE DATA, as TriG text (its prologue included)."""

    insert: bool
    trig: str


def data_operations(text: str) -> list[DataOperation] | None:
    """The update as INSERT DATA / DELETE DATA operations; None if it holds anything else.

    The prologue (PREFIX, BASE) accumulates across operations, as the grammar has it. Each data
    block becomes TriG: triples outside GRAPH go in a `{ … }` block (the default graph), each
    `GRAPH g { … }` stays as it is.
    """
    try:
        stream = list(tokens(text))
    except QueryError:
        return None
    if any(t.kind == "other" and t.text == "\\" for t in stream):
        return None  # escapes outside IRIs and strings: rdflib's reading, not TriG's
    prologue: list[str] = []
    operations: list[DataOperation] = []
    index = 0
    while index < len(stream):
        token = stream[index]
        word = token.text.upper() if token.kind == "word" else ""
        if token.text == ";" and token.kind == "other":
            index += 1
        elif word == "PREFIX" and _kinds(stream, index + 1, ("pname", "iri")):
            prologue.append(f"PREFIX {stream[index + 1].text} {stream[index + 2].text}")
            index += 3
        elif word == "BASE" and _kinds(stream, index + 1, ("iri",)):
            prologue.append(f"BASE {stream[index + 1].text}")
            index += 2
        elif (
            word in ("INSERT", "DELETE")
            and index + 2 < len(stream)
            and stream[index + 1].text.upper() == "DATA"
            and stream[index + 2].text == "{"
        ):
            close = _closing(stream, index + 2)
            if close is None:
                return None
            body = _trig_blocks(text, stream[index + 3 : close])
            if body is None:
                return None
            operations.append(DataOperation(word == "INSERT", "\n".join([*prologue, body])))
            index = close + 1
        else:
            return None
    return operations


def _kinds(stream: Sequence[Token], start: int, kinds: tuple[str, ...]) -> bool:
    return start + len(kinds) <= len(stream) and all(
        stream[start + offset].kind == kind for offset, kind in enumerate(kinds)
    )


def _closing(stream: Sequence[Token], opening: int) -> int | None:
    """The index of the `}` that closes the `{` at `opening` (strings and IRIs are tokens)."""
    depth = 0
    for index in range(opening, len(stream)):
        token = stream[index]
        if token.kind != "other":
            continue
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
            if depth == 0:
                return index
    return None


def _trig_blocks(text: str, inner: Sequence[Token]) -> str | None:
    """A data block's quads as TriG, or None if it is not plain quad data."""
    blocks: list[str] = []
    loose: list[Token] = []  # triples of the default graph, between GRAPH blocks
    index = 0

    def flush() -> None:
        if loose:
            blocks.append("{ " + text[loose[0].position : _end(loose[-1])] + " }")
            loose.clear()

    while index < len(inner):
        token = inner[index]
        if token.kind == "word" and token.text.upper() == "GRAPH":
            if not (
                index + 2 < len(inner)
                and inner[index + 1].kind in ("iri", "pname")
                and inner[index + 2].text == "{"
            ):
                return None
            close = _closing(inner, index + 2)
            if close is None:
                return None
            flush()
            blocks.append(f"GRAPH {text[inner[index + 1].position : _end(inner[close])]}")
            index = close + 1
        elif token.kind == "other" and token.text == "." and not loose:
            index += 1  # the optional dot after a GRAPH block
        else:
            loose.append(token)
            index += 1
    flush()
    return "\n".join(blocks)


def _end(token: Token) -> int:
    return token.position + len(token.text)


# --- the algebra check of a general update ---------------------------------------------------


def writes_default_graph(operation: Any) -> bool:
    """Whether a parsed operation writes the default graph, which no curated file holds: the
    triples of a data block or template outside GRAPH (without WITH), or ADD/COPY/MOVE TO
    DEFAULT."""
    # dict.get, not CompValue.get, whose second argument is not a default.
    name = operation.name
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        return bool(dict.get(operation, "triples"))
    if name == "Modify":
        if dict.get(operation, "withClause") is not None:
            return False
        clauses = (dict.get(operation, "insert"), dict.get(operation, "delete"))
        return any(clause is not None and dict.get(clause, "triples") for clause in clauses)
    if name in ("Add", "Copy", "Move"):
        return str(operation.graph[1]).upper() == "DEFAULT"
    return False


def default_graph_refusal(files: Iterable[str]) -> QueryError:
    return QueryError(
        "the update writes to the default graph, which no curated file holds; name the file's "
        f"graph with GRAPH <…> (or WITH <…>), one of: {', '.join(sorted(files))}"
    )


def check_parsed_update(translated: Any, files: Iterable[str] = ()) -> None:
    """Refuse what rdflib would evaluate that may fetch, erase or write nowhere: read off the
    parsed update."""
    for operation in translated.algebra:
        name = operation.name
        if writes_default_graph(operation):
            raise default_graph_refusal(files)
        if name == "Load":
            raise QueryError("LOAD is refused at /update")
        if name == "Create":
            raise QueryError("CREATE is refused at /update")
        if name in ("Drop", "Clear"):
            target = operation.graphiri
            if isinstance(target, str) and target.upper() in _ERASING:
                verb = name.upper()
                raise QueryError(
                    f"{verb} {target.upper()} is refused: it would erase curated graphs"
                )
        if _has_service(operation):
            raise QueryError("SERVICE is refused at /update: updates may not reach other endpoints")


def _has_service(node: Any) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name in ("ServiceGraphPattern", "Service"):
            return True
        return any(_has_service(value) for value in node.values())
    if isinstance(node, list | tuple):
        return any(_has_service(value) for value in node)
    return False


# --- evaluation --------------------------------------------------------------------------------


def evaluate(text: str, files: Mapping[str, str]) -> dict[str, Any]:
    """Apply the update to a copy of `files` (graph IRI → Turtle path): the changed graphs."""
    from rdflib import Dataset, URIRef
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    copy = Dataset()
    for iri, path in files.items():
        copy.graph(URIRef(iri)).parse(path, format="turtle")
    before = {iri: frozenset(copy.graph(URIRef(iri))) for iri in files}
    operations = data_operations(text)
    if operations is not None:
        # The prefixes the curated files declare, as rdflib's own update reader offers them.
        known = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in copy.namespaces())
        for operation in operations:
            _apply_data(copy, operation, known, files)
    else:
        _evaluate_general(copy, text, files)
    if len(copy.default_graph) > 0:
        raise default_graph_refusal(files)
    unknown = {str(g.identifier) for g in copy.graphs() if len(g) > 0} - set(files)
    unknown.discard(str(DATASET_DEFAULT_GRAPH_ID))
    if unknown:
        names = ", ".join(sorted(unknown))
        raise QueryError(f"the update writes to graphs that are not curated files: {names}")
    changed = {
        iri: copy.graph(URIRef(iri)).serialize(format="nt")
        for iri in files
        if frozenset(copy.graph(URIRef(iri))) != before[iri]
    }
    return {"changed": changed, "reader": "trig" if operations is not None else "rdflib"}


def _apply_data(
    copy: Any, operation: DataOperation, known_prefixes: str, files: Iterable[str]
) -> None:
    import pyoxigraph as ox
    from rdflib import URIRef

    try:
        quads = list(ox.parse(f"{known_prefixes}\n{operation.trig}", format=ox.RdfFormat.TRIG))
    except SyntaxError as exc:
        verb = "INSERT" if operation.insert else "DELETE"
        raise QueryError(f"malformed update: {verb} DATA: {exc}") from exc
    blank_nodes: dict[str, Any] = {}
    for quad in quads:
        terms = [_rdflib_term(t, blank_nodes) for t in (quad.subject, quad.predicate, quad.object)]
        if not operation.insert and any(
            isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object)
        ):
            raise QueryError("malformed update: DELETE DATA may not hold blank nodes")
        if isinstance(quad.graph_name, ox.DefaultGraph):
            raise default_graph_refusal(files)
        graph = copy.graph(URIRef(quad.graph_name.value))
        if operation.insert:
            graph.add(tuple(terms))
        else:
            graph.remove(tuple(terms))


def _rdflib_term(term: Any, blank_nodes: dict[str, Any]) -> Any:
    """An rdflib term equal to what rdflib's own Turtle parser makes of the same text."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        # Fresh per operation, as INSERT DATA's blank nodes are.
        return blank_nodes.setdefault(term.value, BNode())
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise QueryError("malformed update: triple terms are not accepted in curated data")


def _evaluate_general(copy: Any, text: str, files: Iterable[str]) -> None:
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate
    from rdflib.plugins.sparql.update import evalUpdate

    try:
        translated = translateUpdate(parseUpdate(text), initNs=dict(copy.namespaces()))
    except Exception as exc:  # pyparsing and translation errors of many types
        raise QueryError(f"malformed update: {exc}") from exc
    check_parsed_update(translated, files)
    try:
        evalUpdate(copy, translated)
    except QueryError:
        raise
    except Exception as exc:  # evaluation errors of many types
        raise QueryError(f"the update could not be applied: {exc}") from exc


def readable_folders(files: Iterable[str]) -> list[Path]:
    """What the confined process may read: the folders of the curated files, nothing more."""
    return sorted({Path(path).resolve().parent for path in files})


def _serve(memory_mb: int, sandboxed: bool, stdin: Any, stdout: Any) -> int:
    request = json.loads(stdin.read())
    files: dict[str, str] = request["files"]
    if memory_mb > 0:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if sandboxed:
        import pyoxigraph  # noqa: F401  (loaded before confinement)
        import rdflib.plugins.sparql.update  # noqa: F401

        from bipmkg.errors import SandboxUnavailable
        from bipmkg.store.sandbox import confine

        try:
            confine(readable_folders(files.values()))
        except SandboxUnavailable as exc:
            json.dump({"status": "sandbox", "message": str(exc)}, stdout)
            return 3
    try:
        answer = {"status": "ok", **evaluate(request["text"], files)}
    except QueryError as exc:
        answer = {"status": "refused", "message": str(exc)}
    except MemoryError:
        answer = {"status": "memory", "message": "the update needed more memory than allowed"}
    json.dump(answer, stdout)
    return 0


if __name__ == "__main__":
    sys.exit(_serve(int(sys.argv[1]), sys.argv[2] == "1", sys.stdin, sys.stdout))
