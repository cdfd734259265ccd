/* risk-map (map iframe): road-following routes of the emergency resources (the nearest rescue
 * teams and depots to an incident), drawn as lines with a white halo on their own pane above the
 * computed overlays and below the incident rings. Handles the ROUTES command:
 *   {type: RISKMAP_MSG.ROUTES, id, title, legend: [[colour, label]],
 *    routes: [{path: [[lon, lat], …], colour, label, rows: [[label, value], …]}]}
 * (ui/panels/incident_resources.py builds it; the path follows the road graph from the team to
 * the place). A message without routes removes set `id`. Needs riskmap-map-core.js.
 */
(function () {
  "use strict";
  var rm = window.riskmap, state = rm.state, escapeHtml = rm.escapeHtml;
  var shown = {};

  /* the pane, made on first use: this script is deferred, the map exists before it loads */
  function pane(map) {
    if (!map.getPane("rm-routes")) { map.createPane("rm-routes").style.zIndex = "462"; }
    return "rm-routes";
  }

  function clear(id) {
    if (shown[id]) { state.map.removeLayer(shown[id]); delete shown[id]; }
    var old = document.getElementById("rm-legend-routes-" + id);
    if (old) { old.parentNode.removeChild(old); }
    document.documentElement.removeAttribute("data-routes-" + id);
  }

  function latlngs(path) {
    return (path || []).map(function (p) { return [Number(p[1]), Number(p[0])]; });
  }

  function legend(id, msg) {
    var box = document.getElementById("rm-legend");
    if (!box || !msg.legend) { return; }
    var div = document.createElement("div");
    div.id = "rm-legend-routes-" + id;
    var html = "<div><b>" + escapeHtml(msg.title || "") + "</b></div>";
    msg.legend.forEach(function (e) {
      html += '<div><span class="rm-sw" style="background:' + escapeHtml(e[0]) +
              ';height:4px;vertical-align:middle"></span>' + escapeHtml(e[1]) + "</div>";
    });
    div.innerHTML = html;
    box.insertBefore(div, box.children[1] || null);
  }

  function draw(msg) {
    var id = String(msg.id || "routes");
    if (!state.map) { return; }
    clear(id);
    pane(state.map);
    var routes = (msg.routes || []).filter(function (r) { return r.path && r.path.length > 1; });
    if (!routes.length) { return; }
    var group = L.layerGroup();
    routes.forEach(function (r) {
      var ll = latlngs(r.path), colour = String(r.colour || "#1565c0");
      L.polyline(ll, {pane: "rm-routes", color: "#ffffff", weight: 7, opacity: 0.9,
                      interactive: false}).addTo(group);
      var line = L.polyline(ll, {pane: "rm-routes", color: colour, weight: 4, opacity: 0.95,
                                 className: "rm-route"});
      line.bindTooltip(rm.popupTable(r.label || "", r.rows || []), {sticky: true});
      line.addTo(group);
      L.circleMarker(ll[0], {pane: "rm-routes", radius: 5, color: "#ffffff", weight: 2,
                             fillColor: colour, fillOpacity: 1, interactive: false}).addTo(group);
    });
    shown[id] = group.addTo(state.map);
    legend(id, msg);
    document.documentElement.setAttribute("data-routes-" + id, String(routes.length));
  }

  rm.onCommand(RISKMAP_MSG.ROUTES, draw);
  rm.routes = {draw: draw, clear: clear, shown: shown};
})();
