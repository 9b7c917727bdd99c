"""The `bipmkg` command: validate, count and query the graph from a terminal.

Exit codes follow pySHACL's: 0 success (the graph conforms), 1 the graph does not conform,
2 an error (unreadable input, bad query, bad arguments).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from bipmkg import __version__, config
from bipmkg.build import build_store
from bipmkg.errors import BipmkgError, StoreError, ValidationFailed
from bipmkg.rdf.formats import format_named, format_names
from bipmkg.store.backends import open_store
from bipmkg.store.manifest import read_manifest, recover_store

if TYPE_CHECKING:
    from rdflib.term import Node

# The commands' modules are imported when a command runs: `bipmkg serve` must exec its server at
# once, without loading rdflib, pyshacl and networkx that it never uses (the first answer is due
# within a second of start).

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2
#: `bipmkg serve --server`: gunicorn (its asyncio worker) by default.
SERVERS = ("gunicorn", "granian")


def build_parser() -> argparse.ArgumentParser:
    from bipmkg.cli import network as cli_network
    from bipmkg.linked_data.dumps import DUMP_FORMATS
    from bipmkg.rdf.synth import VIOLATED_SHAPES

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
        choices=["text", "json", *format_names("graph")],
        default="text",
        help="report format: text (default), json, or the SHACL results graph as RDF",
    )
    check.add_argument(
        "--engine",
        choices=["pyshacl", "pyrudof"],  # bipmkg.validation.engines.ENGINES, not imported at start
        help="SHACL engine: pyshacl (default) or pyrudof (faster on large graphs; "
        "default: BIPMKG_SHACL_ENGINE)",
    )

    count = commands.add_parser(
        "stats",
        help="count entities per class and kind, and the share with sources, "
        "French labels and external identifiers",
    )
    count.add_argument("--json", action="store_true", help="print the counts as JSON")

    build = commands.add_parser(
        "build",
        help="validate the data and load it into the persistent store "
        "(skipped when no input changed; exit 1 and the report if the data does not conform)",
    )
    build.add_argument(
        "--data", nargs="+", type=Path, help="Turtle files to load (default: graph_data/*.ttl)"
    )
    build.add_argument("--store", type=Path, help="store folder (default: BIPMKG_STORE_DIR)")
    build.add_argument("--force", action="store_true", help="rebuild even if nothing changed")

    from bipmkg.curation.importers import IMPORTERS

    importing = commands.add_parser(
        "import",
        help="generate graph_data/imported/SOURCE/ from a snapshot folder of public data "
        "(offline; the same snapshot gives the same files)",
    )
    importing.add_argument(
        "source", choices=list(IMPORTERS), metavar="SOURCE", help=f"one of: {', '.join(IMPORTERS)}"
    )
    importing.add_argument("path", type=Path, metavar="PATH", help="the snapshot's folder")
    importing.add_argument(
        "--data-dir", type=Path, help="the data folder to write into (default: BIPMKG_DATA_DIR)"
    )

    _add_serve_arguments(
        commands.add_parser(
            "serve",
            help="serve the web app and SPARQL endpoint with gunicorn (build the store first)",
        )
    )

    export = commands.add_parser(
        "export", help="write the whole graph from the built store in one RDF format"
    )
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--format",
        choices=list(DUMP_FORMATS),
        help="turtle, ntriples, jsonld (compacted with ontology/context.jsonld), rdfxml, or trig "
        "(named graphs kept)",
    )
    which.add_argument(
        "--network",
        choices=format_names("network"),
        help="the cooperation network instead of the graph (same as `bipmkg network-export`)",
    )
    export.add_argument("--as-of", help="with --network: the network on this date (YYYY-MM-DD)")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--store", type=Path, help="store folder (default: BIPMKG_STORE_DIR)")

    synth = commands.add_parser(
        "synth", help="write a synthetic cooperation graph that conforms to the shapes"
    )
    synth.add_argument("--triples", type=int, required=True, help="about how many triples")
    synth.add_argument("--seed", type=int, default=1, help="random seed (same seed, same file)")
    synth.add_argument("--output", type=Path, required=True, help="Turtle file to write")
    synth.add_argument(
        "--violations",
        type=int,
        default=0,
        help="add this many broken resources for each of: " + ", ".join(VIOLATED_SHAPES),
    )

    commands.add_parser(
        "confine-server",
        help="run a SPARQL server (bipmkg confine-server -- oxigraph serve …) that may accept "
        "connections but never open one, so SERVICE and LOAD reach no host (SECURITY.md)",
    )
    commands.add_parser("queries", help="list the example queries (competency questions)")

    ask = commands.add_parser("query", help="run an example query by name, or a .rq file")
    ask.add_argument("query", help="example query name (see `bipmkg queries`) or path to .rq")
    ask.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help="output format"
    )
    cli_network.add_commands(commands)
    return parser


def _add_serve_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    serve.add_argument(
        "--server",
        choices=SERVERS,
        default="gunicorn",
        help="HTTP server: gunicorn (default: every refusal explained) or granian (about twice"
        " the requests per second; URLs past 64 KB get granian's bare 414)",
    )
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--threads",
        type=int,
        default=config.REQUEST_THREADS,
        help=f"request threads per worker (default {config.REQUEST_THREADS})",
    )
    serve.add_argument("--store", type=Path, help="store folder (default: BIPMKG_STORE_DIR)")


def _confine_server(arguments: list[str]) -> int:
    from bipmkg.errors import SandboxUnavailable
    from bipmkg.store.sandbox import exec_confined_server

    command = arguments[1:] if arguments[:1] == ["--"] else arguments
    if not command:
        print("bipmkg: error: confine-server needs a command: -- oxigraph serve …", file=sys.stderr)
        return EXIT_ERROR
    try:
        exec_confined_server(command)
    except SandboxUnavailable as exc:
        print(f"bipmkg: error: {exc}", file=sys.stderr)
    except OSError as exc:
        print(f"bipmkg: error: cannot run {command[0]}: {exc.strerror}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["serve"]:
        # The same arguments as the full parser's `serve`, without importing the other commands.
        serve = argparse.ArgumentParser(prog="bipmkg serve")
        _add_serve_arguments(serve)
        try:
            return _serve(serve.parse_args(arguments[1:]))
        except BipmkgError as exc:
            print(f"bipmkg: error: {exc}", file=sys.stderr)
            return EXIT_ERROR
    if arguments[:1] == ["confine-server"]:
        return _confine_server(arguments[1:])
    from bipmkg.cli import network as cli_network

    args = build_parser().parse_args(arguments)
    try:
        handled = cli_network.run(args)
        if handled is not None:
            return handled
        if args.command == "validate":
            return _validate(args)
        if args.command == "stats":
            return _stats(args)
        if args.command == "build":
            return _build(args)
        if args.command == "import":
            return _import(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "export":
            return _export(args)
        if args.command == "synth":
            return _synth(args)
        if args.command == "queries":
            return _queries()
        return _query(args)
    except ValidationFailed as exc:
        print(exc.report.as_text(show_warnings=False))
        print("bipmkg: the data does not conform; the store was left unchanged", file=sys.stderr)
        return EXIT_INVALID
    except BipmkgError as exc:
        print(f"bipmkg: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader stopped early (`bipmkg queries | head`): not an error of ours. Python would
        # print a traceback when it flushes stdout at exit; point stdout at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from bipmkg.validation.validate import validate

    report = validate(args.files or None, include_warnings=not args.no_warnings, engine=args.engine)
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
        print(report.results_graph.serialize(format=fmt.rdflib or "turtle"))
    return EXIT_OK if report.conforms else EXIT_INVALID


def _import(args: argparse.Namespace) -> int:
    from bipmkg.curation.importers.run import run_import

    result = run_import(args.source, args.path, data_dir=args.data_dir)
    print(
        f"Imported {result.source} into {result.folder}: {result.triples} triples; "
        f"{len(result.written)} files written, {len(result.unchanged)} unchanged, "
        f"{len(result.removed)} removed."
    )
    for name in result.written:
        print(f"  written  {name}")
    for name in result.removed:
        print(f"  removed  {name}")
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    result = build_store(args.store, args.data, force=args.force)
    if result.rebuilt:
        print(f"Built {result.store_dir}: {result.triples} triples in {len(result.graphs)} graphs.")
        for graph in result.graphs:
            print(f"  {graph.triples:>6}  <{graph.iri}>")
    else:
        print(f"{result.store_dir} is up to date ({result.triples} triples); nothing to build.")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    """Run the HTTP server on the web app, named by string: bipmkg never imports webapp."""
    store = args.store or config.store_dir()
    recover_store(Path(store))
    if read_manifest(Path(store)) is None:
        raise StoreError(f"no built store at {store}: run `bipmkg build` first")
    if args.workers < 1 or args.threads < 1:
        raise BipmkgError("--workers and --threads must be at least 1")
    config.body_timeout_s()  # a bad value is refused here, not in the server
    env = {**os.environ, "BIPMKG_STORE_DIR": str(store), "BIPMKG_SERVE_THREADS": str(args.threads)}
    # Links and redirects name this origin, never the request's Host header (webapp.origin).
    env.setdefault("BIPMKG_BASE_URL", base_url(args.host, args.port))
    if env["BIPMKG_BASE_URL"] == base_url(args.host, args.port) and args.host in WILDCARDS:
        print(
            f"Links will name {env['BIPMKG_BASE_URL']}: set BIPMKG_BASE_URL to the address "
            "clients use",
            flush=True,
        )
    command = [sys.executable, "-m", *server_arguments(args)]
    print(f"Serving on http://{args.host}:{args.port}/ (store {store}, {args.server})", flush=True)
    os.execve(sys.executable, command, env)
    return EXIT_ERROR  # not reached: execve replaces the process


#: Addresses that bind every interface: no client reaches the server by that name.
WILDCARDS = ("0.0.0.0", "::", "")


def base_url(host: str, port: int) -> str:
    """The default public origin (BIPMKG_BASE_URL) of a server bound to `host`:`port`."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def server_arguments(args: argparse.Namespace) -> list[str]:
    """The server module and its arguments for `python -m`.

    Either way an asynchronous front reads requests (a slow client costs a coroutine, not a
    thread) and the app is webapp.serving's: it runs complete requests in `--threads` threads.
    """
    header_timeout_s = config.header_timeout_s()
    if args.server == "granian":
        # HTTP/1.1 only and no websockets: nothing the app answers needs more surface than that.
        return [
            "granian",
            "--interface",
            "asgi",
            "--http",
            "1",
            "--no-ws",
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
            "--http1-header-read-timeout",
            str(max(1, round(header_timeout_s * 1000))),
            "--respawn-failed-workers",
            "--access-log",
            "--factory",
            "webapp.serving:create_asgi_app",
        ]
    return [
        "gunicorn",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "webapp.gunicorn_worker.Worker",
        "--timeout",
        "120",
        "--access-logfile",
        "-",
        "webapp.serving:create_asgi_app()",
    ]


