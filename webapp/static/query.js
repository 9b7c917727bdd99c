// Query page: YASGUI on the project's endpoint, with its prefixes and the example queries.
"use strict";

// Result values are text. YASR's table escapes what it shows, but hands DataTables the values
// for searching and sorting as HTML (DOMPurify's output), which DataTables parses into a detached
// element to strip tags: a literal holding <img onerror=…> then fired its handler (blocked by the
// CSP, reported as a violation). Those values are escaped here, so they parse back to text.
const escapeHtml = (text) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const Table = Yasgui.Yasr.plugins.table;
const tableColumns = Table.prototype.getColumns;
Table.prototype.getColumns = function columnsAsText() {
  return tableColumns.call(this).map((column) => {
    const render = column.render;
    if (typeof render !== "function") return column;
    return {
      ...column,
      render: (data, type, row, meta) =>
        (type === "filter" || type === "sort" || !type) && data && typeof data === "object"
          ? escapeHtml(String(data.value))
          : render(data, type, row, meta),
    };
  });
};

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
