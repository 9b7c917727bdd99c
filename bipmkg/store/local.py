"""What the backends whose data is in the store folder share (embedded, memory).

Apart from the backend table so that the table imports no engine: query workers
(bipmkg.store.workers) open a local store through the table, and a local store's engine is theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from bipmkg.store.backends import Manifest
from bipmkg.store.workers import QueryEngine

if TYPE_CHECKING:
    from bipmkg.query.engine import Engine, EngineSettings
    from bipmkg.store.endpoint import Endpoint


class LocalStore:
    """What the backends whose data is in the store folder share: query workers open it, and
    nothing but bipmkg's builds changes it, so its answers may be kept."""

    keeps_answers: ClassVar[bool] = True

    def endpoint(self, previous: Manifest | None) -> Endpoint | None:
        return None

    def intact(self, previous: Manifest) -> bool:
        return True

    def engine(self, store_dir: Path, graphs: Sequence[str], settings: EngineSettings) -> Engine:
        return QueryEngine(settings)