def _export(args: argparse.Namespace) -> int:
    if args.network:
        network_args = argparse.Namespace(
            command="network-export",
            format=args.network,
            as_of=args.as_of,
            output=args.output,
            store=args.store,
            turtle=False,
        )
        from bipmkg.cli import network as cli_network

        handled = cli_network.run(network_args)
        assert handled is not None
        return handled
    from bipmkg.linked_data.dumps import dataset_from_store, serialise, write_dump

    store = open_store(args.store)
    fmt = format_named(args.format)
    if args.output is None:
        sys.stdout.buffer.write(serialise(dataset_from_store(store), fmt))
        return EXIT_OK
    dump = write_dump(store, fmt, args.output)
    print(f"Wrote {dump.path} ({dump.size} bytes, {fmt.media_type})\nsha256 {dump.sha256}")
    return EXIT_OK


def _synth(args: argparse.Namespace) -> int:
    from bipmkg.rdf.synth import synthesise

    if args.triples < 100 or args.violations < 0:
        raise BipmkgError("--triples must be at least 100 and --violations not negative")
    result = synthesise(
        args.output, triples=args.triples, seed=args.seed, violations=args.violations
    )
    print(
        f"Wrote {result.path}: {result.triples} triples, {result.organisations} organisations, "
        f"{result.agreements} agreements, {result.events} events, "
        f"{result.violations} deliberate violations."
    )
    return EXIT_OK


def _stats(args: argparse.Namespace) -> int:
    from bipmkg.linked_data.stats import Share, compute_stats, format_stats
    from bipmkg.rdf.files import load_graph

    stats = compute_stats(load_graph())
    if args.json:
        payload = asdict(stats)
        for name, value in vars(stats).items():
            if isinstance(value, Share):
                payload[name]["percent"] = round(value.percent, 1)
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(format_stats(stats))
    return EXIT_OK


def _queries() -> int:
    from bipmkg.query.examples import list_queries

    for query in list_queries():
        print(f"{query.name}\n    {query.title}\n    {query.description}")
    return EXIT_OK


def _query(args: argparse.Namespace) -> int:
    from bipmkg.query.examples import find_query, run_query
    from bipmkg.rdf.files import load_graph

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
