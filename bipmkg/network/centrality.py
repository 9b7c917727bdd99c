"""Graph algorithms behind the analysis: networkx always, igraph when it is installed and pays.

Sits under `bipmkg.network.analysis` in the data flow (… network → analysis → **algorithms**): each
function takes a `Prepared` graph (the collapsed simple graph, plus an igraph copy when that
backend is used) and returns plain numbers per body, so the analysis ranks and reports them the
same way whichever library computed them.

Backends. networkx is the API and the fallback; igraph (C, one core) answers betweenness,
closeness, PageRank, Louvain, bridges, articulation points and components 10-100× faster. Small
networks (at most `ACCELERATE_ABOVE` bodies, the curated graph among them) stay on networkx: it
answers them in milliseconds and keeps the published numbers bit for bit.

Sampling. Exact betweenness and closeness cost one breadth-first search per body. When that is
too much (`Plan`), they are estimated from a seeded sample of sources, and the estimate carries
its error bound (`Estimate`):

- betweenness: networkx's estimator (Brandes & Pich 2007): a body's normalised betweenness is
  the mean, over the sources s other than itself, of δ_s(v)/(n-2), a number in [0, 1]. A sample
  without replacement of k' such sources gives, by Hoeffding's inequality with Serfling's
  finite-population correction, |estimate - exact| ≤ sqrt(ln(2/δ)(1 - (k'-1)/(n-1)) / (2k'))
  with probability ≥ 1 - δ for each body, and with ln(2n/δ) for every body at once (union bound);
  k' = k - 1 covers the bodies that are themselves sources.
- closeness: exact in every connected component of at most k bodies (small components cost
  little); in a larger one, each body's mean distance is averaged over k sources drawn from that
  component (Eppstein & Wang 2004). The same bound, times the range of the body's distances
  (its eccentricity, bounded through the sources), holds for that mean; closeness being its
  inverse, the bound divided by the mean is the relative error of the closeness.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Final

import networkx as nx  # type: ignore[import-untyped]
import numpy as np
from numpy.typing import NDArray

try:  # the accelerated backend is optional: networkx answers everything without it
    import igraph as _igraph  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - exercised where igraph is not installed
    _igraph = None

BACKENDS: Final = ("auto", "networkx", "igraph")
ACCELERATE_ABOVE: Final = 500  # bodies; "auto" uses igraph above this, when installed
EXACT_LIMIT: Final = 2000  # bodies; networkx's exact betweenness takes ≈10 s at 2,100 here
#: igraph is exact while bodies × (bodies + linked pairs) stays under this (≈ 3-7 s of Brandes
#: on this 2-core machine, 10^5 synthetic triples included); above, it samples as many sources
#: as the same work affords (645 at 10^6 triples).
WORK_LIMIT: Final = 120_000_000
SAMPLE_SIZE: Final = 200  # sources sampled by networkx, and the least igraph samples
CONFIDENCE: Final = 0.95
_CHUNK = 256  # sources per batch of distances, so a batch stays under ~100 MB


def library_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def resolve_backend(backend: str, bodies: int) -> str:
    """ "networkx" or "igraph" for a network of this many bodies."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "igraph" and _igraph is None:
        raise RuntimeError("the igraph backend needs the igraph package: pip install igraph")
    if backend == "auto":
        return "igraph" if _igraph is not None and bodies > ACCELERATE_ABOVE else "networkx"
    return backend


@dataclass
class Prepared:
    """The collapsed simple graph, with an igraph copy (same vertex order) for that backend."""

    simple: nx.Graph
    backend: str
    nodes: list[str] = field(init=False)
    graph: Any = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.nodes = list(self.simple)
        if self.backend == "igraph":
            index = {node: i for i, node in enumerate(self.nodes)}
            edges = list(self.simple.edges(data="weight", default=1))
            self.graph = _igraph.Graph(
                n=len(self.nodes), edges=[(index[u], index[v]) for u, v, _ in edges]
            )
            self.graph.es["weight"] = [float(w) for _, _, w in edges]

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def m(self) -> int:
        return int(self.simple.number_of_edges())


def prepare(simple: nx.Graph, backend: str = "auto") -> Prepared:
    return Prepared(simple, resolve_backend(backend, simple.number_of_nodes()))


@dataclass(frozen=True)
class Plan:
    """Exact, or sampled from `sources` seeded sources."""

    exact: bool
    sources: int
    limit: str  # why, in words: "exact up to 2000 bodies" …


