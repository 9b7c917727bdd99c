"""Refuse, before evaluation, any query that could reach the network or the file system.

SPARQL's SERVICE, LOAD and FROM/FROM NAMED name resources an engine may fetch. Whatever the engine
(Oxigraph here, a remote server later), the text is checked first: its tokens are read with
strings, IRIs and comments set aside, so a keyword inside a literal or an IRI is not mistaken for
one, and a keyword in the query is never missed because of case or layout.

A parser may read escapes the checker does not: the SPARQL grammar allows `\\u` and `\\U` escapes
in IRIs and strings (Oxigraph decodes them there), and rdflib decodes them everywhere in the text
before parsing. Every check is therefore made on each reading a parser may make (`readings`):
the text as written, with escaped IRIs read as IRIs, and the text with every escape decoded. A
query passes only if every reading passes. (Behind the checks, the processes that evaluate
queries cannot reach the network at all: `bipmkg.store.sandbox`.)

The same reading refuses a query nested deeper than a limit (brackets and `!`) or holding more
operators than another, before any parser sees it: parsers recurse on nesting and on chains of
operators, and thousands of either overflow their stack (a crash of the worker, or of a whole
remote server) or take super-linear time. The reading itself is linear in the text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from bipmkg import config
from bipmkg.errors import QueryError

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})
UPDATE_FORMS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)

#: How deep brackets and `!` may nest (setting MAX_QUERY_DEPTH), how many operators a query may
#: hold (MAX_QUERY_OPERATORS): declared with their reasons in bipmkg.config.
MAX_DEPTH = config.MAX_QUERY_DEPTH
MAX_OPERATORS = config.MAX_QUERY_OPERATORS
_CHAIN_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS", "BIND", "FILTER", "AS", "GRAPH", "VALUES"})
_CHAIN_SYMBOLS = frozenset("&|=<>+-*/^!{")
_TWO_CHARACTER = frozenset({"&&", "||", "<=", ">=", "!=", "^^"})

# Order matters: long strings before short ones, IRIs before the `<` operator. A run of name
# characters is taken whole and possessively (`*+`), then split into words if no colon follows:
# trying a prefixed name at every letter of a long run such as `a-a-a-…` took quadratic time.
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<name>[A-Za-z_\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*+(?::[\w\-.:%\\\u00B7-\uFFFF]*+)?
            |:[\w\-.:%\\\u00B7-\uFFFF]*+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_WORD = re.compile(r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<ws>\s+)|(?P<other>.)", re.DOTALL)
_OPENING = frozenset("({[")
_CLOSING = frozenset(")}]")


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


def decode_escapes(text: str) -> str:
    """The text with every `\\u` and `\\U` escape replaced by its character (rdflib's reading).

    An escape that names no character (a surrogate, past U+10FFFF) is an error.
    """

    def character(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryError(
                f"the escape {match.group()} at character {match.start() + 1} names no character"
            )
        return chr(code)

    return _ESCAPE.sub(character, text)


#: What an escape in a string may not stand for: it would end the string, or escape what follows,
#: in the reading of a parser that decodes escapes before it reads strings (rdflib).
_STRING_BREAKERS = frozenset("'\"\\\n\r")
#: What an escape in an IRI may not stand for: characters an IRI cannot hold, so the IRI would end
#: or break there in the reading of a parser that decodes first.
_IRI_BREAKERS = frozenset('<>"{}|^`\\') | frozenset(chr(c) for c in range(0x21))


def readings(text: str) -> tuple[str, ...]:
    """Each text a SPARQL parser may read for this one: as written, and with escapes decoded.

    Escapes are accepted where the grammar gives them a meaning every parser agrees on: inside
    an IRI, for a character an IRI may hold, and inside a string, for anything but a quote, a
    backslash or a line break. Elsewhere (a keyword, a name, a variable) parsers disagree
    (rdflib decodes it, Oxigraph refuses it), so the text is refused: QueryError.
    """
    if "\\" not in text:
        return (text,)
    for token in tokens(text):
        if token.kind not in ("iri", "string"):
            # A name may hold an escape; a lone `\\` is an escape's start outside any token.
            outside = _ESCAPE.search(token.text) or _ESCAPE.match(text, token.position)
            if outside:
                raise QueryError(
                    f"the escape {outside.group()} at character {token.position + 1} is outside "
                    "an IRI or a string, where parsers read escapes differently; write the "
                    "character itself"
                )
            continue
        escapes = list(_ESCAPE.finditer(token.text))
        breakers = _IRI_BREAKERS if token.kind == "iri" else _STRING_BREAKERS
        for escape in escapes:
            if decode_escapes(escape.group()) in breakers:
                raise QueryError(
                    f"the escape {escape.group()} at character "
                    f"{token.position + escape.start() + 1} stands for a character that would "
                    f"end or break its {'IRI' if token.kind == 'iri' else 'string'} in some "
                    "parsers' reading; write it otherwise (in a string: \\', \\\", \\\\, \\n)"
                )
    decoded = decode_escapes(text)
    return (text,) if decoded == text else (text, decoded)


def tokens(text: str) -> Iterator[Token]:
    """SPARQL tokens, without white space and comments; unterminated strings are errors."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        if kind == "other" and match.group() in "'\"":
            raise QueryError(f"unterminated string starting at character {match.start() + 1}")
        if kind == "name":
            if ":" in match.group():
                yield Token("pname", match.group(), match.start())
                continue
            # No colon: the words and other characters of the run, as if read one by one.
            for part in _WORD.finditer(match.group()):
                kind = part.lastgroup or "other"
                if kind != "ws":
                    yield Token(kind, part.group(), match.start() + part.start())
            continue
        yield Token(kind, match.group(), match.start())


def nesting_depth(stream: Sequence[Token]) -> tuple[int, int]:
    """The deepest nesting of brackets and `!` operators, and the character where it is reached.

    Each `(`, `{` or `[` opens a level; each `!` that is not part of `!=` nests what follows it.
    """
    deepest, where, depth, negations = 0, 0, 0, 0
    for index, token in enumerate(stream):
        text = token.text if token.kind == "other" else ""
        if text == "!" and not (
            index + 1 < len(stream)
            and stream[index + 1].text == "="
            and stream[index + 1].position == token.position + 1
        ):
            negations += 1
        else:
            negations = 0
            if text in _OPENING:
                depth += 1
            elif text in _CLOSING:
                depth = max(0, depth - 1)
        if depth + negations > deepest:
            deepest, where = depth + negations, token.position
    return deepest, where


def operator_count(stream: Sequence[Token]) -> int:
    """The operators of a query: what a parser chains into a tree as deep as the chain is long.

    Counted: `&&`, `||`, comparisons, arithmetic, path operators, `!`, `{`, and the keywords
    UNION, OPTIONAL, MINUS, BIND, FILTER, AS, GRAPH, VALUES. Not counted: the data of a VALUES
    block, lists (IN, arguments, `,` and `;`), triple separators, and a literal's `^^`.
    """
    count = 0
    values_block = 0  # depth of `{` inside a VALUES data block; 0: not in one
    after_values = False
    previous: Token | None = None
    for token in stream:
        text = token.text
        if values_block:
            values_block += {"{": 1, "}": -1}.get(text, 0) if token.kind == "other" else 0
        elif after_values and token.kind == "other" and text == "{":
            values_block, after_values = 1, False
        elif token.kind == "word" and text.upper() in _CHAIN_WORDS:
            count += 1
            after_values = text.upper() == "VALUES"
        elif token.kind == "other" and text in _CHAIN_SYMBOLS:
            joined = (
                previous is not None
                and previous.kind == "other"
                and previous.position + 1 == token.position
                and previous.text + text in _TWO_CHARACTER
            )
            datatype = text == "^" and previous is not None and previous.kind == "string"
            if not joined and not datatype:
                count += 1
        previous = token
    return count


def check_query(
    text: str,
    *,
    stored_graphs: Collection[str],
    max_depth: int = MAX_DEPTH,
    max_operators: int = MAX_OPERATORS,
) -> QueryCheck:
    """Accept a read-only query that names only stored graphs; raise QueryError otherwise.

    `max_depth` bounds the nesting of brackets and `!`, `max_operators` the number of operators
    (0: no bound): both before any parser sees the text, since parsers recurse on them. Every
    reading of the text (`readings`) must pass; what is learnt comes from the decoded one.
    """
    check = QueryCheck("", (), ())
    for reading in readings(text):
        check = _check_reading(
            reading, stored_graphs=stored_graphs, max_depth=max_depth, max_operators=max_operators
        )
    return check


def _check_reading(
    text: str, *, stored_graphs: Collection[str], max_depth: int, max_operators: int
) -> QueryCheck:
    form = ""
    from_graphs: list[str] = []
    from_named: list[str] = []
    stream = list(tokens(text))
    if max_depth > 0:
        deepest, where = nesting_depth(stream)
        if deepest > max_depth:
            raise QueryError(
                f"the query is too deeply nested: {deepest} levels of brackets or ! "
                f"(reached at character {where + 1}); at most {max_depth} are accepted "
                "(setting MAX_QUERY_DEPTH)"
            )
    if max_operators > 0:
        operators = operator_count(stream)
        if operators > max_operators:
            raise QueryError(
                f"the query is too long a chain: {operators} operators (&&, ||, comparisons, "
                "arithmetic, paths, UNION, OPTIONAL, MINUS, BIND, FILTER, AS, groups…); at most "
                f"{max_operators} are accepted (setting MAX_QUERY_OPERATORS). A list of values "
                "fits in VALUES or IN (…), which do not count"
            )
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
            iri = decode_escapes(target.text[1:-1])
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
