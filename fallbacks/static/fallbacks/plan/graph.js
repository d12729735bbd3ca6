// Draws the fallback graph of one type (data from the page's json_script) with cytoscape.js and the layered
// dagre layout: chains read left to right, each model a box holding its whole name, so that neither boxes nor
// names overlap. Every type is framed the same way: the whole drawing fits the box, never zoomed in past 1.
(function () {
  "use strict";
  var container = document.getElementById("fallback-graph");
  var data = JSON.parse(document.getElementById("fallback-graph-data").textContent);
  if (!container || !window.cytoscape) { return; }
  var FONT_SIZE = 12;
  var FONT = FONT_SIZE + "px Helvetica, Arial, sans-serif";
  var measure = document.createElement("canvas").getContext("2d");
  measure.font = FONT;
  function labelOf(node) { return node.default ? "* (default)" : node.id; }
  var elements = [];
  data.nodes.forEach(function (node) {
    var label = labelOf(node);
    elements.push({
      data: { id: node.id, label: label, width: Math.ceil(measure.measureText(label).width) + 20, height: 26 },
      classes: [
        node.default ? "default" : (node.has_chain ? "chain" : "leaf"),
        node.in_cycle ? "cycle" : "",
        node.focus ? "focus" : "",
        node.more ? "more" : "",
      ].join(" "),
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
    minZoom: 0.01,
    maxZoom: 3,
    style: [
      { selector: "node", style: {
        "shape": "round-rectangle", "label": "data(label)", "width": "data(width)", "height": "data(height)",
        "font-size": FONT_SIZE, "font-family": "Helvetica, Arial, sans-serif", "text-valign": "center",
        "text-halign": "center", "background-color": "#417690", "color": "#fff", "border-width": 1,
        "border-color": "#2c5a73" } },
      { selector: "node.leaf", style: { "background-color": "#d5e6ee", "color": "#1f3b4a", "border-color": "#79aec8" } },
      { selector: "node.default", style: { "background-color": "#264b5d", "shape": "cut-rectangle" } },
      { selector: "node.cycle", style: { "border-color": "#ba2121", "border-width": 3 } },
      { selector: "node.more", style: { "border-style": "dotted", "border-width": 3 } },
      { selector: "node.focus", style: { "border-color": "#f5b82e", "border-width": 4 } },
      { selector: "edge", style: {
        "curve-style": "bezier", "target-arrow-shape": "triangle", "arrow-scale": 0.9, "width": 1.5,
        "line-color": "#8a9ba5", "target-arrow-color": "#8a9ba5",
        "label": "data(label)", "font-size": 10, "color": "#333",
        "text-background-color": "#fff", "text-background-opacity": 1, "text-background-padding": 1,
        "text-background-shape": "round-rectangle", "text-border-width": 1, "text-border-color": "#c8d3d9",
        "text-border-opacity": 1 } },
      { selector: "edge.default", style: { "line-style": "dashed", "line-color": "#417690", "target-arrow-color": "#417690" } },
      { selector: "edge.cycle", style: { "line-color": "#ba2121", "target-arrow-color": "#ba2121", "width": 2.5 } },
    ],
    layout: {
      name: "dagre", rankDir: "LR", nodeSep: 30, rankSep: 120, edgeSep: 12, ranker: "network-simplex",
      nodeDimensionsIncludeLabels: true, fit: false, animate: false,
    },
  });
  // Framing, the same for every type: the drawing fits the box's width, never zoomed in past 1; a graph taller
  // than the box at that zoom gets a taller box (up to MAX_HEIGHT), read by scrolling the page rather than
  // shrunk to a thumbnail; a short one gets a shorter box (at least MIN_HEIGHT), with no empty band around it.
  // The wheel zooms, as on every graph; the page scrolls beside the drawing.
  var PADDING = 24;
  var MAX_HEIGHT = 6000;
  var MIN_HEIGHT = 260;
  var extent = cy.elements().boundingBox();
  var zoom = Math.min(1, (container.clientWidth - 2 * PADDING) / extent.w);
  var needed = extent.h * zoom + 2 * PADDING;
  container.style.height = Math.max(MIN_HEIGHT, Math.min(needed, MAX_HEIGHT)) + "px";
  cy.resize();
  cy.fit(undefined, PADDING);
  if (cy.zoom() > 1) {  // a small graph is drawn at its natural size, centred, like every other
    cy.zoom(1);
    cy.center();
  }
  cy.on("tap", "node", function (event) {
    var name = event.target.id();
    if (name !== "*") {
      window.location.href = container.dataset.graphUrl + "?model=" + encodeURIComponent(name);
    }
  });
  window.fallbackGraph = cy;  // for the browser tests, which read the drawn boxes
  container.dataset.rendered = "true";
})();