def plan(prepared: Prepared, *, exact_limit: int | None, sample: int | None) -> Plan:
    """Exact when affordable; else how many sources to sample (see the module docstring)."""
    n, m = prepared.n, prepared.m
    if prepared.backend == "networkx" or exact_limit is not None:
        limit = EXACT_LIMIT if exact_limit is None else exact_limit
        exact = n <= limit
        sources = SAMPLE_SIZE if sample is None else sample
        why = f"used above {limit} bodies"
    else:
        exact = n * (n + m) <= WORK_LIMIT
        affordable = WORK_LIMIT // max(1, n + m)
        sources = max(SAMPLE_SIZE, affordable) if sample is None else sample
        why = f"used above {WORK_LIMIT:,} bodies × (bodies + linked pairs)"
    # Fewer than three bodies have no betweenness to estimate; a sample is at least two sources.
    return Plan(exact or n < 3, min(max(2, sources), max(n, 2)), why)


@dataclass(frozen=True)
class Estimate:
    """How far a sampled measure may be from its exact value, with what confidence."""

    metric: str
    sources: int  # sources sampled (per large component, for closeness)
    population: int  # bodies they were drawn from (the largest sampled component, for closeness)
    confidence: float
    error_bound: float  # for any one body
    error_bound_all: float  # for every body at once
    unit: str
    method: str


def serfling_bound(sample: int, population: int, *, delta: float) -> float:
    """Half-width of a (1 - delta) interval for the mean of `sample` values in [0, 1] drawn
    without replacement from `population` (Hoeffding 1963 with Serfling's 1974 correction)."""
    if sample <= 0:
        return 1.0
    correction = max(0.0, 1 - (sample - 1) / population) if population > 0 else 1.0
    return math.sqrt(math.log(2 / delta) * correction / (2 * sample))


def sources_of(nodes: Sequence[str], k: int, seed: int) -> list[str]:
    """The seeded sample networkx draws for `betweenness_centrality(k=…, seed=…)`."""
    return random.Random(seed).sample(list(nodes), k)


# -- Betweenness ----------------------------------------------------------------------------------


def betweenness_values(
    prepared: Prepared, chosen: Plan, *, seed: int
) -> tuple[dict[str, float], Estimate | None]:
    """Normalised betweenness (hop counts), exact or estimated, as networkx computes it."""
    simple, n = prepared.simple, prepared.n
    if prepared.backend == "networkx":
        if chosen.exact:
            return nx.betweenness_centrality(simple, normalized=True), None
        values = nx.betweenness_centrality(simple, k=chosen.sources, normalized=True, seed=seed)
        return values, _betweenness_estimate(chosen.sources, n)
    if n <= 2:
        return dict.fromkeys(prepared.nodes, 0.0), None
    if chosen.exact:
        raw = prepared.graph.betweenness(directed=False)
        # igraph counts each unordered pair once; networkx normalises ordered pairs.
        scale = 2 / ((n - 1) * (n - 2))
        return {node: value * scale for node, value in zip(prepared.nodes, raw, strict=True)}, None
    k = chosen.sources
    sources = sources_of(prepared.nodes, k, seed)
    index = {node: i for i, node in enumerate(prepared.nodes)}
    raw = prepared.graph.betweenness(directed=False, sources=[index[s] for s in sources])
    # As networkx's rescaling: a source only has the k - 1 other sources to measure it.
    picked = set(sources)
    as_source, other = 2 / ((k - 1) * (n - 2)), 2 / (k * (n - 2))
    values = {
        node: value * (as_source if node in picked else other)
        for node, value in zip(prepared.nodes, raw, strict=True)
    }
    return values, _betweenness_estimate(k, n)


def _betweenness_estimate(k: int, n: int) -> Estimate:
    delta = 1 - CONFIDENCE
    population = n - 1
    return Estimate(
        metric="betweenness",
        sources=k,
        population=n,
        confidence=CONFIDENCE,
        error_bound=serfling_bound(k - 1, population, delta=delta),
        error_bound_all=serfling_bound(k - 1, population, delta=delta / n),
        unit="normalised betweenness (0 to 1)",
        method="Hoeffding-Serfling bound on the mean of k-1 source dependencies in [0, 1]; "
        "every body at once by the union bound",
    )


# -- Closeness ------------------------------------------------------------------------------------


