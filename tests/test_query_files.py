"""The SPARQL of the package lives in `.rq` files, one query per file, each parsed by both engines.

Every room's `queries/*.rq` (and the example queries) parses with rdflib and with Oxigraph, has
the `# title:` / `# description:` header, declares its prefixes as the one prefix table does and
is read by the module beside it; and no Python string of `bipmkg/` or `webapp/` holds a query.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

from bipmkg.errors import QueryError
from bipmkg.query.examples import read_query
from bipmkg.query.files import fill, load_query
from bipmkg.rdf.namespaces import PREFIXES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "bipmkg" / "query" / "queries"
#: The rooms' own queries, beside the modules that run them.
ROOM_FILES = sorted(
    path
    for path in [*ROOT.glob("bipmkg/*/queries/*.rq"), *ROOT.glob("webapp/queries/*.rq")]
    if path.parent != EXAMPLES
)
QUERY_FILES = sorted([*ROOM_FILES, *EXAMPLES.glob("*.rq")])

#: Python files that may still hold a query, each with the reason.
INLINE_SPARQL_ALLOWED = {
    # RemoteStore.has_graph's ASK about one graph: the store room is being rewritten by another
    # change of issue 16 (the engine-call layer), which owns that query.
    "bipmkg/store/remote.py": "the store room's engine calls, moved with that change",
}

_PREFIX_DECLARATION = re.compile(r"PREFIX\s+([A-Za-z][\w-]*):\s*<([^>]*)>", re.IGNORECASE)
_PREFIXED_NAME = re.compile(r"\b([a-z][a-z0-9]*):[A-Za-z]")
_QUERY_FORM = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b[^{]*\{", re.IGNORECASE)
_VARIABLE = re.compile(r"[?$][A-Za-z_]\w*")


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _body(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_there_are_query_files_in_every_room_that_queries() -> None:
    rooms = {path.parent.parent.name for path in ROOM_FILES}
    assert rooms == {"linked_data", "network", "webapp"}
    assert len(ROOM_FILES) >= 39


@pytest.mark.parametrize("path", QUERY_FILES, ids=_name)
def test_query_file_parses_with_both_engines(path: Path) -> None:
    query = read_query(path)  # raises without the `# title:` and `# description:` lines
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", query.name), "kebab-case file name"
    prepareQuery(query.text)  # rdflib raises on a syntax error
    try:
        ox.Store().query(query.text)  # Oxigraph parses, then evaluates over nothing
    except SyntaxError as exc:
        pytest.fail(f"Oxigraph cannot parse {_name(path)}: {exc}")


@pytest.mark.parametrize("path", QUERY_FILES, ids=_name)
def test_query_file_declares_its_prefixes_as_the_prefix_table(path: Path) -> None:
    """A prefix of the table means its namespace everywhere; the rooms' queries use only those
    (an example may name one more instance namespace, as `revision:`)."""
    body = _body(path.read_text(encoding="utf-8"))
    declared = dict(_PREFIX_DECLARATION.findall(body))
    for prefix, namespace in declared.items():
        if prefix in PREFIXES or path in ROOM_FILES:
            assert PREFIXES.get(prefix) == namespace, (
                f"PREFIX {prefix}: <{namespace}> is not the prefix table's "
                f"({PREFIXES.get(prefix, 'absent')}; bipmkg/rdf/namespaces.py)"
            )
    for prefix in set(_PREFIXED_NAME.findall(body)) - {"http", "https"}:
        assert prefix in declared, f"missing PREFIX {prefix}:"


@pytest.mark.parametrize("path", ROOM_FILES, ids=_name)
def test_room_query_file_is_read_by_its_room(path: Path) -> None:
    """No orphan file: a module beside the folder loads it by name."""
    package = path.parent.parent
    calls = "\n".join(p.read_text(encoding="utf-8") for p in package.glob("*.py"))
    assert re.search(rf'(load_query\(__file__, |_facts_query\()"{path.stem}"\)', calls), (
        f"no module of {_name(package)} loads {path.name}"
    )


def _strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every string of a module but its docstrings; an f-string whole, its fields as '…'."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(value) for value in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = (v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
            yield node.lineno, "".join(str(part) for part in parts)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in skip:
                yield node.lineno, node.value


def inline_queries(path: Path) -> list[str]:
    """Strings of a Python file that read as SPARQL: a query form, a group, a variable."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{_name(path)}:{line}: {text.strip()[:60]!r}"
        for line, text in _strings(tree)
        if _QUERY_FORM.search(text) and _VARIABLE.search(text)
    ]


def test_no_inline_sparql_in_the_python() -> None:
    sources = [*ROOT.glob("bipmkg/**/*.py"), *ROOT.glob("webapp/*.py")]
    found = [
        hit
        for path in sorted(sources)
        if _name(path) not in INLINE_SPARQL_ALLOWED
        for hit in inline_queries(path)
    ]
    assert not found, "write these queries in a queries/*.rq file:\n" + "\n".join(found)


def test_the_inline_sparql_check_finds_queries(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        '"""SELECT ?doc WHERE { ?doc ?p ?o } in a docstring is documentation."""\n'
        'A = "PREFIX x: <urn:x#>\\nselect ?s where { ?s ?p ?o }"\n'
        'B = f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"\n'
        'C = "CONSTRUCT { ?s ?p ?o } " "WHERE { ?s ?p ?o }"\n'
        'D = "only SELECT and ASK queries are supported, not {kind}"\n'
    )
    found = inline_queries(module)
    assert len(found) == 3 and all("module.py:" in hit for hit in found), found
    assert [hit.split(":")[1] for hit in found] == ["2", "3", "4"]


def test_exceptions_still_hold_a_query() -> None:
    """An exception that no longer holds a query is dropped from the list."""
    for name in INLINE_SPARQL_ALLOWED:
        assert inline_queries(ROOT / name), f"{name} holds no inline query any more"


def test_load_query_leaves_out_comment_lines() -> None:
    text = load_query(str(ROOT / "webapp" / "health.py"), "any-triple")
    assert text == "\nASK { ?s ?p ?o }\n"
    with pytest.raises(QueryError):
        load_query(str(ROOT / "webapp" / "health.py"), "no-such-query")


def test_fill_writes_terms_not_text() -> None:
    query = "SELECT ?o WHERE { $s ?p ?o FILTER(?o != $label) }"
    filled = fill(
        query, s=URIRef("https://w3id.org/bipmkg/id/organisation/bipm"), label=Literal('a" } #')
    )
    assert filled == (
        "SELECT ?o WHERE { <https://w3id.org/bipmkg/id/organisation/bipm> ?p ?o "
        'FILTER(?o != "a\\" } #") }'
    )
    prepareQuery(filled)
    ox.Store().query(filled)


@pytest.mark.parametrize(
    "terms",
    [
        {},
        {"s": URIRef("https://w3id.org/bipmkg/id/organisation/bipm")},
        {"s": URIRef("urn:x"), "label": Literal("x"), "other": Literal("y")},
    ],
    ids=["none", "one-missing", "one-unused"],
)
def test_fill_wants_every_placeholder_and_no_other(terms: dict[str, URIRef | Literal]) -> None:
    with pytest.raises(QueryError, match="placeholders"):
        fill("SELECT ?o WHERE { $s ?p ?o FILTER(?o != $label) }", **terms)


def test_fill_refuses_what_is_not_an_iri() -> None:
    with pytest.raises(QueryError, match="not an IRI"):
        fill("ASK { $s ?p ?o }", s=URIRef("urn:x> } INSERT DATA { <urn:y"))
