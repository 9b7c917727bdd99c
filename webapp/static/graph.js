// /graph: the cooperation network, its filters, its history, paths and exports.
// The page state (filters, date, focus, selection, path) lives in the URL so a view can be shared.
"use strict";

(function () {
  const N = window.BipmkgNetwork;
  const root = document.getElementById("graph-page");
  const lang = root.dataset.lang;
  const TEXT = {
    en: {
      drawn: (n, m) => `${n} bodies and ${m} links drawn`,
      allDates: "all dates", asOf: "as of", loading: "Loading…",
      links: "Links", metrics: "Metrics", open: "Open the page of",
      noPath: "No path between these bodies", fact: "Fact", source: "Source", sources: "Sources",
      dates: "Dates", kind: "Kind", play: "Play", stop: "Stop", page: "page",
      pick: "Click a body or a link to see what it is.",
    },
    fr: {
      drawn: (n, m) => `${n} organismes et ${m} liens affichés`,
      allDates: "toutes les dates", asOf: "au", loading: "Chargement…",
      links: "Liens", metrics: "Mesures", open: "Ouvrir la page de",
      noPath: "Aucun chemin entre ces organismes", fact: "Fait", source: "Source", sources: "Sources",
      dates: "Dates", kind: "Type", play: "Lecture", stop: "Arrêt", page: "page",
      pick: "Cliquer sur un organisme ou un lien pour le décrire.",
    },
  }[lang];
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(window.location.search);
  const state = {
    as_of: params.get("as_of") || "",
    hide_links: new Set((params.get("hide_links") || "").split(",").filter(Boolean)),
    hide_bodies: new Set((params.get("hide_bodies") || "").split(",").filter(Boolean)),
    size: params.get("size") || "degree",
    colour: params.get("colour") || "kind",
    layout: params.get("layout") || "",
    focus: params.get("focus") || "",
    node: params.get("node") || "",
    from: params.get("from") || "",
    to: params.get("to") || "",
  };
  let cy = null;
  let data = null;
  let years = [];
  let playing = null;
  let whole = null; // /api/network without a date: fetched once, reused when no date is chosen

  function saveState() {
    const query = new URLSearchParams();
    for (const key of ["as_of", "size", "colour", "layout", "focus", "node", "from", "to"]) {
      if (state[key]) query.set(key, state[key]);
    }
    if (state.hide_links.size) query.set("hide_links", [...state.hide_links].sort().join(","));
    if (state.hide_bodies.size) query.set("hide_bodies", [...state.hide_bodies].sort().join(","));
    const search = query.toString();
    window.history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
  }

  async function fetchJson(url) {
    const answer = await fetch(url, { headers: { Accept: "application/json" } });
    if (!answer.ok) throw new Error(`${answer.status} ${await answer.text()}`);
    return answer.json();
  }

  function networkUrl() {
    return state.as_of ? `${root.dataset.api}?as_of=${encodeURIComponent(state.as_of)}` : root.dataset.api;
  }

  // -- Legend and filters ------------------------------------------------------------------------

  function legend() {
    const bodyKinds = new Map();
    for (const node of data.nodes) bodyKinds.set(node.kind, (bodyKinds.get(node.kind) || 0) + 1);
    const linkKinds = new Map();
    for (const edge of data.edges) linkKinds.set(edge.kind, (linkKinds.get(edge.kind) || 0) + 1);
    const bodies = $("legend-bodies");
    bodies.replaceChildren();
    for (const [kind, count] of [...bodyKinds].sort()) {
      bodies.append(legendItem("body", kind, kind.replace(/([a-z])([A-Z])/g, "$1 $2"), count,
        N.kindColour(kind), "swatch", state.hide_bodies));
    }
    const links = $("legend-links");
    links.replaceChildren();
    for (const [kind, count] of [...linkKinds].sort()) {
      const [colour, line] = N.linkStyle(kind);
      const item = legendItem("link", kind, kind.replace(/-/g, " "), count, colour, "line", state.hide_links);
      item.querySelector(".line").style.borderTopStyle = line;
      item.title = data.link_kinds[kind] || kind;
      links.append(item);
    }
  }

  function legendItem(group, kind, text, count, colour, mark, hidden) {
    const item = document.createElement("li");
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !hidden.has(kind);
    box.dataset.group = group;
    box.dataset.kind = kind;
    box.addEventListener("change", () => {
      if (box.checked) hidden.delete(kind); else hidden.add(kind);
      applyFilters();
      saveState();
    });
    const sample = document.createElement("span");
    sample.className = mark;
    if (mark === "swatch") sample.style.backgroundColor = colour; else sample.style.borderTopColor = colour;
    sample.setAttribute("aria-hidden", "true");
    label.append(box, sample, ` ${text} (${count})`);
    item.append(label);
    return item;
  }

  function applyFilters() {
    cy.batch(() => {
      cy.nodes().forEach((n) => n.toggleClass("hidden", state.hide_bodies.has(n.data("kind"))));
      cy.edges().forEach((e) => {
        const hidden = state.hide_links.has(e.data("kind")) || e.source().hasClass("hidden") || e.target().hasClass("hidden");
        e.toggleClass("hidden", hidden);
      });
    });
    const counts = drawnCounts();
    $("status").textContent = TEXT.drawn(counts.nodes, counts.edges);
  }

  function drawnCounts() {
    return { nodes: cy.nodes().not(".hidden").length, edges: cy.edges().not(".hidden").length };
  }

  // -- Drawing -----------------------------------------------------------------------------------

  async function load() {
    $("status").textContent = TEXT.loading;
    data = !state.as_of && whole ? whole : await fetchJson(networkUrl());
    const bodies = data.nodes;
    if (cy) cy.destroy();
    cy = N.create($("cy"), { bodies, links: data.edges }, { lang, size: state.size, colour: state.colour, layout: state.layout });
    legend();
    applyFilters();
    cy.on("tap", "node", (event) => { selectNode(event.target); saveState(); });
    cy.on("tap", "edge", (event) => showLink(event.target.data("link")));
    const list = $("bodies");
    list.replaceChildren();
    for (const node of bodies) {
      const option = document.createElement("option");
      option.value = N.bodyLabel(node, lang).short;
      option.label = N.bodyLabel(node, lang).full;
      list.append(option);
    }
    if (state.focus) focus(state.focus);
    if (state.node) { const node = findNode(state.node); if (node) selectNode(node); }
    if (state.from && state.to) await showPath();
    window.bipmkgGraph = { cy, state, data, drawnCounts, ready: true };
    root.dataset.ready = "true";
  }

  function findNode(text) {
    if (!text) return null;
    const wanted = text.trim().toLowerCase();
    const byIri = cy.getElementById(text);
    if (byIri.nonempty()) return byIri;
    return cy.nodes().filter((n) => [n.data("label"), n.data("full"), n.data("body").name]
      .some((v) => v && v.toLowerCase() === wanted)).first();
  }

  function focus(text) {
    cy.nodes().removeClass("focus");
    const node = findNode(text);
    if (!node || node.empty()) return;
    node.addClass("focus");
    cy.animate({ center: { eles: node }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 200 });
  }

  // -- Side panel --------------------------------------------------------------------------------

  function entityPath(iri) {
    return iri.replace("https://w3id.org/bipmkg/id/", "/id/");
  }

  function selectNode(node) {
    cy.elements().unselect();
    node.select();
    state.node = node.id();
    const body = node.data("body");
    const panel = $("panel");
    panel.replaceChildren();
    const title = document.createElement("h2");
    title.textContent = node.data("full");
    panel.append(title);
    const names = document.createElement("p");
    names.className = "names";
    names.textContent = [body.acronym, body.label_en, body.label_fr].filter(Boolean).join(" · ");
    panel.append(names);
    const kind = document.createElement("p");
    kind.textContent = `${TEXT.kind}: ${body.kind}`;
    panel.append(kind);
    const metrics = document.createElement("table");
    metrics.className = "metrics";
    metrics.innerHTML = `<caption>${TEXT.metrics}</caption>`;
    for (const [key, value] of Object.entries(body.metrics || {})) {
      const row = metrics.insertRow();
      row.insertCell().textContent = key.replace(/_/g, " ");
      row.insertCell().textContent = typeof value === "number" && !Number.isInteger(value) ? value.toFixed(4) : String(value);
    }
    panel.append(metrics);
    const grouped = new Map();
    node.connectedEdges().not(".hidden").forEach((edge) => {
      const other = edge.source().id() === node.id() ? edge.target() : edge.source();
      const list = grouped.get(edge.data("kind")) || [];
      list.push([other, edge.data("link")]);
      grouped.set(edge.data("kind"), list);
    });
    const heading = document.createElement("h3");
    heading.textContent = TEXT.links;
    panel.append(heading);
    for (const [kind, items] of [...grouped].sort()) {
      const sub = document.createElement("h4");
      sub.textContent = kind.replace(/-/g, " ");
      const list = document.createElement("ul");
      for (const [other, link] of items) {
        const item = document.createElement("li");
        const a = document.createElement("a");
        a.href = entityPath(link.fact);
        a.textContent = `${other.data("label")}: ${link.fact_label || link.fact}`;
        item.append(a);
        if (link.start) item.append(` (${link.start}${link.end ? "–" + link.end : ""})`);
        list.append(item);
      }
      panel.append(sub, list);
    }
    const open = document.createElement("a");
    open.className = "open-entity";
    open.href = entityPath(node.id());
    open.textContent = `${TEXT.open} ${node.data("label")}`;
    panel.append(open);
  }

  function showLink(link) {
    const panel = $("panel");
    panel.replaceChildren();
    const title = document.createElement("h2");
    title.textContent = link.fact_label || link.fact;
    const what = document.createElement("p");
    what.textContent = link.explanation;
    const dates = document.createElement("p");
    dates.textContent = `${TEXT.dates}: ${link.start || "?"}${link.end ? " – " + link.end : ""}`;
    const fact = document.createElement("a");
    fact.href = entityPath(link.fact);
    fact.textContent = `${TEXT.fact}: ${link.fact_label || link.fact}`;
    const sources = document.createElement("ul");
    sources.setAttribute("aria-label", TEXT.sources);
    for (const source of link.sources || []) {
      const item = document.createElement("li");
      const a = document.createElement("a");
      a.href = entityPath(source);
      a.textContent = `${TEXT.source}: ${source.split("/").pop()}`;
      item.append(a);
      sources.append(item);
    }
    panel.append(title, what, dates, fact, sources);
  }

  // -- Path between two bodies ------------------------------------------------------------------

  async function showPath() {
    cy.elements().removeClass("path");
    const from = findNode(state.from);
    const to = findNode(state.to);
    const list = $("path-facts");
    list.replaceChildren();
    if (!from || from.empty() || !to || to.empty()) return;
    const query = new URLSearchParams({ from: from.id(), to: to.id() });
    if (state.as_of) query.set("as_of", state.as_of);
    let result;
    try {
      result = await fetchJson(`${root.dataset.pathApi}?${query}`);
    } catch (error) {
      list.append(Object.assign(document.createElement("li"), { textContent: TEXT.noPath }));
      return;
    }
    const first = (result.paths || [])[0];
    if (!first) {
      list.append(Object.assign(document.createElement("li"), { textContent: TEXT.noPath }));
      return;
    }
    for (const body of first.bodies) cy.getElementById(body.iri).addClass("path");
    for (const hop of first.hops) {
      const link = hop.links[0];
      cy.edges().filter((e) => {
        const ends = [e.source().id(), e.target().id()];
        return ends.includes(hop.from_body) && ends.includes(hop.to_body) && e.data("link").fact === link.fact;
      }).addClass("path");
      const item = document.createElement("li");
      const a = document.createElement("a");
      a.href = entityPath(link.fact);
      a.textContent = link.explanation;
      item.append(a);
      for (const source of link.sources || []) {
        const s = document.createElement("a");
        s.href = entityPath(source);
        s.className = "cite";
        s.textContent = ` [${TEXT.source}]`;
        item.append(s);
      }
      list.append(item);
    }
    window.bipmkgGraph && (window.bipmkgGraph.path = first);
  }

  // -- History: the as-of date and the play button -----------------------------------------------

  function setYear(year) {
    state.as_of = year ? `${year}-12-31` : "";
    $("year-label").textContent = year ? `${TEXT.asOf} ${year}-12-31` : TEXT.allDates;
  }

  async function initYears() {
    whole = await fetchJson(root.dataset.api);
    const found = new Set();
    for (const edge of whole.edges) if (edge.start) found.add(parseInt(edge.start.slice(0, 4), 10));
    years = [...found].filter((y) => !Number.isNaN(y)).sort((a, b) => a - b);
    const slider = $("year");
    slider.min = years[0] || 1875;
    slider.max = years[years.length - 1] || new Date().getFullYear();
    const current = state.as_of ? parseInt(state.as_of.slice(0, 4), 10) : null;
    $("all-dates").checked = !current;
    slider.disabled = !current;
    slider.value = current || slider.max;
    if (current) $("year-label").textContent = `${TEXT.asOf} ${state.as_of}`; else setYear(null);
  }

  function bind() {
    $("year").addEventListener("change", async () => { setYear($("year").value); saveState(); await load(); });
    $("all-dates").addEventListener("change", async () => {
      $("year").disabled = $("all-dates").checked;
      setYear($("all-dates").checked ? null : $("year").value);
      saveState();
      await load();
    });
    $("play").addEventListener("click", () => {
      if (playing) { window.clearInterval(playing); playing = null; $("play").textContent = TEXT.play; return; }
      $("all-dates").checked = false;
      $("year").disabled = false;
      let index = 0;
      $("play").textContent = TEXT.stop;
      playing = window.setInterval(async () => {
        if (index >= years.length) { window.clearInterval(playing); playing = null; $("play").textContent = TEXT.play; return; }
        $("year").value = years[index++];
        setYear($("year").value);
        saveState();
        await load();
      }, 1200);
    });
    for (const [id, key] of [["size", "size"], ["colour", "colour"], ["layout", "layout"]]) {
      $(id).value = state[key] || $(id).value;
      $(id).addEventListener("change", () => {
        state[key] = $(id).value;
        saveState();
        if (key === "layout") cy.layout(N.layoutOptions(state.layout, cy.nodes().length)).run();
        else cy.style(N.style(state.size, state.colour, N.sizeRange(cy, state.size)));
      });
    }
    $("focus").value = state.focus;
    $("focus").addEventListener("change", () => { state.focus = $("focus").value; focus(state.focus); saveState(); });
    $("path-from").value = state.from;
    $("path-to").value = state.to;
    $("path-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      state.from = $("path-from").value;
      state.to = $("path-to").value;
      saveState();
      await showPath();
    });
    $("fit").addEventListener("click", () => cy.fit(cy.elements().not(".hidden"), 20));
    $("zoom-in").addEventListener("click", () => cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }));
    $("zoom-out").addEventListener("click", () => cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }));
    $("export-png").addEventListener("click", () => download(cy.png({ full: true, scale: 2, output: "blob", bg: "#ffffff" }), "bipmkg-network.png"));
    $("export-svg").addEventListener("click", () => download(new Blob([cy.svg({ full: true, bg: "#ffffff" })], { type: "image/svg+xml" }), "bipmkg-network.svg"));
  }

  function download(blob, name) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    cytoscape.use(cytoscapeSvg);
    $("panel").textContent = TEXT.pick;
    bind();
    await initYears();
    await load();
  });
})();
