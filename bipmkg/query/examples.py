"""The graph's example queries: one SPARQL file per question, with a title and description.

`bipmkg/query/queries/*.rq` are the competency questions of the graph (its acceptance test) and the
example queries of the query page. Each file starts with `# title:` and `# description:` lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.query import Result
from rdflib.term import Node

from bipmkg.config import QUERIES_DIR
from bipmkg.errors import QueryError


@dataclass(frozen=True)
class Query:
    """One example query file."""

    name: str
    title: str
    description: str
    text: str
    path: Path


@dataclass(frozen=True)
class QueryResult:
    """SELECT rows (or an ASK answer) with the variables in the query's order."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Node | None, ...], ...]
    boolean: bool | None = None


def read_query(path: Path) -> Query:
    """Read a query file and its `# title:` / `# description:` header."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(f"{path}: cannot read: {exc}") from exc
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].strip().partition(":")
        if sep and key.strip() in ("title", "description"):
            header[key.strip()] = value.strip()
    if "title" not in header or "description" not in header:
        raise QueryError(f"{path}: needs '# title:' and '# description:' header lines")
    return Query(path.stem, header["title"], header["description"], text, path)


def list_queries(directory: Path = QUERIES_DIR) -> list[Query]:
    """Every example query, sorted by file name."""
    return [read_query(p) for p in sorted(directory.glob("*.rq"))]


def find_query(name_or_path: str, directory: Path = QUERIES_DIR) -> Query:
    """An example query by name (file stem) or a query file by path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".rq" and candidate.is_file():
        return read_query(candidate)
    path = directory / f"{name_or_path}.rq"
    if not path.is_file():
        names = ", ".join(q.name for q in list_queries(directory))
        raise QueryError(f"no example query named {name_or_path!r}; known: {names}")
    return read_query(path)


def run_query(graph: Graph, text: str) -> QueryResult:
    """Run a SELECT or ASK query over an rdflib graph."""
    try:
        result: Result = graph.query(text)
    except Exception as exc:  # rdflib raises pyparsing and evaluation errors of many types
        raise QueryError(f"query failed: {exc}") from exc
    if result.type == "ASK":
        return QueryResult((), (), bool(result.askAnswer))
    if result.type != "SELECT":
        raise QueryError(f"only SELECT and ASK example queries are supported, not {result.type}")
    variables = tuple(str(v) for v in result.vars or ())
    rows = tuple(tuple(row) for row in result)  # type: ignore[arg-type]
    return QueryResult(variables, rows)
