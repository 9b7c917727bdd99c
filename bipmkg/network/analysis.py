"""Analyse the cooperation network: centralities, communities, cut points, explained paths, egos.

Reads the multigraph that `bipmkg.network.projection` projects from the store (… store → network →
**analysis** → CLI tables, JSON API, metrics as RDF). Metrics run on the collapsed simple graph
(weight = number of distinct links between two bodies); paths and ego networks keep the
multigraph, so that every hop is explained by the facts behind it and their sources.

Deterministic: the network is built in sorted order and every randomised algorithm takes a fixed
seed, so the same graph gives the same numbers. Each result says which algorithm (and library)
produced it. The algorithms themselves are in `bipmkg.network.centrality`: networkx, or igraph above
`ACCELERATE_ABOVE` bodies when it is installed; where exact betweenness and closeness cost too
much they are estimated from a seeded sample of sources, and the analysis reports the error bound
of each estimate (`Analysis.estimates`). `timed_analyse` and `time_analysis` time every step.
"""

from __future__ import annotations

import difflib
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import TypeVar

import networkx as nx  # type: ignore[import-untyped]

from bipmkg.errors import NetworkQueryError
from bipmkg.network import centrality as algo
from bipmkg.network.centrality import (
    ACCELERATE_ABOVE,
    EXACT_LIMIT,
    SAMPLE_SIZE,
    WORK_LIMIT,
    Estimate,
    Prepared,
)
from bipmkg.network.projection import (
    LINK_KINDS,
    Projection,
    Year,
    build_network,
    by_year,
    collapse,
    local_name,
    network_of,
    parse_as_of,
    project,
)
from bipmkg.query.selector import Selector

__all__ = [
    "ACCELERATE_ABOVE",
    "EXACT_LIMIT",
    "LINK_KINDS",
    "SAMPLE_SIZE",
    "WORK_LIMIT",
    "AnalysisTimings",
    "Estimate",
    "Projection",
    "StepTime",
    "TimedAnalysis",
    "Year",
    "analyse",
    "build_network",
    "by_year",
    "collapse",
    "ego",
    "network_of",
    "parse_as_of",
    "path",
    "project",
    "resolve_body",
    "time_analysis",
    "timed_analyse",
]

SEED = 20190520  # World Metrology Day 2019, the day the revised SI came into force
PAGERANK_ALPHA = 0.85
LOUVAIN_RESOLUTION = 1.0
MAX_PATHS = 10
MAX_EGO_RADIUS = 5

# -- Results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    body: str
    value: float


@dataclass(frozen=True)
class Centrality:
    """One centrality for every body, highest first (ties by IRI), with the algorithm used."""

    metric: str
    algorithm: str
    scores: tuple[Score, ...]
    estimate: Estimate | None = None  # how far a sampled result may be from the exact one

    def value(self, body: str) -> float:
        return _scores(self)[body]

    def top(self, n: int) -> tuple[Score, ...]:
        return self.scores[:n]


def _scores(centrality: Centrality) -> Mapping[str, float]:
    return {s.body: s.value for s in centrality.scores}


@dataclass(frozen=True)
class Communities:
    """Louvain communities, largest first, each sorted by IRI; modularity of the partition."""

    algorithm: str
    seed: int
    resolution: float
    modularity: float
    groups: tuple[tuple[str, ...], ...]

    def of(self, body: str) -> int:
        return next(i for i, group in enumerate(self.groups) if body in group)


@dataclass(frozen=True)
class Bridges:
    """Linked pairs whose every link, removed, would split a component."""

    algorithm: str
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ArticulationPoints:
    """Bodies whose removal disconnects others."""

    algorithm: str
    bodies: tuple[str, ...]


