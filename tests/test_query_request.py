"""`QueryRequest`: the caps an engine resolves, and a request that crosses to a worker intact."""

from __future__ import annotations

import pickle

from bipmkg.query.request import SETTING, QueryRequest


def test_caps_default_to_the_engine_and_row_cap_none_lifts_both() -> None:
    plain = QueryRequest("ASK {}", fmt="json")
    assert (plain.row_cap, plain.byte_cap) == (SETTING, SETTING)
    capped = plain.capped(row_cap=100, byte_cap=2048)
    assert (capped.row_cap, capped.byte_cap) == (100, 2048)
    own = QueryRequest("ASK {}", fmt="json", row_cap=None).capped(row_cap=100, byte_cap=2048)
    assert (own.row_cap, own.byte_cap) == (None, None)
    rows = QueryRequest("ASK {}", fmt="json", row_cap=5).capped(row_cap=100, byte_cap=2048)
    assert (rows.row_cap, rows.byte_cap) == (5, 2048)
    both = QueryRequest("ASK {}", fmt="json", row_cap=None, byte_cap=10)
    assert both.capped(row_cap=100, byte_cap=2048).byte_cap == 10


def test_deadline_and_dataset() -> None:
    asked = QueryRequest(
        "ASK {}", fmt="csv", default_graphs=["urn:a"], named_graphs=["urn:b"], timeout_s=2.5
    )  # type: ignore[arg-type]
    assert asked.default_graphs == ("urn:a",) and asked.named_graphs == ("urn:b",)
    assert asked.deadline(10.0) == 2.5
    assert QueryRequest("ASK {}", fmt="csv").deadline(10.0) == 10.0
    assert hash(asked) == hash(pickle.loads(pickle.dumps(asked)))
    assert pickle.loads(pickle.dumps(asked)) == asked
