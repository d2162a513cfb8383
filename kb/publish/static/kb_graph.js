// The graph view: a node's neighbourhood drawn with Cytoscape.js (vendored beside this
// file). Data from /-/graph.json; click a node to see it, double-click (or "expand") to add
// its own neighbours; depth 1-2, filters by kind, "show more" when edges were left out.
(function () {
  const root = document.getElementById("kb-graph");
  const params = new URLSearchParams(location.search);
  const db = root.dataset.db, center = root.dataset.center;
  const colours = {article: "#59a14f", claim: "#4e79a7", subject: "#76b7b2", law: "#e15759", entity: "#f28e2b"};
  const status = document.getElementById("kb-graph-status");
  const panel = document.getElementById("kb-graph-node");
  const cy = cytoscape({
    container: document.getElementById("kb-graph-canvas"),
    wheelSensitivity: 0.3,
    style: [
      {selector: "node", style: {"background-color": e => colours[e.data("kind")] || "#999",
        "label": e => (e.data("label") || e.id()).slice(0, 16), "font-size": 10, "text-valign": "bottom",
        "text-margin-y": 3, "width": 14, "height": 14, "text-wrap": "ellipsis", "text-max-width": 120,
        "font-family": "Noto Sans CJK SC, sans-serif"}},
      {selector: "node.center", style: {"width": 24, "height": 24, "border-width": 3, "border-color": "#333"}},
      {selector: "edge", style: {"width": 1, "line-color": "#bbb", "target-arrow-color": "#bbb",
        "target-arrow-shape": "triangle", "curve-style": "bezier", "label": "data(kind)", "font-size": 7,
        "color": "#888", "text-rotation": "autorotate"}},
      {selector: ".hidden", style: {"display": "none"}},
    ],
  });
  window.kbGraph = cy;  // for the browser test and the curious

  function url(node, depth, limit) {
    const q = new URLSearchParams({node: node, depth: depth, limit: limit});
    if (db) q.set("db", db);
    return "/-/graph.json?" + q.toString();
  }

  async function load(node, depth, limit, replace) {
    const r = await fetch(url(node, depth, limit));
    if (!r.ok) { status.textContent = "could not load " + node; return; }
    const data = await r.json();
    if (replace) cy.elements().remove();
    cy.add(data.nodes.filter(n => cy.getElementById(n.id).empty()).map(n => ({group: "nodes", data: n})));
    cy.add(data.edges.map(e => ({group: "edges", data: {id: e.source + "|" + e.kind + "|" + e.target, ...e}}))
             .filter(e => cy.getElementById(e.data.id).empty()));
    cy.getElementById(center).addClass("center");
    applyFilters();
    cy.layout({name: "cose", animate: false, nodeRepulsion: () => 9000, idealEdgeLength: () => 70}).run();
    const more = document.getElementById("kb-graph-more");
    status.textContent = `${cy.nodes().length} nodes, ${cy.edges().length} edges drawn; ` +
      `${data.shown_edges} of ${data.total_edges} edges around ${data.center} at depth ${data.depth}`;
    more.hidden = data.shown_edges >= data.total_edges;
    more.onclick = () => { limit *= 2; load(center, depth, limit, true); return false; };
    return data;
  }

  function applyFilters() {
    const shown = new Set([...document.querySelectorAll("#kb-graph-kinds input:checked")].map(i => i.value));
    cy.nodes().forEach(n => n.toggleClass("hidden", n.id() !== center && !shown.has(n.data("kind"))));
  }

  cy.on("tap", "node", ev => {
    const d = ev.target.data();
    const open = d.page ? `<a href="${d.page}${db ? "?db=" + encodeURIComponent(db) : ""}">open</a> · ` : "";
    const here = `/-/graph?node=${encodeURIComponent(d.id)}${db ? "&db=" + encodeURIComponent(db) : ""}`;
    panel.innerHTML = "";
    const title = document.createElement("b");
    title.textContent = (d.label || d.id) + " (" + d.kind + ")";
    panel.appendChild(title);
    const links = document.createElement("span");
    links.innerHTML = " · " + open + `<a href="${here}">centre here</a> · <a href="#" id="kb-expand">expand</a>`;
    panel.appendChild(links);
    document.getElementById("kb-expand").onclick = () => { load(d.id, 1, 40, false); return false; };
  });
  cy.on("dbltap", "node", ev => load(ev.target.id(), 1, 40, false));
  document.querySelectorAll("#kb-graph-kinds input").forEach(i => i.addEventListener("change", applyFilters));
  const depth = parseInt(params.get("depth") || "1", 10) === 2 ? 2 : 1;
  let limit = parseInt(params.get("limit") || root.dataset.limit, 10);
  load(center, depth, limit, true);
})();