@dataclass(frozen=True)
class Components:
    """Connected components, largest first, each sorted by IRI."""

    algorithm: str
    groups: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class BodyMetrics:
    """Every metric of one body; `rank` orders bodies by PageRank (then degree, then IRI)."""

    iri: str
    name: str
    label_en: str | None
    label_fr: str | None
    acronym: str | None
    kind: str
    rank: int
    degree: int
    weighted_degree: int
    betweenness: float
    closeness: float
    pagerank: float
    community: int
    component: int
    articulation_point: bool


@dataclass(frozen=True)
class Algorithm:
    metric: str
    algorithm: str


@dataclass(frozen=True)
class Analysis:
    """The whole analysis of one network view."""

    as_of: str | None
    bodies: int
    links: int
    linked_pairs: int
    metrics: tuple[BodyMetrics, ...]
    modularity: float
    communities: tuple[tuple[str, ...], ...]
    bridges: tuple[tuple[str, str], ...]
    articulation_points: tuple[str, ...]
    components: tuple[tuple[str, ...], ...]
    algorithms: tuple[Algorithm, ...]
    parameters: tuple[tuple[str, str], ...]
    estimates: tuple[Estimate, ...] = ()  # one per sampled measure, with its error bound

    def body(self, iri: str) -> BodyMetrics:
        return next(m for m in self.metrics if m.iri == iri)


@dataclass(frozen=True)
class BodyRef:
    iri: str
    name: str
    label_en: str | None
    label_fr: str | None
    acronym: str | None
    kind: str


@dataclass(frozen=True)
class LinkView:
    """One link, read from `from_body` to `to_body`, with the fact and sources behind it."""

    from_body: str
    to_body: str
    kind: str
    start: str | None
    end: str | None
    fact: str
    fact_label: str | None
    sources: tuple[str, ...]
    role: str | None
    explanation: str


@dataclass(frozen=True)
class Hop:
    from_body: str
    to_body: str
    links: tuple[LinkView, ...]


@dataclass(frozen=True)
class Route:
    """One shortest path: the bodies on it, and the hops between them with their links."""

    bodies: tuple[BodyRef, ...]
    hops: tuple[Hop, ...]


@dataclass(frozen=True)
class PathResult:
    """The shortest paths between two bodies (at most `limit`; `truncated` if there are more)."""

    source: BodyRef
    target: BodyRef
    as_of: str | None
    connected: bool
    length: int | None
    paths: tuple[Route, ...]
    truncated: bool
    algorithm: str


@dataclass(frozen=True)
class Ego:
    """The bodies within `radius` links of `center`, and every link among them."""

    center: BodyRef
    radius: int
    as_of: str | None
    bodies: tuple[BodyRef, ...]
    links: tuple[LinkView, ...]


# -- Metrics --------------------------------------------------------------------------------------


def _simple(network: nx.Graph) -> nx.Graph:
    return collapse(network) if network.is_multigraph() else network


def _prepared(network: nx.Graph, backend: str) -> Prepared:
    return algo.prepare(_simple(network), backend)


def _centrality(
    metric: str, algorithm: str, values: Mapping[str, float], estimate: Estimate | None = None
) -> Centrality:
    ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    return Centrality(metric, algorithm, tuple(Score(b, float(v)) for b, v in ranked), estimate)


def _library(prepared: Prepared) -> str:
    return "igraph" if prepared.backend == "igraph" else "networkx"


def _bound_text(estimate: Estimate | None) -> str:
    if estimate is None:
        return ""
    unit = "relative" if estimate.metric == "closeness" else "normalised"
    return (
        f"; error at most {estimate.error_bound:.3g} for each body, "
        f"{estimate.error_bound_all:.3g} for all at once ({unit}, "
        f"{estimate.confidence:.0%} confidence)"
    )


def degree(network: nx.Graph) -> Centrality:
    """Number of distinct bodies each body is linked to."""
    simple = _simple(network)
    return _centrality("degree", "number of distinct linked bodies", dict(simple.degree()))


