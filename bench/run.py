"""Benchmarks of bipmkg (issue 7): `make bench`, never part of `make test`.

For each data set (the real graph, synthetic graphs from `bipmkg synth` at 10^4, 10^5, 10^6 triples
and one of about 5,000 bodies for the network page) it measures, medians of several runs:

- synthesis; whole-graph SHACL validation (pyshacl and pyrudof) and of a 100-triple change
  (`bipmkg.validation.validate.validate_change`, where bipmkg has it); the store build (`bipmkg build`:
  validation, load, network metrics) and the bare store load;
- `bipmkg serve` start to first answer, and the peak memory of its process tree;
- each example query (bipmkg/query/queries/*.rq) directly on the store and through `/sparql`, each
  timed run a new text (a numbered comment), so that bipmkg evaluates it rather than answering
  from the answers it keeps;
- throughput, p50 and p99 under wrk (8 connections, 10 s) of a lookup and an aggregate query,
  each the same text again and again (bipmkg answers from its kept answers), and of the lookup of
  one body after another with every text new (`lookup-each`: every request is evaluated);
- the time of each network metric; `/api/network` cold and warm and `/graph`'s first render in
  headless chromium (Performance API), where the network is small enough to draw;

and the same queries, loads and start-ups, in the same run, on bare `oxigraph serve-read-only`,
rdflib behind a minimal Flask endpoint (bench/rdflib_app.py) and rdflib-endpoint. The ratios and
the issue's targets are reported next to each other: bench/results/bench-<time>.{json,md}, copied
to bench/results/latest.{json,md}.

    .venv/bin/python bench/run.py --sizes real 1e4 --quick
    .venv/bin/python bench/run.py --sizes real 1e4 graph5k 1e5 1e6 --runs 3
"""

from __future__ import annotations

import argparse
import gc
import importlib
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import pyoxigraph as ox  # noqa: E402
import report  # noqa: E402
import servers  # noqa: E402
import wrk  # noqa: E402
from rdflib import Graph, Literal, URIRef  # noqa: E402
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD  # noqa: E402

from bipmkg import config  # noqa: E402
from bipmkg.network import analysis  # noqa: E402
from bipmkg.network.metrics import METRICS_GRAPH  # noqa: E402
from bipmkg.network.projection import collapse, network_of, project  # noqa: E402
from bipmkg.query.examples import Query, list_queries  # noqa: E402
from bipmkg.rdf.namespaces import BKG as BKG_NS  # noqa: E402
from bipmkg.rdf.synth import synthesise  # noqa: E402
from bipmkg.store.adapters import StoreSelector  # noqa: E402
from bipmkg.store.backends import open_store  # noqa: E402
from bipmkg.validation.validate import validate  # noqa: E402

RESULTS = BENCH / "results"
#: Synthetic triples that give about 5,000 bodies (4,572 organisations and 381 committees).
GRAPH5K_TRIPLES = 80_000
#: Above this many synthetic triples a build or validation is run once, not `--runs` times.
REPEAT_LIMIT = 200_000
#: bipmkg build (and the whole-graph validation here) run pyshacl over an in-memory rdflib graph,
#: about 2–3 GB per 10^6 triples: 10^7 would likely not fit in this machine's 24 GiB, so sizes
#: above this need --allow-huge.
HUGE = 5_000_000
TARGETS = ("bipmkg", "oxigraph", "rdflib-flask", "rdflib-endpoint")
PREFIX_BKG = "PREFIX bkg: <https://w3id.org/bipmkg/ontology#>\n"
PREFIX_SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
BIPM = "https://w3id.org/bipmkg/id/organisation/bipm"


def lookup_query(body: str) -> str:
    """One body's agreements with their English labels and signing dates (index lookups)."""
    return (
        PREFIX_BKG
        + PREFIX_SKOS
        + "SELECT ?agreement ?label ?signed WHERE {\n"
        + f"  ?agreement bkg:hasParty <{body}> ; skos:prefLabel ?label .\n"
        + '  FILTER(LANG(?label) = "en")\n'
        + "  OPTIONAL { ?agreement bkg:dateSigned ?signed }\n"
        + "} ORDER BY ?agreement"
    )


