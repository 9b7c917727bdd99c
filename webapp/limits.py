"""Per-client limits on /sparql: query-seconds per minute, and a fair share of the workers.

Past the query-time budget a client gets 429 with Retry-After. How many queries one client runs
at once, whose turn is next and how many may wait is the fair gate's (webapp.fairness). The
counts are kept per server process.
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
from .fairness import FairGate

WINDOW_S = 60.0


@dataclass
class _Client:
    spent: deque[tuple[float, float]] = field(default_factory=deque)  # (finished at, seconds)
    # Kept beside the window so that a busy client costs O(1) per query, not a sum over the
    # thousands of queries it ran in the last minute.
    total: float = 0.0


class ClientLimits:
    def __init__(
        self,
        *,
        max_concurrent: int,
        seconds_per_minute: float,
        workers: int = 3,
        waiting: int = 3,
        max_wait_s: float = 10.0,
    ) -> None:
        self.max_concurrent = max_concurrent
        self.seconds_per_minute = seconds_per_minute
        self.gate = FairGate(
            workers=workers, waiting=waiting, client_limit=max_concurrent, max_wait_s=max_wait_s
        )
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
            used = state.total
            if self.seconds_per_minute and used >= self.seconds_per_minute:
                wait = math.ceil(state.spent[0][0] + WINDOW_S - now)
                raise HTTPError(
                    429,
                    f"this client used {used:.1f} s of query time in the last minute; the limit "
                    f"is {self.seconds_per_minute:g} s (setting CLIENT_QUERY_SECONDS)",
                    {"Retry-After": str(max(1, wait))},
                )
        with self.gate.hold(client):
            # Counted from its turn: time spent waiting for a worker is not the client's doing.
            started = time.monotonic()
            try:
                yield
            finally:
                finished = time.monotonic()
                with self._lock:
                    state = self._clients.setdefault(client, _Client())
                    state.spent.append((finished, finished - started))
                    state.total += finished - started
