"""The competency questions: every example query parses, runs and gives its expected answer.

Each `bipmkg/query/queries/<name>.rq` has an answer file `tests/data/answers/<name>.csv` written
from
the sources (header = the query's variables; IRIs and literals as their plain text; rows in the
query's ORDER BY order). The queries are the graph's acceptance test.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery

from bipmkg.query.examples import Query, list_queries, run_query

ANSWERS = Path(__file__).parent / "data" / "answers"
QUERIES = list_queries()


def test_there_are_at_least_forty_competency_questions() -> None:
    assert len(QUERIES) >= 40


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_is_well_formed(query: Query) -> None:
    assert query.title and query.description
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", query.name), "kebab-case file name"
    prepareQuery(query.text)  # raises on a syntax error
    body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#"))
    for prefix in set(re.findall(r"\b([a-z][a-z0-9]*):[A-Za-z]", body)) - {"http", "https"}:
        assert re.search(rf"PREFIX\s+{prefix}:", body, re.IGNORECASE), f"missing PREFIX {prefix}:"
    if "SELECT" in body.upper() and "COUNT(" not in body.upper().replace(" ", ""):
        assert "ORDER BY" in body.upper(), "SELECT results are compared in order: add ORDER BY"


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_query_gives_the_expected_answer(query: Query, graph: Graph) -> None:
    answer = ANSWERS / f"{query.name}.csv"
    assert answer.is_file(), f"missing expected answer {answer}"
    with answer.open(encoding="utf-8", newline="") as handle:
        expected = list(csv.reader(handle))
    result = run_query(graph, query.text)
    if result.boolean is not None:
        assert expected == [["boolean"], ["true" if result.boolean else "false"]]
        return
    got = [list(result.variables)] + [
        ["" if value is None else str(value) for value in row] for row in result.rows
    ]
    assert got[0] == expected[0], "variables differ from the answer file's header"
    assert got[1:] == expected[1:], _diff(expected[1:], got[1:])


def _diff(expected: list[list[str]], got: list[list[str]]) -> str:
    missing = [r for r in expected if r not in got]
    extra = [r for r in got if r not in expected]
    return f"missing rows: {missing}\nunexpected rows: {extra}\n(order matters)"
