// Draws the fallback graph of one type (data from the page's json_script) with cytoscape.js.
(function () {
  "use strict";
  var container = document.getElementById("fallback-graph");
  var data = JSON.parse(document.getElementById("fallback-graph-data").textContent);
  if (!container || !window.cytoscape) { return; }
  var elements = [];
  data.nodes.forEach(function (node) {
    elements.push({
      data: { id: node.id, label: node.id, size: 28 + 14 * Math.sqrt(node.pointed_at) },
      classes: [node.default ? "default" : "", node.in_cycle ? "cycle" : "", node.has_chain ? "" : "leaf"].join(" "),
    });
  });
  data.edges.forEach(function (edge, index) {
    elements.push({
      data: { id: "e" + index, source: edge.source, target: edge.target, label: String(edge.position) },
      classes: [edge.in_cycle ? "cycle" : "", edge.default ? "default" : ""].join(" "),
    });
  });
  var cy = window.cytoscape({
    container: container,
    elements: elements,
    wheelSensitivity: 0.2,
    style: [
      { selector: "node", style: {
        "label": "data(label)", "width": "data(size)", "height": "data(size)", "font-size": 11,
        "text-valign": "bottom", "text-margin-y": 4, "background-color": "#79aec8", "border-width": 2,
        "border-color": "#417690", "color": "#333" } },
      { selector: "node.leaf", style: { "background-color": "#cfe3ec" } },
      { selector: "node.cycle", style: { "border-color": "#ba2121", "border-width": 3 } },
      { selector: "node.default", style: { "shape": "diamond", "background-color": "#417690", "label": "* (default)" } },
      { selector: "edge", style: {
        "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 1.5, "line-color": "#999",
        "target-arrow-color": "#999", "label": "data(label)", "font-size": 9, "text-background-color": "#fff",
        "text-background-opacity": 1, "color": "#666" } },
      { selector: "edge.default", style: { "line-style": "dashed", "line-color": "#417690", "target-arrow-color": "#417690" } },
      { selector: "edge.cycle", style: { "line-color": "#ba2121", "target-arrow-color": "#ba2121", "width": 2.5 } },
    ],
    layout: { name: "cose", animate: false, nodeRepulsion: 9000, idealEdgeLength: 90, randomize: false },
  });
  cy.on("tap", "node", function (event) {
    var name = event.target.id();
    if (name !== "*") {
      window.location.href = container.dataset.changelistUrl + "?q=" + encodeURIComponent(name);
    }
  });
  container.dataset.rendered = "true";
})();
