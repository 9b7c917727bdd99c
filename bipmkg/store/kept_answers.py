"""Answers kept per build of the store: the same query on the same data is evaluated once.

Between two builds the store does not change, so an answer is a function of the request
(`bipmkg.query.request.QueryRequest`): the query text, the dataset it names, the result format
and the caps. `CachingEngine` keeps answers up to a byte budget (least recently used go first)
and forgets them all when the store is reloaded. Queries whose answer changes from one evaluation
to the next (RAND, NOW, UUID, STRUUID, BNODE) are never kept. The key's digest is also what
/sparql sends as an ETag.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bipmkg.query.engine import Engine, EngineResult
from bipmkg.query.request import SETTING, QueryRequest
from bipmkg.store.single_flight import SingleFlightCache

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


def answer_key(request: QueryRequest) -> str:
    """A digest naming one answer on one build of the store (its caps resolved by the caller)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (
        request.fmt,
        str(request.row_cap),
        str(request.byte_cap),
        *request.default_graphs,
        "|",
        *request.named_graphs,
        "|",
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    digest.update(request.text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheStats:
    entries: int
    bytes: int
    hits: int
    misses: int
    #: Requests that waited for the same query already being evaluated and shared its answer.
    shared: int


def _body_size(result: EngineResult) -> int:
    return len(result.body)


def _as_kept(result: EngineResult) -> EngineResult:
    return replace(result, cached=True)


class CachingEngine:
    """An `Engine` that keeps the answers of another, up to `max_bytes` of result bodies.

    An answer larger than `max_bytes // 16` is not kept, so one large export cannot flush the
    cache of every small lookup. `max_bytes == 0` turns keeping off.

    Identical requests that arrive while their query is being evaluated wait for that evaluation
    and share its answer or its error (single flight, `bipmkg.store.single_flight`): eight
    clients asking the same slow aggregate at once cost one evaluation, not eight workers busy
    with the same work.
    """

    def __init__(self, inner: Engine, *, max_bytes: int, row_cap: int) -> None:
        self.inner = inner
        self.max_bytes = max(0, max_bytes)
        self.max_entry_bytes = self.max_bytes // 16
        self.row_cap = row_cap
        self._answers: SingleFlightCache[str, EngineResult] = SingleFlightCache(
            max_weight=self.max_bytes,
            max_entry_weight=self.max_entry_bytes,
            weigh=_body_size,
            shared_as=_as_kept,
        )

    @property
    def generation(self) -> int:
        """Bumped each time the kept answers are forgotten (a reload or `clear`)."""
        return self._answers.generation

    def key(self, request: QueryRequest) -> str | None:
        """The answer's key, or None if this answer is never kept."""
        if not self.max_bytes or is_volatile(request.text):
            return None
        # Named by the caps it is cut at: the row cap this engine applies, the inner engine's
        # byte cap (SETTING) unless the request lifts it.
        return answer_key(request.capped(row_cap=self.row_cap, byte_cap=SETTING))

    def lookup(self, key: str) -> EngineResult | None:
        """The answer kept under `key` (from `key()`), if any: no evaluation, no worker."""
        return self._answers.lookup(key)

    def run(self, request: QueryRequest) -> EngineResult:
        key = self.key(request)
        if key is None:
            return self.inner.run(request)
        # The deadline is part of what is shared: a request allowed longer does not inherit the
        # time-out of one allowed less.
        return self._answers.get(key, lambda: self.inner.run(request), flight=request.timeout_s)

    def clear(self) -> None:
        self._answers.clear()

    def stats(self) -> CacheStats:
        kept = self._answers.stats()
        return CacheStats(kept.entries, kept.weight, kept.hits, kept.misses, kept.shared)

    def reload(self, graphs: Sequence[str] | None = None) -> None:
        # Forgotten before and after: no answer of the old build outlives the reload, and an
        # answer begun on the old build while it ran is not kept (the generation moved on).
        self.clear()
        self.inner.reload(graphs)
        self.clear()

    def close(self) -> None:
        self.clear()
        self.inner.close()
