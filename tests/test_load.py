"""Load on a real server: 8 clients for 30 s, then 30 s more while a ninth sends runaway queries.

The 8 clients mix entity pages, lookups (an entity's RDF, search), the example queries through
/sparql and the network API on the real graph, over loopback (bench/load.py). Asserted: every
answer is a 2xx, in both phases; every runaway query ends with 503 (at its deadline, or at its
worker's memory limit), never anything else; /healthz answers every probe, and never as late as a
query deadline (it does not wait on the query engine); the server is up and ready afterwards.

Speed is reported, not asserted (the machine is shared; docs/operations/scale.md, "Load"):
p50/p99/throughput per kind with and without the runaway client, the ratio of the p99s of pages
and lookups, and the probes' latency are printed and written to load-report.json in the test's
temporary folder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import load
import pytest
from live import BACKEND, LiveServer, build, http, start_server

# Run again against a remote store and under granian by make test (-m web).
pytestmark = pytest.mark.web

SECONDS = 30.0
CLIENTS = 8
DEADLINE_S = 4.0
#: One more than the default: a runaway query holds a worker, and while its replacement starts
#: (about a second) the next runaway query may take another; with 2 and a short deadline, other
#: clients' queries then waited 3 s for a worker and got 503 (busy) on this shared 2-core machine.
QUERY_WORKERS = 3
#: Low enough that ordering a product of the graph with itself reaches it before the deadline,
#: with room above a worker's own address space (0.5-0.8 GB with the grown graph's store open).
#: At 1536 MB the ordering took 0.8-2.2 s to reach it on an idle machine here, and past the 4 s
#: deadline under this test's load once (a fresh-clone run of 2026-12-03).
WORKER_MEMORY_MB = 1200
#: Every query the test's clients can have waiting at once (8 mixed and 1 runaway, less the
#: 3 running): the default, 3, sheds the excess with 503 "busy" and Retry-After, as it should for
#: a server at capacity (test_fairness asserts it), and in the remote pass of CI, where the
#: runaway query and the Python front share two cores with the remote server, 2 mixed queries
#: ran, 3 waited and a sixth got that 503. This test is about a runaway client, not capacity.
SPARQL_WAITING = CLIENTS + 1 - QUERY_WORKERS
#: Request threads for every client thread at once (10), so that no request waits for a thread.
THREADS = 12
PROBE = load.Clients("probe", (load.Request("healthz", "/healthz"),), pause_s=0.25)
#: One loopback address per client thread: the server shares its query workers out by address,
#: so eight threads from one address would be one client taking turns with itself.
MIXED_SOURCES = tuple(f"127.0.1.{i + 1}" for i in range(CLIENTS))
PAGES_AND_LOOKUPS = ("page", "lookup")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("load")


@pytest.fixture(scope="module")
def server(base: Path) -> Iterator[LiveServer]:
    """Default settings but a short deadline and a low worker memory limit (so that runaway
    queries end often), 3 query workers, a waiting room and threads for all the test's clients,
    and no per-client limits: every client here comes from 127.0.0.1. A remote store's server
    stops a query at the same deadline (as SECURITY.md tells its operator to)."""
    build(base / "store", remote_timeout_s=DEADLINE_S)
    live = start_server(
        base / "store",
        {
            "BIPMKG_QUERY_TIMEOUT_S": str(DEADLINE_S),
            "BIPMKG_QUERY_WORKERS": str(QUERY_WORKERS),
            "BIPMKG_WORKER_MEMORY_MB": str(WORKER_MEMORY_MB),
            "BIPMKG_CLIENT_MAX_CONCURRENT": "0",
            "BIPMKG_CLIENT_QUERY_SECONDS": "0",
            "BIPMKG_SPARQL_WAITING": str(SPARQL_WAITING),
        },
        base / "server.log",
        options=("--threads", str(THREADS)),
    )
    yield live
    live.stop()


@pytest.fixture(scope="module")
def mix(server: LiveServer) -> tuple[load.Request, ...]:
    requests = load.standard_mix(server.url)
    kinds = {r.kind for r in requests}
    assert kinds == {"page", "lookup", "query", "network"}, kinds
    warm = load.warm_up(server.url, requests)  # caches: search index, network views
    assert [s for s in warm if s.status != 200] == []
    return requests


def test_healthz_answers_at_once_while_every_worker_is_busy(server: LiveServer) -> None:
    # One client sends as many cartesian products as there are /sparql workers: it runs its
    # share (all but one), the rest waits its turn; /healthz, which does not ask the engine,
    # answers at once, and so does /readyz, which asks a worker /sparql never takes
    # (PAGE_WORKERS). Each text differs: identical queries in flight would share one evaluation.
    product = load.RUNAWAY_QUERIES["cartesian product"]

    def hold(n: int) -> int:
        runaway = load.sparql("runaway", f"{product}\n# holder {n}")
        assert runaway.body is not None
        return http(
            "POST", f"{server.url}/sparql", data=runaway.body, headers=dict(runaway.headers)
        ).status

    with ThreadPoolExecutor(max_workers=QUERY_WORKERS) as pool:
        held = [pool.submit(hold, n) for n in range(QUERY_WORKERS)]
        time.sleep(0.5)
        started = time.monotonic()
        health = http("GET", f"{server.url}/healthz", timeout=10)
        took = time.monotonic() - started
        ready = http("GET", f"{server.url}/readyz", timeout=10)
        assert [f.result() for f in held] == [503] * QUERY_WORKERS
    assert health.status == 200 and took < 0.5, took
    assert ready.status == 200, ready.text


@pytest.fixture(scope="module")
def quiet(server: LiveServer, mix: tuple[load.Request, ...]) -> load.LoadResult:
    clients = load.Clients("mixed", mix, threads=CLIENTS, sources=MIXED_SOURCES)
    return load.run(server.url, [clients, PROBE], seconds=SECONDS)


@pytest.fixture(scope="module")
def runaway(
    server: LiveServer, mix: tuple[load.Request, ...], quiet: load.LoadResult
) -> load.LoadResult:
    clients = load.Clients("mixed", mix, threads=CLIENTS, sources=MIXED_SOURCES)
    hostile = load.Clients(
        "runaway", load.runaway_mix(), ok=frozenset({503}), sources=("127.0.0.2",)
    )
    return load.run(server.url, [clients, PROBE, hostile], seconds=SECONDS)


def test_eight_clients_get_no_error(quiet: load.LoadResult) -> None:
    failures = quiet.failures()
    assert failures == [], failures[:5]
    for kind in ("page", "lookup", "query", "network"):
        assert quiet.stats(kind, groups=["mixed"], kinds=[kind]).requests >= 20, kind


def test_runaway_queries_end_with_503_and_the_others_get_no_error(
    server: LiveServer, runaway: load.LoadResult
) -> None:
    assert runaway.failures(groups=["mixed", "probe"]) == [], runaway.failures()[:5]
    stopped = runaway.select(groups=["runaway"])
    assert len(stopped) >= 4, stopped
    reasons = {s.status: s.error for s in stopped}
    assert set(reasons) == {503}, reasons
    deadline = [s for s in stopped if "did not finish within" in s.error]
    memory = [s for s in stopped if "memory limit" in s.error]
    assert len(deadline) + len(memory) == len(stopped), [s.error for s in stopped]
    if BACKEND == "embedded":  # a remote server has its own limits
        assert deadline and memory, [s.error[:80] for s in stopped]
    # No runaway answer came later than its deadline plus the time to stop its worker.
    assert max(s.ms for s in stopped) < (DEADLINE_S + 3) * 1000
    assert server.process.poll() is None
    assert http("GET", f"{server.url}/readyz", timeout=10).status == 200


def test_healthz_answers_every_probe_without_waiting_on_the_engine(
    quiet: load.LoadResult, runaway: load.LoadResult
) -> None:
    for result in (quiet, runaway):
        probes = result.select(groups=["probe"])
        assert len(probes) >= SECONDS, len(probes)  # one every 0.25 s at most, once answered
        assert {s.status for s in probes} == {200}
        # Never as late as a query deadline: a probe is not queued behind a runaway query.
        assert max(s.ms for s in probes) < DEADLINE_S * 1000, max(s.ms for s in probes)


def test_report(
    base: Path,
    quiet: load.LoadResult,
    runaway: load.LoadResult,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = quiet.stats("pages+lookups", groups=["mixed"], kinds=PAGES_AND_LOOKUPS)
    during = runaway.stats("pages+lookups", groups=["mixed"], kinds=PAGES_AND_LOOKUPS)
    everything_before = quiet.stats("all", groups=["mixed"])
    everything_during = runaway.stats("all", groups=["mixed"])
    report = {
        "clients": CLIENTS,
        "seconds": SECONDS,
        "backend": BACKEND,
        "without_runaway": quiet.as_dict(),
        "with_runaway": runaway.as_dict(),
        "pages_and_lookups_p99_ms": {"without": before.p99_ms, "with": during.p99_ms},
        "p99_ratio_pages_and_lookups": round(during.p99_ms / before.p99_ms, 2),
        "p99_ratio_all": round(everything_during.p99_ms / everything_before.p99_ms, 2),
        "healthz_max_ms": {
            "without": quiet.stats("probe", groups=["probe"]).max_ms,
            "with": runaway.stats("probe", groups=["probe"]).max_ms,
        },
    }
    path = base / "load-report.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    with capsys.disabled():
        print(
            f"\n\n== Load: {CLIENTS} clients, {SECONDS:g} s each phase ({time.strftime('%H:%M')})"
        )
        print(load.table(quiet))
        print(f"\n== The same, with one client sending runaway queries (deadline {DEADLINE_S:g} s)")
        print(load.table(runaway))
        print(
            f"\npages and lookups p99: {before.p99_ms:.0f} ms without, {during.p99_ms:.0f} ms "
            f"with runaway (×{report['p99_ratio_pages_and_lookups']}); all kinds "
            f"×{report['p99_ratio_all']}; /healthz max {report['healthz_max_ms']}; {path}\n"
        )
    assert before.requests and during.requests


@pytest.mark.skipif(
    BACKEND == "remote",
    reason="a remote server goes on evaluating the queries bipmkg stopped waiting for, until its "
    "own deadline (SECURITY.md, Not yet covered): on two cores the saturating client's abandoned "
    "runaway queries hold the server's CPU, so the others' queries can time out there",
)
def test_one_client_saturating_its_share_leaves_the_others_answered(
    server: LiveServer,
    mix: tuple[load.Request, ...],
    runaway: load.LoadResult,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # After the other phases (the fixture `runaway` orders it last): one client (one address)
    # keeps twice as many runaway queries in flight as it may run at once, QUERY_WORKERS - 1;
    # the rest wait their turn or are refused (503 waited/busy, 429 queue). The eight mixed
    # clients and the probe must see no error at all.
    share = max(1, QUERY_WORKERS - 1)
    clients = load.Clients("mixed", mix, threads=CLIENTS, sources=MIXED_SOURCES)
    saturating = load.Clients(
        "saturating",
        tuple(
            load.sparql("runaway", f"{text}\n# saturating {n}")
            for n, text in enumerate(load.RUNAWAY_QUERIES.values())
        ),
        threads=2 * share,
        ok=frozenset({429, 503}),
        sources=("127.0.0.3",),
    )
    result = load.run(server.url, [clients, PROBE, saturating], seconds=SECONDS)
    others = result.stats("others", groups=["mixed"])
    probes = result.stats("healthz", groups=["probe"])
    held = result.stats("saturating", groups=["saturating"])
    with capsys.disabled():
        print(f"\n== One client keeping {2 * share} runaway queries in flight (share {share})")
        print(load.table(result))
        print(
            f"\nothers p50 {others.p50_ms:.0f} ms, p99 {others.p99_ms:.0f} ms; /healthz p50 "
            f"{probes.p50_ms:.0f} ms, p99 {probes.p99_ms:.0f} ms, max {probes.max_ms:.0f} ms; "
            f"saturating client: {dict(held.statuses)}\n"
        )
    assert result.failures(groups=["mixed", "probe"]) == [], result.failures()[:5]
    assert result.failures(groups=["saturating"]) == [], result.failures(groups=["saturating"])
    for kind in ("page", "lookup", "query", "network"):
        assert result.stats(kind, groups=["mixed"], kinds=[kind]).requests >= 20, kind
    assert len(result.select(groups=["probe"])) >= SECONDS
    assert held.requests >= 2 * share
    assert server.process.poll() is None


#: Sockets held open by slow clients during the slow-clients phase (granian's WSGI interface
#: stopped answering at 50; gunicorn's gthread worker at 8).
SLOW_SOCKETS = 50


def test_slow_clients_leave_the_load_and_the_probes_answered(
    server: LiveServer,
    mix: tuple[load.Request, ...],
    quiet: load.LoadResult,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The normal mixed load and the /healthz probe run while SLOW_SOCKETS sockets trickle a
    # request head, trickle a body, or send nothing (tests/test_slow_clients.py), each opened
    # again as soon as the server closes it at its read timeout. Speed is printed, not asserted.
    import threading

    from test_slow_clients import KINDS, open_slow, poll

    stop = threading.Event()
    closed = {kind: 0 for kind in KINDS}

    def hold() -> None:
        held = [open_slow(server.url, KINDS[i % len(KINDS)]) for i in range(SLOW_SOCKETS)]
        next_byte = time.monotonic()
        while not stop.is_set():
            due = time.monotonic() >= next_byte
            if due:
                next_byte += 1.0
            for n, each in enumerate(held):
                poll(each, send=due)
                if each.closed_after is not None:
                    closed[each.kind] += 1
                    held[n] = open_slow(server.url, each.kind)
            stop.wait(0.05)
        for each in held:
            each.sock.close()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    try:
        time.sleep(1.0)  # every slow socket open before the load starts
        clients = load.Clients("mixed", mix, threads=CLIENTS, sources=MIXED_SOURCES)
        result = load.run(server.url, [clients, PROBE], seconds=SECONDS)
    finally:
        stop.set()
        holder.join(10)
    others = result.stats("mixed", groups=["mixed"])
    probes = result.stats("healthz", groups=["probe"])
    before = quiet.stats("mixed", groups=["mixed"])
    with capsys.disabled():
        print(f"\n== The mixed load with {SLOW_SOCKETS} slow sockets held open")
        print(load.table(result))
        print(
            f"\nmixed p50 {others.p50_ms:.0f} ms, p99 {others.p99_ms:.0f} ms (without slow "
            f"sockets: p50 {before.p50_ms:.0f}, p99 {before.p99_ms:.0f}); /healthz p50 "
            f"{probes.p50_ms:.0f} ms, p99 {probes.p99_ms:.0f} ms, max {probes.max_ms:.0f} ms; "
            f"slow sockets closed by the server: {closed}\n"
        )
    assert result.failures(groups=["mixed", "probe"]) == [], result.failures()[:5]
    for kind in ("page", "lookup", "query", "network"):
        assert result.stats(kind, groups=["mixed"], kinds=[kind]).requests >= 20, kind
    assert len(result.select(groups=["probe"])) >= SECONDS
    assert sum(closed.values()) >= SLOW_SOCKETS // 2  # the read timeouts closed them
    assert server.process.poll() is None
