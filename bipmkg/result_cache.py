"""Answers kept per build of the store: the same query on the same data is evaluated once.

Between two builds the store does not change, so an answer is a function of the query text, the
dataset it names, the result format and the row cap. `CachingEngine` keeps answers up to a byte
budget (least recently used go first) and forgets them all when the store is reloaded. Queries
whose answer changes from one evaluation to the next (RAND, NOW, UUID, STRUUID, BNODE) are never
kept. The key's digest is also what /sparql sends as an ETag.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .engine import Engine, EngineResult

#: SPARQL functions with a different value at each evaluation; `BNODE()` mints a fresh node.
_VOLATILE = re.compile(r"\b(?:RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def is_volatile(text: str) -> bool:
    """Whether the query may answer differently on unchanged data (so must not be kept)."""
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


class CachingEngine:
    """An `Engine` that keeps the answers of another, up to `max_bytes` of result bodies.

    An answer larger than `max_bytes // 16` is not kept, so one large export cannot flush the
    cache of every small lookup. `max_bytes == 0` turns keeping off.
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
        self._generation = 0  # bumped by each reload: an answer begun before it is not kept
        self._lock = threading.Lock()

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
        generation = self._generation
        if key is not None:
            with self._lock:
                kept = self._answers.get(key)
                if kept is not None:
                    self._answers.move_to_end(key)
                    self._hits += 1
                    return kept
                self._misses += 1
        result = self.inner.run(
            text,
            fmt=fmt,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            timeout_s=timeout_s,
            row_cap=row_cap,
        )
        if key is not None and len(result.body) <= self.max_entry_bytes:
            self._keep(key, replace(result, cached=True), generation)
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
            return CacheStats(len(self._answers), self._bytes, self._hits, self._misses)

    def reload(self, graphs: Sequence[str] | None = None) -> None:
        # Forgotten before and after: no answer of the old build outlives the reload, and an
        # answer begun on the old build while it ran is not kept (the generation moved on).
        self.clear()
        self.inner.reload(graphs)
        self.clear()

    def close(self) -> None:
        self.clear()
        self.inner.close()