AGGREGATE_QUERY = (
    PREFIX_BKG
    + "SELECT ?body (COUNT(DISTINCT ?agreement) AS ?agreements) WHERE {\n"
    + "  ?agreement bkg:hasParty ?body\n"
    + "} GROUP BY ?body ORDER BY DESC(?agreements) ?body LIMIT 20"
)


# -- Timing helpers -------------------------------------------------------------------------------


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def repeat(
    action: Callable[[], Any], runs: int, *, warmup: int = 0, budget_s: float = float("inf")
) -> tuple[list[float], Any]:
    """Run `warmup` untimed times, then up to `runs` timed ones (fewer past `budget_s`)."""
    value = None
    for _ in range(warmup):
        value = action()
    times: list[float] = []
    spent = 0.0
    while len(times) < runs and (not times or spent < budget_s):
        seconds, value = timed(action)
        times.append(seconds)
        spent += seconds
    return times, value


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def pyrudof_engine() -> bool:
    """Whether bipmkg.validation.validate can run pyrudof (an `engine` option and the package)."""
    import inspect

    if "engine" not in inspect.signature(validate).parameters:
        return False
    try:
        from bipmkg.validation.engines import pyrudof_available
    except ImportError:
        return False
    return pyrudof_available()


def change_triples(graph: Graph) -> Graph:
    """A curator's 100-triple update: ten new agreements, each between three existing bodies,
    with labels, purposes, a signing date and a source section (10 triples each)."""
    bodies = sorted({o for o in graph.objects(None, BKG_NS.hasParty) if isinstance(o, URIRef)})
    section = min(s for s in graph.subjects(RDF.type, BKG_NS.SourceSection))
    added = Graph()
    for i in range(10):
        agreement = URIRef(f"https://w3id.org/bipmkg/id/agreement/bench-change-{i}")
        added.add((agreement, RDF.type, BKG_NS.MemorandumOfUnderstanding))
        added.add((agreement, SKOS.prefLabel, Literal(f"Benchmark agreement {i}", lang="en")))
        added.add((agreement, SKOS.prefLabel, Literal(f"Accord de référence {i}", lang="fr")))
        for k in range(3):
            added.add((agreement, BKG_NS.hasParty, bodies[(3 * i + k) % len(bodies)]))
        added.add(
            (agreement, BKG_NS.dateSigned, Literal(f"2020-0{1 + i % 9}-15", datatype=XSD.date))
        )
        added.add((agreement, BKG_NS.purpose, Literal("To cooperate on metrology.", lang="en")))
        added.add((agreement, BKG_NS.purpose, Literal("Coopérer en métrologie.", lang="fr")))
        added.add((agreement, DCTERMS.source, section))
    return added


# -- One data set ---------------------------------------------------------------------------------


def parse_size(token: str) -> tuple[str, int | None]:
    """'real' → the curated graph; 'graph5k' → ~5,000 bodies; '1e5' or '100000' → synthetic."""
    if token == "real":
        return "real", None
    if token == "graph5k":
        return "graph5k", GRAPH5K_TRIPLES
    triples = int(float(token))
    if triples < 100:
        raise ValueError(f"size {token}: at least 100 triples")
    exponent = len(str(triples)) - 1
    name = f"1e{exponent}" if triples == 10**exponent else str(triples)
    return name, triples


def example_queries() -> list[Query]:
    """The example queries whose answers are SPARQL JSON results (SELECT and ASK)."""
    chosen = []
    for query in list_queries():
        body = "\n".join(
            line for line in query.text.splitlines() if not line.lstrip().startswith("#")
        ).upper()
        if "SELECT" in body or "ASK" in body:
            chosen.append(query)
    return chosen


def count_direct(store: ox.Store, text: str) -> int:
    answer = store.query(text, use_default_graph_as_union=True)
    if isinstance(answer, ox.QueryBoolean):
        return 1
    return sum(1 for _ in answer)


_FRESH = itertools.count()


def fresh(text: str) -> str:
    """The query with a new comment: bipmkg keeps answers, and each timed run must evaluate."""
    return f"{text}\n# run {next(_FRESH)}"


