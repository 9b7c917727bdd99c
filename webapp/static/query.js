// Query page: YASGUI on the project's endpoint, with its prefixes and the example queries.
"use strict";

document.addEventListener("DOMContentLoaded", async () => {
  const host = document.getElementById("yasgui");
  const answer = await fetch(host.dataset.examples);
  const { prefixes, queries } = await answer.json();
  const byName = new Map(queries.map((q) => [q.name, q]));
  // The endpoint of the origin the browser is on: the page names it as a path, so that a page
  // reached as localhost or by another name still queries its own origin (CSP connect-src).
  const endpoint = new URL(host.dataset.endpoint, document.baseURI).href;
  const prologue = Object.entries(prefixes)
    .map(([prefix, iri]) => `PREFIX ${prefix}: <${iri}>`)
    .join("\n");

  Yasgui.Yasqe.defaults.value = `${prologue}\n\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n} LIMIT 10\n`;
  const yasgui = new Yasgui(host, {
    requestConfig: { endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    populateFromUrl: true,
    autofocus: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint }] },
  });
  window.bipmkgYasgui = yasgui;

  for (const button of document.querySelectorAll("button.example")) {
    button.addEventListener("click", () => {
      const example = byName.get(button.dataset.name);
      const tab = yasgui.addTab(true, { name: example.title });
      tab.setQuery(example.query);
      tab.query();
    });
  }
});
