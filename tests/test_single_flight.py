"""The single-flight cache's promises, with real threads: identical concurrent requests are
computed once, an error is every waiter's, what is kept stays within its bound, and nothing
computed before a `clear` is kept after it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from probes import at_once

from bipmkg.store.single_flight import SingleFlightCache


class Gate:
    """A computation that counts its calls and runs until released, once all callers arrived."""

    def __init__(self, cache: SingleFlightCache[str, str], waiters: int) -> None:
        self.cache, self.waiters = cache, waiters
        self.calls = 0
        self.lock = threading.Lock()

    def compute(self, value: str = "value", error: Exception | None = None) -> str:
        with self.lock:
            self.calls += 1
        # Hold the flight until every other thread has joined it: then sharing is certain.
        pause = threading.Event()
        for _ in range(2000):
            if self.cache.stats().shared >= self.waiters:
                break
            pause.wait(0.005)
        if error is not None:
            raise error
        return value


def test_identical_concurrent_requests_are_computed_once() -> None:
    cache: SingleFlightCache[str, str] = SingleFlightCache(max_weight=8, shared_as=str.upper)
    gate = Gate(cache, waiters=7)
    values = at_once(8, lambda _: cache.get("k", gate.compute))
    assert gate.calls == 1
    # The one that computed gets the value; the others, and later requests, what is kept.
    assert sorted(values) == ["VALUE"] * 7 + ["value"]  # type: ignore[type-var]
    stats = cache.stats()
    assert (stats.misses, stats.shared, stats.hits, stats.entries) == (1, 7, 0, 1)
    assert cache.get("k", gate.compute) == "VALUE" and cache.lookup("k") == "VALUE"
    assert gate.calls == 1 and cache.stats().hits == 2


def test_an_error_is_shared_by_every_waiter_and_not_kept() -> None:
    cache: SingleFlightCache[str, str] = SingleFlightCache(max_weight=8)
    gate = Gate(cache, waiters=4)
    failure = RuntimeError("the evaluation failed")
    outcomes = at_once(5, lambda _: cache.get("k", lambda: gate.compute(error=failure)))
    assert gate.calls == 1
    assert all(outcome is failure for outcome in outcomes), outcomes
    assert cache.lookup("k") is None
    # The next request computes again, and succeeds.
    assert cache.get("k", lambda: "again") == "again" and cache.lookup("k") == "again"


def test_requests_of_another_flight_compute_on_their_own() -> None:
    cache: SingleFlightCache[str, str] = SingleFlightCache(max_weight=0)
    gate = Gate(cache, waiters=2)
    at_once(4, lambda i: cache.get("k", gate.compute, flight=i % 2))
    assert gate.calls == 2
    assert (cache.stats().misses, cache.stats().shared) == (2, 2)
    assert cache.lookup("k") is None  # a weight bound of 0 keeps nothing


def test_what_is_kept_stays_within_its_weight_least_recently_used_first() -> None:
    cache: SingleFlightCache[str, bytes] = SingleFlightCache(
        max_weight=100, max_entry_weight=40, weigh=len
    )
    for name in "abc":
        cache.get(name, lambda: b"x" * 30)
    assert cache.stats().weight == 90
    assert cache.lookup("a") is not None  # now the most recently used
    cache.get("d", lambda: b"x" * 30)
    assert cache.lookup("b") is None and cache.lookup("a") is not None
    assert cache.stats().weight <= 100 and cache.stats().entries == 3
    # Heavier than one entry may be: given to its caller, never kept.
    assert cache.get("big", lambda: b"x" * 41) == b"x" * 41
    assert cache.lookup("big") is None

    # Many threads filling it at once never leave it over its bound.
    counted: SingleFlightCache[int, int] = SingleFlightCache(max_weight=16)
    at_once(8, lambda i: [counted.get(i * 1000 + n, lambda n=n: n) for n in range(200)])
    assert counted.stats().entries == 16 and counted.stats().misses == 1600


def test_a_value_computed_across_a_clear_is_not_kept() -> None:
    cache: SingleFlightCache[str, str] = SingleFlightCache(max_weight=8)
    started, release = threading.Event(), threading.Event()
    generation = cache.generation

    def slow() -> str:
        started.set()
        release.wait(10)
        return "old"

    worker = threading.Thread(target=lambda: cache.get("k", slow))
    worker.start()
    assert started.wait(10)
    cache.clear()
    assert cache.generation == generation + 1
    # A request after the clear does not join the old computation.
    assert cache.get("k", lambda: "new") == "new"
    release.set()
    worker.join(10)
    assert cache.lookup("k") == "new"


def test_a_key_is_computed_again_once_evicted() -> None:
    cache: SingleFlightCache[str, int] = SingleFlightCache(max_weight=1)
    calls: list[str] = []

    def compute(name: str) -> Callable[[], int]:
        return lambda: calls.append(name) or len(calls)

    assert cache.get("a", compute("a")) == 1
    assert cache.get("b", compute("b")) == 2
    assert cache.get("a", compute("a")) == 3
    assert calls == ["a", "b", "a"]


@pytest.mark.parametrize("bound", [0, 1])
def test_waiters_are_released_even_when_nothing_is_kept(bound: int) -> None:
    cache: SingleFlightCache[str, str] = SingleFlightCache(max_weight=bound, max_entry_weight=0)
    gate = Gate(cache, waiters=3)
    values = at_once(4, lambda _: cache.get("k", gate.compute))
    assert values == ["value"] * 4 and gate.calls == 1
