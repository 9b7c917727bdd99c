"""The accelerated backend and sampled measures: igraph gives networkx's numbers, estimates stay
within the error bounds they report, and every step of an analysis is timed.

The fixtures of test_analysis.py (computed by hand) run on networkx by default; here each is also
run on igraph, and a random graph of a few hundred bodies checks the estimators against exact
values.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path

import networkx as nx
import pytest

from bipmkg.network import centrality
from bipmkg.network.analysis import (
    analyse,
    articulation_points,
    betweenness,
    bridges,
    closeness,
    communities,
    components,
    pagerank,
    time_analysis,
    timed_analyse,
)
from bipmkg.network.metrics import Run, metrics_graph
from bipmkg.network.projection import Projection, network_of, project
from bipmkg.query.selector import GraphSelector
from bipmkg.rdf.files import load_graph

pytest.importorskip("igraph")

DATA = Path(__file__).parent / "data" / "network"
FIXTURES = ("chain", "clusters", "star")


def projection_of(name: str) -> Projection:
    return project(GraphSelector(load_graph([DATA / f"{name}.ttl"])))


@pytest.fixture(scope="module", params=FIXTURES)
def fixture(request: pytest.FixtureRequest) -> nx.MultiGraph:
    return network_of(projection_of(request.param))


def random_network(n: int = 400, m: int = 900, seed: int = 7) -> nx.Graph:
    """A sparse random graph, split into components, with bodies named like IRIs and weights."""
    graph = nx.gnm_random_graph(n, m, seed=seed)
    named = nx.Graph()
    named.add_nodes_from(f"b{i:04d}" for i in range(n))
    for u, v in sorted(graph.edges()):
        named.add_edge(f"b{u:04d}", f"b{v:04d}", weight=1 + (u * v) % 3)
    return named


def values(result: object) -> dict[str, float]:
    return {s.body: s.value for s in result.scores}  # type: ignore[attr-defined]


# -- igraph gives networkx's numbers --------------------------------------------------------------


def test_igraph_matches_networkx_on_the_hand_computed_fixtures(fixture: nx.MultiGraph) -> None:
    for measure in (betweenness, closeness, pagerank):
        exact = values(measure(fixture, backend="networkx"))
        fast = values(measure(fixture, backend="igraph"))
        assert fast == pytest.approx(exact, rel=1e-5, abs=1e-12), measure.__name__
    for measure, field in (
        (bridges, "pairs"),
        (articulation_points, "bodies"),
        (components, "groups"),
    ):
        assert getattr(measure(fixture, backend="igraph"), field) == getattr(
            measure(fixture, backend="networkx"), field
        )


def test_igraph_louvain_finds_the_two_cliques_with_the_same_modularity() -> None:
    network = network_of(projection_of("clusters"))
    found = communities(network, backend="igraph")
    assert set(found.groups) == set(communities(network, backend="networkx").groups)
    assert found.modularity == pytest.approx(12 / 13 - 0.5)
    assert "igraph" in found.algorithm and "seed" in found.algorithm
    assert communities(network, backend="igraph") == found  # seeded: the same partition


def test_exact_betweenness_and_closeness_agree_on_a_random_graph() -> None:
    graph = random_network()
    for measure in (betweenness, closeness):
        exact = values(measure(graph, backend="networkx"))
        fast = values(measure(graph, backend="igraph"))
        assert fast == pytest.approx(exact, abs=1e-12)
    assert values(pagerank(graph, backend="igraph")) == pytest.approx(
        nx.pagerank(graph, alpha=0.85, weight="weight", tol=1e-12), abs=1e-9
    )


def test_sampled_betweenness_is_networkx_estimate_on_either_backend() -> None:
    graph = random_network()
    slow = betweenness(graph, exact_limit=10, sample=40, backend="networkx")
    fast = betweenness(graph, exact_limit=10, sample=40, backend="igraph")
    assert values(fast) == pytest.approx(
        nx.betweenness_centrality(graph, k=40, normalized=True, seed=centrality_seed()), abs=1e-12
    )
    assert values(slow) == pytest.approx(values(fast), abs=1e-12)
    assert slow.estimate == fast.estimate


def centrality_seed() -> int:
    from bipmkg.network.analysis import SEED

    return SEED


# -- Estimates and their bounds -------------------------------------------------------------------


def test_the_serfling_bound() -> None:
    # Hoeffding for 100 values in [0, 1], 95 %: sqrt(ln(40) / 200); Serfling shrinks it.
    assert centrality.serfling_bound(100, 10**9, delta=0.05) == pytest.approx(
        math.sqrt(math.log(40) / 200)
    )
    assert centrality.serfling_bound(100, 200, delta=0.05) < math.sqrt(math.log(40) / 200)
    assert centrality.serfling_bound(200, 200, delta=0.05) < 0.01  # (nearly) all sampled
    assert centrality.serfling_bound(100, 10**9, delta=0.05 / 1000) > math.sqrt(math.log(40) / 200)


@pytest.mark.parametrize("backend", ["networkx", "igraph"])
def test_sampled_betweenness_stays_within_its_reported_bound(backend: str) -> None:
    graph = random_network()
    exact = values(betweenness(graph, backend=backend))
    estimated = betweenness(graph, exact_limit=10, sample=60, backend=backend)
    bound = estimated.estimate
    assert bound is not None and bound.metric == "betweenness" and bound.sources == 60
    assert bound.confidence == 0.95 and 0 < bound.error_bound < bound.error_bound_all < 1
    worst = max(abs(values(estimated)[b] - exact[b]) for b in exact)
    assert worst <= bound.error_bound_all
    assert f"error at most {bound.error_bound:.3g}" in estimated.algorithm


@pytest.mark.parametrize("backend", ["networkx", "igraph"])
def test_sampled_closeness_is_exact_in_small_components_and_bounded_elsewhere(
    backend: str,
) -> None:
    graph = random_network()
    exact = values(closeness(graph, backend=backend))
    estimated = closeness(graph, exact_limit=10, sample=60, backend=backend)
    bound = estimated.estimate
    assert bound is not None and bound.metric == "closeness" and bound.unit.startswith("relative")
    sizes = {b: len(part) for part in nx.connected_components(graph) for b in part}
    for body, value in values(estimated).items():
        if sizes[body] <= 60:
            assert value == pytest.approx(exact[body], abs=1e-12)
        elif exact[body]:
            assert abs(value - exact[body]) / exact[body] <= bound.error_bound_all


def test_sampling_every_body_is_exact() -> None:
    graph = random_network(120, 200)
    everything = graph.number_of_nodes()
    for backend in ("networkx", "igraph"):
        sampled = closeness(graph, exact_limit=10, sample=everything, backend=backend)
        assert values(sampled) == pytest.approx(values(closeness(graph)), abs=1e-12)
        assert sampled.estimate is None  # every component measured exactly


def test_the_analysis_reports_its_estimates_and_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = random_network(600, 1200)
    assert dict(analyse(graph).parameters)["backend"] == "igraph"  # above ACCELERATE_ABOVE
    assert analyse(graph).estimates == ()  # exact: the work is within WORK_LIMIT
    monkeypatch.setattr(centrality, "WORK_LIMIT", 100_000)
    sampled = analyse(graph)
    assert [e.metric for e in sampled.estimates] == ["betweenness", "closeness"]
    parameters = dict(sampled.parameters)
    assert int(parameters["sample_size"]) == max(
        centrality.SAMPLE_SIZE, 100_000 // (600 + graph.number_of_edges())
    )
    algorithms = {a.metric: a.algorithm for a in sampled.algorithms}
    assert algorithms["betweenness"].startswith("sampled") and "igraph" in algorithms["betweenness"]


def test_small_networks_stay_on_networkx() -> None:
    network = network_of(projection_of("chain"))
    assert centrality.resolve_backend("auto", 5) == "networkx"
    assert centrality.resolve_backend("auto", centrality.ACCELERATE_ABOVE + 1) == "igraph"
    result = analyse(network)
    assert "backend" not in dict(result.parameters) and result.estimates == ()
    assert all("igraph" not in a.algorithm for a in result.algorithms)
    with pytest.raises(ValueError, match="backend must be one of"):
        analyse(network, backend="graph-tool")


def test_backends_measure_a_larger_network_the_same_way() -> None:
    graph = random_network(600, 1500, seed=3)
    slow, fast = analyse(graph, backend="networkx"), analyse(graph, backend="igraph")
    fast_of = {m.iri: m for m in fast.metrics}
    for a in slow.metrics:
        b = fast_of[a.iri]
        assert (a.degree, a.weighted_degree, a.component) == (
            b.degree,
            b.weighted_degree,
            b.component,
        )
        assert a.articulation_point == b.articulation_point
        assert a.betweenness == pytest.approx(b.betweenness, abs=1e-12)
        assert a.closeness == pytest.approx(b.closeness, abs=1e-12)
        # networkx stops iterating at 1e-6 × n; igraph solves PageRank exactly.
        assert a.pagerank == pytest.approx(b.pagerank, abs=1e-5)
    assert fast.bridges == slow.bridges and fast.components == slow.components
    assert abs(fast.modularity - slow.modularity) < 0.05  # two Louvain implementations


# -- Metrics as RDF -------------------------------------------------------------------------------


def test_the_metrics_graph_names_igraph_and_carries_the_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import datetime

    from rdflib.namespace import PROV

    from bipmkg.rdf.namespaces import BKG, SCHEMA

    monkeypatch.setattr(centrality, "WORK_LIMIT", 100_000)
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    graph = metrics_graph([Run(analyse(random_network(600, 1200)), when, when)])
    (parameters,) = graph.objects(None, BKG.parameters)
    estimates = json.loads(str(parameters))["estimates"]
    assert [e["metric"] for e in estimates] == ["betweenness", "closeness"]
    assert all(0 < e["error_bound"] <= e["error_bound_all"] for e in estimates)
    agents = {str(graph.value(a, SCHEMA.name)) for a in graph.objects(None, PROV.wasAssociatedWith)}
    assert agents == {"bipmkg", "networkx", "igraph"}


# -- Timing ---------------------------------------------------------------------------------------


def test_every_step_is_timed() -> None:
    ticks = itertools.count()
    projection = projection_of("clusters")
    timings = time_analysis(projection, clock=lambda: float(next(ticks)))
    steps = [s.step for s in timings.steps]
    assert steps == [
        "network",
        "collapse",
        "prepare",
        "degree",
        "weighted degree",
        "betweenness",
        "closeness",
        "pagerank",
        "communities",
        "articulation points",
        "bridges",
        "components",
        "ranking",
    ]
    assert all(s.seconds == 1.0 for s in timings.steps)  # one tick per step
    assert timings.total == len(steps) and timings.seconds("betweenness") == 1.0
    assert timings.as_dict()["weighted_degree_s"] == 1.0
    assert (timings.bodies, timings.linked_pairs, timings.backend) == (8, 13, "networkx")
    assert dataclasses.is_dataclass(timings) and timings.__dataclass_params__.frozen  # type: ignore[attr-defined]
    graph = load_graph([DATA / "chain.ttl"])
    from_store = time_analysis(GraphSelector(graph))
    assert from_store.steps[0].step == "projection" and from_store.total > 0


def test_timed_analyse_gives_the_same_analysis() -> None:
    network = network_of(projection_of("star"))
    timed = timed_analyse(network)
    assert timed.analysis == analyse(network)
    assert timed.timings.as_of is None and timed.timings.bodies == 4


def test_cli_analyse_picks_a_backend_and_prints_timings() -> None:
    import os
    import subprocess
    import sys

    answer = subprocess.run(
        [sys.executable, "-m", "bipmkg", "analyse", "--turtle", "--json", "--timings"]
        + ["--backend", "igraph"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "BIPMKG_DATA_DIR": str(DATA)},
    )
    assert answer.returncode == 0, answer.stderr
    payload = json.loads(answer.stdout)
    assert dict(payload["parameters"])["backend"] == "igraph" and payload["estimates"] == []
    assert "Timings (igraph, 17 bodies" in answer.stderr and "betweenness" in answer.stderr