def closeness_values(
    prepared: Prepared, chosen: Plan, *, seed: int
) -> tuple[dict[str, float], Estimate | None]:
    """Closeness with Wasserman-Faust scaling for split networks, exact or estimated."""
    simple, n = prepared.simple, prepared.n
    if chosen.exact:
        if prepared.backend == "networkx":
            return nx.closeness_centrality(simple, wf_improved=True), None
        return _exact_closeness_igraph(prepared, range(n)), None
    k = chosen.sources
    values = dict.fromkeys(prepared.nodes, 0.0)
    small: list[str] = []
    worst: tuple[float, float, int] | None = None  # (bound, bound for all, component size)
    for number, part in enumerate(_components_in_order(prepared)):
        if len(part) <= k:
            small.extend(part)
            continue
        members = sorted(part)
        sources = random.Random(seed + number).sample(members, k)
        estimated, one, every = _sampled_closeness(prepared, members, sources)
        for node, value in estimated.items():
            values[node] = value * (len(members) - 1) / (n - 1)
        if worst is None or one > worst[0]:
            worst = (one, every, len(members))
    values.update(_exact_closeness(prepared, small))
    if worst is None:
        return values, None
    return values, Estimate(
        metric="closeness",
        sources=k,
        population=worst[2],
        confidence=CONFIDENCE,
        error_bound=worst[0],
        error_bound_all=worst[1],
        unit="relative error of closeness (0.1 = 10 %)",
        method="Hoeffding-Serfling bound on each body's mean distance from k-1 sources, its "
        "range bounded by the triangle inequality; the largest over the bodies of sampled "
        "components",
    )


def _components_in_order(prepared: Prepared) -> list[set[str]]:
    """Connected components, largest first, then by smallest IRI: a stable seed per component."""
    parts = component_sets(prepared)
    return sorted(parts, key=lambda part: (-len(part), min(part)))


def _exact_closeness(prepared: Prepared, nodes: Sequence[str]) -> dict[str, float]:
    if not nodes:
        return {}
    if prepared.backend == "igraph":
        index = {node: i for i, node in enumerate(prepared.nodes)}
        return _exact_closeness_igraph(prepared, [index[v] for v in nodes])
    n = prepared.n
    values = {}
    for node in nodes:
        distances = nx.single_source_shortest_path_length(prepared.simple, node)
        total, reach = sum(distances.values()), len(distances) - 1
        values[node] = (reach / total) * reach / (n - 1) if total > 0 and n > 1 else 0.0
    return values


def _exact_closeness_igraph(
    prepared: Prepared, vertices: Sequence[int] | range
) -> dict[str, float]:
    """igraph's closeness counts only the bodies each one reaches: (r-1)/Σd; scaled by
    (r-1)/(n-1) it is networkx's Wasserman-Faust form."""
    n = prepared.n
    if n <= 1:
        return dict.fromkeys((prepared.nodes[v] for v in vertices), 0.0)
    graph = prepared.graph
    chosen = list(vertices)
    parts = graph.connected_components()
    sizes, membership = parts.sizes(), parts.membership
    raw = graph.closeness(vertices=chosen, normalized=True)
    values = {}
    for vertex, value in zip(chosen, raw, strict=True):
        reach = sizes[membership[vertex]] - 1
        ok = reach > 0 and value == value  # NaN for an isolated body
        values[prepared.nodes[vertex]] = value * reach / (n - 1) if ok else 0.0
    return values


def _sampled_closeness(
    prepared: Prepared, members: Sequence[str], sources: Sequence[str]
) -> tuple[dict[str, float], float, float]:
    """Estimated closeness (before Wasserman-Faust scaling) of each member of a component, and
    the largest relative error bound over them, for one body and for all at once.

    A member's mean distance is averaged over the sampled sources other than itself. Those
    distances lie in [1, e(v)], and e(v) ≤ d(s, v) + e(s) for every source s (triangle
    inequality), so Hoeffding-Serfling bounds the mean within h = (e(v) - 1) ε. Closeness is the
    inverse of the mean distance: its relative error is |mean - estimate| / estimate ≤ h / estimate.
    """
    r = len(members)
    total = np.zeros(r)
    reach = np.full(r, float(r - 1))  # upper bound of each member's eccentricity
    for batch in _distances(prepared, members, sources):
        total += batch.sum(axis=0)  # a source's distance to itself is 0: it adds nothing
        eccentricity = batch.max(axis=1)
        reach = np.minimum(reach, (batch + eccentricity[:, None]).min(axis=0))
    picked = set(sources)
    counted = np.array([len(sources) - (member in picked) for member in members], dtype=float)
    mean = np.where(total > 0, total / np.maximum(counted, 1), 0.0)
    inverse = np.where(mean > 0, 1 / np.where(mean > 0, mean, 1), 0.0)
    values = dict(zip(members, (float(v) for v in inverse), strict=True))
    k = len(sources) - 1  # the fewest distances any member's mean is taken over
    delta = 1 - CONFIDENCE
    spread = np.maximum(reach - 1, 0) / np.where(mean > 0, mean, 1)
    worst = float(spread.max()) if r else 0.0
    one = worst * serfling_bound(k, r - 1, delta=delta)
    every = worst * serfling_bound(k, r - 1, delta=delta / prepared.n)
    return values, one, every