def weighted_degree(network: nx.Graph) -> Centrality:
    """Number of distinct links each body has (a pair linked by two facts counts two)."""
    simple = _simple(network)
    links = dict.fromkeys(simple, 0)
    for u, v, weight in simple.edges(data="weight", default=1):
        links[u] += weight
        links[v] += weight
    return _centrality("weighted degree", "number of distinct links (sum of edge weights)", links)


def betweenness(
    network: nx.Graph,
    *,
    exact_limit: int | None = None,
    sample: int | None = None,
    seed: int = SEED,
    backend: str = "auto",
) -> Centrality:
    """Share of shortest paths between other bodies that pass through each body (hop counts).

    Exact when affordable (`bipmkg.network.centrality.plan`), else estimated from `sample` seeded
    sources with its error bound in `Centrality.estimate`. An `exact_limit` in bodies overrides
    the automatic choice.
    """
    return _betweenness(_prepared(network, backend), exact_limit, sample, seed)


def _betweenness(
    prepared: Prepared, exact_limit: int | None, sample: int | None, seed: int
) -> Centrality:
    chosen = algo.plan(prepared, exact_limit=exact_limit, sample=sample)
    values, estimate = algo.betweenness_values(prepared, chosen, seed=seed)
    if prepared.backend == "networkx":
        library = "networkx betweenness_centrality"
    else:
        library = "igraph betweenness (scaled as networkx)"
    if chosen.exact:
        algorithm = f"exact (Brandes), {library}, normalised, unweighted"
    else:
        algorithm = (
            f"sampled (Brandes from k={chosen.sources} random sources, seed {seed}: an "
            f"estimate, {chosen.limit}), {library}, normalised{_bound_text(estimate)}"
        )
    return _centrality("betweenness", algorithm, values, estimate)


def closeness(
    network: nx.Graph,
    *,
    exact_limit: int | None = None,
    sample: int | None = None,
    seed: int = SEED,
    backend: str = "auto",
) -> Centrality:
    """How near each body is to the bodies it can reach (Wasserman–Faust, for split networks).

    Exact when affordable; else exact within every component of at most `sample` bodies and
    estimated from `sample` seeded sources within each larger one (error bound in hops of mean
    distance in `Centrality.estimate`).
    """
    return _closeness(_prepared(network, backend), exact_limit, sample, seed)


def _closeness(
    prepared: Prepared, exact_limit: int | None, sample: int | None, seed: int
) -> Centrality:
    chosen = algo.plan(prepared, exact_limit=exact_limit, sample=sample)
    values, estimate = algo.closeness_values(prepared, chosen, seed=seed)
    library = _library(prepared)
    if chosen.exact:
        name = "networkx closeness_centrality" if library == "networkx" else "igraph closeness"
        algorithm = f"exact, {name} (Wasserman-Faust), unweighted"
    else:
        algorithm = (
            f"sampled (Eppstein-Wang: distances from k={chosen.sources} random sources per "
            f"component larger than k, seed {seed}; smaller components exact; an estimate, "
            f"{chosen.limit}), {library}, Wasserman-Faust scaling{_bound_text(estimate)}"
        )
    return _centrality("closeness", algorithm, values, estimate)


def pagerank(
    network: nx.Graph, *, alpha: float = PAGERANK_ALPHA, backend: str = "auto"
) -> Centrality:
    """PageRank on the weighted graph: a body is central if central bodies link to it often."""
    return _pagerank(_prepared(network, backend), alpha)


def _pagerank(prepared: Prepared, alpha: float) -> Centrality:
    values = algo.pagerank_values(prepared, alpha=alpha)
    if prepared.backend == "networkx":
        how = "networkx pagerank, SciPy power iteration"
    else:
        how = "igraph pagerank, PRPACK linear solve"
    return _centrality("pagerank", f"PageRank ({how}), alpha {alpha}, weighted", values)


def communities(
    network: nx.Graph,
    *,
    seed: int = SEED,
    resolution: float = LOUVAIN_RESOLUTION,
    backend: str = "auto",
) -> Communities:
    """Louvain communities on the weighted graph, with a fixed seed; modularity reported."""
    return _communities(_prepared(network, backend), seed, resolution)


