"""Analyse the cooperation network: centralities, communities, cut points, explained paths, egos.

Reads the multigraph that `bipmkg.network` projects from the store (… store → network →
**analysis** → CLI tables, JSON API, metrics as RDF). Metrics run on the collapsed simple graph
(weight = number of distinct links between two bodies); paths and ego networks keep the
multigraph, so that every hop is explained by the facts behind it and their sources.

Deterministic: the network is built in sorted order and every randomised algorithm takes a fixed
seed, so the same graph gives the same numbers. Each result says which algorithm produced it;
above `EXACT_LIMIT` bodies, betweenness and closeness are estimated from a seeded sample of
sources instead of computed exactly (networkx's exact betweenness takes ≈37 min at 20k bodies).
"""

from __future__ import annotations

import difflib
import random
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from itertools import islice

import networkx as nx  # type: ignore[import-untyped]

from .errors import NetworkQueryError
from .network import (
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

__all__ = [
    "LINK_KINDS",
    "Projection",
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
]

SEED = 20190520  # World Metrology Day 2019, the day the revised SI came into force
EXACT_LIMIT = 2000  # bodies; networkx's exact betweenness takes ≈10 s at 2,100 here
SAMPLE_SIZE = 200  # sources sampled above EXACT_LIMIT
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
class Path:
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
    paths: tuple[Path, ...]
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


def _centrality(metric: str, algorithm: str, values: Mapping[str, float]) -> Centrality:
    ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    return Centrality(metric, algorithm, tuple(Score(b, float(v)) for b, v in ranked))


def degree(network: nx.Graph) -> Centrality:
    """Number of distinct bodies each body is linked to."""
    simple = _simple(network)
    return _centrality(
        "degree", "number of distinct linked bodies", {n: simple.degree(n) for n in simple}
    )


def weighted_degree(network: nx.Graph) -> Centrality:
    """Number of distinct links each body has (a pair linked by two facts counts two)."""
    simple = _simple(network)
    return _centrality(
        "weighted degree",
        "number of distinct links (sum of edge weights)",
        {n: simple.degree(n, weight="weight") for n in simple},
    )


def betweenness(
    network: nx.Graph,
    *,
    exact_limit: int = EXACT_LIMIT,
    sample: int = SAMPLE_SIZE,
    seed: int = SEED,
) -> Centrality:
    """Share of shortest paths between other bodies that pass through each body (hop counts)."""
    simple = _simple(network)
    n = simple.number_of_nodes()
    if n <= exact_limit:
        values = nx.betweenness_centrality(simple, normalized=True)
        algorithm = "exact (Brandes), networkx betweenness_centrality, normalised, unweighted"
    else:
        values = nx.betweenness_centrality(simple, k=sample, normalized=True, seed=seed)
        algorithm = (
            f"sampled (Brandes from k={sample} random sources, seed {seed}: an estimate, "
            f"used above {exact_limit} bodies), networkx betweenness_centrality, normalised"
        )
    return _centrality("betweenness", algorithm, values)


def closeness(
    network: nx.Graph,
    *,
    exact_limit: int = EXACT_LIMIT,
    sample: int = SAMPLE_SIZE,
    seed: int = SEED,
) -> Centrality:
    """How near each body is to the bodies it can reach (Wasserman–Faust, for split networks)."""
    simple = _simple(network)
    n = simple.number_of_nodes()
    if n <= exact_limit:
        values = nx.closeness_centrality(simple, wf_improved=True)
        algorithm = "exact, networkx closeness_centrality (Wasserman-Faust), unweighted"
    else:
        values = _sampled_closeness(simple, sample=sample, seed=seed)
        algorithm = (
            f"sampled (Eppstein-Wang: distances from k={sample} random sources, seed {seed}; "
            f"an estimate, used above {exact_limit} bodies), Wasserman-Faust scaling"
        )
    return _centrality("closeness", algorithm, values)


def _sampled_closeness(simple: nx.Graph, *, sample: int, seed: int) -> dict[str, float]:
    """Estimate closeness from breadth-first searches out of a seeded sample of sources.

    Each body's mean distance to the others is estimated by its mean distance from the sampled
    sources that reach it (Eppstein & Wang 2004); scaled like networkx's Wasserman-Faust form.
    """
    nodes = list(simple)
    sources = random.Random(seed).sample(nodes, min(sample, len(nodes)))
    total: dict[str, int] = dict.fromkeys(nodes, 0)
    reached: dict[str, int] = dict.fromkeys(nodes, 0)
    for source in sources:
        for node, distance in nx.single_source_shortest_path_length(simple, source).items():
            if node != source:
                total[node] += distance
                reached[node] += 1
    # Component sizes once for all: asking per node made this quadratic.
    size_of = {node: len(part) for part in nx.connected_components(simple) for node in part}
    values = {}
    n = len(nodes)
    for node in nodes:
        component = size_of[node] if reached[node] else 1
        if reached[node] == 0 or component <= 1:
            values[node] = 0.0
            continue
        mean = total[node] / reached[node]
        values[node] = (1 / mean) * (component - 1) / (n - 1)
    return values


def pagerank(network: nx.Graph, *, alpha: float = PAGERANK_ALPHA) -> Centrality:
    """PageRank on the weighted graph: a body is central if central bodies link to it often."""
    simple = _simple(network)
    values = nx.pagerank(simple, alpha=alpha, weight="weight") if len(simple) else {}
    return _centrality(
        "pagerank",
        f"PageRank (networkx pagerank, SciPy power iteration), alpha {alpha}, weighted",
        values,
    )


def communities(
    network: nx.Graph, *, seed: int = SEED, resolution: float = LOUVAIN_RESOLUTION
) -> Communities:
    """Louvain communities on the weighted graph, with a fixed seed; modularity reported."""
    simple = _simple(network)
    found = nx.community.louvain_communities(
        simple, weight="weight", resolution=resolution, seed=seed
    )
    groups = tuple(sorted((tuple(sorted(g)) for g in found), key=lambda g: (-len(g), g)))
    # Modularity is undefined without links; 0 says "no community structure".
    modularity = (
        float(nx.community.modularity(simple, found, weight="weight", resolution=resolution))
        if simple.number_of_edges()
        else 0.0
    )
    return Communities(
        algorithm=(
            f"Louvain (networkx louvain_communities), weighted, resolution {resolution}, "
            f"seed {seed}"
        ),
        seed=seed,
        resolution=resolution,
        modularity=modularity,
        groups=groups,
    )


def bridges(network: nx.Graph) -> Bridges:
    """Linked pairs whose links are the only way between their two sides."""
    simple = _simple(network)
    pairs: list[tuple[str, str]] = sorted((min(u, v), max(u, v)) for u, v in nx.bridges(simple))
    return Bridges("networkx bridges (chain decomposition)", tuple(pairs))


def articulation_points(network: nx.Graph) -> ArticulationPoints:
    """Bodies whose removal would disconnect others."""
    simple = _simple(network)
    return ArticulationPoints(
        "networkx articulation_points (Hopcroft-Tarjan)",
        tuple(sorted(nx.articulation_points(simple))),
    )


def components(network: nx.Graph) -> Components:
    simple = _simple(network)
    groups = (tuple(sorted(c)) for c in nx.connected_components(simple))
    return Components(
        "networkx connected_components (breadth-first)",
        tuple(sorted(groups, key=lambda g: (-len(g), g))),
    )


def analyse(network: nx.Graph, *, as_of: date | str | None = None) -> Analysis:
    """Every metric of a network view; bodies ranked by PageRank, then degree, then IRI."""
    simple = _simple(network)
    as_of_text = as_of.isoformat() if isinstance(as_of, date) else as_of
    if as_of_text is None:
        as_of_text = simple.graph.get("as_of")
    measures = {
        "degree": degree(simple),
        "weighted degree": weighted_degree(simple),
        "betweenness": betweenness(simple),
        "closeness": closeness(simple),
        "pagerank": pagerank(simple),
    }
    values = {metric: _scores(c) for metric, c in measures.items()}
    found = communities(simple)
    cut = articulation_points(simple)
    split = bridges(simple)
    parts = components(simple)
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
        parameters=(
            ("seed", str(SEED)),
            ("louvain_resolution", str(LOUVAIN_RESOLUTION)),
            ("pagerank_alpha", str(PAGERANK_ALPHA)),
            ("exact_limit", str(EXACT_LIMIT)),
            ("sample_size", str(SAMPLE_SIZE)),
        ),
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
        Path(
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
