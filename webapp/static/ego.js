// Entity pages: the body's ego network, drawn with the same component as /graph.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  const host = document.querySelector(".ego-graph");
  if (!host) return;
  const answer = await fetch(host.dataset.ego, { headers: { Accept: "application/json" } });
  if (!answer.ok) { host.textContent = host.dataset.unavailable; return; }
  const ego = await answer.json();
  const cy = window.BipmkgNetwork.create(host, { bodies: ego.bodies, links: ego.links },
    { lang: host.dataset.lang, layout: "grid" });
  // The body in the middle, its neighbours around it.
  cy.layout({ name: "concentric", animate: false, minNodeSpacing: 40,
    concentric: (node) => (node.id() === ego.center.iri ? 2 : 1), levelWidth: () => 1 }).run();
  cy.getElementById(ego.center.iri).addClass("focus");
  cy.on("tap", "node", (event) => {
    window.location.href = event.target.id().replace("https://w3id.org/bipmkg/id/", "/id/");
  });
  host.dataset.drawn = String(cy.nodes().length);
});
