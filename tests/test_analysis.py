"""Network analysis on small hand-built graphs, each answer computed by hand.

Fixtures (tests/data/network/): `chain.ttl` EPS — ALPHA = BETA — GAMMA — DELTA (a path of five
bodies; ALPHA and BETA are linked by an MoU and a cooperation), `clusters.ttl` two cliques of four
joined by one MoU, `star.ttl` a committee with three members.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from bipmkg.errors import NetworkQueryError, QueryError
from bipmkg.network.analysis import (
    analyse,
    articulation_points,
    betweenness,
    bridges,
    closeness,
    communities,
    components,
    degree,
    ego,
    pagerank,
    path,
    resolve_body,
    weighted_degree,
)
from bipmkg.network.projection import (
    Projection,
    build_network,
    by_year,
    collapse,
    network_of,
    parse_as_of,
    period_end,
    period_start,
    project,
)
from bipmkg.query.selector import GraphSelector
from bipmkg.rdf.files import load_graph
from bipmkg.store.adapters import StoreSelector

DATA = Path(__file__).parent / "data" / "network"
ID = "https://w3id.org/bipmkg/id/"
ALPHA, BETA = f"{ID}organisation/chain-alpha", f"{ID}organisation/chain-beta"
GAMMA, DELTA = f"{ID}committee/chain-gamma", f"{ID}organisation/chain-delta"
EPS = f"{ID}organisation/chain-eps"
MOU = f"{ID}agreement/chain-alpha-beta-mou"
COOPERATION = f"{ID}cooperation/chain-alpha-beta"
MEMBERSHIP = f"{ID}membership/chain-gamma--beta"
WORKSHOP = f"{ID}event/chain-gamma-delta-workshop"
UNDATED = f"{ID}agreement/chain-alpha-eps-mou"
S1, S2 = f"{ID}source/chain-doc--s1", f"{ID}source/chain-doc--s2"
HUB = f"{ID}committee/star-hub"
SPOKES = [f"{ID}organisation/star-{n}" for n in ("one", "two", "three")]
K = [f"{ID}organisation/cluster-k{i}" for i in range(1, 5)]
L = [f"{ID}organisation/cluster-l{i}" for i in range(1, 5)]


def projection_of(name: str) -> Projection:
    return project(GraphSelector(load_graph([DATA / f"{name}.ttl"])))


@pytest.fixture(scope="module")
def chain() -> Projection:
    return projection_of("chain")


@pytest.fixture(scope="module")
def clusters() -> Projection:
    return projection_of("clusters")


@pytest.fixture(scope="module")
def star() -> Projection:
    return projection_of("star")


def facts(network: nx.MultiGraph, a: str, b: str) -> set[str]:
    if not network.has_edge(a, b):
        return set()
    return {data["fact"] for data in network[a][b].values()}


# -- The projection -------------------------------------------------------------------------------


def test_nodes_are_bodies_with_labels_acronym_and_most_specific_kind(chain: Projection) -> None:
    network = network_of(chain)
    assert sorted(network) == sorted([ALPHA, BETA, GAMMA, DELTA, EPS])
    assert network.nodes[ALPHA] == {
        "label_en": "Alpha Organisation",
        "label_fr": "Organisation européenne Alpha",
        "acronym": "ALPHA",
        "kind": "IntergovernmentalOrganisation",
    }
    # GAMMA is typed both bkg:Committee and its subclass bkg:JointCommittee.
    assert network.nodes[GAMMA]["kind"] == "JointCommittee"
    # No literal, class, source, agreement or event became a node.
    assert not any(
        n.startswith((f"{ID}source/", f"{ID}agreement/", f"{ID}event/")) for n in network
    )


def test_edges_carry_kind_dates_fact_sources_and_explanation(chain: Projection) -> None:
    network = network_of(chain)
    assert facts(network, ALPHA, BETA) == {MOU, COOPERATION}
    mou = network[ALPHA][BETA][f"co-party {MOU}"]
    assert mou["kind"] == "co-party"
    assert mou["start"] == "2019-10-17" and mou["end"] is None
    assert mou["fact_label"] == "Memorandum of Understanding between Alpha and Beta"
    # ALPHA's party is cited by the MoU's own source; BETA's by the statement about it.
    assert mou["source"] == f"{S1} {S2}"
    assert mou["explanation"] == (
        "ALPHA —party to the Memorandum of Understanding between Alpha and Beta, "
        "signed 2019-10-17→ BETA"
    )
    member = network[BETA][GAMMA][f"member {MEMBERSHIP}"]
    assert (member["kind"], member["role"], member["start"]) == ("member", "member", "2019-04")
    assert member["explanation"] == "BETA —member of (since 2019-04)→ GAMMA"
    assert member["explanation_back"] == "GAMMA —has as member (since 2019-04)→ BETA"
    workshop = network[DELTA][GAMMA][f"co-organised {WORKSHOP}"]
    assert workshop["kind"] == "co-organised"
    assert workshop["explanation"] == (
        "DELTA —co-organiser of Gamma-Delta workshop, 2020-01-15, with GAMMA as organiser→ GAMMA"
    )


def test_the_same_projection_from_rdflib_and_oxigraph(chain: Projection) -> None:
    store = ox.Store()
    store.load(
        path=str(DATA / "chain.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f"{ID}g")
    )
    ontology = Path(__file__).parent.parent / "ontology" / "bipmkg.ttl"
    store.load(path=str(ontology), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f"{ID}o"))
    assert project(StoreSelector(store)) == chain


def test_collapse_weights_pairs_by_their_number_of_links(chain: Projection) -> None:
    simple = collapse(network_of(chain))
    assert simple[ALPHA][BETA]["weight"] == 2
    assert simple[ALPHA][BETA]["kinds"] == "co-party,cooperates"
    assert simple[BETA][GAMMA]["weight"] == 1
    assert simple.number_of_edges() == 4


# -- As of a date ---------------------------------------------------------------------------------


def test_partial_dates_count_from_their_start_and_ends_to_their_end() -> None:
    assert period_start("2019-04") == date(2019, 4, 1)
    assert period_start("2019") == date(2019, 1, 1)
    assert period_start("2019-10-17") == date(2019, 10, 17)
    assert period_end("2019-02") == date(2019, 2, 28)
    assert period_end("2021") == date(2021, 12, 31)
    assert period_start(None) is None and period_start("not a date") is None


def test_a_link_signed_on_a_day_is_absent_the_day_before_and_present_that_day(
    chain: Projection,
) -> None:
    before = network_of(chain, as_of=date(2019, 10, 16))
    on = network_of(chain, as_of=date(2019, 10, 17))
    assert MOU not in facts(before, ALPHA, BETA)
    assert MOU in facts(on, ALPHA, BETA)
    # The cooperation dates from "2018": there on both days.
    assert COOPERATION in facts(before, ALPHA, BETA)


def test_a_partial_date_counts_from_its_first_day(chain: Projection) -> None:
    assert not network_of(chain, as_of=date(2019, 3, 31)).has_edge(BETA, GAMMA)
    assert network_of(chain, as_of=date(2019, 4, 1)).has_edge(BETA, GAMMA)


def test_undated_links_are_left_out_of_dated_views_only(chain: Projection) -> None:
    assert UNDATED in facts(network_of(chain), ALPHA, EPS)
    later = network_of(chain, as_of=date(2030, 1, 1))
    assert EPS not in later  # its only link has no date, and it has no founding date
    assert later.has_edge(DELTA, GAMMA)  # events already held are in


def test_events_count_once_started_and_memberships_until_their_end(star: Projection) -> None:
    # S2 is a member from 2001-03-01 to "2005", i.e. until 2005-12-31.
    two = SPOKES[1]
    assert not network_of(star, as_of=date(2001, 2, 28)).has_edge(two, HUB)
    assert network_of(star, as_of=date(2005, 12, 31)).has_edge(two, HUB)
    assert not network_of(star, as_of=date(2006, 1, 1)).has_edge(two, HUB)
    # HUB was founded in 2000: present as of 2000 even before any of its links.
    assert HUB in network_of(star, as_of=date(2000, 1, 1))


def test_as_of_dates_are_checked() -> None:
    assert parse_as_of("2019-12-31") == date(2019, 12, 31)
    assert parse_as_of("") is None and parse_as_of(None) is None
    for bad in ("2019", "2019-13-01", "31/12/2019", "2019-02-30", "yesterday"):
        with pytest.raises(NetworkQueryError, match="YYYY-MM-DD"):
            parse_as_of(bad)
    assert issubclass(NetworkQueryError, QueryError)  # the web app answers 400


def test_by_year_counts_new_links_agreements_and_events(chain: Projection) -> None:
    years = {y.year: y for y in by_year(chain)}
    assert sorted(years) == [2018, 2019, 2020]
    assert (years[2018].new_links, years[2018].agreements, years[2018].events) == (1, 0, 0)
    assert (years[2019].new_links, years[2019].agreements, years[2019].events) == (2, 1, 0)
    assert dict(years[2019].new_links_by_kind) == {"co-party": 1, "member": 1}
    assert (years[2020].new_links, years[2020].agreements, years[2020].events) == (1, 0, 1)
    assert [years[y].links_at_end for y in (2018, 2019, 2020)] == [1, 3, 4]


# -- Metrics, by hand -----------------------------------------------------------------------------
# The chain collapses to the path EPS – ALPHA – BETA – GAMMA – DELTA (n = 5).


def test_degree_and_weighted_degree(chain: Projection) -> None:
    network = network_of(chain)
    assert {s.body: s.value for s in degree(network).scores} == {
        EPS: 1,
        ALPHA: 2,
        BETA: 2,
        GAMMA: 2,
        DELTA: 1,
    }
    assert {s.body: s.value for s in weighted_degree(network).scores} == {
        EPS: 1,
        ALPHA: 3,
        BETA: 3,
        GAMMA: 2,
        DELTA: 1,
    }


def test_betweenness_on_a_path_of_five(chain: Projection) -> None:
    # Pairs through BETA: (EPS, GAMMA), (EPS, DELTA), (ALPHA, GAMMA), (ALPHA, DELTA) = 4 of 6.
    result = betweenness(network_of(chain))
    assert result.value(BETA) == pytest.approx(4 / 6)
    assert result.value(ALPHA) == pytest.approx(3 / 6)
    assert result.value(GAMMA) == pytest.approx(3 / 6)
    assert result.value(EPS) == result.value(DELTA) == 0
    assert result.algorithm.startswith("exact")


def test_closeness_on_a_path_of_five(chain: Projection) -> None:
    # (n - 1) / sum of distances: BETA 4/(2+1+1+2), ALPHA 4/(1+1+2+3), EPS 4/(1+2+3+4).
    result = closeness(network_of(chain))
    assert result.value(BETA) == pytest.approx(4 / 6)
    assert result.value(ALPHA) == pytest.approx(4 / 7)
    assert result.value(EPS) == pytest.approx(4 / 10)


def test_pagerank_of_a_star(star: Projection) -> None:
    hub = 0.133125 / 0.2775
    result = pagerank(network_of(star))
    assert result.value(HUB) == pytest.approx(hub, rel=1e-5)
    for spoke in SPOKES:
        assert result.value(spoke) == pytest.approx((1 - hub) / 3, rel=1e-5)
    assert result.scores[0].body == HUB


def test_star_cut_points(star: Projection) -> None:
    network = network_of(star)
    assert articulation_points(network).bodies == (HUB,)
    assert bridges(network).pairs == tuple(sorted((HUB, s) for s in SPOKES))
    assert betweenness(network).value(HUB) == pytest.approx(1.0)


def test_chain_bridges_articulation_points_and_components(chain: Projection) -> None:
    network = network_of(chain)
    assert set(bridges(network).pairs) == {
        tuple(sorted(p)) for p in ((EPS, ALPHA), (ALPHA, BETA), (BETA, GAMMA), (GAMMA, DELTA))
    }
    assert articulation_points(network).bodies == tuple(sorted((ALPHA, BETA, GAMMA)))
    assert components(network).groups == (tuple(sorted((ALPHA, BETA, DELTA, EPS, GAMMA))),)
    # As of 2019-10-16: EPS and DELTA are not there yet; GAMMA hangs on BETA.
    assert components(network_of(chain, as_of=date(2019, 10, 16))).groups == (
        tuple(sorted((ALPHA, BETA, GAMMA))),
    )


def test_louvain_finds_the_two_cliques_and_reports_modularity(clusters: Projection) -> None:
    found = communities(network_of(clusters))
    assert set(found.groups) == {tuple(K), tuple(L)}
    # m = 13 links; each clique: 6 inner links, degree sum 13. Q = 2 (6/13 - (13/26)^2).
    assert found.modularity == pytest.approx(12 / 13 - 0.5)
    assert "Louvain" in found.algorithm and f"seed {found.seed}" in found.algorithm
    network = network_of(clusters)
    assert bridges(network).pairs == ((K[0], L[0]),)
    assert articulation_points(network).bodies == (K[0], L[0])


def test_analysis_ranks_by_pagerank_and_names_its_algorithms(star: Projection) -> None:
    result = analyse(network_of(star))
    assert [m.iri for m in result.metrics] == [HUB, *sorted(SPOKES)]
    assert [m.rank for m in result.metrics] == [1, 2, 3, 4]
    hub = result.body(HUB)
    assert (hub.degree, hub.weighted_degree, hub.articulation_point) == (3, 3, True)
    assert (result.bodies, result.links, result.linked_pairs) == (4, 3, 3)
    named = {a.metric for a in result.algorithms}
    assert {"degree", "betweenness", "closeness", "pagerank", "communities", "bridges"} <= named


def test_sampled_variants_above_the_exact_limit(clusters: Projection) -> None:
    network = network_of(clusters)
    sampled = betweenness(network, exact_limit=4, sample=8, seed=1)
    assert sampled.algorithm.startswith("sampled") and "k=8" in sampled.algorithm
    # Sampling every body is exact.
    assert sampled.value(K[0]) == pytest.approx(betweenness(network).value(K[0]))
    estimate = closeness(network, exact_limit=4, sample=8, seed=1)
    assert estimate.algorithm.startswith("sampled")
    assert estimate.value(K[0]) == pytest.approx(closeness(network).value(K[0]))


def test_repeated_runs_give_the_same_numbers() -> None:
    first = analyse(network_of(projection_of("clusters")))
    second = analyse(network_of(projection_of("clusters")))
    assert dataclasses.asdict(first) == dataclasses.asdict(second)
    chain = projection_of("chain")
    assert analyse(network_of(chain)) == analyse(
        build_network(GraphSelector(load_graph([DATA / "chain.ttl"])))
    )


# -- Bodies by name, paths and ego networks ------------------------------------------------------


def test_resolve_body_by_iri_acronym_or_label_ignoring_case_and_accents(chain: Projection) -> None:
    network = network_of(chain)
    assert resolve_body(network, ALPHA) == ALPHA
    assert resolve_body(network, "alpha") == ALPHA
    assert resolve_body(network, "organisation europeenne  ALPHA") == ALPHA
    assert resolve_body(network, "Beta Union") == BETA
    assert resolve_body(network, "chain-delta") == DELTA  # the IRI's slug


def test_resolve_body_refuses_unknown_and_ambiguous_names(chain: Projection) -> None:
    network = network_of(chain)
    with pytest.raises(NetworkQueryError, match="no body is named 'ALPA'.*ALPHA"):
        resolve_body(network, "ALPA")
    with pytest.raises(NetworkQueryError, match="no body given"):
        resolve_body(network, "  ")
    twins = nx.MultiGraph()
    twins.add_node(f"{ID}organisation/a", label_en="Same Name", acronym="A1", kind="Body")
    twins.add_node(f"{ID}organisation/b", label_en="same name", acronym="B1", kind="Body")
    with pytest.raises(NetworkQueryError, match="more than one body: A1 .* B1"):
        resolve_body(twins, "Same name")


def test_path_is_explained_hop_by_hop_with_facts_and_sources(chain: Projection) -> None:
    result = path(network_of(chain), "EPS", "DELTA")
    assert result.connected and result.length == 4 and not result.truncated
    (only,) = result.paths
    assert [b.name for b in only.bodies] == ["EPS", "ALPHA", "BETA", "GAMMA", "DELTA"]
    hop = only.hops[1]
    assert (hop.from_body, hop.to_body) == (ALPHA, BETA)
    assert {link.fact for link in hop.links} == {MOU, COOPERATION}
    mou = next(link for link in hop.links if link.fact == MOU)
    assert mou.sources == (S1, S2)
    assert mou.explanation.startswith("ALPHA —party to the Memorandum")
    # Read from GAMMA to BETA, the membership is turned around.
    back = path(network_of(chain), "GAMMA", "BETA").paths[0].hops[0].links[0]
    assert back.explanation == "GAMMA —has as member (since 2019-04)→ BETA"
    assert back.fact == MEMBERSHIP and back.sources == (S2,)


def test_path_respects_as_of_and_says_when_there_is_none(chain: Projection) -> None:
    result = path(network_of(chain, as_of=date(2019, 10, 16)), "ALPHA", "GAMMA")
    assert result.length == 2
    assert result.paths[0].hops[0].links[0].fact == COOPERATION  # the MoU is not signed yet
    # DELTA is not in that view at all.
    with pytest.raises(NetworkQueryError):
        path(network_of(chain, as_of=date(2019, 10, 16)), "ALPHA", "DELTA")
    split = path(network_of(projection_of("star")), "HUB", "HUB")
    assert split.length == 0
    separate = network_of(chain)
    separate.add_node(f"{ID}organisation/alone", acronym="ALONE", kind="Body")
    none = path(separate, "ALPHA", "ALONE")
    assert not none.connected and none.paths == () and none.length is None


def test_path_counts_are_bounded(clusters: Projection) -> None:
    # K2 to L3: K2 – K1 – L1 – L3 is the only shortest path; K2 to K3 is direct.
    network = network_of(clusters)
    assert len(path(network, "K2", "L3").paths) == 1
    square = nx.MultiGraph()
    for n in "abcd":
        square.add_node(n, acronym=n.upper(), kind="Body")
    for u, v in ("ab", "bd", "ac", "cd"):
        square.add_edge(
            u,
            v,
            key=f"k {u}{v}",
            kind="k",
            fact=u + v,
            subject=u,
            explanation=f"{u}→{v}",
            explanation_back=f"{v}→{u}",
        )
    both = path(square, "A", "D")
    assert len(both.paths) == 2 and not both.truncated
    one = path(square, "A", "D", limit=1)
    assert len(one.paths) == 1 and one.truncated


def test_ego_network(chain: Projection) -> None:
    network = network_of(chain)
    around = ego(network, "BETA", 1)
    assert [b.iri for b in around.bodies] == sorted([ALPHA, BETA, GAMMA])
    assert {link.fact for link in around.links} == {MOU, COOPERATION, MEMBERSHIP}
    assert [b.iri for b in ego(network, "BETA", 0).bodies] == [BETA]
    assert len(ego(network, "BETA", 5).bodies) == 5
    for bad in (-1, 6):
        with pytest.raises(NetworkQueryError, match="0 to 5"):
            ego(network, "BETA", bad)
