// The network component shared by /graph and the ego networks of entity pages.
// Turns /api/network, /api/ego and /api/path answers into Cytoscape elements and styles.
"use strict";

(function () {
  // Colours of body kinds (most specific class of each body); unknown kinds take the last one.
  const KIND_COLOURS = {
    IntergovernmentalOrganisation: "#1f5fa8",
    UNAgency: "#2a9fd6",
    NationalMetrologyInstitute: "#d1495b",
    RegionalMetrologyOrganisation: "#edae49",
    AccreditationBody: "#00798c",
    StandardsBody: "#6a4c93",
    ScientificUnion: "#8ac926",
    CouncilOrAssociation: "#b5838d",
    ResearchInstitute: "#7f5539",
    GoverningOrgan: "#003049",
    OrganisationalUnit: "#669bbc",
    Committee: "#f77f00",
    JointCommittee: "#e85d04",
    Network: "#2b9348",
    Partnership: "#55a630",
    Programme: "#9d4edd",
    Project: "#c77dff",
    Organisation: "#6c757d",
    Body: "#adb5bd",
  };
  // Link kinds: colour and line style, so the legend can say both in words and in lines.
  const LINK_STYLES = {
    "co-party": ["#1f5fa8", "solid"],
    observer: ["#6c757d", "dotted"],
    member: ["#e85d04", "solid"],
    "established-by": ["#003049", "dashed"],
    "established-under": ["#003049", "dotted"],
    "organ-of": ["#003049", "solid"],
    "sub-organisation": ["#669bbc", "dashed"],
    succeeds: ["#7f5539", "dashed"],
    supervises: ["#003049", "dashed"],
    "acts-for": ["#003049", "dotted"],
    "co-organised": ["#2b9348", "solid"],
    organised: ["#2b9348", "dashed"],
    hosted: ["#55a630", "dotted"],
    sponsored: ["#d1495b", "dashed"],
    attended: ["#8ac926", "dotted"],
    "participant-region": ["#edae49", "dashed"],
    runs: ["#9d4edd", "solid"],
    "in-programme": ["#c77dff", "dashed"],
    cooperates: ["#00798c", "solid"],
    "liaises-through": ["#00798c", "dotted"],
    mentioned: ["#9c6644", "dotted"],
  };
  const COMMUNITY_COLOURS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173",
  ];

  function kindColour(kind) {
    return KIND_COLOURS[kind] || KIND_COLOURS.Body;
  }

  function linkStyle(kind) {
    return LINK_STYLES[kind] || ["#999999", "solid"];
  }

  function bodyLabel(body, lang) {
    const name = (lang === "fr" && body.label_fr) || body.label_en || body.name || body.iri;
    return { short: body.acronym || name, full: name };
  }

  // Nodes: bodies; edges: one per link (a multigraph), with their fact and sources.
  function elements(bodies, links, lang) {
    const nodes = bodies.map((body) => {
      const label = bodyLabel(body, lang);
      const metrics = body.metrics || {};
      return {
        group: "nodes",
        data: {
          id: body.iri,
          label: label.short,
          full: label.full,
          kind: body.kind,
          colour: kindColour(body.kind),
          community: metrics.community === undefined ? -1 : metrics.community,
          communityColour: COMMUNITY_COLOURS[(metrics.community || 0) % COMMUNITY_COLOURS.length],
          degree: metrics.degree || 0,
          weighted_degree: metrics.weighted_degree || 0,
          betweenness: metrics.betweenness || 0,
          closeness: metrics.closeness || 0,
          pagerank: metrics.pagerank || 0,
          body: body,
        },
      };
    });
    const known = new Set(nodes.map((n) => n.data.id));
    const edges = links
      .filter((link) => known.has(link.from_body) && known.has(link.to_body))
      .map((link, index) => {
        const [colour, line] = linkStyle(link.kind);
        return {
          group: "edges",
          data: {
            id: `link-${index}`,
            source: link.from_body,
            target: link.to_body,
            kind: link.kind,
            colour: colour,
            line: line,
            link: link,
          },
        };
      });
    return nodes.concat(edges);
  }

  function sizeRange(cy, metric) {
    let max = 0;
    cy.nodes().forEach((n) => { max = Math.max(max, n.data(metric) || 0); });
    return max || 1;
  }

  function style(sizeMetric, colourBy, max) {
    return [
      {
        selector: "node",
        style: {
          "background-color": colourBy === "community" ? "data(communityColour)" : "data(colour)",
          label: "data(label)",
          "font-size": 9,
          "text-valign": "bottom",
          "text-margin-y": 2,
          width: `mapData(${sizeMetric}, 0, ${max}, 12, 48)`,
          height: `mapData(${sizeMetric}, 0, ${max}, 12, 48)`,
          "border-width": 1,
          "border-color": "#ffffff",
        },
      },
      {
        selector: "edge",
        style: {
          width: 1.5,
          "line-color": "data(colour)",
          "line-style": "data(line)",
          "curve-style": "bezier",
          opacity: 0.7,
        },
      },
      { selector: ".hidden", style: { display: "none" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#111111" } },
      { selector: "edge:selected", style: { width: 4, opacity: 1 } },
      { selector: "node.path", style: { "border-width": 4, "border-color": "#ffbf00" } },
      { selector: "edge.path", style: { width: 5, "line-color": "#ffbf00", opacity: 1 } },
      { selector: "node.focus", style: { "border-width": 4, "border-color": "#d00000" } },
    ];
  }

  function layoutOptions(name, count) {
    if (name === "cose") {
      return { name: "cose", animate: false, randomize: false, nodeRepulsion: 8000, idealEdgeLength: 60, numIter: count > 300 ? 300 : 1000 };
    }
    if (name === "concentric") {
      return { name: "concentric", animate: false, concentric: (n) => n.degree(), levelWidth: () => 3 };
    }
    return { name: name, animate: false };
  }

  function defaultLayout(count) {
    return count > 400 ? "concentric" : "cose";
  }

  function create(container, data, options) {
    const cy = cytoscape({
      container: container,
      elements: elements(data.bodies, data.links, options.lang),
      style: style(options.size || "degree", options.colour || "kind", 1),
      layout: { name: "preset" },
      wheelSensitivity: 0.2,
      boxSelectionEnabled: false,
    });
    cy.style(style(options.size || "degree", options.colour || "kind", sizeRange(cy, options.size || "degree")));
    const layout = options.layout || defaultLayout(cy.nodes().length);
    cy.layout(layoutOptions(layout, cy.nodes().length)).run();
    return cy;
  }

  window.BipmkgNetwork = {
    KIND_COLOURS, LINK_STYLES, COMMUNITY_COLOURS, create, elements, style, sizeRange,
    layoutOptions, defaultLayout, kindColour, linkStyle, bodyLabel,
  };
})();
