"""The SPARQL a room runs, read from its `queries/<name>.rq` files: one query per file.

Each room that queries the graph keeps its queries in a `queries/` folder beside its modules
(`bipmkg/linked_data/queries/`, `bipmkg/network/queries/`, `webapp/queries/`), written as the
example queries are (`# title:` and `# description:` header, explicit PREFIX lines) and read by
the same `read_query`. A value a query needs from the caller is either bound by the Selector
(VALUES, see `bipmkg.query.selector`) or is a `$name` placeholder that `fill` replaces with an RDF
term written by rdflib: the text of a query is never joined with what a user sent.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Literal, URIRef

from bipmkg.errors import QueryError
from bipmkg.query.examples import read_query

#: `$name`: a SPARQL variable too, so a file with placeholders parses as it stands.
_PLACEHOLDER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NOT_IN_IRI = frozenset('<>"{}|^`\\ \n\r\t')


def load_query(beside: str, name: str) -> str:
    """The query of `queries/<name>.rq` in the folder of the module file `beside` (its
    `__file__`), without its comment lines.

    Comments are left out so the engines are not sent them with every request, and so that
    binding values after the first `{` (the Selector's VALUES) cannot land in a comment.
    """
    query = read_query(Path(beside).resolve().parent / "queries" / f"{name}.rq")
    return "".join(
        f"{line}\n" for line in query.text.splitlines() if not line.lstrip().startswith("#")
    )


def fill(query: str, **terms: URIRef | Literal) -> str:
    """The query with each `$name` replaced by its term, written as SPARQL.

    Every placeholder must be given and every term used: a placeholder left as a variable would
    match anything instead of failing.
    """
    wanted = set(_PLACEHOLDER.findall(query))
    if wanted != set(terms):
        raise QueryError(
            f"query placeholders {sorted(wanted)} and the terms given {sorted(terms)} differ"
        )
    for name, term in terms.items():
        if isinstance(term, URIRef) and _NOT_IN_IRI.intersection(term):
            raise QueryError(f"cannot fill ${name} with {str(term)!r}: not an IRI")
    return _PLACEHOLDER.sub(lambda match: terms[match[1]].n3(), query)
