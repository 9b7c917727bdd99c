"""Write the benchmark's results: JSON, and Markdown tables with ratios and the issue's targets.

bench/results/bench-<time>.json and .md hold one run; latest.json and latest.md are copies of the
newest. `update_docs` copies the targets, summary and scaling tables between the
`<!-- bench:begin -->` and `<!-- bench:end -->` markers of the documentation's Benchmarks page
(docs/operations/benchmarks.md), and the scaling figure beside it, for `make docs` to publish.

Re-render a stored run (after a change to the tables) without measuring again:

    .venv/bin/python bench/report.py bench/results/bench-<time>.json [--update-docs]
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

Row = dict[str, Any]
PEERS = ("oxigraph", "rdflib-flask", "rdflib-endpoint")
DOCS_BEGIN = "<!-- bench:begin -->"
DOCS_END = "<!-- bench:end -->"
#: The page a full run writes its tables into, and the copy of the scaling figure it shows: the
#: site is built from docs/ alone, so the figure cannot stay in bench/results/.
DOCS_PAGE = Path("docs/operations/benchmarks.md")
DOCS_FIGURE = Path("docs/operations/bench-scaling.svg")
QUICK = "Quick run (1 run each, short load): it checks the harness, not the numbers. "


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value >= 1000:
            return f"{value:,.0f}"
        if value >= 100:
            return f"{value:.0f}"
        if value >= 10:
            return f"{value:.1f}"
        if value >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def target(row: Row, name: str) -> Row:
    found = row.get("targets", {}).get(name, {})
    return found if isinstance(found, dict) else {}


def rps(row: Row, name: str, query: str) -> float | None:
    load = target(row, name).get(f"wrk_{query}")
    # None when no request finished even in the lengthened run: a rate of 0 would make no ratio.
    return load["requests_per_s"] if load and load.get("requests", 1) > 0 else None


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def example_ratios(row: Row, server: str = "bipmkg", *, at_least_ms: float = 0) -> list[float]:
    """`server`'s p50 over HTTP ÷ direct p50, per example query (not the lookup and aggregate),
    for the queries taking at least `at_least_ms` directly."""
    direct = row.get("direct", {})
    through = target(row, server).get("queries", {})
    found = []
    for name, measured in direct.items():
        if name in ("lookup", "aggregate") or measured.get("p50_ms", 0) < at_least_ms:
            continue
        http = through.get(name, {}).get("p50_ms")
        if http is not None and measured.get("p50_ms"):
            found.append(http / measured["p50_ms"])
    return found


#: Queries this slow directly are where a server's own cost per request stops mattering.
HEAVY_MS = 10.0


def http_overhead_ms(row: Row) -> float | None:
    """Median of (p50 through /sparql − p50 direct) over the example queries."""
    direct = row.get("direct", {})
    through = target(row, "bipmkg").get("queries", {})
    gaps = [
        through[name]["p50_ms"] - measured["p50_ms"]
        for name, measured in direct.items()
        if name not in ("lookup", "aggregate") and "p50_ms" in through.get(name, {})
    ]
    return statistics.median(gaps) if gaps else None


def row_mismatches(row: Row) -> list[str]:
    """Queries whose number of result rows differs between the store and any target."""
    found = []
    for name, measured in row.get("direct", {}).items():
        counts = {"direct": measured.get("rows")}
        for peer, result in row.get("targets", {}).items():
            rows = result.get("queries", {}).get(name, {}).get("rows")
            if rows is not None:
                counts[peer] = rows
        if len(set(counts.values())) > 1:
            found.append(f"{name} " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return found


def median_or_none(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def summary(row: Row) -> dict[str, Any]:
    ratios = example_ratios(row)
    bipmkg = target(row, "bipmkg")
    direct = [
        m["p50_ms"] for n, m in row.get("direct", {}).items() if n not in ("lookup", "aggregate")
    ]
    through = [
        m["p50_ms"]
        for n, m in bipmkg.get("queries", {}).items()
        if n not in ("lookup", "aggregate") and "p50_ms" in m
    ]
    return {
        "lookup_vs_oxigraph": ratio(rps(row, "bipmkg", "lookup"), rps(row, "oxigraph", "lookup")),
        "lookup_each_vs_oxigraph": ratio(
            rps(row, "bipmkg", "lookup-each"), rps(row, "oxigraph", "lookup-each")
        ),
        "lookup_each_vs_rdflib_endpoint": ratio(
            rps(row, "bipmkg", "lookup-each"), rps(row, "rdflib-endpoint", "lookup-each")
        ),
        "lookup_vs_rdflib_endpoint": ratio(
            rps(row, "bipmkg", "lookup"), rps(row, "rdflib-endpoint", "lookup")
        ),
        "aggregate_vs_oxigraph": ratio(
            rps(row, "bipmkg", "aggregate"), rps(row, "oxigraph", "aggregate")
        ),
        "aggregate_vs_rdflib_endpoint": ratio(
            rps(row, "bipmkg", "aggregate"), rps(row, "rdflib-endpoint", "aggregate")
        ),
        "example_p50_direct_ms": statistics.median(direct) if direct else None,
        "example_p50_http_ms": statistics.median(through) if through else None,
        "example_ratio_median": statistics.median(ratios) if ratios else None,
        "example_ratio_max": max(ratios) if ratios else None,
        "example_ratio_heavy_median": median_or_none(example_ratios(row, at_least_ms=HEAVY_MS)),
        "oxigraph_example_ratio_median": median_or_none(example_ratios(row, "oxigraph")),
        "example_within_1_5": sum(r <= 1.5 for r in ratios),
        "example_count": len(ratios),
        "http_overhead_ms": http_overhead_ms(row),
        "first_answer_s": bipmkg.get("first_answer_s"),
        "peak_rss_mb": bipmkg.get("memory", {}).get("peak_rss_mb"),
        "all_metrics_s": row.get("analysis", {}).get("seconds", {}).get("store → all metrics"),
        "row_mismatches": row_mismatches(row),
    }


# -- Targets --------------------------------------------------------------------------------------


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("meets" if ok else "misses")


def targets_table(rows: Sequence[Row]) -> str:
    """Each target of issue 7 next to what was measured, on every data set; the verdict only on
    the data set the target names (10^6 or the real graph)."""
    checks: list[tuple[str, str, Callable[[Row], Any], Callable[[Any], bool], str]] = [
        (
            "/sparql lookup throughput ÷ bare oxigraph (the same lookup again: kept answer)",
            "≥ 0.5× at 10^6",
            lambda r: summary(r)["lookup_vs_oxigraph"],
            lambda v: v >= 0.5,
            "1e6",
        ),
        (
            "/sparql lookup throughput ÷ bare oxigraph (every lookup new: evaluated)",
            "≥ 0.5× at 10^6",
            lambda r: summary(r)["lookup_each_vs_oxigraph"],
            lambda v: v >= 0.5,
            "1e6",
        ),
        (
            "/sparql lookup throughput ÷ rdflib-endpoint (kept answer)",
            "≥ 20× at 10^6",
            lambda r: summary(r)["lookup_vs_rdflib_endpoint"],
            lambda v: v >= 20,
            "1e6",
        ),
        (
            "/sparql lookup throughput ÷ rdflib-endpoint (every lookup new)",
            "≥ 20× at 10^6",
            lambda r: summary(r)["lookup_each_vs_rdflib_endpoint"],
            lambda v: v >= 20,
            "1e6",
        ),
        (
            "example-query p50 /sparql ÷ direct (median over queries, each evaluated)",
            "≤ 1.5× at 10^6",
            lambda r: summary(r)["example_ratio_median"],
            lambda v: v <= 1.5,
            "1e6",
        ),
        (
            f"… the same, only the queries taking ≥ {HEAVY_MS:g} ms directly",
            "(context)",
            lambda r: summary(r)["example_ratio_heavy_median"],
            lambda v: v <= 1.5,
            "",
        ),
        (
            "… bare oxigraph's own example-query p50 over HTTP ÷ direct (the HTTP floor)",
            "(context)",
            lambda r: summary(r)["oxigraph_example_ratio_median"],
            lambda v: v <= 1.5,
            "",
        ),
        (
            "`bipmkg serve` start → first answer (s)",
            "< 1 s real",
            lambda r: summary(r)["first_answer_s"],
            lambda v: v < 1,
            "real",
        ),
        (
            "`bipmkg serve` start → first answer (s)",
            "< 3 s at 10^6",
            lambda r: summary(r)["first_answer_s"],
            lambda v: v < 3,
            "1e6",
        ),
        (
            "peak RSS of the serving processes (MB)",
            "< 500 MB at 10^6",
            lambda r: summary(r)["peak_rss_mb"],
            lambda v: v < 500,
            "1e6",
        ),
        (
            "whole-graph validation (s)",
            "< 2 s real",
            lambda r: r.get("validate_s"),
            lambda v: v < 2,
            "real",
        ),
        (
            "whole-graph validation ÷ pyrudof's",
            "≤ 1.5× at 10^6",
            lambda r: ratio(r.get("validate_s"), r.get("validate_pyrudof_s")),
            lambda v: v <= 1.5,
            "1e6",
        ),
        (
            "validation of a 100-triple change (s)",
            "< 1 s at 10^6",
            lambda r: r.get("validate_change_s"),
            lambda v: v < 1,
            "1e6",
        ),
        (
            "all network metrics (s)",
            "< 30 s at 10^6",
            lambda r: summary(r)["all_metrics_s"],
            lambda v: v < 30,
            "1e6",
        ),
    ]
    names = [r["dataset"] for r in rows]
    header = ["measure", "target", *names, "verdict"]
    lines = []
    for label, goal, measure, passes, where in checks:
        values = [measure(r) for r in rows]
        verdict = None
        for r, value in zip(rows, values, strict=True):
            if r["dataset"] == where and value is not None:
                verdict = passes(value)
        lines.append([label, goal, *values, _verdict(verdict)])
    return table(header, lines)


# -- Tables ---------------------------------------------------------------------------------------


def summary_table(rows: Sequence[Row]) -> str:
    header = [
        "dataset",
        "data triples",
        "store triples (with metrics)",
        "bodies",
        "validate s",
        "build s",
        "load s",
        "first answer s",
        "peak RSS MB",
        "examples p50 direct ms",
        "via /sparql ms",
        "/sparql − direct ms",
        "rows agree",
    ]
    lines = []
    for r in rows:
        s = summary(r)
        lines.append(
            [
                r["dataset"],
                r.get("data_triples"),
                r.get("store_triples"),
                r.get("bodies"),
                r.get("validate_s"),
                r.get("build_s"),
                r.get("load_s"),
                s["first_answer_s"],
                s["peak_rss_mb"],
                s["example_p50_direct_ms"],
                s["example_p50_http_ms"],
                s["http_overhead_ms"],
                "yes" if not s["row_mismatches"] else f"no ({len(s['row_mismatches'])})",
            ]
        )
    return table(header, lines)


def load_table(rows: Sequence[Row]) -> str:
    header = ["dataset", "query", "target", "req/s", "p50 ms", "p99 ms", "errors", "bipmkg ÷ it"]
    lines = []
    for r in rows:
        for query in ("lookup", "lookup-each", "aggregate"):
            ours = rps(r, "bipmkg", query)
            for name in ("bipmkg", *PEERS):
                load = target(r, name).get(f"wrk_{query}")
                if not load:
                    continue
                errors = load["non_2xx"] + load["socket_errors"]
                share = None if name == "bipmkg" else ratio(ours, load["requests_per_s"])
                lines.append(
                    [
                        r["dataset"],
                        query,
                        name,
                        requests_cell(load),
                        load["p50_ms"],
                        load["p99_ms"],
                        errors,
                        f"{fmt(share)}×" if share is not None else "",
                    ]
                )
    return table(header, lines)


def requests_cell(load: Row) -> object:
    """The rate, or how few finished when the run (lengthened by bench/wrk.py) was too short."""
    if load["requests"] >= load["connections"]:
        return load["requests_per_s"]
    return f"{load['requests']} finished in {load['seconds']} s"


def startup_table(rows: Sequence[Row]) -> str:
    header = [
        "dataset",
        "target",
        "load s",
        "start → first answer s",
        "peak RSS MB",
        "peak PSS MB",
        "processes",
        "lookup p50 ms",
        "aggregate p50 ms",
        "error",
    ]
    lines = []
    for r in rows:
        for name in ("bipmkg", *PEERS):
            t = target(r, name)
            if not t:
                continue
            memory = t.get("memory", {})
            queries = t.get("queries", {})
            load = r.get("build_s") if name == "bipmkg" else t.get("load_s")
            lines.append(
                [
                    r["dataset"],
                    name + (" (build)" if name == "bipmkg" else ""),
                    load,
                    t.get("first_answer_s"),
                    memory.get("peak_rss_mb"),
                    memory.get("peak_pss_mb"),
                    memory.get("processes"),
                    queries.get("lookup", {}).get("p50_ms"),
                    queries.get("aggregate", {}).get("p50_ms"),
                    t.get("error") or _refused(queries),
                ]
            )
    return table(header, lines)


def _refused(queries: dict[str, Any]) -> str:
    refused = [name for name, q in queries.items() if "error" in q]
    skipped = [name for name, q in queries.items() if "skipped" in q]
    notes = []
    if refused:
        notes.append(f"{len(refused)} queries failed ({', '.join(refused[:3])}…)")
    if skipped:
        notes.append(f"{len(skipped)} queries skipped (time budget)")
    return "; ".join(notes)


def mixed_table(rows: Sequence[Row]) -> str | None:
    """bench/load.py's standard mix on bipmkg, per kind of request, where it was run."""
    lines = []
    for r in rows:
        mixed = target(r, "bipmkg").get("mixed_load", {})
        for kind in mixed.get("kinds", []):
            lines.append(
                [
                    r["dataset"],
                    kind["name"],
                    kind["requests"],
                    kind["errors"],
                    kind["p50_ms"],
                    kind["p99_ms"],
                    kind["per_s"],
                ]
            )
    if not lines:
        return None
    header = ["dataset", "kind", "requests", "errors", "p50 ms", "p99 ms", "req/s"]
    return table(header, lines)


