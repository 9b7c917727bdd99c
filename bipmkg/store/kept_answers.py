"""Answers kept per build of the store: the same query on the same data is evaluated once.

Between two builds the store does not change, so an answer is a function of the query text, the
dataset it names, the result format and the row cap. `CachingEngine` keeps answers up to a byte
budget (least recently used go first) and forgets them all when the store is reloaded. Queries
whose answer changes from one evaluation to the next (RAND, NOW, UUID, STRUUID, BNODE) are never
kept. The key's digest is also what /sparql sends as an ETag.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bipmkg.query.engine import Engine, EngineResult

#: SPARQL functions with a different value at each evaluation; `BNODE()` mints a fresh node.
_VOLATILE = re.compile(r"\b(?:RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def is_volatile(text: str) -> bool:
    """Whether the query may answer differently on unchanged data (so must not be kept)."""
    if len(text) <= 4096:
        return _is_volatile(text)
    return _VOLATILE.search(text) is not None


@functools.lru_cache(maxsize=1024)
def _is_volatile(text: str) -> bool:
    # Every kept answer asks this twice (its ETag, then its lookup) of texts sent again and again.
    return _VOLATILE.search(text) is not None


def answer_key(
    text: str,
    *,
    fmt: str,
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    row_cap: int | None,
) -> str:
    """A digest naming one answer on one build of the store."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (fmt, str(row_cap), *(default_graphs or ()), "|", *(named_graphs or ()), "|"):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheStats:
    entries: int
    bytes: int
    hits: int
    misses: int
    #: Requests that waited for the same query already being evaluated and shared its answer.
    shared: int


@dataclass
class _InFlight:
    """One evaluation that identical requests arriving meanwhile wait for instead of repeating."""

    done: threading.Event = field(default_factory=threading.Event)
    result: EngineResult | None = None
    error: BaseException | None = None


class CachingEngine:
    """An `Engine` that keeps the answers of another, up to `max_bytes` of result bodies.

    An answer larger than `max_bytes // 16` is not kept, so one large export cannot flush the
    cache of every small lookup. `max_bytes == 0` turns keeping off.

    Identical requests that arrive while their query is being evaluated wait for that evaluation
    and share its answer or its error (single flight): eight clients asking the same slow
    aggregate at once cost one evaluation, not eight workers busy with the same work.
    """

    def __init__(self, inner: Engine, *, max_bytes: int, row_cap: int) -> None:
        self.inner = inner
        self.max_bytes = max(0, max_bytes)
        self.max_entry_bytes = self.max_bytes // 16
        self.row_cap = row_cap
        self._answers: OrderedDict[str, EngineResult] = OrderedDict()
        self._bytes = 0
        self._hits = 0
        self._misses = 0
        self._shared = 0
        self._in_flight: dict[tuple[str, float | None, int], _InFlight] = {}
        self._generation = 0  # bumped by each reload: an answer begun before it is not kept
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Bumped each time the kept answers are forgotten (a reload or `clear`)."""
        return self._generation

    def key(
        self,
        text: str,
        *,
        fmt: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        row_cap: int | None = -1,
    ) -> str | None:
        """The answer's key, or None if this answer is never kept."""
        if not self.max_bytes or is_volatile(text):
            return None
        cap = self.row_cap if row_cap == -1 else row_cap
        return answer_key(
            text, fmt=fmt, default_graphs=default_graphs, named_graphs=named_graphs, row_cap=cap
        )

    def lookup(self, key: str) -> EngineResult | None:
        """The answer kept under `key` (from `key()`), if any: no evaluation, no worker."""
        with self._lock:
            kept = self._answers.get(key)
            if kept is not None:
                self._answers.move_to_end(key)
                self._hits += 1
            return kept

    def run(
        self,
        text: str,
        *,
        fmt: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout_s: float | None = None,
        row_cap: int | None = -1,
    ) -> EngineResult:
        key = self.key(
            text,
            fmt=fmt,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            row_cap=row_cap,
        )
        if key is None:
            return self.inner.run(
                text,
                fmt=fmt,
                default_graphs=default_graphs,
                named_graphs=named_graphs,
                timeout_s=timeout_s,
                row_cap=row_cap,
            )
        with self._lock:
            kept = self._answers.get(key)
            if kept is not None:
                self._answers.move_to_end(key)
                self._hits += 1
                return kept
            generation = self._generation
            # The deadline is part of what is shared: a request allowed longer does not inherit
            # the time-out of one allowed less, and none joins an evaluation of an older build.
            flight_key = (key, timeout_s, generation)
            flight = self._in_flight.get(flight_key)
            leading = flight is None
            if flight is None:
                flight = self._in_flight[flight_key] = _InFlight()
                self._misses += 1
            else:
                self._shared += 1
        if not leading:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            assert flight.result is not None
            return replace(flight.result, cached=True)
        try:
            result = self.inner.run(
                text,
                fmt=fmt,
                default_graphs=default_graphs,
                named_graphs=named_graphs,
                timeout_s=timeout_s,
                row_cap=row_cap,
            )
            flight.result = result
            if len(result.body) <= self.max_entry_bytes:
                self._keep(key, replace(result, cached=True), generation)
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            # Kept before the flight ends: a request arriving in between finds the answer.
            with self._lock:
                self._in_flight.pop(flight_key, None)
            flight.done.set()
        return result

    def _keep(self, key: str, result: EngineResult, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            previous = self._answers.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous.body)
            self._answers[key] = result
            self._bytes += len(result.body)
            while self._bytes > self.max_bytes:
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._answers.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                len(self._answers), self._bytes, self._hits, self._misses, self._shared
            )

    def reload(self, graphs: Sequence[str] | None = None) -> None:
        # Forgotten before and after: no answer of the old build outlives the reload, and an
        # answer begun on the old build while it ran is not kept (the generation moved on).
        self.clear()
        self.inner.reload(graphs)
        self.clear()

    def close(self) -> None:
        self.clear()
        self.inner.close()