def _communities(prepared: Prepared, seed: int, resolution: float) -> Communities:
    found, modularity = algo.louvain(prepared, seed=seed, resolution=resolution)
    groups = tuple(sorted((tuple(sorted(g)) for g in found), key=lambda g: (-len(g), g)))
    if prepared.backend == "networkx":
        how = "networkx louvain_communities"
    else:
        how = "igraph community_multilevel"
    return Communities(
        algorithm=f"Louvain ({how}), weighted, resolution {resolution}, seed {seed}",
        seed=seed,
        resolution=resolution,
        modularity=modularity,
        groups=groups,
    )


def bridges(network: nx.Graph, *, backend: str = "auto") -> Bridges:
    """Linked pairs whose links are the only way between their two sides."""
    return _bridges(_prepared(network, backend))


def _bridges(prepared: Prepared) -> Bridges:
    pairs = sorted((min(u, v), max(u, v)) for u, v in algo.bridge_pairs(prepared))
    if prepared.backend == "networkx":
        return Bridges("networkx bridges (chain decomposition)", tuple(pairs))
    return Bridges("igraph bridges (depth-first search)", tuple(pairs))


def articulation_points(network: nx.Graph, *, backend: str = "auto") -> ArticulationPoints:
    """Bodies whose removal would disconnect others."""
    return _articulation_points(_prepared(network, backend))


def _articulation_points(prepared: Prepared) -> ArticulationPoints:
    return ArticulationPoints(
        f"{_library(prepared)} articulation_points (Hopcroft-Tarjan)",
        tuple(sorted(algo.cut_vertices(prepared))),
    )


def components(network: nx.Graph, *, backend: str = "auto") -> Components:
    return _components(_prepared(network, backend))


def _components(prepared: Prepared) -> Components:
    groups = (tuple(sorted(c)) for c in algo.component_sets(prepared))
    name = (
        "networkx connected_components"
        if prepared.backend == "networkx"
        else "igraph connected_components"
    )
    return Components(f"{name} (breadth-first)", tuple(sorted(groups, key=lambda g: (-len(g), g))))


# -- Timing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepTime:
    """Wall-clock seconds of one step of an analysis (a metric, or building its input)."""

    step: str
    seconds: float


@dataclass(frozen=True)
class AnalysisTimings:
    """How long each step of one analysis took, on which backend, for a network of what size."""

    as_of: str | None
    bodies: int
    linked_pairs: int
    backend: str
    steps: tuple[StepTime, ...]

    @property
    def total(self) -> float:
        return sum(step.seconds for step in self.steps)

    def seconds(self, step: str) -> float:
        return sum(s.seconds for s in self.steps if s.step == step)

    def as_dict(self) -> dict[str, float]:
        """{"<step>_s": seconds, …, "total_s": …}: flat, for a benchmark's row."""
        flat = {f"{s.step.replace(' ', '_')}_s": s.seconds for s in self.steps}
        flat["total_s"] = self.total
        return flat


@dataclass(frozen=True)
class TimedAnalysis:
    analysis: Analysis
    timings: AnalysisTimings


T = TypeVar("T")


class _Stopwatch:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.steps: list[StepTime] = []

    def __call__(self, step: str, action: Callable[[], T]) -> T:
        started = self.clock()
        value = action()
        self.steps.append(StepTime(step, self.clock() - started))
        return value


def analyse(
    network: nx.Graph, *, as_of: date | str | None = None, backend: str = "auto"
) -> Analysis:
    """Every metric of a network view; bodies ranked by PageRank, then degree, then IRI.

    `backend`: "auto" (igraph above ACCELERATE_ABOVE bodies when installed, else networkx),
    "networkx" or "igraph".
    """
    return timed_analyse(network, as_of=as_of, backend=backend).analysis


