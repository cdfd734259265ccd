/* risk-map (map iframe): computed overlays (graded zones, terrain results) drawn from the GeoJSON
 * the parent page sends, on their own pane, with a legend entry each. Handles the OVERLAY command:
 *   {type: RISKMAP_MSG.OVERLAY, id, title, geojson, fields: [[prop, label]], legend: [[colour, label]],
 *    colors: {value: colour} with colorBy: prop, or a "_c" colour property on each feature}
 * A message without geojson removes overlay `id`. Needs riskmap-map-core.js.
 */
(function () {
  "use strict";
  var rm = window.riskmap, state = rm.state, escapeHtml = rm.escapeHtml, popupTable = rm.popupTable;

  function showOverlay(msg) {
    var map = state.map, id = msg.id || "overlay";
    state.overlays = state.overlays || {};
    if (state.overlays[id]) { map.removeLayer(state.overlays[id]); delete state.overlays[id]; }
    var old = document.getElementById("rm-legend-" + id);
    if (old) { old.parentNode.removeChild(old); }
    document.documentElement.removeAttribute("data-overlay-" + id);
    if (!msg.geojson) { return; }
    var renderer = L.canvas({padding: 0.3, pane: "rm-zones"});
    var fields = msg.fields || [];
    function colourOf(p) {
      if (msg.colorBy && msg.colors) { return msg.colors[p[msg.colorBy]] || "#9e9e9e"; }
      return p._c || "#9e9e9e";
    }
    state.overlays[id] = L.geoJSON(msg.geojson, {
      renderer: renderer, pane: "rm-zones",
      style: function (f) {
        var c = colourOf(f.properties);
        return {color: c, weight: msg.weight || 0.8, opacity: 0.9, fillColor: c,
                fillOpacity: msg.fillOpacity || 0.45};
      },
      onEachFeature: function (f, layer) {
        var rows = fields.map(function (fl) { return [fl[1], f.properties[fl[0]]]; });
        layer.bindTooltip(popupTable(msg.title || "", rows), {sticky: true});
      }
    }).addTo(map);
    var legend = document.getElementById("rm-legend");
    if (legend && msg.legend) {
      var div = document.createElement("div");
      div.id = "rm-legend-" + id;
      var html = "<div><b>" + escapeHtml(msg.title || "") + "</b></div>";
      msg.legend.forEach(function (e) {
        html += '<div><span class="rm-sw" style="background:' + escapeHtml(e[0]) + ';opacity:0.7"></span>' +
                escapeHtml(e[1]) + "</div>";
      });
      div.innerHTML = html;
      legend.insertBefore(div, legend.children[1] || null);
    }
    document.documentElement.setAttribute("data-overlay-" + id, String(msg.geojson.features.length));
  }

  rm.onCommand(RISKMAP_MSG.OVERLAY, showOverlay);

  rm.showOverlay = showOverlay;
})();