def analysis_table(rows: Sequence[Row]) -> str:
    steps: list[str] = []
    for r in rows:
        for step in r.get("analysis", {}).get("seconds", {}):
            if step not in steps:
                steps.append(step)
    header = ["dataset", "bodies", "linked pairs", *steps]
    lines = [
        [
            r["dataset"],
            r.get("analysis", {}).get("bodies"),
            r.get("analysis", {}).get("linked_pairs"),
            *(r.get("analysis", {}).get("seconds", {}).get(s) for s in steps),
        ]
        for r in rows
    ]
    return table(header, lines)


def pages_table(rows: Sequence[Row]) -> str:
    header = [
        "dataset",
        "bodies",
        "/api/network cold s",
        "warm s",
        "/graph first render s",
        "its /api/network fetch s",
    ]
    lines = []
    for r in rows:
        t = target(r, "bipmkg")
        if "graph_first_render_s" not in t and "network_pages" not in t:
            continue
        lines.append(
            [
                r["dataset"],
                r.get("bodies"),
                t.get("api_network_cold_s"),
                t.get("api_network_warm_s"),
                t.get("graph_first_render_s", t.get("network_pages")),
                t.get("graph_api_fetch_s"),
            ]
        )
    return table(header, lines)


def scaling_table(rows: Sequence[Row]) -> str:
    """Time per operation against size (the data's triples, without the derived metrics)."""
    ordered = by_size(rows)
    operations: list[tuple[str, Callable[[Row], Any]]] = [
        ("data triples", lambda r: r.get("data_triples")),
        ("store triples (with metrics)", lambda r: r.get("store_triples")),
        ("synthesis s", lambda r: r.get("synth_s")),
        ("validation, whole graph s", lambda r: r.get("validate_s")),
        ("validation, 100-triple change s", lambda r: r.get("validate_change_s")),
        ("bipmkg build s", lambda r: r.get("build_s")),
        ("store load (bulk) s", lambda r: r.get("load_s")),
        ("oxigraph load (CLI) s", lambda r: target(r, "oxigraph").get("load_s")),
        ("serve → first answer s", lambda r: summary(r)["first_answer_s"]),
        ("serving peak RSS MB", lambda r: summary(r)["peak_rss_mb"]),
        ("lookup p50 ms (/sparql)", lambda r: _query_ms(r, "bipmkg", "lookup")),
        ("lookup p50 ms (direct)", lambda r: r.get("direct", {}).get("lookup", {}).get("p50_ms")),
        ("aggregate p50 ms (/sparql)", lambda r: _query_ms(r, "bipmkg", "aggregate")),
        (
            "aggregate p50 ms (direct)",
            lambda r: r.get("direct", {}).get("aggregate", {}).get("p50_ms"),
        ),
        ("examples p50 ms (/sparql)", lambda r: summary(r)["example_p50_http_ms"]),
        ("lookup req/s (/sparql, wrk)", lambda r: rps(r, "bipmkg", "lookup")),
        ("lookup-each req/s (/sparql, wrk)", lambda r: rps(r, "bipmkg", "lookup-each")),
        ("aggregate req/s (/sparql, wrk)", lambda r: rps(r, "bipmkg", "aggregate")),
        ("all network metrics s", lambda r: summary(r)["all_metrics_s"]),
        ("/api/network cold s", lambda r: target(r, "bipmkg").get("api_network_cold_s")),
        ("/graph first render s", lambda r: target(r, "bipmkg").get("graph_first_render_s")),
    ]
    header = ["operation", *(r["dataset"] for r in ordered)]
    return table(header, [[name, *(get(r) for r in ordered)] for name, get in operations])


