"""What one query asks of an engine: the text, the result format, the dataset, the deadline and
the caps, as one value.

Every engine (`bipmkg.query.engine.Engine`) takes a `QueryRequest`; the kept answers name an
answer by it, and the worker-process engine sends it, caps resolved, to its worker (it pickles).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass, replace
from typing import Final

#: A cap left to the engine's setting: ROW_CAP for rows, RESULT_MAX_BYTES for bytes.
SETTING: Final = -1


@dataclass(frozen=True)
class QueryRequest:
    """One query with its result format, dataset, deadline and caps.

    `default_graphs` and `named_graphs` are the protocol's `default-graph-uri` and
    `named-graph-uri`; empty, the default graph is the union of the stored graphs and GRAPH ranges
    over them. `timeout_s` None is the engine's deadline. `row_cap` SETTING is the engine's row cap;
    None lifts both caps, for the app's own queries, which are bounded by what they ask (an
    entity's description, the ontology). `byte_cap` SETTING is the engine's byte cap, or none
    where `row_cap` is None.
    """

    text: str
    _: KW_ONLY
    fmt: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    timeout_s: float | None = None
    row_cap: int | None = SETTING
    byte_cap: int | None = SETTING

    def __post_init__(self) -> None:
        # Lists are accepted for convenience; a tuple keeps the request hashable and frozen.
        object.__setattr__(self, "default_graphs", _strings(self.default_graphs))
        object.__setattr__(self, "named_graphs", _strings(self.named_graphs))

    def capped(self, *, row_cap: int | None, byte_cap: int | None) -> QueryRequest:
        """This request with the engine's caps in place of SETTING."""
        rows = row_cap if self.row_cap == SETTING else self.row_cap
        if self.byte_cap != SETTING:
            size = self.byte_cap
        else:
            size = None if self.row_cap is None else byte_cap
        return replace(self, row_cap=rows, byte_cap=size)

    def deadline(self, default_s: float) -> float:
        """The seconds this request may take: its own time limit, else the engine's."""
        return self.timeout_s if self.timeout_s is not None else default_s


def _strings(values: Iterable[str] | None) -> tuple[str, ...]:
    return tuple(values) if values else ()
