/* risk-map (map iframe): the print area of the Print tab, drawn as a dashed rectangle.
 * Handles the PRINT_AREA command: `corners` [[lon, lat], …] (the outline of the map frame of the PDF, computed
 * in Python by layers.printmap.print_area for the chosen paper, orientation and scale, centred on
 * the map's centre) and a `label` ("A3 横向 1:50,000"); without corners the rectangle is removed.
 * The area moves with the map: the Print tab recomputes it from every VIEW the map posts, so a
 * planner pans the map to place the sheet. Needs riskmap-map-core.js.
 */
(function () {
  "use strict";
  var rm = window.riskmap, state = rm.state;
  var shown = {layer: null};

  function clear() {
    if (shown.layer) { state.map.removeLayer(shown.layer); shown.layer = null; }
  }

  function draw(msg) {
    clear();
    if (!msg.corners || msg.corners.length < 3 || !state.map) { return; }
    var latlngs = msg.corners.map(function (c) { return [Number(c[1]), Number(c[0])]; });
    var outline = L.polygon(latlngs, {color: "#b2182b", weight: 2, dashArray: "8 5",
                                      fill: true, fillOpacity: 0.04, interactive: false,
                                      className: "rm-print-area"});
    shown.layer = L.layerGroup([outline]);
    if (msg.label) {
      var top = latlngs.reduce(function (a, p) { return p[0] > a[0] ? p : a; }, latlngs[0]);
      var left = latlngs.reduce(function (a, p) { return p[1] < a[1] ? p : a; }, latlngs[0]);
      shown.layer.addLayer(L.marker([top[0], left[1]], {interactive: false, keyboard: false,
        icon: L.divIcon({className: "rm-print-label", iconSize: null, iconAnchor: [0, 18],
                         html: '<span style="background:#fff;color:#b2182b;border:1px solid #b2182b;' +
                               'padding:1px 4px;font-size:12px;white-space:nowrap">' +
                               rm.escapeHtml(msg.label) + "</span>"})}));
    }
    shown.layer.addTo(state.map);
  }

  rm.onCommand(RISKMAP_MSG.PRINT_AREA, draw);
  rm.printArea = {draw: draw, clear: clear, shown: shown};
})();
