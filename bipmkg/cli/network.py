"""`bipmkg analyse`, `path` and `network-export`: the cooperation network in a terminal.

Adapts bipmkg.network.projection, bipmkg.network.analysis and bipmkg.network.files to the command
line; `bipmkg.cli.main`
adds these commands with `add_commands` and hands parsed arguments to `run`. The graph is read
from the built store (`bipmkg build`) unless `--turtle` asks for the curated Turtle files.
Bad input (an unknown body, a malformed date) raises a BipmkgError: exit code 2 with its message.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bipmkg.errors import NetworkQueryError
from bipmkg.rdf.formats import format_names

if TYPE_CHECKING:
    from datetime import date

    from bipmkg.network.analysis import Analysis, PathResult
    from bipmkg.query.selector import Selector


COMMANDS = ("analyse", "path", "network-export")


EXIT_OK, EXIT_NO_PATH = 0, 1


DEFAULT_TOP = 15


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the network commands to the `bipmkg` parser."""
    analyse = subparsers.add_parser(
        "analyse",
        help="rank the bodies of the cooperation network (degree, betweenness, closeness, "
        "PageRank), with communities, bridges, articulation points and components",
    )
    _common(analyse)
    analyse.add_argument(
        "--top",
        type=int,
        metavar="N",
        help=f"show the N most central bodies (default: {DEFAULT_TOP} in the table, all in "
        "JSON; 0 for all)",
    )
    analyse.add_argument("--json", action="store_true", help="print the analysis as JSON")
    analyse.add_argument(
        "--backend",
        choices=["auto", "networkx", "igraph"],
        default="auto",
        help="graph library (default auto: igraph above 500 bodies when installed)",
    )
    analyse.add_argument(
        "--timings",
        action="store_true",
        help="print the seconds each step took (projection, network, each metric) to stderr",
    )

    path = subparsers.add_parser(
        "path",
        help="the shortest cooperation paths between two bodies, each hop with the facts and "
        "sources behind it",
    )
    path.add_argument(
        "source", metavar="A", help="a body: acronym, English or French label, or IRI"
    )
    path.add_argument("target", metavar="B", help="another body")
    _common(path)
    path.add_argument(
        "--limit", type=int, default=10, metavar="N", help="at most N paths (default 10)"
    )
    path.add_argument("--json", action="store_true", help="print the paths as JSON")

    export = subparsers.add_parser(
        "network-export",
        help="write the network for Gephi or Cytoscape: GraphML, GEXF, or CSV nodes and edges",
    )
    export.add_argument("--format", choices=format_names("network"), required=True)
    _common(export)
    export.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="GraphML/GEXF: a file (default: standard output); CSV: a folder that receives "
        "nodes.csv and edges.csv (default: ./network-csv), or a .zip archive holding both",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="the network as it stood on DATE (YYYY-MM-DD); default: every link, whatever its date",
    )
    parser.add_argument("--store", type=Path, help="store folder (default: BIPMKG_STORE_DIR)")
    parser.add_argument(
        "--turtle",
        action="store_true",
        help="read the curated Turtle files (BIPMKG_DATA_DIR) instead of the built store",
    )


def run(args: argparse.Namespace) -> int | None:
    """Run a network command; None when the command is not one of them."""
    if args.command not in COMMANDS:
        return None
    # Imported here so that the other commands do not pay for networkx and SciPy.
    from bipmkg.network.analysis import build_network, parse_as_of

    as_of = parse_as_of(args.as_of)
    if args.command == "analyse":
        return _analyse(args, _analysis(args, as_of))
    network = build_network(_selector(args), as_of=as_of)
    if args.command == "path":
        return _path(args, network)
    return _export(args, network)


def _analysis(args: argparse.Namespace, as_of: date | None) -> Analysis:
    """The analysis, with each step's time on stderr when --timings asks for it."""
    import time

    from bipmkg.network.analysis import StepTime, timed_analyse
    from bipmkg.network.projection import network_of, project

    selector = _selector(args)  # reading Turtle files (--turtle) is not the projection
    started = time.perf_counter()
    projection = project(selector)
    projected = time.perf_counter()
    network = network_of(projection, as_of=as_of)
    built = time.perf_counter()
    timed = timed_analyse(network, as_of=as_of, backend=args.backend)
    if args.timings:
        steps = (
            StepTime("projection", projected - started),
            StepTime("network", built - projected),
            *timed.timings.steps,
        )
        print(
            f"Timings ({timed.timings.backend}, {timed.timings.bodies} bodies, "
            f"{timed.timings.linked_pairs} linked pairs):",
            file=sys.stderr,
        )
        for step in steps:
            print(f"  {step.step:<20} {step.seconds:8.3f} s", file=sys.stderr)
        print(f"  {'total':<20} {sum(s.seconds for s in steps):8.3f} s", file=sys.stderr)
    return timed.analysis


