"""A thread-safe least-recently-used cache in which each value is computed once (single flight).

Used for the answers kept per build of the store (`bipmkg.store.kept_answers`), the network
views of the web app (`webapp.network`) and its other values computed once per build
(`webapp.kg`: labels, the search index, counts, the dumps). Threads asking for a value that is being
computed wait for that computation and share its value or its error: a burst of identical first
requests costs one evaluation, not one per thread. What is kept is bounded by a total weight
(entries, or bytes of answers) and least recently used entries go first; `clear` forgets
everything and starts a new generation, whose requests never join a computation begun before it,
nor is such a computation's value kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar, cast

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class FlightStats:
    entries: int
    weight: int  # of the kept entries, as `weigh` counts it
    hits: int  # answered from a kept entry
    misses: int  # computed
    shared: int  # waited for the same computation already under way and shared its outcome


_UNSET = object()


@dataclass
class _Flight:
    """One computation that identical requests arriving meanwhile wait for instead of repeating."""

    done: threading.Event = field(default_factory=threading.Event)
    value: object = _UNSET
    error: BaseException | None = None


def _one(_: object) -> int:
    return 1


class SingleFlightCache(Generic[K, V]):
    """Values by key, computed once each, kept up to `max_weight` (least recently used go first).

    `weigh` gives an entry's weight (1 each by default: `max_weight` is then a number of
    entries); a value heavier than `max_entry_weight` is shared with the requests that waited for
    it but not kept. `shared_as` is what is kept and given to every request but the one that
    computed the value (e.g. the value marked as coming from the cache).
    """

    def __init__(
        self,
        *,
        max_weight: int,
        max_entry_weight: int | None = None,
        weigh: Callable[[V], int] = _one,
        shared_as: Callable[[V], V] | None = None,
    ) -> None:
        self.max_weight = max(0, max_weight)
        self.max_entry_weight = self.max_weight if max_entry_weight is None else max_entry_weight
        self._weigh = weigh
        self._shared_as = shared_as
        self._items: OrderedDict[K, V] = OrderedDict()
        self._weight = 0
        self._hits = 0
        self._misses = 0
        self._shared = 0
        self._flights: dict[tuple[K, Hashable, int], _Flight] = {}
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Bumped by each `clear`."""
        return self._generation

    def lookup(self, key: K) -> V | None:
        """The value kept under `key`, if any; nothing is computed."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            self._hits += 1
            return self._items[key]

    def get(self, key: K, compute: Callable[[], V], *, flight: Hashable = None) -> V:
        """The value kept under `key`, else `compute()`'s, computed once for concurrent callers.

        Callers share a computation only if they also give the same `flight` (e.g. a deadline:
        a request allowed longer must not inherit the time-out of one allowed less). The error
        of a computation is raised in every caller that waited for it, and nothing is kept.
        """
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self._hits += 1
                return self._items[key]
            generation = self._generation
            flight_key = (key, flight, generation)
            current = self._flights.get(flight_key)
            leading = current is None
            if current is None:
                current = self._flights[flight_key] = _Flight()
                self._misses += 1
            else:
                self._shared += 1
        if not leading:
            current.done.wait()
            if current.error is not None:
                raise current.error
            return cast(V, current.value)
        try:
            value = compute()
        except BaseException as exc:
            current.error = exc
            with self._lock:
                self._flights.pop(flight_key, None)
            current.done.set()
            raise
        shared = value if self._shared_as is None else self._shared_as(value)
        current.value = shared
        with self._lock:
            # Kept before the flight ends: a request arriving in between finds the value.
            if generation == self._generation:
                self._keep(key, shared)
            self._flights.pop(flight_key, None)
        current.done.set()
        return value

    def _keep(self, key: K, value: V) -> None:
        weight = self._weigh(value)
        if weight > self.max_entry_weight or weight > self.max_weight:
            return
        previous = self._items.pop(key, _UNSET)
        if previous is not _UNSET:
            self._weight -= self._weigh(cast(V, previous))
        self._items[key] = value
        self._weight += weight
        while self._weight > self.max_weight:
            _, dropped = self._items.popitem(last=False)
            self._weight -= self._weigh(dropped)

    def clear(self) -> None:
        """Forget every kept value; values being computed now will not be kept."""
        with self._lock:
            self._generation += 1
            self._items.clear()
            self._weight = 0

    def stats(self) -> FlightStats:
        with self._lock:
            return FlightStats(
                len(self._items), self._weight, self._hits, self._misses, self._shared
            )
