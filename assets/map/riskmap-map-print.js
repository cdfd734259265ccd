/* risk-map (map iframe): the print area of the Print tab, drawn as a dashed rectangle.
 * Handles the PRINT_AREA command: `corners` [[lon, lat], …] (the outline of the map frame of the PDF, computed
 * in Python by layers.printmap.print_area for the chosen paper, orientation and scale), a `label`
 * ("A3 横向 1:50,000") and, at a fixed scale, `center` [lon, lat] with `movable`; without corners the
 * rectangle is removed.
 * "Fit": the area is recomputed from every VIEW the map posts (pan the map to place the sheet).
 * A fixed scale: the sheet can be dragged (by its centre handle, which also works by touch, or by
 * its border with the mouse); on release its new centre is posted as PRINT_CENTER {center:
 * [lon, lat]}, the parent page puts it into the Print tab's centre box, and the tab sends the
 * exact outline around it back. Needs riskmap-map-core.js.
 */
(function () {
  "use strict";
  var rm = window.riskmap, state = rm.state;
  var shown = {layer: null, center: null};

  function clear() {
    if (shown.layer) { state.map.removeLayer(shown.layer); shown.layer = null; }
    shown.center = null;
  }

  function shift(latlngs, dLat, dLng) {
    return latlngs.map(function (p) { return L.latLng(p.lat + dLat, p.lng + dLng); });
  }

  /* the outline, its border and label follow the handle while it moves */
  function movable(parts, center) {
    var start = null, base = null, labelBase = null;
    function begin(at) {
      start = at;
      base = parts.outline.getLatLngs()[0].slice();
      labelBase = parts.label ? parts.label.getLatLng() : null;
      document.documentElement.setAttribute("data-print-dragging", "1");
    }
    function moveTo(at) {
      if (!start) { return; }
      var dLat = at.lat - start.lat, dLng = at.lng - start.lng, ring = shift(base, dLat, dLng);
      parts.outline.setLatLngs(ring);
      parts.border.setLatLngs(ring.concat([ring[0]]));
      if (labelBase) { parts.label.setLatLng([labelBase.lat + dLat, labelBase.lng + dLng]); }
      shown.center = [center.lng + dLng, center.lat + dLat];
      parts.handle.setLatLng([shown.center[1], shown.center[0]]);
    }
    function end() {
      if (!start) { return; }
      start = null;
      document.documentElement.removeAttribute("data-print-dragging");
      rm.post(RISKMAP_MSG.PRINT_CENTER, {center: [Number(shown.center[0].toFixed(6)),
                                                   Number(shown.center[1].toFixed(6))]});
    }
    // the centre handle: Leaflet's marker dragging (mouse, touch, pen)
    parts.handle.on("dragstart", function () { begin(L.latLng(center.lat, center.lng)); });
    parts.handle.on("drag", function (e) { moveTo(e.target.getLatLng()); });
    parts.handle.on("dragend", end);
    // the border, with the mouse: the map stops panning while the sheet moves
    parts.border.on("mousedown", function (e) {
      L.DomEvent.stop(e.originalEvent);
      state.map.dragging.disable();
      begin(e.latlng);
      function move(ev) { moveTo(ev.latlng); }
      function up() {
        state.map.off("mousemove", move);
        document.removeEventListener("mouseup", up, true);
        state.map.dragging.enable();
        end();
      }
      state.map.on("mousemove", move);
      document.addEventListener("mouseup", up, true);
    });
  }

  function draw(msg) {
    clear();
    if (!msg.corners || msg.corners.length < 3 || !state.map) { return; }
    var latlngs = msg.corners.map(function (c) { return [Number(c[1]), Number(c[0])]; });
    var parts = {};
    parts.outline = L.polygon(latlngs, {color: "#b2182b", weight: 2, dashArray: "8 5",
                                        fill: true, fillOpacity: 0.04, interactive: false,
                                        className: "rm-print-area"});
    shown.layer = L.layerGroup([parts.outline]);
    if (msg.label) {
      var top = latlngs.reduce(function (a, p) { return p[0] > a[0] ? p : a; }, latlngs[0]);
      var left = latlngs.reduce(function (a, p) { return p[1] < a[1] ? p : a; }, latlngs[0]);
      parts.label = L.marker([top[0], left[1]], {interactive: false, keyboard: false,
        icon: L.divIcon({className: "rm-print-label", iconSize: null, iconAnchor: [0, 18],
                         html: '<span style="background:#fff;color:#b2182b;border:1px solid #b2182b;' +
                               'padding:1px 4px;font-size:12px;white-space:nowrap">' +
                               rm.escapeHtml(msg.label) + "</span>"})});
      shown.layer.addLayer(parts.label);
    }
    if (msg.movable && msg.center) {
      var center = L.latLng(Number(msg.center[1]), Number(msg.center[0]));
      shown.center = [center.lng, center.lat];
      // a wide invisible border to grab (the sheet's inside stays clickable)
      parts.border = L.polyline(latlngs.concat([latlngs[0]]), {
        color: "#b2182b", opacity: 0, weight: 14, interactive: true, bubblingMouseEvents: false,
        className: "rm-print-border"});
      parts.handle = L.marker(center, {draggable: true, autoPan: true, keyboard: false,
        title: msg.handle_title || "", zIndexOffset: 1000,
        icon: L.divIcon({className: "rm-print-handle", iconSize: [26, 26], iconAnchor: [13, 13],
                         html: '<span style="display:block;width:22px;height:22px;border-radius:50%;' +
                               'background:#fff;border:2px solid #b2182b;color:#b2182b;font:16px/22px ' +
                               'sans-serif;text-align:center;cursor:move">✥</span>'})});
      shown.layer.addLayer(parts.border);
      shown.layer.addLayer(parts.handle);
      movable(parts, center);
    }
    shown.layer.addTo(state.map);
  }

  rm.onCommand(RISKMAP_MSG.PRINT_AREA, draw);
  rm.printArea = {draw: draw, clear: clear, shown: shown};
})();
