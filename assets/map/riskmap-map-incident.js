/* risk-map (map iframe): an incident drawn from the GeoJSON the parent page sends: rings,
 * downwind area, checkpoints, centre, and its legend entry. Handles the INCIDENT and
 * CLEAR_INCIDENT commands. Needs riskmap-map-core.js.
 */
(function () {
  "use strict";
  var rm = window.riskmap, state = rm.state, escapeHtml = rm.escapeHtml;

  function showIncident(msg) {
    var map = state.map;
    if (state.incident) { map.removeLayer(state.incident); state.incident = null; }
    var oldLegend = document.getElementById("rm-legend-incident");
    if (oldLegend) { oldLegend.parentNode.removeChild(oldLegend); }
    if (!msg || !msg.rings) { return; }
    var palette = msg.palette || {};
    var group = L.layerGroup();
    var renderer = L.svg({pane: "rm-incident"});
    L.geoJSON(msg.rings, {
      interactive: false, renderer: renderer, pane: "rm-incident",
      style: function (f) {
        var c = palette[f.properties.zone] || "#d7191c";
        return {color: c, weight: 2, fillColor: c, fillOpacity: 0.08, dashArray: f.properties.zone === "core" ? null : "6 4"};
      }
    }).addTo(group);
    if (msg.downwind) {
      L.geoJSON(msg.downwind, {
        interactive: false, renderer: renderer, pane: "rm-incident",
        style: {color: "#2b8cbe", weight: 2, dashArray: "4 4", fillColor: "#2b8cbe", fillOpacity: 0.12}
      }).addTo(group);
    }
    if (msg.checkpoints) {
      L.geoJSON(msg.checkpoints, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, {radius: 5, color: "#000", weight: 1.5, fillColor: "#ffffff",
                                         fillOpacity: 1, renderer: renderer, pane: "rm-incident"});
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(escapeHtml(f.properties.label || ""));
        }
      }).addTo(group);
    }
    L.circleMarker([msg.lat, msg.lon], {radius: 7, color: "#000", weight: 2, fillColor: "#d7191c",
                                        fillOpacity: 1, renderer: renderer, pane: "rm-incident"})
      .bindTooltip(escapeHtml(msg.label || "")).addTo(group);
    group.addTo(map);
    state.incident = group;
    var legend = document.getElementById("rm-legend");
    if (legend && msg.legend) {
      var div = document.createElement("div");
      div.id = "rm-legend-incident";
      var html = "<div><b>" + escapeHtml(msg.legendTitle || "") + "</b></div>";
      msg.legend.forEach(function (e) {
        html += '<div><span class="rm-sw" style="background:transparent;border:2px ' +
                (e[2] ? "dashed " : "solid ") + escapeHtml(e[0]) + '"></span>' + escapeHtml(e[1]) + "</div>";
      });
      div.innerHTML = html;
      legend.insertBefore(div, legend.children[1] || null);
    }
    document.documentElement.setAttribute("data-incident", msg.lon + "," + msg.lat);
    if (msg.fit) { map.fitBounds(L.geoJSON(msg.rings).getBounds(), {padding: [20, 20]}); }
  }

  rm.onCommand(RISKMAP_MSG.INCIDENT, showIncident);
  rm.onCommand(RISKMAP_MSG.CLEAR_INCIDENT, function () {
    showIncident(null);
    document.documentElement.removeAttribute("data-incident");
  });

  rm.showIncident = showIncident;
})();
