"""Answers kept per build of the store: hits, ETags and 304s, volatile queries, the byte budget.

Against a real `bipmkg serve`; with a remote store (the second run of `make test`) answers are
never kept, and the same requests must show that.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from live import BACKEND, Answer, LiveServer, build, http
from probes import at_once

from bipmkg.errors import QueryTimeout
from bipmkg.query.engine import EngineResult, EngineSettings
from bipmkg.query.request import QueryRequest
from bipmkg.store.kept_answers import CachingEngine, answer_key, is_volatile
from bipmkg.store.workers import QueryEngine
from webapp.replay import AnswerReplay

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

KEPT = BACKEND != "remote"
JSON = {"Accept": "application/sparql-results+json"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/bipmkg/ontology#Organisation> }"


def get(server: LiveServer, query: str, headers: dict[str, str] | None = None) -> Answer:
    qs = urllib.parse.urlencode({"query": query})
    return http("GET", f"{server.url}/sparql?{qs}", headers={**JSON, **(headers or {})})


def test_the_same_query_is_answered_from_the_kept_answer(server: LiveServer) -> None:
    query = COUNT + " # kept-answer test"
    first, second = get(server, query), get(server, query)
    assert first.status == second.status == 200
    assert first.body == second.body
    assert json.loads(second.body)["results"]["bindings"][0]["n"]["value"] != "0"
    if KEPT:
        assert (first.headers["x-sparql-cache"], second.headers["x-sparql-cache"]) == (
            "miss",
            "hit",
        )
        assert first.headers["etag"] == second.headers["etag"]
        assert first.headers["etag"].startswith('W/"')
    else:
        assert first.headers["x-sparql-cache"] == second.headers["x-sparql-cache"] == "miss"
        assert "etag" not in first.headers


@pytest.mark.skipif(not KEPT, reason="a remote store's answers are never kept, so have no ETag")
def test_if_none_match_gets_304_and_other_formats_other_tags(server: LiveServer) -> None:
    query = COUNT + " # etag test"
    first = get(server, query)
    tag = first.headers["etag"]
    again = get(server, query, {"If-None-Match": tag})
    assert again.status == 304 and again.body == b""
    assert again.headers["etag"] == tag
    # Strong form of the same tag, and a list: RFC 9110's weak comparison matches both.
    strong = tag.removeprefix("W/")
    assert get(server, query, {"If-None-Match": f'"x", {strong}'}).status == 304
    assert get(server, query, {"If-None-Match": '"something-else"'}).status == 200
    csv = get(server, query, {"Accept": "text/csv", "If-None-Match": tag})
    assert csv.status == 200 and csv.headers["etag"] != tag
    assert csv.headers["content-type"].startswith("text/csv")
    other = get(server, COUNT + " # another text", {"If-None-Match": tag})
    assert other.status == 200


def test_volatile_queries_are_evaluated_each_time(server: LiveServer) -> None:
    query = "SELECT (STRUUID() AS ?u) WHERE {}"
    first, second = get(server, query), get(server, query)
    assert first.status == second.status == 200
    assert first.headers["x-sparql-cache"] == second.headers["x-sparql-cache"] == "miss"
    assert "etag" not in first.headers
    values = [json.loads(a.body)["results"]["bindings"][0]["u"]["value"] for a in (first, second)]
    assert values[0] != values[1]


def test_refused_queries_are_refused_each_time(server: LiveServer) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"
    for _ in range(2):
        answer = get(server, query)
        assert answer.status == 400 and "SERVICE" in answer.text


# About half a second at 120k triples, inside the test servers' 3 s limit: every triple joined
# with its object's types (three unbound hops, as before the graph grew, ran past 30 s).
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?b a ?c }"


def test_identical_queries_arriving_together_are_evaluated_once(server: LiveServer) -> None:
    # Over a remote store nothing is shared, and four joins this slow at once outrun the deadline.
    query = (SLOW if KEPT else COUNT) + " # single flight over HTTP"
    answers = at_once(4, lambda _: get(server, query))  # CLIENT_MAX_CONCURRENT is 4
    assert all(isinstance(a, Answer) and a.status == 200 for a in answers), answers
    bodies = {a.body for a in answers if isinstance(a, Answer)}
    assert len(bodies) == 1
    caches = sorted(a.headers["x-sparql-cache"] for a in answers if isinstance(a, Answer))
    if KEPT:  # one process serves the tests: one evaluation, three answers shared with it
        assert caches == ["hit"] * 3 + ["miss"]
    else:
        assert caches == ["miss"] * 4


def as_json(text: str, **options: Any) -> QueryRequest:
    return QueryRequest(text, fmt="json", **options)


def test_volatility_and_keys() -> None:
    assert is_volatile("SELECT (rand() AS ?r) {}") and is_volatile("SELECT (NOW () AS ?t) {}")
    assert is_volatile("CONSTRUCT { ?s <urn:p> ?b } WHERE { ?s ?p ?o BIND(BNODE() AS ?b) }")
    assert not is_volatile("SELECT ?brand WHERE { ?s <urn:brand> ?brand }")
    base: dict[str, Any] = {"fmt": "json", "default_graphs": (), "named_graphs": (), "row_cap": 10}

    def key_of(**changes: Any) -> str:
        return answer_key(QueryRequest("ASK {}", **{**base, **changes}))

    key = key_of()
    assert key == key_of()
    assert key != key_of(fmt="csv")
    assert key != key_of(row_cap=11)
    assert key != key_of(default_graphs=("urn:g",))
    # A graph moved from the default to the named graphs is another dataset.
    assert key_of(default_graphs=("urn:g",)) != key_of(named_graphs=("urn:g",))
    # So is another byte cap, and the same request's key does not depend on its deadline.
    assert key != key_of(byte_cap=1000)
    assert key == key_of(timeout_s=3)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueryEngine]:
    if BACKEND == "remote":
        pytest.skip("the worker engine needs a local store")
    store = tmp_path_factory.mktemp("cache") / "store"
    build(store)
    engine = QueryEngine(EngineSettings(store_dir=Path(store), workers=1))
    yield engine
    engine.close()


def label_query(n: int) -> str:
    return (
        f"SELECT ?s ?l WHERE {{ ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }} LIMIT {n}"
    )


def test_budget_drops_least_recently_used_and_skips_large_answers(engine: QueryEngine) -> None:
    probe = engine.run(as_json(label_query(5)))
    budget = 16 * len(probe.body) + 100  # room for the 5-row answer (1/16 of it per answer)
    cache = CachingEngine(engine, max_bytes=budget, row_cap=10_000)
    small = [label_query(n) for n in (1, 2, 3)]
    for query in small:
        assert not cache.run(as_json(query)).cached
    assert all(cache.run(as_json(query)).cached for query in small)
    big = label_query(200)
    cache.run(as_json(big))
    assert not cache.run(as_json(big)).cached  # larger than a sixteenth: never kept
    # Fill the budget with other answers: the least recently used go first.
    fillers = 3 * budget // len(cache.run(as_json(label_query(1))).body)
    for n in range(fillers):
        cache.run(as_json(label_query(1) + f" # filler {n}"))
    stats = cache.stats()
    assert stats.bytes <= budget and stats.entries < fillers / 2
    assert not cache.run(as_json(small[0])).cached


def test_reload_forgets_and_an_answer_begun_before_it_is_not_kept(engine: QueryEngine) -> None:
    cache = CachingEngine(engine, max_bytes=1 << 20, row_cap=10_000)
    query = label_query(7)
    cache.run(as_json(query))
    assert cache.run(as_json(query)).cached
    cache.reload()
    assert not cache.run(as_json(query)).cached

    # A slow query in flight while the store is reloaded must not be kept afterwards.
    slow = SLOW + " # in flight"
    done = threading.Event()

    def evaluate() -> None:
        cache.run(as_json(slow, timeout_s=30))
        done.set()

    worker = threading.Thread(target=evaluate)
    worker.start()
    time.sleep(0.05)
    assert not done.is_set()  # still evaluating (it takes ~0.5 s on the real graph)
    cache.clear()  # what reload does first, while the answer is being computed
    worker.join(60)
    assert done.is_set()
    assert not cache.run(as_json(slow, timeout_s=30)).cached


def test_single_flight_shares_answers_and_errors_but_not_deadlines(engine: QueryEngine) -> None:
    cache = CachingEngine(engine, max_bytes=1 << 20, row_cap=10_000)
    results = at_once(5, lambda _: cache.run(as_json(SLOW + " # shared", timeout_s=30)))
    assert all(isinstance(r, EngineResult) for r in results), results
    assert len({r.body for r in results if isinstance(r, EngineResult)}) == 1
    assert sorted(r.cached for r in results if isinstance(r, EngineResult)) == [False] + [True] * 4
    stats = cache.stats()
    assert (stats.misses, stats.shared, stats.hits) == (1, 4, 0)

    # A request allowed another time limit evaluates on its own.
    text = SLOW + " # other deadlines"
    at_once(2, lambda i: cache.run(as_json(text, timeout_s=30 + i)))
    assert cache.stats().misses == 3

    # The evaluation's error is every waiter's: one time-out, not three.
    failed = at_once(3, lambda _: cache.run(as_json(SLOW + " # too slow", timeout_s=0.05)))
    assert all(isinstance(f, QueryTimeout) for f in failed), failed
    after = cache.stats()
    assert (after.misses, after.shared) == (4, 6)
    assert not cache.run(as_json(label_query(2))).cached  # the engine still answers


def test_off_when_the_budget_is_zero(engine: QueryEngine) -> None:
    cache = CachingEngine(engine, max_bytes=0, row_cap=10_000)
    for _ in range(2):
        assert not cache.run(as_json(label_query(3))).cached
    assert cache.key(as_json(label_query(3))) is None


# -- Replayed answers (webapp.replay) -------------------------------------------------------------


def test_a_replayed_answer_is_the_answer_flask_gave(server: LiveServer) -> None:
    query = COUNT + " # replay headers"
    first, second, third = (get(server, query) for _ in range(3))
    assert first.body == second.body == third.body
    if not KEPT:
        return
    assert [a.headers["x-sparql-cache"] for a in (first, second, third)] == ["miss", "hit", "hit"]
    varying = {"x-sparql-cache", "date", "server", "connection", "keep-alive"}
    same = {k: v for k, v in first.headers.items() if k not in varying}
    assert {k: v for k, v in third.headers.items() if k not in varying} == same
    assert "content-security-policy" in same and "etag" in same
    csv = get(server, query, {"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv") and csv.body != first.body


class CountingApp:
    """A WSGI app standing for Flask: answers 200 with an ETag, counting what reaches it."""

    def __init__(self) -> None:
        self.calls = 0
        self.status = "200 OK"
        self.headers = [
            ("Content-Type", "text/plain"),
            ("ETag", 'W/"x"'),
            ("X-SPARQL-Cache", "miss"),
        ]
        self.during: Callable[[], None] = lambda: None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.calls += 1
        self.during()
        body = f"answer {self.calls} to {environ.get('QUERY_STRING')}".encode()
        start_response(self.status, [*self.headers, ("Content-Length", str(len(body)))])
        return [body]


def call(
    app: Any, method: str = "GET", qs: str = "query=ASK%7B%7D", **extra: str
) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    environ = {"REQUEST_METHOD": method, "PATH_INFO": "/sparql", "QUERY_STRING": qs, **extra}
    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def test_replay_answers_repeats_and_forgets_them_when_the_store_changes(
    engine: QueryEngine, tmp_path: Path
) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{}")
    cache = CachingEngine(engine, max_bytes=1 << 20, row_cap=10_000)
    inner = CountingApp()
    replay = AnswerReplay(inner, engine=cache, manifest_path=str(manifest), max_bytes=1 << 20)

    status, headers, body = call(replay)
    assert (status, inner.calls, headers["X-SPARQL-Cache"]) == ("200 OK", 1, "miss")
    again = call(replay)
    assert inner.calls == 1 and again[2] == body and again[1]["X-SPARQL-Cache"] == "hit"
    assert {k: v for k, v in again[1].items() if k != "X-SPARQL-Cache"} == {
        k: v for k, v in headers.items() if k != "X-SPARQL-Cache"
    }
    # Another text, another Accept, a conditional or non-GET request: Flask answers.
    call(replay, qs="query=ASK%7B%7D+")
    call(replay, HTTP_ACCEPT="text/csv")
    call(replay, HTTP_IF_NONE_MATCH='W/"x"')
    call(replay, "POST")
    call(replay, "HEAD")
    assert inner.calls == 6
    call(replay, HTTP_ACCEPT="text/csv")
    assert inner.calls == 6  # that Accept's answer is kept now

    # A build or an update (the manifest changes), or the engine forgetting: asked again.
    time.sleep(0.01)
    manifest.write_text('{"built": 2}')
    assert call(replay)[2] != body and inner.calls == 7
    call(replay)
    assert inner.calls == 7
    cache.clear()
    call(replay)
    assert inner.calls == 8

    # An answer during which the store changed is not kept, even once another request has
    # seen the new store: it would be an answer of the old one.
    def change_and_ask_meanwhile() -> None:
        inner.during = lambda: None
        cache.clear()
        call(replay, qs="query=meanwhile")

    inner.during = change_and_ask_meanwhile
    call(replay, qs="query=ASK%7B%3Fs+%3Fp+%3Fo%7D")
    assert inner.calls == 10
    call(replay, qs="query=ASK%7B%3Fs+%3Fp+%3Fo%7D")
    assert inner.calls == 11


def test_replay_keeps_only_answers_the_engine_keeps(engine: QueryEngine, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{}")
    cache = CachingEngine(engine, max_bytes=16 * 20, row_cap=10_000)
    inner = CountingApp()
    replay = AnswerReplay(inner, engine=cache, manifest_path=str(manifest), max_bytes=16 * 20)
    for _ in range(2):
        call(replay, qs="query=" + "x" * 40)  # its body is over 20 bytes: a sixteenth
    assert inner.calls == 2
    inner.headers = [("Content-Type", "text/plain")]  # no ETag: a volatile or remote answer
    for _ in range(2):
        call(replay, qs="q=1")
    inner.status = "400 BAD REQUEST"
    inner.headers = [("Content-Type", "text/plain"), ("ETag", 'W/"x"')]
    for _ in range(2):
        call(replay, qs="q=2")
    assert inner.calls == 6
