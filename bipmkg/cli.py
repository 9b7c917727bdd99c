"""The `bipmkg` command: validate, count and query the graph from a terminal.

Exit codes follow pySHACL's: 0 success (the graph conforms), 1 the graph does not conform,
2 an error (unreadable input, bad query, bad arguments).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from rdflib.term import Node

from . import __version__
from .dataset import load_graph
from .errors import BipmkgError
from .formats import format_named, graph_format_names
from .sparql import find_query, list_queries, run_query
from .stats import compute_stats, format_stats
from .validate import validate

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bipmkg",
        description="The knowledge graph of the BIPM's international cooperation.",
    )
    parser.add_argument("--version", action="version", version=f"bipmkg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "validate",
        help="validate the graph against the SHACL shapes (exit 0 conforms, 1 not, 2 error)",
    )
    check.add_argument(
        "files", nargs="*", type=Path, help="Turtle files to validate (default: graph_data/*.ttl)"
    )
    check.add_argument(
        "--no-warnings", action="store_true", help="check and report violations only"
    )
    check.add_argument(
        "--format",
        choices=["text", "json", *graph_format_names()],
        default="text",
        help="report format: text (default), json, or the SHACL results graph as RDF",
    )

    count = commands.add_parser(
        "stats",
        help="count entities per class and kind, and the share with sources, "
        "French labels and external identifiers",
    )
    count.add_argument("--json", action="store_true", help="print the counts as JSON")

    commands.add_parser("queries", help="list the example queries (competency questions)")

    ask = commands.add_parser("query", help="run an example query by name, or a .rq file")
    ask.add_argument("query", help="example query name (see `bipmkg queries`) or path to .rq")
    ask.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help="output format"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "stats":
            return _stats(args)
        if args.command == "queries":
            return _queries()
        return _query(args)
    except BipmkgError as exc:
        print(f"bipmkg: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _validate(args: argparse.Namespace) -> int:
    report = validate(args.files or None, include_warnings=not args.no_warnings)
    if args.format == "text":
        print(report.as_text())
    elif args.format == "json":
        payload = {
            "conforms": report.conforms,
            "violations": len(report.violations),
            "warnings": len(report.warnings),
            "results": [asdict(r) for r in report.results],
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        fmt = format_named(args.format)
        print(report.results_graph.serialize(format=fmt.rdflib_format))
    return EXIT_OK if report.conforms else EXIT_INVALID


def _stats(args: argparse.Namespace) -> int:
    stats = compute_stats(load_graph())
    if args.json:
        payload = asdict(stats)
        for share in ("with_source", "with_french_label", "with_external_id"):
            payload[share]["percent"] = round(getattr(stats, share).percent, 1)
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(format_stats(stats))
    return EXIT_OK


def _queries() -> int:
    for query in list_queries():
        print(f"{query.name}\n    {query.title}\n    {query.description}")
    return EXIT_OK


def _query(args: argparse.Namespace) -> int:
    query = find_query(args.query)
    result = run_query(load_graph(), query.text)
    if result.boolean is not None:
        print(json.dumps({"boolean": result.boolean}) if args.format == "json" else result.boolean)
        return EXIT_OK
    rows = [[_text(value) for value in row] for row in result.rows]
    if args.format == "json":
        records = [dict(zip(result.variables, row, strict=True)) for row in rows]
        print(json.dumps(records, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(result.variables)
        writer.writerows(rows)
    else:
        widths = [max([len(v), *(len(r[i]) for r in rows)]) for i, v in enumerate(result.variables)]
        print("  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True)))
        print("  ".join("-" * w for w in widths))
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return EXIT_OK


def _text(value: Node | None) -> str:
    return "" if value is None else str(value)