def _distances(
    prepared: Prepared, members: Sequence[str], sources: Sequence[str]
) -> Iterator[NDArray[np.float64]]:
    """Hop distances from batches of sources to every member: one row per source."""
    if prepared.backend == "networkx":
        for start in range(0, len(sources), _CHUNK):
            rows = []
            for source in sources[start : start + _CHUNK]:
                found = nx.single_source_shortest_path_length(prepared.simple, source)
                rows.append([found[member] for member in members])
            yield np.array(rows, dtype=float)
        return
    index = {node: i for i, node in enumerate(prepared.nodes)}
    targets = [index[v] for v in members]
    for start in range(0, len(sources), _CHUNK):
        batch = [index[s] for s in sources[start : start + _CHUNK]]
        yield np.array(prepared.graph.distances(source=batch, target=targets), dtype=float)


# -- PageRank, communities, cut points, components ------------------------------------------------


def pagerank_values(prepared: Prepared, *, alpha: float) -> dict[str, float]:
    """Weighted PageRank; igraph solves it exactly (PRPACK), networkx iterates to 1e-6 × n."""
    if not prepared.n:
        return {}
    if prepared.backend == "networkx":
        return dict(nx.pagerank(prepared.simple, alpha=alpha, weight="weight"))
    scores = prepared.graph.pagerank(weights="weight", damping=alpha, implementation="prpack")
    return dict(zip(prepared.nodes, (float(s) for s in scores), strict=True))


_RNG_LOCK = threading.Lock()  # igraph's random generator is process-wide


def louvain(prepared: Prepared, *, seed: int, resolution: float) -> tuple[list[set[str]], float]:
    """Louvain communities on the weighted graph and the modularity of the partition."""
    simple = prepared.simple
    if prepared.backend == "networkx":
        found = nx.community.louvain_communities(
            simple, weight="weight", resolution=resolution, seed=seed
        )
        modularity = (
            float(nx.community.modularity(simple, found, weight="weight", resolution=resolution))
            if simple.number_of_edges()
            else 0.0
        )
        return [set(group) for group in found], modularity
    graph = prepared.graph
    with _RNG_LOCK:
        _igraph.set_random_number_generator(random.Random(seed))
        try:
            clustering = graph.community_multilevel(weights="weight", resolution=resolution)
        finally:
            _igraph.set_random_number_generator(random)
    membership = clustering.membership
    groups: dict[int, set[str]] = {}
    for node, group in zip(prepared.nodes, membership, strict=True):
        groups.setdefault(group, set()).add(node)
    modularity = (
        float(graph.modularity(membership, weights="weight", resolution=resolution))
        if graph.ecount()
        else 0.0
    )
    return list(groups.values()), modularity


def bridge_pairs(prepared: Prepared) -> list[tuple[str, str]]:
    if prepared.backend == "networkx":
        return list(nx.bridges(prepared.simple))
    graph, nodes = prepared.graph, prepared.nodes
    ends = graph.get_edgelist()
    return [(nodes[ends[e][0]], nodes[ends[e][1]]) for e in graph.bridges()]


def cut_vertices(prepared: Prepared) -> list[str]:
    if prepared.backend == "networkx":
        return list(nx.articulation_points(prepared.simple))
    return [prepared.nodes[v] for v in prepared.graph.articulation_points()]


def component_sets(prepared: Prepared) -> list[set[str]]:
    if prepared.backend == "networkx":
        return [set(c) for c in nx.connected_components(prepared.simple)]
    nodes = prepared.nodes
    return [{nodes[v] for v in part} for part in prepared.graph.connected_components()]