def timed_analyse(
    network: nx.Graph,
    *,
    as_of: date | str | None = None,
    backend: str = "auto",
    clock: Callable[[], float] = time.perf_counter,
) -> TimedAnalysis:
    """`analyse`, with the time each metric took (`TimedAnalysis.timings`)."""
    watch = _Stopwatch(clock)
    simple = watch("collapse", lambda: _simple(network))
    prepared = watch("prepare", lambda: algo.prepare(simple, backend))
    as_of_text = as_of.isoformat() if isinstance(as_of, date) else as_of
    if as_of_text is None:
        as_of_text = simple.graph.get("as_of")
    measures = {
        "degree": watch("degree", lambda: degree(simple)),
        "weighted degree": watch("weighted degree", lambda: weighted_degree(simple)),
        "betweenness": watch("betweenness", lambda: _betweenness(prepared, None, None, SEED)),
        "closeness": watch("closeness", lambda: _closeness(prepared, None, None, SEED)),
        "pagerank": watch("pagerank", lambda: _pagerank(prepared, PAGERANK_ALPHA)),
    }
    found = watch("communities", lambda: _communities(prepared, SEED, LOUVAIN_RESOLUTION))
    cut = watch("articulation points", lambda: _articulation_points(prepared))
    split = watch("bridges", lambda: _bridges(prepared))
    parts = watch("components", lambda: _components(prepared))
    analysis = watch(
        "ranking",
        lambda: _assemble(
            network, simple, prepared, as_of_text, measures, found, cut, split, parts
        ),
    )
    timings = AnalysisTimings(
        as_of=as_of_text,
        bodies=prepared.n,
        linked_pairs=prepared.m,
        backend=prepared.backend,
        steps=tuple(watch.steps),
    )
    return TimedAnalysis(analysis, timings)


def time_analysis(
    source: Selector | Projection,
    *,
    as_of: date | None = None,
    backend: str = "auto",
    clock: Callable[[], float] = time.perf_counter,
) -> AnalysisTimings:
    """Time a whole analysis from the graph: the projection (SPARQL, skipped when a Projection
    is given), the network view, then every metric. For benchmarks (`make bench`)."""
    watch = _Stopwatch(clock)
    projection = (
        source if isinstance(source, Projection) else watch("projection", lambda: project(source))
    )
    network = watch("network", lambda: network_of(projection, as_of=as_of))
    timed = timed_analyse(network, as_of=as_of, backend=backend, clock=clock)
    return AnalysisTimings(
        as_of=timed.timings.as_of,
        bodies=timed.timings.bodies,
        linked_pairs=timed.timings.linked_pairs,
        backend=timed.timings.backend,
        steps=(*watch.steps, *timed.timings.steps),
    )