def by_size(rows: Sequence[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: r.get("data_triples") or r.get("store_triples") or 0)


#: The operations drawn on the scaling chart, in seconds.
CURVES: tuple[tuple[str, Callable[[Row], Any]], ...] = (
    ("validation, whole graph", lambda r: r.get("validate_s")),
    ("validation, 100-triple change", lambda r: r.get("validate_change_s")),
    ("bipmkg build", lambda r: r.get("build_s")),
    ("store load (bulk)", lambda r: r.get("load_s")),
    ("serve → first answer", lambda r: summary(r)["first_answer_s"]),
    ("all network metrics", lambda r: summary(r)["all_metrics_s"]),
    ("lookup p50 (/sparql)", lambda r: _seconds(_query_ms(r, "bipmkg", "lookup"))),
    ("aggregate p50 (/sparql)", lambda r: _seconds(_query_ms(r, "bipmkg", "aggregate"))),
    ("/graph first render", lambda r: target(r, "bipmkg").get("graph_first_render_s")),
)
COLOURS = (
    "#1b6ca8",
    "#d1495b",
    "#2e8b57",
    "#edae49",
    "#6a4c93",
    "#00798c",
    "#b5651d",
    "#444444",
    "#e377c2",
)


def _seconds(ms: float | None) -> float | None:
    return ms / 1000 if ms is not None else None


def scaling_svg(rows: Sequence[Row]) -> str | None:
    """The scaling curve: seconds against data triples, both on log scales; None with fewer
    than two sizes."""
    import math

    ordered = [r for r in by_size(rows) if r.get("data_triples")]
    if len(ordered) < 2:
        return None
    series = []
    for index, (name, get) in enumerate(CURVES):
        points = [(r["data_triples"], get(r)) for r in ordered]
        points = [(x, y) for x, y in points if isinstance(y, int | float) and y > 0]
        if points:
            series.append((name, COLOURS[index % len(COLOURS)], points))
    xs = [x for _, _, pts in series for x, _ in pts]
    ys = [y for _, _, pts in series for _, y in pts]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    left, top, width, height = 70, 20, 460, 320

    def px(x: float) -> float:
        return left + width * (math.log10(x) - x0) / (x1 - x0)

    def py(y: float) -> float:
        return top + height * (1 - (math.log10(y) - y0) / (y1 - y0))

    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="760" height="400" '
        'font-family="sans-serif" font-size="12">',
        '<rect width="760" height="400" fill="white"/>',
    ]
    for e in range(x0, x1 + 1):
        x = px(10**e)
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + height}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{x:.1f}" y="{top + height + 16}" text-anchor="middle">10^{e}</text>')
    for e in range(y0, y1 + 1):
        y = py(10**e)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + width}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        label = f"{10.0**e:g} s"
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    out.append(
        f'<text x="{left + width / 2}" y="{top + height + 34}" text-anchor="middle">'
        "triples (data, without the metrics graph)</text>"
    )
    for r in ordered:
        if r["dataset"] == "real":
            x = px(r["data_triples"])
            out.append(
                f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + height}" '
                'stroke="#999" stroke-dasharray="4 3"/>'
            )
            out.append(f'<text x="{x + 4:.1f}" y="{top + 12}" fill="#666">real graph</text>')
    for i, (name, colour, points) in enumerate(series):
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in points:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
        ly = top + 10 + 18 * i
        out.append(
            f'<line x1="550" y1="{ly}" x2="570" y2="{ly}" stroke="{colour}" stroke-width="2"/>'
        )
        out.append(f'<text x="576" y="{ly + 4}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _query_ms(row: Row, name: str, query: str) -> float | None:
    value = target(row, name).get("queries", {}).get(query, {}).get("p50_ms")
    return value if isinstance(value, float) else None


def queries_table(row: Row) -> str:
    names = [n for n in ("bipmkg", *PEERS) if target(row, n)]
    header = ["query", "rows", "direct", *names, "bipmkg ÷ direct"]
    lines = []
    for query, measured in row.get("direct", {}).items():
        cells = [_query_ms(row, n, query) for n in names]
        ours = _query_ms(row, "bipmkg", query)
        lines.append(
            [
                query,
                measured.get("rows"),
                measured.get("p50_ms"),
                *cells,
                ratio(ours, measured.get("p50_ms")),
            ]
        )
    return table(header, lines)


# -- Files ----------------------------------------------------------------------------------------


def engines_note(meta: dict[str, Any], rows: Sequence[Row]) -> str:
    """How bipmkg ran: which SHACL engine validated, which server and how many workers served."""
    engines = ", ".join(f"{r['dataset']} {r.get('validate_engine', '?')}" for r in rows)
    return (
        f"bipmkg's whole-graph validation engine (`BIPMKG_SHACL_ENGINE`): {engines}; "
        f"`bipmkg serve` server: {meta.get('bipmkg_serve_server', 'gunicorn')}, "
        f"workers: {meta.get('bipmkg_serve_workers', 'default')}."
    )


def markdown(meta: dict[str, Any], rows: Sequence[Row]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    parts = [
        f"# bipmkg benchmark {meta['when']}",
        "",
        f"{meta['machine']}; load average {meta['load_average_at_start']:.2f} at the start, "
        f"{meta.get('load_average_at_end', 0):.2f} at the end (other work on the machine "
        f"moves absolute times: read the ratios, measured in the same run). "
        f"{QUICK if meta['quick'] else ''}"
        f"Medians of {meta['runs']} run(s); builds and validations above 200,000 triples once. "
        f"Load: wrk {meta['wrk']}.",
        "",
        f"Versions: {versions}.",
        "",
        "## Targets (issue 7)",
        "",
        engines_note(meta, rows),
        "",
        targets_table(rows),
        "",
        "## Summary",
        "",
        summary_table(rows),
        "",
        "## Scaling: time per operation against size",
        "",
        scaling_table(rows),
        "",
        *(
            [f"![Seconds per operation against triples](bench-{meta['when']}-scaling.svg)", ""]
            if scaling_svg(rows)
            else []
        ),
        "## Throughput under load (8 connections)",
        "",
        "`lookup` and `aggregate` send the same text again and again (bipmkg answers from the "
        "answers it keeps for this build of the store); `lookup-each` looks up one body after "
        "another, every text new, so that every request is evaluated.",
        "",
        load_table(rows),
        "",
        *(
            ["## Mixed load on bipmkg (bench/load.py standard mix)", "", mixed, ""]
            if (mixed := mixed_table(rows))
            else []
        ),
        "## Load, start-up and memory of each server",
        "",
        startup_table(rows),
        "",
        "## Network analysis, per metric (s)",
        "",
        analysis_table(rows),
        "",
        "## Network pages",
        "",
        pages_table(rows),
        "",
        "## Example queries, p50 ms per target",
        "",
    ]
    for row in rows:
        mismatches = summary(row)["row_mismatches"]
        parts += [
            f"<details><summary>{row['dataset']}: {len(row.get('direct', {}))} queries"
            f"{'; row counts differ: ' + '; '.join(mismatches) if mismatches else ''}"
            "</summary>",
            "",
            queries_table(row),
            "",
            "</details>",
            "",
        ]
    return "\n".join(parts)


def write(folder: Path, stamp: str, meta: dict[str, Any], rows: Sequence[Row]) -> str:
    payload = {
        "meta": meta,
        "rows": list(rows),
        "summary": {r["dataset"]: summary(r) for r in rows},
    }
    text = json.dumps(payload, indent=2, default=str)
    page = markdown(meta, rows)
    chart = scaling_svg(rows)
    for name in (f"bench-{stamp}", "latest"):
        (folder / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        (folder / f"{name}.md").write_text(page, encoding="utf-8")
        if chart:
            (folder / f"{name}-scaling.svg").write_text(chart, encoding="utf-8")
    return page


def update_docs(root: Path, rows: Sequence[Row], meta: dict[str, Any]) -> None:
    """Replace the tables between the markers of root/DOCS_PAGE, and its figure."""
    page = root / DOCS_PAGE
    text = page.read_text(encoding="utf-8")
    if DOCS_BEGIN not in text or DOCS_END not in text:
        raise RuntimeError(f"{page} has no {DOCS_BEGIN} … {DOCS_END} markers")
    before, rest = text.split(DOCS_BEGIN, 1)
    _, after = rest.split(DOCS_END, 1)
    chart = scaling_svg(rows)
    block = "\n".join(
        [
            DOCS_BEGIN,
            f"Run of {meta['when']} ({meta['machine']}, medians of {meta['runs']} run(s); "
            f"every table, the per-metric and per-query times: `bench/results/latest.md`).",
            "",
            engines_note(meta, rows),
            "",
            targets_table(rows),
            "",
            summary_table(rows),
            "",
            scaling_table(rows),
            *(
                ["", f"![Seconds per operation against triples]({DOCS_FIGURE.name})"]
                if chart
                else []
            ),
            DOCS_END,
        ]
    )
    page.write_text(before + block + after, encoding="utf-8")
    if chart:
        (root / DOCS_FIGURE).write_text(chart, encoding="utf-8")


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Re-render a stored benchmark run.")
    parser.add_argument("json", type=Path, help="bench/results/bench-<time>.json")
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args()
    stored = json.loads(args.json.read_text(encoding="utf-8"))
    meta, rows = stored["meta"], stored["rows"]
    folder = args.json.parent
    print(write(folder, meta["when"], meta, rows))
    if args.update_docs:
        update_docs(Path(__file__).resolve().parent.parent, rows, meta)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