def _selector(args: argparse.Namespace) -> Selector:
    from bipmkg.store.adapters import StoreSelector

    if args.turtle:
        from bipmkg.rdf.files import load_graph

        return StoreSelector.from_graph(load_graph())
    return StoreSelector.open(args.store)


def _analyse(args: argparse.Namespace, analysis: Analysis) -> int:
    if args.top is not None and args.top < 0:
        raise NetworkQueryError(f"--top must be 0 or more, not {args.top}")
    top = args.top if args.top is not None else (0 if args.json else DEFAULT_TOP)
    shown = analysis.metrics[:top] if top else analysis.metrics
    if args.json:
        payload = asdict(analysis)
        payload["metrics"] = [asdict(m) for m in shown]
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return EXIT_OK
    names = {m.iri: m.name for m in analysis.metrics}
    when = f"as of {analysis.as_of}" if analysis.as_of else "whole network"
    print(
        f"Cooperation network ({when}): {analysis.bodies} bodies, {analysis.links} links "
        f"between {analysis.linked_pairs} pairs, {len(analysis.components)} components, "
        f"{len(analysis.communities)} communities (modularity {analysis.modularity:.3f})."
    )
    print()
    header = ("rank", "body", "kind", "degree", "links", "betweenness", "closeness", "pagerank")
    rows: list[tuple[str, ...]] = [
        (
            str(m.rank),
            m.name,
            m.kind,
            str(m.degree),
            str(m.weighted_degree),
            f"{m.betweenness:.4f}",
            f"{m.closeness:.4f}",
            f"{m.pagerank:.4f}",
        )
        for m in shown
    ]
    _table(header, rows, numeric={0, 3, 4, 5, 6, 7})
    if len(shown) < len(analysis.metrics):
        print(f"({len(analysis.metrics) - len(shown)} more; --top 0 shows all)")
    print()
    cut = [names[b] for b in analysis.articulation_points]
    print(f"Articulation points ({len(cut)}): {', '.join(cut) or 'none'}")
    pairs = [f"{names[a]}–{names[b]}" for a, b in analysis.bridges]
    print(f"Bridges ({len(pairs)}): {', '.join(pairs) or 'none'}")
    sizes = ", ".join(str(len(c)) for c in analysis.components)
    print(f"Components ({len(analysis.components)}), by size: {sizes}")
    print("Communities:")
    for number, group in enumerate(analysis.communities):
        members = sorted(
            group, key=lambda iri: next(m.rank for m in analysis.metrics if m.iri == iri)
        )
        listed = ", ".join(names[b] for b in members[:8])
        more = f" and {len(members) - 8} more" if len(members) > 8 else ""
        print(f"  {number}: {listed}{more}")
    print("Algorithms:")
    for algorithm in analysis.algorithms:
        print(f"  {algorithm.metric}: {algorithm.algorithm}")
    return EXIT_OK


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], *, numeric: set[int]) -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    print(line(header))
    print(line(tuple("-" * w for w in widths)))
    for row in rows:
        print(line(row))


def _path(args: argparse.Namespace, network: Any) -> int:
    from bipmkg.network.analysis import path

    if args.limit < 1:
        raise NetworkQueryError(f"--limit must be at least 1, not {args.limit}")
    result = path(network, args.source, args.target, limit=args.limit)
    if args.json:
        print(json.dumps(asdict(result), indent=2, ensure_ascii=False))
    else:
        _print_path(result)
    return EXIT_OK if result.connected else EXIT_NO_PATH


def _print_path(result: PathResult) -> None:
    when = f"as of {result.as_of}" if result.as_of else "whole network"
    ends = f"{result.source.name} → {result.target.name}"
    if not result.connected:
        print(f"{ends}: no path ({when}).")
        return
    count = f"{len(result.paths)}{'+' if result.truncated else ''}"
    print(f"{ends}: {result.length} hop(s), {count} shortest path(s) ({when}; {result.algorithm}).")
    for number, found in enumerate(result.paths, start=1):
        print()
        print(f"Path {number}: {' → '.join(b.name for b in found.bodies)}")
        for hop in found.hops:
            for link in hop.links:
                print(f"  {link.explanation}")
                label = f" ({link.fact_label})" if link.fact_label else ""
                print(f"      fact:    <{link.fact}>{label}")
                print(f"      sources: {', '.join(f'<{s}>' for s in link.sources) or 'none'}")
    if result.truncated:
        print("\nMore shortest paths exist; --limit raises the number shown.")


def _export(args: argparse.Namespace, network: Any) -> int:
    from bipmkg.network.analysis import analyse
    from bipmkg.network.files import to_gexf, to_graphml, write_csv

    analysis = analyse(network)
    if args.format == "csv":
        written = write_csv(network, args.output or Path("network-csv"), analysis)
        for path in written:
            print(f"Wrote {path}", file=sys.stderr)
        return EXIT_OK
    data = to_graphml(network, analysis) if args.format == "graphml" else to_gexf(network, analysis)
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_bytes(data)
        print(f"Wrote {args.output}", file=sys.stderr)
    return EXIT_OK