def _assemble(
    network: nx.Graph,
    simple: nx.Graph,
    prepared: Prepared,
    as_of_text: str | None,
    measures: Mapping[str, Centrality],
    found: Communities,
    cut: ArticulationPoints,
    split: Bridges,
    parts: Components,
) -> Analysis:
    values = {metric: _scores(c) for metric, c in measures.items()}
    cut_set = set(cut.bodies)
    community_of = {b: i for i, g in enumerate(found.groups) for b in g}
    component_of = {b: i for i, g in enumerate(parts.groups) for b in g}
    order = sorted(
        simple,
        key=lambda b: (-values["pagerank"].get(b, 0.0), -values["degree"].get(b, 0), b),
    )
    metrics = []
    for rank, iri in enumerate(order, start=1):
        ref = body_ref(simple, iri)
        metrics.append(
            BodyMetrics(
                iri=iri,
                name=ref.name,
                label_en=ref.label_en,
                label_fr=ref.label_fr,
                acronym=ref.acronym,
                kind=ref.kind,
                rank=rank,
                degree=int(values["degree"][iri]),
                weighted_degree=int(values["weighted degree"][iri]),
                betweenness=values["betweenness"][iri],
                closeness=values["closeness"][iri],
                pagerank=values["pagerank"][iri],
                community=community_of[iri],
                component=component_of[iri],
                articulation_point=iri in cut_set,
            )
        )
    links = (
        network.number_of_edges() if network.is_multigraph() else int(simple.size(weight="weight"))
    )
    parameters = [
        ("seed", str(SEED)),
        ("louvain_resolution", str(LOUVAIN_RESOLUTION)),
        ("pagerank_alpha", str(PAGERANK_ALPHA)),
    ]
    if prepared.backend == "networkx":
        parameters += [("exact_limit", str(EXACT_LIMIT)), ("sample_size", str(SAMPLE_SIZE))]
    else:
        chosen = algo.plan(prepared, exact_limit=None, sample=None)
        parameters += [
            ("backend", "igraph"),
            ("exact_work_limit", str(WORK_LIMIT)),
            ("sample_size", str(chosen.sources) if not chosen.exact else "0"),
        ]
    estimates = tuple(c.estimate for c in measures.values() if c.estimate is not None)
    return Analysis(
        as_of=as_of_text,
        bodies=simple.number_of_nodes(),
        links=links,
        linked_pairs=simple.number_of_edges(),
        metrics=tuple(metrics),
        modularity=found.modularity,
        communities=found.groups,
        bridges=split.pairs,
        articulation_points=cut.bodies,
        components=parts.groups,
        algorithms=(
            *(Algorithm(metric, c.algorithm) for metric, c in measures.items()),
            Algorithm("communities", found.algorithm),
            Algorithm("bridges", split.algorithm),
            Algorithm("articulation points", cut.algorithm),
            Algorithm("components", parts.algorithm),
            Algorithm(
                "rank", "by PageRank, then degree, then IRI; collapsed graph, weight = links"
            ),
        ),
        parameters=tuple(parameters),
        estimates=estimates,
    )


# -- Bodies by name -------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form: "Comité  Intl" → "comite intl"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace("ı", "i").split())


def body_ref(network: nx.Graph, iri: str) -> BodyRef:
    data = network.nodes[iri]
    name = data.get("acronym") or data.get("label_en") or data.get("label_fr") or local_name(iri)
    return BodyRef(
        iri=iri,
        name=name,
        label_en=data.get("label_en"),
        label_fr=data.get("label_fr"),
        acronym=data.get("acronym"),
        kind=data.get("kind") or "Body",
    )


