"""Per-client limits on /sparql: queries at once, and query-seconds per minute.

One client (by address) cannot hold every worker or keep the engine busy for others: past either
limit it gets 429 with Retry-After. The counts are kept per server process.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .errors import HTTPError

WINDOW_S = 60.0


@dataclass
class _Client:
    active: int = 0
    spent: deque[tuple[float, float]] = field(default_factory=deque)  # (finished at, seconds)
    # Kept beside the window so that a busy client costs O(1) per query, not a sum over the
    # thousands of queries it ran in the last minute.
    total: float = 0.0


class ClientLimits:
    def __init__(self, *, max_concurrent: int, seconds_per_minute: float) -> None:
        self.max_concurrent = max_concurrent
        self.seconds_per_minute = seconds_per_minute
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, client: str) -> Iterator[None]:
        now = time.monotonic()
        with self._lock:
            state = self._clients.setdefault(client, _Client())
            while state.spent and state.spent[0][0] < now - WINDOW_S:
                state.total -= state.spent.popleft()[1]
            if not state.spent:
                state.total = 0.0  # no drift from the float subtractions
            if self.max_concurrent and state.active >= self.max_concurrent:
                raise HTTPError(
                    429,
                    f"at most {self.max_concurrent} queries at once per client "
                    "(setting CLIENT_MAX_CONCURRENT); wait for one to finish",
                    {"Retry-After": "1"},
                )
            used = state.total
            if self.seconds_per_minute and used >= self.seconds_per_minute:
                wait = math.ceil(state.spent[0][0] + WINDOW_S - now)
                raise HTTPError(
                    429,
                    f"this client used {used:.1f} s of query time in the last minute; the limit "
                    f"is {self.seconds_per_minute:g} s (setting CLIENT_QUERY_SECONDS)",
                    {"Retry-After": str(max(1, wait))},
                )
            state.active += 1
        started = time.monotonic()
        try:
            yield
        finally:
            finished = time.monotonic()
            with self._lock:
                state.active -= 1
                state.spent.append((finished, finished - started))
                state.total += finished - started
