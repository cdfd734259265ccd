/* risk-map: code that runs inside the map iframe (served with the folium page, not by Dash).
 * This file: the shared state, HTML escaping, data blocks, and the bridge to the parent Dash page
 * (clicks and the current view go up, commands come down, so the map is never re-rendered: zoom
 * and pan are kept). The other riskmap-map-*.js files add one job each to `window.riskmap`:
 * -layers (dataset layers), -enterprises (the canvas point layer), -tiles (optional GCJ-02
 * tiles, only on a page with a tile server), then, deferred, -overlays (computed overlays) and
 * -incident (incident rings); layers/map.py loads them in that order, after
 * assets/riskmap-messages.js (the message names, RISKMAP_MSG). The MODE command tells the map
 * which tab the parent page shows: in the incident tab a tap places an incident, no popup opens.
 */
(function () {
  "use strict";

  var ESC = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
  function escapeHtml(value) {
    if (value === null || value === undefined) { return ""; }
    return String(value).replace(/[&<>"']/g, function (c) { return ESC[c]; });
  }

  function popupTable(title, rows) {
    var html = '<div class="rm-popup"><div class="rm-popup-title">' + escapeHtml(title) + "</div><table>";
    rows.forEach(function (r) {
      if (r[1] === "" || r[1] === null || r[1] === undefined) { return; }
      html += "<tr><th>" + escapeHtml(r[0]) + "</th><td>" + escapeHtml(r[1]) + "</td></tr>";
    });
    return html + "</table></div>";
  }

  var state = {map: null, enterprises: null, incident: null, overlays: {}, parentOrigin: "*",
               lastFilter: null, mode: "", options: {}};

  // panes, bottom to top: basemap and hazard layers (overlayPane, 400), enterprises,
  // computed overlays (translucent graded zones, terrain results), incident rings and checkpoints
  var PANES = {"rm-points": 440, "rm-zones": 455, "rm-incident": 470};
  L.Map.addInitHook(function () {
    for (var name in PANES) {
      if (!this.getPane(name)) { this.createPane(name).style.zIndex = String(PANES[name]); }
    }
  });

  /* a message to the parent page: {type: type, ...fields} */
  function post(type, fields) {
    if (window.parent && window.parent !== window) {
      window.parent.postMessage(Object.assign({type: type}, fields || {}), state.parentOrigin);
    }
  }

  /* commands from the parent page, by message type: each riskmap-map-*.js registers its own.
   * The overlay and incident scripts are deferred (not needed for the first paint): a command
   * that arrives before its handler is registered waits for it until the page has loaded. */
  var commands = {}, waiting = [], loaded = false;
  var NAMES = Object.keys(RISKMAP_MSG).map(function (k) { return RISKMAP_MSG[k]; });
  function onCommand(type, handler) {
    commands[type] = handler;
    var early = waiting.filter(function (msg) { return msg.type === type; });
    waiting = waiting.filter(function (msg) { return msg.type !== type; });
    early.forEach(handler);
  }
  function receive(msg) {
    if (commands.hasOwnProperty(msg.type)) { commands[msg.type](msg); }
    else if (!loaded && NAMES.indexOf(msg.type) >= 0) { waiting.push(msg); }
  }
  document.addEventListener("DOMContentLoaded", function () { loaded = true; waiting = []; });

  onCommand(RISKMAP_MSG.FIT, function (msg) {
    if (!msg.bounds) { return; }
    state.map.fitBounds([[msg.bounds[1], msg.bounds[0]], [msg.bounds[3], msg.bounds[2]]]);
  });

  /* MODE {mode}: the parent page's open tab. In "incident" a click or tap places an incident
   * (the CLICK event) and opens no popup, so nothing covers the rings. */
  function setMode(mode) {
    state.mode = String(mode || "");
    document.documentElement.setAttribute("data-mode", state.mode);
    if (state.mode === "incident" && state.map) { state.map.closePopup(); }
    if (typeof state.onMode === "function") { state.onMode(state.mode); }
  }
  onCommand(RISKMAP_MSG.MODE, function (msg) { setMode(msg.mode); });

  function viewFields() {
    var map = state.map, b = map.getBounds(), c = map.getCenter();
    return {zoom: map.getZoom(), center: [c.lng, c.lat],
            bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]};
  }

  function visibleLayers() {
    var keys = [];
    state.map.eachLayer(function (l) { if (l._rmKey && keys.indexOf(l._rmKey) < 0) { keys.push(l._rmKey); } });
    return keys;
  }

  function bridge(map, opts) {
    state.map = map;
    opts = opts || {};
    state.options = opts;
    L.control.scale({imperial: false, position: "bottomleft"}).addTo(map);
    if (opts.attribution) { map.attributionControl.addAttribution(escapeHtml(opts.attribution)); }
    map.on("click", function (e) {
      var ents = state.enterprises;
      // a click on an enterprise point is handled (and posted) by the enterprise layer
      if (e.rmEnterprise !== undefined || (ents && ents._map && ents.hit(e.containerPoint) >= 0)) { return; }
      post(RISKMAP_MSG.CLICK, {lon: e.latlng.lng, lat: e.latlng.lat, zoom: map.getZoom()});
    });
    // while placing an incident no popup opens (an enterprise's would cover the rings)
    map.on("popupopen", function (e) { if (state.mode === "incident") { map.closePopup(e.popup); } });
    map.on("moveend", function () { post(RISKMAP_MSG.VIEW, viewFields()); });
    map.on("overlayadd overlayremove", function () {
      post(RISKMAP_MSG.LAYERS, {visible: visibleLayers()});
    });
    // a narrow map folds its legend and layer list (riskmap-map.css): a tap opens either
    document.addEventListener("click", function (ev) {
      var t = ev.target, legend = document.getElementById("rm-legend");
      if (!t.closest) { return; }
      if (legend && t.closest("#rm-legend h4")) { legend.classList.toggle("rm-open"); }
      var toggle = t.closest(".leaflet-control-layers-toggle");
      if (toggle) { ev.preventDefault(); toggle.parentNode.classList.toggle("rm-open"); }
    }, true);
    window.addEventListener("message", function (ev) {
      var msg = ev.data;
      if (!msg || typeof msg !== "object" || typeof msg.type !== "string") { return; }
      receive(msg);
    });
    if (window.performance && performance.mark) { performance.mark("riskmap-ready"); }
    document.documentElement.setAttribute("data-map-ready", "1");
    post(RISKMAP_MSG.READY);
    post(RISKMAP_MSG.VIEW, viewFields());
    post(RISKMAP_MSG.LAYERS, {visible: visibleLayers()});
  }

  /* data blocks: <script type="application/json" id=…>, parsed with JSON.parse (much faster than
   * the same data as a JavaScript literal) */
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }

  window.riskmap = {
    data: data, escapeHtml: escapeHtml, popupTable: popupTable, post: post, onCommand: onCommand,
    bridge: bridge, state: state
  };
})();