def count_http(running: servers.Running, text: str) -> int:
    status, body = servers.get(running.url_for(text))
    if status != 200:
        raise RuntimeError(f"{running.name} answered {status}: {body[:300]!r}")
    payload = json.loads(body)
    return 1 if "boolean" in payload else len(payload["results"]["bindings"])


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.runs: int = args.runs
        self.queries = example_queries()

    def slow_runs(self, triples: int | None) -> int:
        return self.runs if (triples or 0) <= REPEAT_LIMIT else 1

    def dataset(self, token: str) -> dict[str, Any]:
        name, triples = parse_size(token)
        row: dict[str, Any] = {"dataset": name, "synthetic_triples": triples}
        folder = self.work / name
        folder.mkdir(parents=True, exist_ok=True)
        files: list[Path] | None = None
        if triples is not None:
            path = folder / f"synth-{name}.ttl"
            seconds, made = timed(lambda: synthesise(path, triples=triples, seed=self.args.seed))
            row["synth_s"] = seconds
            row["input_triples"] = made.triples
            row["bodies_synthesised"] = made.organisations
            files = [path]
        slow = self.slow_runs(triples)
        row["slow_runs"] = slow

        log(f"{name}: validating the whole graph ({slow} run(s))")
        times, report_ = repeat(lambda: validate(files, include_warnings=False), slow)
        row["validate_s"] = median(times)
        row["validate_conforms"] = report_.conforms
        row["validate_engine"] = getattr(report_, "engine", "pyshacl")
        if "pyrudof" in self.args.shacl_engines and pyrudof_engine():
            times, rudof = repeat(
                lambda: validate(files, include_warnings=False, engine="pyrudof"), slow
            )
            row["validate_pyrudof_s"] = median(times)
            row["validate_pyrudof_agrees"] = len(rudof.results) == len(report_.results)
        log(f"{name}: validating a 100-triple change")
        row["validate_change"] = self.validate_change(files, self.runs)
        row["validate_change_s"] = row["validate_change"].get("seconds")

        log(f"{name}: building the store ({slow} run(s), each a fresh `bipmkg build --force`)")
        store_dir = folder / "store"
        builds = [self.build(store_dir, files, folder) for _ in range(slow)]
        row["build_s"] = median([b["seconds"] for b in builds])
        row["build_peak_rss_mb"] = max(b["peak_rss_mb"] for b in builds)
        if files is not None:
            loads, _ = repeat(lambda: self.bare_load(files[0], folder / "load-only"), slow)
            row["load_s"] = median(loads)
            if row.get("input_triples"):
                row["load_triples_per_s"] = row["input_triples"] / row["load_s"]

        self.on_store(row, store_dir, folder)
        quads = folder / "data.nq"
        self.on_targets(row, store_dir, quads, folder)
        return row

    def validate_change(self, files: list[Path] | None, runs: int) -> dict[str, Any]:
        """SHACL validation of a 100-triple change (ten new agreements between existing bodies)
        with `bipmkg.validation.validate.validate_change`; a placeholder where bipmkg has none."""
        from bipmkg.rdf.files import load_graph
        from bipmkg.validation import validate as validation

        if not hasattr(validation, "validate_change"):
            return {
                "note": "placeholder: bipmkg.validation.validate.validate_change is not in this version"
            }
        from bipmkg.validation.neighbourhood import Change

        after = load_graph(files, with_ontology=False)
        added = change_triples(after)
        for triple in added:  # in place: a copy of a 10^6-triple graph costs seconds and 1 GB
            after.add(triple)
        change = Change(added=frozenset(added))
        # Untimed: the shapes' locality analysis and imports, cached per process, on the change
        # alone, so a 10^6-triple graph is not validated one time more than measured.
        validation.validate_change(added, change, include_warnings=False)
        times, report_ = repeat(
            lambda: validation.validate_change(after, change, include_warnings=False),
            runs,
            budget_s=60,  # if it falls back to the whole graph, one run at 10^6 says enough
        )
        scope = getattr(report_, "scope", None)
        return {
            "seconds": median(times),
            "triples": len(added),
            "conforms": report_.conforms,
            "focus_nodes": len(scope) if scope is not None else "whole graph",
        }

    def build(self, store_dir: Path, files: list[Path] | None, folder: Path) -> dict[str, float]:
        command = [sys.executable, "-m", "bipmkg", "build", "--force", "--store", str(store_dir)]
        if files:
            command += ["--data", *map(str, files)]
        with (folder / "build.log").open("ab") as handle:
            started = time.perf_counter()
            process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
            memory = servers.MemorySampler(process.pid, interval=0.2)
            code = process.wait()
            seconds = time.perf_counter() - started
        sampled = memory.stop()
        if code != 0:
            raise RuntimeError(f"bipmkg build failed ({code}); see {folder / 'build.log'}")
        return {"seconds": seconds, "peak_rss_mb": sampled["peak_rss_mb"]}

    @staticmethod
    def bare_load(path: Path, location: Path) -> None:
        """The load step alone: pyoxigraph's bulk loader into a fresh on-disk store."""
        shutil.rmtree(location, ignore_errors=True)
        store = ox.Store(str(location))
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
        store.flush()
        del store
        shutil.rmtree(location, ignore_errors=True)

    # -- Directly on the built store ------------------------------------------------------------

    def on_store(self, row: dict[str, Any], store_dir: Path, folder: Path) -> None:
        store = open_store(store_dir)
        row["store_triples"] = len(store)
        metrics_graph = ox.NamedNode(str(METRICS_GRAPH))
        row["metrics_triples"] = sum(
            1 for _ in store.quads_for_pattern(None, None, None, metrics_graph)
        )
        # The data as loaded, without the derived metrics graph: the size the scaling is read on.
        row["data_triples"] = row["store_triples"] - row["metrics_triples"]
        row["store_mb"] = sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file()) / 2**20
        has_bipm = store.query(
            f"ASK {{ ?a <https://w3id.org/bipmkg/ontology#hasParty> <{BIPM}> }}",
            use_default_graph_as_union=True,
        )
        if bool(has_bipm):
            body = BIPM
        else:
            first = store.query(
                PREFIX_BKG + "SELECT ?b WHERE { ?a bkg:hasParty ?b } LIMIT 1",
                use_default_graph_as_union=True,
            )
            body = next(iter(first))["b"].value
        row["lookup_body"] = body
        self.lookup = lookup_query(body)
        parties = store.query(
            PREFIX_BKG + "SELECT DISTINCT ?b WHERE { ?a bkg:hasParty ?b } LIMIT 5000",
            use_default_graph_as_union=True,
        )
        self.lookup_bodies = [solution["b"].value for solution in parties]

        log(f"{row['dataset']}: example queries directly on the store")
        direct: dict[str, dict[str, Any]] = {}
        for name, text in self.workload():
            times, rows = repeat(
                lambda text=text, store=store: count_direct(store, text),
                self.runs,
                warmup=1,
                budget_s=self.args.query_budget_s,
            )
            direct[name] = {"p50_ms": 1000 * statistics.median(times), "rows": rows}
        row["direct"] = direct

        log(f"{row['dataset']}: analysis, metric by metric")
        row["analysis"] = self.analysis_times(store, self.slow_runs(row["synthetic_triples"]))
        row["bodies"] = row["analysis"]["bodies"]

        quads = folder / "data.nq"
        started = time.perf_counter()
        store.dump(str(quads), format=ox.RdfFormat.N_QUADS)
        row["dump_s"] = time.perf_counter() - started
        del store
        gc.collect()

    def lookup_paths(self, running: servers.Running, count: int = 100_000) -> list[str]:
        """The lookup of one body after another, each text new: every request is evaluated."""
        prefix = running.url_for("")[: -len("?query=")]
        path = urllib.parse.urlsplit(prefix).path
        bodies = self.lookup_bodies or [BIPM]
        return [
            path
            + "?"
            + urllib.parse.urlencode(
                {"query": lookup_query(bodies[i % len(bodies)]) + f"\n# request {i}"}
            )
            for i in range(count)
        ]

    def workload(self) -> list[tuple[str, str]]:
        """(name, text): the lookup, the aggregate, then every example query."""
        return [
            ("lookup", self.lookup),
            ("aggregate", AGGREGATE_QUERY),
            *((q.name, q.text) for q in self.queries),
        ]

    @staticmethod
    def analysis_times(store: ox.Store, runs: int) -> dict[str, Any]:
        """Seconds per step from the store to every network metric (whole network), with
        `bipmkg.network.analysis.time_analysis` where bipmkg has it, else each function timed alone."""
        for module in ("scipy.sparse.linalg", "igraph"):  # imports are not the metrics' time
            try:
                importlib.import_module(module)
            except ImportError:
                pass
        selector = StoreSelector(store)
        times: dict[str, list[float]] = {}
        result: dict[str, Any] = {}
        for _ in range(runs):
            if hasattr(analysis, "time_analysis"):
                timings = analysis.time_analysis(selector)
                for step in timings.steps:
                    times.setdefault(step.step, []).append(step.seconds)
                times.setdefault("store → all metrics", []).append(timings.total)
                result.update(
                    bodies=timings.bodies,
                    linked_pairs=timings.linked_pairs,
                    backend=timings.backend,
                    source="bipmkg.network.analysis.time_analysis",
                )
                continue
            steps: dict[str, Callable[[Any], Any]] = {
                "projection": lambda _: project(selector),
                "network": network_of,
                "collapse": collapse,
                "degree": analysis.degree,
                "weighted degree": analysis.weighted_degree,
                "betweenness": analysis.betweenness,
                "closeness": analysis.closeness,
                "pagerank": analysis.pagerank,
                "communities": analysis.communities,
                "bridges": analysis.bridges,
                "articulation points": analysis.articulation_points,
                "components": analysis.components,
            }
            value: Any = None
            total = 0.0
            for step, action in steps.items():
                seconds, made = timed(lambda action=action, value=value: action(value))
                if step in ("projection", "network", "collapse"):
                    value = made
                times.setdefault(step, []).append(seconds)
                total += seconds
            times.setdefault("store → all metrics", []).append(total)
            result.update(
                bodies=value.number_of_nodes(),
                linked_pairs=value.number_of_edges(),
                backend="networkx",
                source="bipmkg.network.analysis functions timed one by one",
            )
        result["seconds"] = {step: statistics.median(values) for step, values in times.items()}
        return result

    # -- Through HTTP, bipmkg and its peers -------------------------------------------------------

    def on_targets(self, row: dict[str, Any], store_dir: Path, quads: Path, folder: Path) -> None:
        row["targets"] = {}
        for target in self.args.targets:
            log(f"{row['dataset']}: {target}")
            try:
                row["targets"][target] = self.on_target(target, row, store_dir, quads, folder)
            except Exception as exc:  # one peer failing must not lose the rest of the run
                log(f"{row['dataset']}: {target} failed: {exc}")
                row["targets"][target] = {"error": f"{type(exc).__name__}: {exc}"}

    def on_target(
        self, target: str, row: dict[str, Any], store_dir: Path, quads: Path, folder: Path
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        logfile = folder / f"{target}.log"
        starts: list[float] = []
        if target == "bipmkg":
            # Start-up is cheap and is a target: time several fresh starts, keep the last.
            workers = self.args.serve_workers
            for _ in range(self.runs - 1):
                running = servers.start_bipmkg(
                    store_dir, logfile, workers=workers, server=self.args.serve_server
                )
                starts.append(running.first_answer_s)
                running.stop()
            running = servers.start_bipmkg(
                store_dir, logfile, workers=workers, server=self.args.serve_server
            )
        elif target == "oxigraph":
            location = folder / "oxigraph-db"
            result["load_s"] = servers.oxigraph_load(quads, location, logfile)
            running = servers.start_oxigraph(location, logfile)
        elif target == "rdflib-flask":
            running = servers.start_rdflib_flask(quads, logfile)
        else:
            running = servers.start_rdflib_endpoint(quads, logfile)
        starts.append(running.first_answer_s)
        result["first_answer_s"] = statistics.median(starts)
        result["starts"] = len(starts)
        try:
            queries: dict[str, dict[str, Any]] = {}
            spent = 0.0
            for name, text in self.workload():
                if spent > self.args.target_budget_s and name not in ("lookup", "aggregate"):
                    queries[name] = {"skipped": "time budget of the target spent"}
                    continue
                try:
                    times, rows = repeat(
                        lambda text=text: count_http(running, fresh(text)),
                        self.runs,
                        warmup=1,
                        budget_s=self.args.query_budget_s,
                    )
                except Exception as exc:  # recorded: a peer may refuse a query bipmkg answers
                    queries[name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
                    continue
                spent += sum(times)
                queries[name] = {"p50_ms": 1000 * statistics.median(times), "rows": rows}
            result["queries"] = queries
            if wrk.available():
                for name, text in (("lookup", self.lookup), ("aggregate", AGGREGATE_QUERY)):
                    load = wrk.run(
                        running.url_for(text),
                        seconds=self.args.wrk_seconds,
                        connections=self.args.wrk_connections,
                        warmup_s=self.args.wrk_warmup,
                    )
                    result[f"wrk_{name}"] = load.as_dict()
                load = wrk.run(
                    running.url_for(self.lookup),
                    seconds=self.args.wrk_seconds,
                    connections=self.args.wrk_connections,
                    warmup_s=self.args.wrk_warmup,
                    paths=self.lookup_paths(running),
                )
                result["wrk_lookup-each"] = load.as_dict()
            if target == "bipmkg":
                if self.args.mixed_load > 0:
                    result["mixed_load"] = self.mixed_load(running)
                result.update(self.network_pages(running, row))
        finally:
            result["memory"] = running.stop()
        return result

    def mixed_load(self, running: servers.Running) -> dict[str, Any]:
        """The standard mix of bench/load.py (pages, RDF lookups, search, example queries, the
        network API) from `--wrk-connections` client threads: a person's traffic, not one query.
        Python client threads share the 2 cores with the server: read it beside wrk's figures."""
        try:
            import load
        except ImportError:
            return {"note": "bench/load.py is not in this version"}
        base = running.query_url.rsplit("/sparql", 1)[0]
        mix = load.standard_mix(base)
        load.warm_up(base, mix)
        clients = [load.Clients("mixed", mix, threads=self.args.wrk_connections)]
        measured = load.run(base, clients, seconds=self.args.mixed_load)
        return {
            "seconds": self.args.mixed_load,
            "threads": self.args.wrk_connections,
            "kinds": measured.as_dict()["groups"].get("mixed", []),
            "failures": measured.as_dict()["failures"][:5],
        }

    def network_pages(self, running: servers.Running, row: dict[str, Any]) -> dict[str, Any]:
        """/api/network cold and warm, and /graph's first render, where drawing is sensible."""
        if row["bodies"] > self.args.graph_max_bodies or self.args.no_browser:
            return {"network_pages": f"skipped ({row['bodies']} bodies)"}
        base = running.query_url.rsplit("/sparql", 1)[0]
        result: dict[str, Any] = {}
        result["api_network_cold_s"], _ = timed(
            lambda: servers.get(f"{base}/api/network", timeout=1800)
        )
        warm, _ = repeat(lambda: servers.get(f"{base}/api/network"), self.runs)
        result["api_network_warm_s"] = statistics.median(warm)
        from browser import browser, wait_until

        renders, fetches = [], []
        with browser() as chromium:
            for _ in range(self.runs):
                page = chromium.new_page(viewport={"width": 1500, "height": 1000})
                page.goto(f"{base}/graph")
                wait_until(page, "window.bipmkgGraph && window.bipmkgGraph.ready", timeout_s=1800)
                renders.append(page.evaluate("performance.now()") / 1000)
                fetched = page.evaluate(
                    "performance.getEntriesByType('resource')"
                    ".filter(e => e.name.includes('/api/network'))"
                    ".map(e => e.duration)"
                )
                fetches.extend(value / 1000 for value in fetched)
                page.close()
        result["graph_first_render_s"] = statistics.median(renders)
        if fetches:
            result["graph_api_fetch_s"] = statistics.median(fetches)
        return result


# -- Main -----------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in (
        "pyoxigraph",
        "oxigraph",
        "rdflib",
        "pyshacl",
        "networkx",
        "igraph",
        "pyrudof",
        "flask",
        "gunicorn",
        "granian",
        "rdflib-endpoint",
        "uvicorn",
    ):
        try:
            found[package] = version(package)
        except Exception:
            found[package] = "not installed"
    tool = shutil.which("wrk")
    if tool:
        done = subprocess.run([tool, "--version"], capture_output=True, text=True)
        found["wrk"] = (done.stdout or done.stderr).split("\n")[0].strip()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["real", "1e4", "graph5k", "1e5", "1e6"],
        help="data sets: real, graph5k (~5,000 bodies), or synthetic triples (1e4, 100000, …)",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per measure (median)")
    parser.add_argument(
        "--quick", action="store_true", help="one run each, 3 s of load: checks the harness"
    )
    parser.add_argument("--targets", nargs="+", choices=TARGETS, default=list(TARGETS))
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic data")
    parser.add_argument(
        "--shacl-engines",
        nargs="+",
        choices=["pyshacl", "pyrudof"],
        default=["pyshacl", "pyrudof"],
        help="whole-graph validation also with pyrudof, where bipmkg offers it",
    )
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--wrk-connections", type=int, default=8)
    parser.add_argument("--wrk-warmup", type=int, default=2)
    parser.add_argument(
        "--query-budget-s",
        type=float,
        default=5.0,
        help="stop repeating a query once its timed runs took this long",
    )
    parser.add_argument(
        "--target-budget-s",
        type=float,
        default=300.0,
        help="skip a target's remaining example queries once they took this long",
    )
    parser.add_argument(
        "--graph-max-bodies",
        type=int,
        default=8000,
        help="draw /graph only for networks up to this many bodies",
    )
    parser.add_argument("--no-browser", action="store_true", help="skip /graph in chromium")
    parser.add_argument(
        "--mixed-load",
        type=int,
        default=0,
        metavar="SECONDS",
        help="also run bench/load.py's standard mix on bipmkg for this long (0: not)",
    )
    parser.add_argument(
        "--serve-workers",
        type=int,
        help="worker processes of `bipmkg serve` (default: its own default, 1)",
    )
    parser.add_argument(
        "--serve-server",
        choices=("gunicorn", "granian"),
        help="HTTP server of `bipmkg serve` (default: its own default, gunicorn)",
    )
    parser.add_argument(
        "--allow-huge", action="store_true", help=f"allow sizes above {HUGE:,} triples"
    )
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="copy the summary and scaling tables into docs/operations/benchmarks.md",
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.wrk_seconds, args.wrk_warmup = 1, 3, 1
    for token in args.sizes:
        _, triples = parse_size(token)
        if triples and triples > HUGE and not args.allow_huge:
            parser.error(
                f"size {token}: bipmkg build validates the whole graph in memory with pyshacl "
                "(about 2-3 GB per 10^6 triples), likely more than 24 GiB at 10^7; "
                "add --allow-huge to try"
            )
    if not wrk.available():
        log("wrk is missing (`make bench` installs Debian's wrk): no throughput measures")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H%M%S")
    meta = {
        "when": stamp,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_at_start": os.getloadavg()[0],
        "versions": versions(),
        "runs": args.runs,
        "quick": args.quick,
        "wrk": f"-t1 -c{args.wrk_connections} -d{args.wrk_seconds}s (+{args.wrk_warmup}s warm-up)",
        "data_dir": str(config.data_dir()),
        "bipmkg_settings": servers.BIPMKG_BENCH_SETTINGS,
        "bipmkg_serve_workers": args.serve_workers or "default",
        "bipmkg_serve_server": args.serve_server or "gunicorn",
    }
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bipmkg-bench-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        bench = Bench(args, work)
        for token in args.sizes:
            rows.append(bench.dataset(token))
            meta["load_average_at_end"] = os.getloadavg()[0]
            report.write(RESULTS, stamp, meta, rows)  # after each data set: a long run keeps
            log(f"{rows[-1]['dataset']}: done; results in {RESULTS}/bench-{stamp}.md")
    summary = report.write(RESULTS, stamp, meta, rows)
    print(summary)
    if args.update_docs:
        report.update_docs(ROOT, rows, meta)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
