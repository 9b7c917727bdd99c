"""Bounded HTTP load on a running bipmkg server: client threads, a mix of requests, a duration.

Each client thread keeps one HTTP/1.1 connection (keep-alive) and sends its requests in turn,
back to back or with a pause; every answer is timed from sending to the last byte read. The
result gives, per kind of request, the count, the statuses, p50/p99/max and throughput, and the
first failures in words. Standard library only, loopback or any URL.

Used by tests/test_load.py (which asserts on the results) and by the benchmarks (which report
them):

    import load
    mix = load.standard_mix("http://127.0.0.1:5000")
    result = load.run("http://127.0.0.1:5000", [load.Clients("mixed", mix, threads=8)], seconds=30)
    print(load.table(result))
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OK = frozenset(range(200, 300))
ID = "https://w3id.org/bipmkg/id/"
QUERIES = Path(__file__).resolve().parent.parent / "bipmkg" / "query" / "queries"


@dataclass(frozen=True)
class Request:
    """One request of a mix; `kind` groups requests in the results (page, lookup, query…)."""

    kind: str
    path: str
    method: str = "GET"
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Clients:
    """`threads` client threads that each send `requests` in turn, starting at different places.

    `ok` are the statuses that count as success; `pause_s` is a wait between two requests (a
    prober rather than a load); `sources` are local addresses the threads' sockets are bound to
    in turn (127.0.0.2, 127.0.0.3… on loopback), so that the server, which knows clients by
    address, sees each as another client.
    """

    name: str
    requests: tuple[Request, ...]
    threads: int = 1
    pause_s: float = 0.0
    ok: frozenset[int] = OK
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sample:
    group: str
    kind: str
    path: str
    status: int  # 0: no answer (connection failed or timed out)
    ms: float
    at_s: float  # when it was sent, from the start of the run
    error: str = ""  # the start of a 4xx/5xx answer, or why there was none


@dataclass(frozen=True)
class Stats:
    """Latency and throughput of some samples."""

    name: str
    requests: int
    errors: int
    statuses: tuple[tuple[int, int], ...]
    p50_ms: float
    p99_ms: float
    max_ms: float
    per_s: float


@dataclass(frozen=True)
class LoadResult:
    url: str
    seconds: float
    threads: int
    samples: tuple[Sample, ...] = field(repr=False)
    ok: tuple[tuple[str, frozenset[int]], ...] = field(repr=False)

    def select(self, *, groups: Iterable[str] = (), kinds: Iterable[str] = ()) -> list[Sample]:
        wanted_groups, wanted_kinds = set(groups), set(kinds)
        return [
            s
            for s in self.samples
            if (not wanted_groups or s.group in wanted_groups)
            and (not wanted_kinds or s.kind in wanted_kinds)
        ]

    def failures(self, *, groups: Iterable[str] = ()) -> list[Sample]:
        """Samples whose status is not one their group counts as success."""
        ok = dict(self.ok)
        return [s for s in self.select(groups=groups) if s.status not in ok[s.group]]

    def stats(self, name: str, *, groups: Iterable[str] = (), kinds: Iterable[str] = ()) -> Stats:
        chosen = self.select(groups=groups, kinds=kinds)
        ok = dict(self.ok)
        times = sorted(s.ms for s in chosen)
        return Stats(
            name=name,
            requests=len(chosen),
            errors=sum(1 for s in chosen if s.status not in ok[s.group]),
            statuses=tuple(sorted(Counter(s.status for s in chosen).items())),
            p50_ms=round(percentile(times, 50), 2),
            p99_ms=round(percentile(times, 99), 2),
            max_ms=round(times[-1], 2) if times else math.nan,
            per_s=round(len(chosen) / self.seconds, 2) if self.seconds else math.nan,
        )

    def by_kind(self, *, groups: Iterable[str] = ()) -> list[Stats]:
        chosen = list(groups)
        kinds = sorted({s.kind for s in self.select(groups=chosen)})
        return [self.stats(kind, groups=chosen, kinds=[kind]) for kind in kinds]

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "seconds": self.seconds,
            "threads": self.threads,
            "groups": {
                group: [asdict(s) for s in self.by_kind(groups=[group])]
                for group in sorted({s.group for s in self.samples})
            },
            "failures": [asdict(s) for s in self.failures()[:20]],
        }


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile by the nearest-rank method (p99 of 100 values is the 99th)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class _Connection:
    """One keep-alive connection; reopened when the server closed an idle one."""

    def __init__(self, url: str, timeout_s: float, source: str = "") -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout_s = timeout_s
        self.source = (source, 0) if source else None
        self.conn: http.client.HTTPConnection | None = None

    def send(self, request: Request) -> tuple[int, bytes]:
        for attempt in (1, 2):
            fresh = self.conn is None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout_s, source_address=self.source
                )
            try:
                self.conn.request(
                    request.method, request.path, body=request.body, headers=dict(request.headers)
                )
                response = self.conn.getresponse()
                body = response.read()
                if response.will_close:
                    self.close()
                return response.status, body
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server had closed: retry once on a new one.
                self.close()
                if fresh or attempt == 2:
                    raise
        raise AssertionError("not reached")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run(
    url: str, clients: Sequence[Clients], *, seconds: float, timeout_s: float = 60.0
) -> LoadResult:
    """Run every client group against `url` for `seconds`; requests under way are finished."""
    samples: list[Sample] = []
    lock = threading.Lock()
    started = time.perf_counter()
    stop_at = started + seconds

    def client(group: Clients, offset: int, source: str) -> None:
        connection = _Connection(url, timeout_s, source)
        n = offset
        try:
            while time.perf_counter() < stop_at:
                request = group.requests[n % len(group.requests)]
                n += 1
                sent = time.perf_counter()
                status, error = 0, ""
                try:
                    status, body = connection.send(request)
                    if status >= 400 or status not in group.ok:
                        error = body[:300].decode("utf-8", "replace")
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    error = f"{type(exc).__name__}: {exc}"
                done = time.perf_counter()
                sample = Sample(
                    group.name,
                    request.kind,
                    request.path[:200],
                    status,
                    (done - sent) * 1000,
                    sent - started,
                    error,
                )
                with lock:
                    samples.append(sample)
                if group.pause_s:
                    time.sleep(max(0.0, min(group.pause_s, stop_at - time.perf_counter())))
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=client,
            args=(
                group,
                i * max(1, len(group.requests) // max(1, group.threads)),
                group.sources[i % len(group.sources)] if group.sources else "",
            ),
            name=f"load-{group.name}-{i}",
            daemon=True,
        )
        for group in clients
        for i in range(group.threads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return LoadResult(
        url,
        round(elapsed, 3),
        len(threads),
        tuple(sorted(samples, key=lambda s: s.at_s)),
        tuple((group.name, group.ok) for group in clients),
    )


def warm_up(url: str, requests: Iterable[Request], *, timeout_s: float = 120.0) -> list[Sample]:
    """Send each distinct request once (fills the server's caches); the answers, for checking."""
    connection = _Connection(url, timeout_s)
    answers = []
    try:
        for request in dict.fromkeys(requests):
            sent = time.perf_counter()
            try:
                status, body = connection.send(request)
                error = "" if status in OK else body[:300].decode("utf-8", "replace")
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                status, error = 0, f"{type(exc).__name__}: {exc}"
            ms = (time.perf_counter() - sent) * 1000
            answers.append(Sample("warm-up", request.kind, request.path, status, ms, 0.0, error))
    finally:
        connection.close()
    return answers


# -- Mixes -----------------------------------------------------------------------------------


def sparql(kind: str, query: str, *, accept: str = "application/sparql-results+json") -> Request:
    """A query through /sparql as a POST form (any length, as YASGUI sends it)."""
    return Request(
        kind,
        "/sparql",
        "POST",
        urllib.parse.urlencode({"query": query}).encode(),
        (("Content-Type", "application/x-www-form-urlencoded"), ("Accept", accept)),
    )


def example_queries() -> list[tuple[str, str]]:
    """The competency questions (bipmkg/query/queries/*.rq): name and text."""
    return [(path.stem, path.read_text(encoding="utf-8")) for path in sorted(QUERIES.glob("*.rq"))]


def entity_paths(url: str, kinds: Sequence[str], *, per_kind: int = 6) -> list[str]:
    """Paths of a few entities of each kind, read from the server's own /sparql."""
    connection = _Connection(url, 60.0)
    paths: list[str] = []
    try:
        for kind in kinds:
            query = (
                f'SELECT DISTINCT ?e WHERE {{ ?e a ?t FILTER(STRSTARTS(STR(?e), "{ID}{kind}/")) }} '
                f"ORDER BY ?e LIMIT {per_kind}"
            )
            status, body = connection.send(sparql("setup", query))
            if status != 200:
                raise RuntimeError(f"{url}/sparql answered {status}: {body[:300]!r}")
            for row in json.loads(body)["results"]["bindings"]:
                paths.append("/id/" + row["e"]["value"][len(ID) :])
    finally:
        connection.close()
    return paths


def interleave(by_kind: dict[str, list[Request]]) -> tuple[Request, ...]:
    """One request of each kind in turn, each kind cycling through its own list."""
    longest = max(len(requests) for requests in by_kind.values())
    return tuple(
        requests[i % len(requests)]
        for i in range(longest)
        for requests in by_kind.values()
        if requests
    )


SEARCHES = ("tubitak", "comite international", "iupac", "metrology", "bipm", "accreditation")


def standard_mix(url: str) -> tuple[Request, ...]:
    """Entity pages, lookups (an entity's RDF, search), example queries and the network API.

    - `page`: entity pages (HTML) of organisations, agreements, committees and events;
    - `lookup`: the same entities as Turtle or JSON-LD, and /api/search;
    - `query`: every example query through /sparql;
    - `network`: /api/network (whole and as of a date), /api/path and /api/ego between the
      organisations found.

    The entities are the first few of each kind on the server, so the mix fits any graph in the
    project's scheme (the curated one or a synthetic one).
    """
    entities = entity_paths(url, ("organisation", "agreement", "committee", "event"))
    pages = [Request("page", path) for path in entities]
    lookups = [
        Request("lookup", path + (".ttl" if i % 2 else ".jsonld"))
        for i, path in enumerate(entities)
    ]
    lookups += [
        Request("lookup", "/api/search?" + urllib.parse.urlencode({"q": q})) for q in SEARCHES
    ]
    queries = [sparql("query", text) for _, text in example_queries()]
    bodies = [ID + path[len("/id/") :] for path in entities if path.startswith("/id/organisation/")]
    network = [
        Request("network", "/api/network"),
        Request("network", "/api/network?as_of=2019-12-31"),
        Request(
            "network", "/api/path?" + urllib.parse.urlencode({"from": bodies[0], "to": bodies[-1]})
        ),
        Request(
            "network",
            "/api/ego?" + urllib.parse.urlencode({"node": bodies[1 % len(bodies)], "radius": 2}),
        ),
    ]
    return interleave({"page": pages, "lookup": lookups, "query": queries, "network": network})


RUNAWAY_QUERIES = {
    "cartesian product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "star paths": "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:q>)* ?b . ?c (!<urn:q>)* ?d }",
    "regex over a product": (
        "SELECT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f "
        'FILTER(REGEX(CONCAT(STR(?c), STR(?f)), "^(a|aa)+(b|bb)+$", "i")) }'
    ),
    "order by a growing product": (
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d ?f LIMIT 1"
    ),
}


def runaway_mix() -> tuple[Request, ...]:
    """Queries that run past any deadline or memory limit, one of each in turn."""
    return tuple(sparql("runaway", text) for text in RUNAWAY_QUERIES.values())


def table(result: LoadResult, *, groups: Iterable[str] = ()) -> str:
    """The per-kind figures as a small text table."""
    head = ("kind", "requests", "errors", "p50 ms", "p99 ms", "max ms", "req/s")
    lines = ["{:<10} {:>8} {:>6} {:>8} {:>8} {:>8} {:>7}  statuses".format(*head)]
    for s in result.by_kind(groups=groups):
        statuses = " ".join(f"{code}×{count}" for code, count in s.statuses)
        lines.append(
            f"{s.name:<10} {s.requests:>8} {s.errors:>6} {s.p50_ms:>8.1f} {s.p99_ms:>8.1f} "
            f"{s.max_ms:>8.1f} {s.per_s:>7.1f}  {statuses}"
        )
    return "\n".join(lines)
