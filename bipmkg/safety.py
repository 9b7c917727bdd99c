"""Refuse, before evaluation, any query that could reach the network or the file system.

SPARQL's SERVICE, LOAD and FROM/FROM NAMED name resources an engine may fetch. Whatever the engine
(Oxigraph here, a remote server later), the text is checked first: its tokens are read with
strings, IRIs and comments set aside, so a keyword inside a literal or an IRI is not mistaken for
one, and a keyword in the query is never missed because of case or layout.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from .errors import QueryError

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})
UPDATE_FORMS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)

# Order matters: long strings before short ones, IRIs before the `<` operator.
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z_\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*)?:[\w\-.:%\\\u00B7-\uFFFF]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


@dataclass(frozen=True)
class QueryCheck:
    """What the checker learnt of a query it accepted."""

    form: str  # SELECT, CONSTRUCT, ASK, DESCRIBE, or "" if none was found
    from_graphs: tuple[str, ...]
    from_named_graphs: tuple[str, ...]


def tokens(text: str) -> Iterator[Token]:
    """SPARQL tokens, without white space and comments; unterminated strings are errors."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        if kind == "other" and match.group() in "'\"":
            raise QueryError(f"unterminated string starting at character {match.start() + 1}")
        yield Token(kind, match.group(), match.start())


def check_query(text: str, *, stored_graphs: Collection[str]) -> QueryCheck:
    """Accept a read-only query that names only stored graphs; raise QueryError otherwise."""
    form = ""
    from_graphs: list[str] = []
    from_named: list[str] = []
    stream = list(tokens(text))
    for index, token in enumerate(stream):
        if token.kind != "word":
            continue
        word = token.text.upper()
        if not form and word in QUERY_FORMS:
            form = word
        elif not form and word in UPDATE_FORMS:
            raise QueryError(
                f"SPARQL Update ({word}) is not accepted at the query endpoint; "
                "curators send updates to /update"
            )
        if word == "SERVICE":
            raise QueryError(
                f"SERVICE (character {token.position + 1}) is refused: queries may not reach "
                "other endpoints"
            )
        if word == "LOAD":
            raise QueryError(f"LOAD (character {token.position + 1}) is refused")
        if word == "FROM":
            named = index + 1 < len(stream) and stream[index + 1].text.upper() == "NAMED"
            target = (
                stream[index + (2 if named else 1)]
                if index + (2 if named else 1) < len(stream)
                else None
            )
            if target is None or target.kind != "iri":
                raise QueryError(
                    f"FROM{' NAMED' if named else ''} at character {token.position + 1} must be "
                    "followed by a full IRI of a stored graph"
                )
            iri = target.text[1:-1]
            check_graphs([iri], stored_graphs=stored_graphs, parameter="FROM")
            (from_named if named else from_graphs).append(iri)
    # No query form: not valid SPARQL; the engine's parser reports where it fails.
    return QueryCheck(form, tuple(from_graphs), tuple(from_named))


def check_graphs(iris: Collection[str], *, stored_graphs: Collection[str], parameter: str) -> None:
    """Every graph named by a query or a protocol parameter must be one the store holds."""
    for iri in iris:
        if iri not in stored_graphs:
            raise QueryError(
                f"{parameter} names <{iri}>, which is not a stored graph; nothing is fetched. "
                f"Stored graphs: {', '.join(sorted(stored_graphs))}"
            )
