/* risk-map (map iframe): select by area. A polygon, rectangle or circle drawn with the vendored
 * Leaflet-Geoman toolbar (assets/vendor/leaflet-geoman, texts in Chinese on a Chinese page) is
 * posted to the parent page as RISKMAP_MSG.AREA {area: {kind: "polygon", coordinates:
 * [[lon, lat], …]} | {kind: "circle", center: [lon, lat], radius_m}}; the analyst tab answers with
 * the counts inside. One area at a time: a new drawing replaces the last; removing it posts AREA
 * without `area`. `riskmap.selectArea(area)` draws an area given in that form (tests, links).
 * Deferred; needs riskmap-map-core.js and Leaflet-Geoman.
 */
(function () {
  "use strict";
  var rm = window.riskmap, state = rm.state, post = rm.post;
  var current = null;

  function areaOf(layer, shape) {
    if (shape === "Circle" || layer instanceof L.Circle) {
      var c = layer.getLatLng();
      return {kind: "circle", center: [c.lng, c.lat], radius_m: layer.getRadius()};
    }
    var ring = layer.getLatLngs();
    while (ring.length && Array.isArray(ring[0])) { ring = ring[0]; }
    return {kind: "polygon", coordinates: ring.map(function (p) { return [p.lng, p.lat]; })};
  }

  function replace(layer) {
    if (current && current !== layer && state.map.hasLayer(current)) { state.map.removeLayer(current); }
    current = layer;
  }

  function report(layer, shape) {
    var area = areaOf(layer, shape);
    document.documentElement.setAttribute("data-area", area.kind);
    post(RISKMAP_MSG.AREA, {area: area});
  }

  function cleared() {
    current = null;
    document.documentElement.removeAttribute("data-area");
    post(RISKMAP_MSG.AREA, {});
  }

  function style() {
    return {color: "#5b2a86", weight: 2, dashArray: "6 4", fillColor: "#5b2a86", fillOpacity: 0.08,
            pane: "rm-zones"};
  }

  function selectArea(area) {
    var map = state.map, layer;
    if (!area) { if (current) { map.removeLayer(current); } cleared(); return; }
    if (area.kind === "circle") {
      layer = L.circle([area.center[1], area.center[0]], Object.assign({radius: area.radius_m}, style()));
    } else {
      layer = L.polygon(area.coordinates.map(function (p) { return [p[1], p[0]]; }), style());
    }
    layer.addTo(map);
    replace(layer);
    report(layer);
  }

  function setup(map) {
    // this script is deferred: the map already exists, so Geoman's own init hook never ran on it
    if (!map.pm && L.PM && L.PM.Map) { map.pm = new L.PM.Map(map); }
    if (!map.pm) { return; }
    var zh = (document.querySelector('meta[name="riskmap-lang"]') || {}).content !== "en";
    map.pm.setLang(zh ? "zh" : "en");
    map.pm.setGlobalOptions({pathOptions: style(), templineStyle: {color: "#5b2a86"},
                             hintlineStyle: {color: "#5b2a86", dashArray: "4 4"}});
    map.pm.addControls({
      position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
      drawText: false, drawRectangle: true, drawPolygon: true, drawCircle: true,
      editMode: false, dragMode: false, cutPolygon: false, rotateMode: false, removalMode: true
    });
    map.on("pm:create", function (e) {
      replace(e.layer);
      report(e.layer, e.shape);
      e.layer.on("pm:edit", function () { report(e.layer, e.shape); });
    });
    map.on("pm:remove", function (e) { if (e.layer === current) { cleared(); } });
    document.documentElement.setAttribute("data-select-ready", "1");
  }

  if (state.map) { setup(state.map); } else { L.Map.addInitHook(function () { setup(this); }); }

  rm.selectArea = selectArea;
})();