def resolve_body(network: nx.Graph, text: str) -> str:
    """The IRI of the body named by an IRI, acronym, English or French label, or IRI slug.

    Matching ignores case and accents. Raises NetworkQueryError when nothing or several bodies
    match, with candidates to choose from.
    """
    wanted = text.strip()
    if not wanted:
        raise NetworkQueryError("no body given: name one by acronym, label or IRI")
    if wanted in network:
        return wanted
    folded = _fold(wanted)
    # Tiers, most specific first: the first tier with any match decides.
    tiers: tuple[tuple[str, ...], ...] = (("acronym",), ("label_en", "label_fr"), ("slug",))
    for fields in tiers:
        found: list[str] = sorted(
            iri
            for iri, data in network.nodes(data=True)
            if any(_fold(_field(iri, data, f) or "") == folded for f in fields)
        )
        if len(found) == 1:
            return found[0]
        if found:
            choices = "; ".join(f"{body_ref(network, i).name} <{i}>" for i in found)
            raise NetworkQueryError(f"{text!r} names more than one body: {choices}")
    names = {
        _field(iri, data, f) or "": iri
        for iri, data in network.nodes(data=True)
        for f in ("acronym", "label_en")
    }
    close = difflib.get_close_matches(wanted, [n for n in names if n], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise NetworkQueryError(f"no body is named {text!r} in this network{hint}")


def _field(iri: str, data: Mapping[str, object], name: str) -> str | None:
    if name == "slug":
        return local_name(iri)
    value = data.get(name)
    return value if isinstance(value, str) else None


# -- Paths and ego networks -----------------------------------------------------------------------


def _view(a: str, b: str, data: Mapping[str, object]) -> LinkView:
    """A link read from a to b: its sentence is turned around when b is the fact's subject."""
    forward = data.get("subject") == a

    def text(name: str) -> str | None:
        value = data.get(name)
        return value if isinstance(value, str) else None

    return LinkView(
        from_body=a,
        to_body=b,
        kind=str(data["kind"]),
        start=text("start"),
        end=text("end"),
        fact=str(data["fact"]),
        fact_label=text("fact_label"),
        sources=tuple((text("source") or "").split()),
        role=text("role"),
        explanation=str(data["explanation"] if forward else data["explanation_back"]),
    )


def _link_views(network: nx.MultiGraph, a: str, b: str) -> tuple[LinkView, ...]:
    """Every link between two bodies, each sentence read from a to b."""
    if not network.has_edge(a, b):
        return ()
    return tuple(_view(a, b, network[a][b][key]) for key in sorted(network[a][b]))


def path(network: nx.MultiGraph, a: str, b: str, *, limit: int = MAX_PATHS) -> PathResult:
    """The shortest paths (fewest hops) from body a to body b, each hop with its facts.

    a and b may be IRIs, acronyms or labels. At most `limit` paths are returned, in a stable
    order; `truncated` says there were more.
    """
    if not network.is_multigraph():
        raise TypeError("path() needs the multigraph of build_network(), not a collapsed graph")
    source, target = resolve_body(network, a), resolve_body(network, b)
    algorithm = "networkx all_shortest_paths (breadth-first), unweighted, hop count"
    as_of = network.graph.get("as_of")
    try:
        found = list(islice(nx.all_shortest_paths(network, source, target), limit + 1))
    except nx.NetworkXNoPath:
        return PathResult(
            body_ref(network, source),
            body_ref(network, target),
            as_of,
            False,
            None,
            (),
            False,
            algorithm,
        )
    kept = sorted(found[:limit], key=lambda p: [body_ref(network, n).name for n in p] + p)
    paths = tuple(
        Route(
            bodies=tuple(body_ref(network, n) for n in nodes),
            hops=tuple(
                Hop(u, v, _link_views(network, u, v))
                for u, v in zip(nodes, nodes[1:], strict=False)
            ),
        )
        for nodes in kept
    )
    return PathResult(
        body_ref(network, source),
        body_ref(network, target),
        as_of,
        True,
        len(kept[0]) - 1,
        paths,
        len(found) > limit,
        algorithm,
    )


def ego(network: nx.MultiGraph, node: str, radius: int = 1) -> Ego:
    """The bodies within `radius` links of a body (0–5), and every link among them."""
    if isinstance(radius, bool) or not isinstance(radius, int) or not 0 <= radius <= MAX_EGO_RADIUS:
        raise NetworkQueryError(
            f"radius must be a whole number from 0 to {MAX_EGO_RADIUS}, not {radius!r}"
        )
    center = resolve_body(network, node)
    sub = nx.ego_graph(network, center, radius=radius)
    links: list[LinkView] = []
    for u, v in sorted({tuple(sorted((u, v))) for u, v in sub.edges()}):
        links.extend(_link_views(network, u, v))
    return Ego(
        center=body_ref(network, center),
        radius=radius,
        as_of=network.graph.get("as_of"),
        bodies=tuple(body_ref(network, n) for n in sorted(sub)),
        links=tuple(links),
    )


def links_of(network: nx.MultiGraph) -> tuple[LinkView, ...]:
    """Every link of a multigraph, each read in its own direction (from the fact's subject)."""
    views = []
    for u, v, key in sorted((*sorted((u, v)), k) for u, v, k in network.edges(keys=True)):
        data = network[u][v][key]
        subject = data.get("subject", u)
        views.append(_view(subject, v if subject == u else u, data))
    return tuple(views)
