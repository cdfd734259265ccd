/* risk-map (map iframe): an incident drawn from the GeoJSON the parent page sends: rings,
 * downwind area, checkpoints, the incident point, and its legend entry. Handles the INCIDENT and
 * CLEAR_INCIDENT commands, and adds the "my location" button of the incident tab.
 * Needs riskmap-map-core.js.
 *
 * Styles come from the page (layers/style.py: incident_map_options, passed to riskmap.bridge as
 * `incident`), the same constants the print maps use: a heavy line over a white halo and a dash
 * pattern per zone, never a risk grade's colour; each ring labelled with its name and radius.
 *
 * The view: on a new incident (another place or other radii) the map fits the outermost ring
 * when the ring is cut off by the frame or smaller than 40 % of it (so a tap on a city-wide view
 * zooms to the rings, a tap on a close view keeps it), or always with `fit: true`; never when
 * the legend's "keep the current view" box is ticked (remembered in localStorage).
 */
(function () {
  "use strict";
  var rm = window.riskmap, state = rm.state, escapeHtml = rm.escapeHtml, post = rm.post;
  var KEEP_KEY = "riskmap.keepView";
  var shown = {key: ""};

  function opts() { return (state.options && state.options.incident) || {}; }
  function text(key) { return (opts().text || {})[key] || ""; }
  function lang() { return opts().lang || "zh"; }
  function ringStyle(zone) {
    var o = opts();
    return (o.rings || {})[zone] || o.outerRing || {color: "#5b0e8a", weight: 3, dash: "8 4",
                                                   fillOpacity: 0.05, halo: "#fff", haloWeight: 4};
  }
  function keepView() {
    try { return window.localStorage.getItem(KEEP_KEY) === "1"; } catch (e) { return false; }
  }
  function setKeepView(on) {
    try { window.localStorage.setItem(KEEP_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }

  /* the outer boundary of a ring feature (a disk or an annulus) as Leaflet lat/lngs */
  function outline(feature) {
    return feature.geometry.coordinates[0].map(function (c) { return [c[1], c[0]]; });
  }
  function northmost(latlngs) {
    var best = latlngs[0];
    latlngs.forEach(function (p) { if (p[0] > best[0]) { best = p; } });
    return best;
  }
  function zoneName(p) { return lang() === "en" ? (p.name_en || p.zone) : (p.name_zh || p.zone); }
  /* on the ring: its name and outer radius (an outer ring's name already ends with its range) */
  function ringLabel(p) {
    var n = zoneName(p);
    return / km$/.test(n) ? n : n + " " + (Number(p.outer_m) / 1000) + " km";
  }
  /* in the legend: the name and the range, said once (risk/cordon/rings.py: zone_label) */
  function legendLabel(p) {
    var label = lang() === "en" ? p.label_en : p.label_zh;
    return label || (zoneName(p) + " " + (Number(p.inner_m) / 1000) + "–" + (Number(p.outer_m) / 1000) + " km");
  }

  function lineSwatch(s) {
    var dash = s.dash ? ' stroke-dasharray="' + escapeHtml(s.dash) + '"' : "";
    return '<svg class="rm-sw-line" width="34" height="12" aria-hidden="true">' +
      '<line x1="2" y1="6" x2="32" y2="6" stroke="' + escapeHtml(s.halo || "#fff") +
      '" stroke-width="' + (Number(s.weight) + 3) + '"/>' +
      '<line x1="2" y1="6" x2="32" y2="6" stroke="' + escapeHtml(s.color) + '" stroke-width="' +
      Number(s.weight) + '"' + dash + "/></svg>";
  }

  function checkpointIcon() {
    var c = opts().checkpoint || {};
    return L.divIcon({className: "rm-checkpoint", iconSize: [c.width || 18, c.height || 8],
                      html: "<span></span>"});
  }
  function markerIcon() {
    var m = opts().marker || {}, size = m.size || 22;
    return L.divIcon({className: "rm-incident-marker", iconSize: [size, size], html: "<span>!</span>"});
  }

  /* the rings are large enough and inside the frame: leave the view as it is */
  function ringsWellInView(bounds) {
    var map = state.map, view = map.getBounds();
    if (!view.contains(bounds)) { return false; }
    var size = map.getSize(), nw = map.latLngToContainerPoint(bounds.getNorthWest()),
        se = map.latLngToContainerPoint(bounds.getSouthEast());
    return Math.min(se.x - nw.x, se.y - nw.y) >= 0.4 * Math.min(size.x, size.y);
  }

  function updateLabels() {
    var group = state.incident, map = state.map;
    if (!group || !group._rmLabels) { return; }
    group._rmLabels.forEach(function (l) {
      // a label on a ring drawn smaller than 28 px would sit on the marker: hidden
      var c = map.latLngToContainerPoint(group._rmCenter), t = map.latLngToContainerPoint(l.getLatLng());
      var el = l.getElement();
      if (el) { el.style.display = Math.abs(c.y - t.y) < 28 ? "none" : ""; }
    });
  }

  function legendHtml(msg) {
    var html = "<div><b>" + escapeHtml(text("rings") || msg.legendTitle || "") + "</b></div>";
    (msg.rings.features || []).forEach(function (f) {
      var p = f.properties || {};
      html += '<div class="rm-legend-row">' + lineSwatch(ringStyle(p.zone)) +
        escapeHtml(legendLabel(p)) +
        "</div>";
    });
    if (msg.downwind) {
      html += '<div class="rm-legend-row">' + lineSwatch(opts().downwind || {color: "#00838f", weight: 3}) +
        escapeHtml(text("downwind")) + "</div>";
    }
    if (msg.checkpoints && msg.checkpoints.features && msg.checkpoints.features.length) {
      html += '<div class="rm-legend-row"><span class="rm-checkpoint rm-sw-symbol"><span></span></span>' +
        escapeHtml(text("checkpoint")) + "</div>";
    }
    html += '<div class="rm-legend-row"><span class="rm-incident-marker rm-sw-symbol"><span>!</span></span>' +
      escapeHtml(text("marker")) + "</div>";
    html += '<label class="rm-keep-view"><input type="checkbox" id="rm-keep-view"' +
      (keepView() ? " checked" : "") + "> " + escapeHtml(text("keepView")) + "</label>";
    return html;
  }

  function showIncident(msg) {
    var map = state.map;
    if (state.incident) { map.removeLayer(state.incident); state.incident = null; }
    var oldLegend = document.getElementById("rm-legend-incident");
    if (oldLegend) { oldLegend.parentNode.removeChild(oldLegend); }
    if (!msg || !msg.rings) { shown.key = ""; return; }
    var group = L.layerGroup();
    var renderer = L.svg({pane: "rm-incident"});
    var features = msg.rings.features || [];
    // fills first (faint, non-interactive), then per ring a white halo and its dashed line
    L.geoJSON(msg.rings, {
      interactive: false, renderer: renderer, pane: "rm-incident",
      style: function (f) {
        var s = ringStyle(f.properties.zone);
        return {stroke: false, fillColor: s.color, fillOpacity: s.fillOpacity || 0};
      }
    }).addTo(group);
    if (msg.downwind) {
      var d = opts().downwind || {color: "#00838f", weight: 3, dash: "9 5", fillOpacity: 0.16};
      L.geoJSON(msg.downwind, {
        interactive: false, renderer: renderer, pane: "rm-incident",
        style: {color: d.color, weight: d.weight, dashArray: d.dash, fillColor: d.color,
                fillOpacity: d.fillOpacity}
      }).addTo(group);
    }
    var labels = [];
    features.forEach(function (f) {
      var s = ringStyle(f.properties.zone), line = outline(f);
      L.polyline(line, {interactive: false, renderer: renderer, pane: "rm-incident",
                        color: s.halo || "#fff", weight: Number(s.weight) + (s.haloWeight || 4),
                        opacity: 0.85, lineCap: "round"}).addTo(group);
      L.polyline(line, {interactive: false, renderer: renderer, pane: "rm-incident",
                        color: s.color, weight: s.weight, dashArray: s.dash || null,
                        lineCap: s.dash && s.dash.split(" ")[0] < 5 ? "round" : "butt"}).addTo(group);
      var top = northmost(line);
      var lbl = L.marker(top, {
        interactive: false, keyboard: false, pane: "rm-incident-label",
        icon: L.divIcon({className: "rm-ring-label", iconSize: null,
                         html: '<span style="color:' + escapeHtml(s.color) + '">' +
                               escapeHtml(ringLabel(f.properties)) + "</span>"})
      }).addTo(group);
      labels.push(lbl);
    });
    var cps = (msg.checkpoints && msg.checkpoints.features) || [];
    var checkpoints = cps.map(function (f) {
      var c = f.geometry.coordinates;
      return L.marker([c[1], c[0]], {icon: checkpointIcon(), pane: "rm-incident-top", keyboard: false})
        .bindTooltip(escapeHtml((f.properties && f.properties.label) || text("checkpoint")));
    });
    L.marker([msg.lat, msg.lon], {icon: markerIcon(), pane: "rm-incident-marker", keyboard: false,
                                  zIndexOffset: 1000})
      .bindTooltip(escapeHtml(msg.label || "")).addTo(group);
    group._rmLabels = labels;
    group._rmCenter = L.latLng(msg.lat, msg.lon);
    group._rmCheckpoints = checkpoints;
    group._rmShownCheckpoints = L.layerGroup().addTo(group);
    group.addTo(map);
    state.incident = group;
    showSites();

    var legend = document.getElementById("rm-legend");
    if (legend) {
      var div = document.createElement("div");
      div.id = "rm-legend-incident";
      div.innerHTML = legendHtml(msg);
      legend.insertBefore(div, legend.children[1] || null);
      var box = document.getElementById("rm-keep-view");
      if (box) { box.addEventListener("change", function () { setKeepView(box.checked); }); }
    }
    document.documentElement.setAttribute("data-incident", msg.lon + "," + msg.lat);

    var radii = features.map(function (f) { return f.properties.outer_m; }).join(",");
    var key = msg.lon + "," + msg.lat + ":" + radii;
    var isNew = key !== shown.key;
    shown.key = key;
    var outer = features.length ? L.polyline(outline(features[features.length - 1])).getBounds() : null;
    if (outer && !keepView() && (msg.fit === true || (isNew && !ringsWellInView(outer)))) {
      map.fitBounds(outer, {padding: [16, 16], animate: false});
      document.documentElement.setAttribute("data-incident-fit", key);
    }
    updateLabels();
    declutterCheckpoints();
  }

  /* checkpoints where they would overlap (a dense street grid has hundreds on a ring) are
   * thinned at this zoom: each shown one keeps MIN_GAP px around it; all show when zoomed in */
  var MIN_GAP = 16;
  function declutterCheckpoints() {
    var group = state.incident, map = state.map;
    if (!group || !group._rmCheckpoints) { return; }
    var shown = group._rmShownCheckpoints, grid = {}, n = 0;
    shown.clearLayers();
    group._rmCheckpoints.forEach(function (m) {
      var p = map.latLngToLayerPoint(m.getLatLng()), gx = Math.floor(p.x / MIN_GAP),
          gy = Math.floor(p.y / MIN_GAP);
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          var cell = grid[(gx + dx) + ":" + (gy + dy)];
          if (cell && cell.some(function (q) { return Math.abs(q.x - p.x) < MIN_GAP && Math.abs(q.y - p.y) < MIN_GAP; })) { return; }
        }
      }
      (grid[gx + ":" + gy] = grid[gx + ":" + gy] || []).push(p);
      shown.addLayer(m);
      n++;
    });
    document.documentElement.setAttribute("data-checkpoints-shown", n + "/" + group._rmCheckpoints.length);
  }

  /* the sensitive sites (off on the city-wide view, where 900 of them hide the map) are
   * switched on with the first incident of the page: the schools and hospitals in the rings */
  var sitesShown = false;
  function showSites() {
    if (sitesShown) { return; }
    sitesShown = true;
    var map = state.map, layer = state.sitesLayer;  // set by riskmap-map-sensitive.js
    if (layer && !map.hasLayer(layer)) { map.addLayer(layer); }
  }

  /* "my location" (incident tab, https or localhost only: browsers give no position elsewhere):
   * the position is posted as a CLICK, so the incident tab places the incident there */
  var LocateControl = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function () {
      var div = L.DomUtil.create("div", "leaflet-bar rm-locate");
      var a = L.DomUtil.create("a", "", div);
      a.href = "#";
      a.setAttribute("role", "button");
      a.id = "rm-locate";
      a.title = text("locate");
      a.setAttribute("aria-label", text("locate"));
      a.innerHTML = '<span aria-hidden="true">&#9678;</span>';
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.on(a, "click", function (ev) {
        L.DomEvent.preventDefault(ev);
        locate(a);
      });
      return div;
    }
  });
  function locate(button) {
    var map = state.map;
    button.classList.add("rm-busy");
    button.title = text("locating");
    navigator.geolocation.getCurrentPosition(function (pos) {
      button.classList.remove("rm-busy");
      button.title = text("locate");
      var lon = pos.coords.longitude, lat = pos.coords.latitude;
      document.documentElement.setAttribute("data-located", lon + "," + lat);
      post(RISKMAP_MSG.CLICK, {lon: lon, lat: lat, zoom: map.getZoom(), source: "location"});
    }, function () {
      button.classList.remove("rm-busy");
      button.title = text("locateFailed");
      document.documentElement.setAttribute("data-located", "failed");
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }
  var locateControl = null;
  function onMode(mode) {
    var map = state.map;
    if (!map) { return; }
    var wanted = mode === "incident" && window.isSecureContext && !!navigator.geolocation;
    if (wanted && !locateControl) { locateControl = new LocateControl().addTo(map); }
    if (!wanted && locateControl) { map.removeControl(locateControl); locateControl = null; }
  }

  function init() {
    var map = state.map;
    if (!map) { return; }
    // above the rings: checkpoints, then the ring labels, then the incident point on top of all
    if (!map.getPane("rm-incident-top")) { map.createPane("rm-incident-top").style.zIndex = "620"; }
    if (!map.getPane("rm-incident-label")) { map.createPane("rm-incident-label").style.zIndex = "630"; }
    if (!map.getPane("rm-incident-marker")) { map.createPane("rm-incident-marker").style.zIndex = "640"; }
    map.on("zoomend", function () { updateLabels(); declutterCheckpoints(); });
    state.onMode = onMode;
    onMode(state.mode);
  }
  init();

  rm.onCommand(RISKMAP_MSG.INCIDENT, showIncident);
  rm.onCommand(RISKMAP_MSG.CLEAR_INCIDENT, function () {
    showIncident(null);
    document.documentElement.removeAttribute("data-incident");
  });

  rm.showIncident = showIncident;
})();
