"""Benchmarks of bipmkg on the real graph and synthetic ones (`make bench`, not in `make test`).

For each data set: synthetic generation, validation, store build (validation, load, metrics),
server start to first answer, example-query latency through /sparql and directly on the store,
/api/network, and the first render of /graph in headless chromium (Performance API). Medians of
several runs are written as JSON and as a Markdown table in bench/results/.

    .venv/bin/python bench/run.py --sizes real 10000 100000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import browser, wait_until  # noqa: E402
from live import http, start_server  # noqa: E402

from bipmkg import config  # noqa: E402
from bipmkg.sparql import list_queries  # noqa: E402
from bipmkg.store import build_store, open_store  # noqa: E402
from bipmkg.synth import synthesise  # noqa: E402
from bipmkg.validate import validate  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def timed(action: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def median_of(runs: int, action: Any) -> float:
    return statistics.median(timed(action)[0] for _ in range(runs))


def bench_dataset(name: str, files: list[Path] | None, work: Path, runs: int) -> dict[str, Any]:
    row: dict[str, Any] = {"dataset": name}
    row["validate_s"] = median_of(1, lambda: validate(files, include_warnings=False))
    store_dir = work / f"store-{name}"
    row["build_s"], built = timed(lambda: build_store(store_dir, files, force=True))
    row["triples"] = built.triples
    opened = [open_store(store_dir)]
    queries = [q for q in list_queries() if "SELECT" in q.text or "ASK" in q.text]
    direct = [
        median_of(runs, lambda q=q: list(opened[0].query(q.text, use_default_graph_as_union=True)))
        for q in queries[:10]
    ]
    opened.clear()  # release the store before the server's workers open it
    row["query_direct_p50_ms"] = 1000 * statistics.median(direct)
    started = time.perf_counter()
    live = start_server(store_dir, {"BIPMKG_ROW_CAP": "100000"}, work / f"{name}.log")
    row["serve_first_answer_s"] = time.perf_counter() - started
    try:
        through = []
        for query in queries[:10]:
            url = f"{live.url}/sparql?" + urllib.parse.urlencode({"query": query.text})
            through.append(median_of(runs, lambda url=url: http("GET", url)))
        row["query_http_p50_ms"] = 1000 * statistics.median(through)
        row["api_network_cold_s"], answer = timed(
            lambda: http("GET", f"{live.url}/api/network", timeout=600)
        )
        row["bodies"] = json.loads(answer.body)["bodies"]
        row["api_network_warm_s"] = median_of(runs, lambda: http("GET", f"{live.url}/api/network"))
        renders = []
        with browser() as chromium:
            for _ in range(runs):
                page = chromium.new_page(viewport={"width": 1500, "height": 1000})
                page.goto(f"{live.url}/graph")
                wait_until(page, "window.bipmkgGraph && window.bipmkgGraph.ready", timeout_s=600)
                renders.append(page.evaluate("performance.now()") / 1000)
                page.close()
        row["graph_first_render_s"] = statistics.median(renders)
    finally:
        live.stop()
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["real", "10000", "100000"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for size in args.sizes:
            if size == "real":
                files = None
                name = "real"
            else:
                path = work / f"synth-{size}.ttl"
                generated, _ = timed(lambda p=path, n=int(size): synthesise(p, triples=n, seed=1))
                files = [path]
                name = f"synth-{size}"
            row = bench_dataset(name, files, work, args.runs)
            if files is not None:
                row["synth_s"] = generated
            rows.append(row)
            print(json.dumps(row), flush=True)
    stamp = time.strftime("%Y-%m-%dT%H%M%S")
    meta = {
        "when": stamp,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "data_dir": str(config.data_dir()),
    }
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    columns = [
        "dataset",
        "triples",
        "bodies",
        "validate_s",
        "build_s",
        "serve_first_answer_s",
        "query_direct_p50_ms",
        "query_http_p50_ms",
        "api_network_cold_s",
        "api_network_warm_s",
        "graph_first_render_s",
    ]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [
            f"{row.get(c, ''):.3g}" if isinstance(row.get(c), float) else str(row.get(c, ""))
            for c in columns
        ]
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    (RESULTS / f"bench-{stamp}.md").write_text(f"# bipmkg benchmark {stamp}\n\n{table}\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
