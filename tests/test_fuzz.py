"""Bounded fuzzing: the query guard, the update guard, the loader and search raise only their
documented errors, whatever text they are given."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bipmkg.curation.update import check_update
from bipmkg.errors import DataLoadError, QueryError
from bipmkg.linked_data.search import SearchIndex, normalise
from bipmkg.query.safety import check_query
from bipmkg.rdf.files import parse_file

TOKENS = list("{}<>\"'#?$:._- \n\t()*+/|^@\\") + [
    "SELECT",
    "SERVICE",
    "FROM",
    "NAMED",
    "LOAD",
    "<http://x/>",
    "'''",
    '"""',
    "?s",
]
SPARQLISH = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)
STORED = ("https://w3id.org/bipmkg/graph/events",)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(st.one_of(SPARQLISH, st.text(max_size=200)))
def test_query_guard_raises_only_query_errors(text: str) -> None:
    try:
        check_query(text, stored_graphs=STORED)
    except QueryError:
        pass


@SETTINGS
@given(st.one_of(SPARQLISH, st.text(max_size=200)))
def test_update_guard_raises_only_query_errors(text: str) -> None:
    try:
        check_update(text)
    except QueryError:
        pass


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_loader_raises_only_data_load_errors(tmp_path_factory: object, data: bytes) -> None:
    path = Path(str(tmp_path_factory.mktemp("fuzz"))) / "input.ttl"  # type: ignore[attr-defined]
    path.write_bytes(data)
    try:
        parse_file(path)
    except DataLoadError:
        pass


class _Names:
    def select(self, query: str, bindings: object = None) -> list[dict[str, str]]:
        return [
            {
                "e": "https://w3id.org/bipmkg/id/organisation/ume",
                "p": "x#acronym",
                "name": "TÜBİTAK UME",
                "en": "TÜBİTAK UME",
            },
        ]


@SETTINGS
@given(st.text(max_size=250))
def test_search_raises_only_query_errors(text: str) -> None:
    normalise(text)
    index = SearchIndex.build(_Names())
    try:
        index.search(text)
    except QueryError:
        pass
