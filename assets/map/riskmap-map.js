/* risk-map: code that runs inside the map iframe (served with the folium page, not by Dash).
 *
 * - draws the enterprises from compact column arrays on one canvas (no object per point in Python),
 * - builds popups with every text HTML-escaped,
 * - talks to the parent Dash page by postMessage: clicks and the current view go up,
 *   filter / incident commands come down, so the map is never re-rendered (zoom and pan kept).
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
               lastFilter: null};

  // panes, bottom to top: basemap and hazard layers (overlayPane, 400), graded zones,
  // enterprises, incident rings and checkpoints
  var PANES = {"rm-zones": 410, "rm-points": 450, "rm-incident": 470};
  L.Map.addInitHook(function () {
    for (var name in PANES) {
      if (!this.getPane(name)) { this.createPane(name).style.zIndex = String(PANES[name]); }
    }
  });

  function post(message) {
    if (window.parent && window.parent !== window) {
      window.parent.postMessage(message, state.parentOrigin);
    }
  }

  /* ---------------- enterprises: one canvas layer from column arrays ---------------- */
  function enterpriseLayer(data, opts) {
    var renderer = L.canvas({padding: 0.3, pane: "rm-points"});
    var group = L.layerGroup();
    var n = data.n, markers = new Array(n);
    var colors = data.vocab.grade_color;
    var order = [];
    for (var i = 0; i < n; i++) { order.push(i); }
    // draw the least severe first so red points stay on top
    order.sort(function (a, b) { return data.grade[b] - data.grade[a]; });
    var radius = opts.radius || 4;
    for (var k = 0; k < n; k++) {
      var j = order[k];
      var lat = data.lat0 + data.lat[j] / data.scale;
      var lon = data.lon0 + data.lon[j] / data.scale;
      var m = L.circleMarker([lat, lon], {
        renderer: renderer, radius: data.grade[j] === 0 ? radius + 1.5 : radius,
        color: data.major[j] ? "#000000" : "#ffffff", weight: data.major[j] ? 1.4 : 0.5,
        fillColor: colors[data.grade[j]], fillOpacity: 0.9, bubblingMouseEvents: false
      });
      m._rmIndex = j;
      m.on("click", onEnterpriseClick);
      markers[j] = m;
    }
    group._rmMarkers = markers;
    group._rmData = data;
    group._rmOpts = opts;
    group._rmOrder = order;
    applyFilter(group, null);
    return group;
  }

  function onEnterpriseClick(ev) {
    var marker = ev.target, layer = state.enterprises, idx = marker._rmIndex;
    var opts = layer._rmOpts, ll = marker.getLatLng();
    // a click on an enterprise also places an incident there when the commander's tab is open
    post({type: "riskmap:click", lon: ll.lng, lat: ll.lat, zoom: state.map.getZoom(), enterprise: idx});
    marker.bindPopup('<div class="rm-popup">' + escapeHtml(opts.loading || "…") + "</div>").openPopup();
    fetch(opts.detailUrl.replace("{i}", String(idx)))
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) {
        marker.setPopupContent(popupTable(d.title, d.rows));
        post({type: "riskmap:enterprise", index: idx, id: d.id});
      })
      .catch(function () { marker.setPopupContent(escapeHtml(opts.failed || "?")); });
  }

  function matches(data, i, f) {
    if (!f) { return true; }
    if (f.grades && f.grades.indexOf(data.vocab.grade[data.grade[i]]) < 0) { return false; }
    if (f.industries && f.industries.length && f.industries.indexOf(data.vocab.industry[data.industry[i]]) < 0) { return false; }
    if (f.districts && f.districts.length && f.districts.indexOf(data.vocab.district[data.district[i]]) < 0) { return false; }
    if (f.major && !data.major[i]) { return false; }
    return true;
  }

  function applyFilter(group, filter) {
    var data = group._rmData, markers = group._rmMarkers, order = group._rmOrder;
    group.clearLayers();
    var shown = 0;
    for (var k = 0; k < order.length; k++) {
      var i = order[k];
      if (matches(data, i, filter)) { group.addLayer(markers[i]); shown++; }
    }
    group._rmShown = shown;
    document.documentElement.setAttribute("data-enterprises-shown", String(shown));
    return shown;
  }

  /* ---------------- small GeoJSON layers styled by a property, on canvas ---------------- */
  function dataLayer(geojson, opts) {
    var renderer = L.canvas({padding: 0.3});
    function styleOf(props) {
      var s = Object.assign({}, opts.style || {});
      if (opts.colorBy) {
        var v = props[opts.colorBy.property], c = null;
        if (opts.colorBy.breaks) {
          for (var b = 0; b < opts.colorBy.breaks.length; b++) {
            if (Number(v) >= opts.colorBy.breaks[b][0]) { c = opts.colorBy.breaks[b][1]; }
          }
        } else { c = opts.colorBy.colors[v]; }
        if (c) { s.fillColor = c; if (opts.colorBy.stroke) { s.color = c; } }
      }
      if (opts.weightBy) {
        var w = opts.weightBy.weights[props[opts.weightBy.property]];
        if (w) { s.weight = w; }
      }
      return s;
    }
    return L.geoJSON(geojson, {
      renderer: renderer,
      interactive: opts.popup !== undefined,
      style: function (f) { return styleOf(f.properties); },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, Object.assign({renderer: renderer}, styleOf(f.properties)));
      },
      onEachFeature: function (f, layer) {
        if (!opts.popup) { return; }
        layer.on("click", function () {
          var rows = opts.popup.fields.map(function (fl) {
            var v = f.properties[fl[0]];
            if (fl[2] && fl[2][v] !== undefined) { v = fl[2][v]; }
            return [fl[1], v];
          });
          layer.bindPopup(popupTable(f.properties[opts.popup.title] || opts.popup.fallback, rows)).openPopup();
        });
      }
    });
  }

  function labelLayer(points) {
    var group = L.layerGroup();
    points.forEach(function (p) {
      L.marker([p[1], p[0]], {
        interactive: false, keyboard: false,
        icon: L.divIcon({className: "rm-label", html: escapeHtml(p[2]), iconSize: null})
      }).addTo(group);
    });
    return group;
  }

  /* ---------------- incident rings drawn from GeoJSON sent by the parent ---------------- */
  function showIncident(msg) {
    var map = state.map;
    if (state.incident) { map.removeLayer(state.incident); state.incident = null; }
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
    document.documentElement.setAttribute("data-incident", msg.lon + "," + msg.lat);
    if (msg.fit) { map.fitBounds(L.geoJSON(msg.rings).getBounds(), {padding: [20, 20]}); }
  }

  /* ------- computed overlays (graded zones, terrain results) drawn from GeoJSON sent by the parent -------
   * msg = {type: "riskmap:overlay", id, title, geojson, fields: [[prop, label]], legend: [[colour, label]],
   *        colors: {value: colour} with colorBy: prop, or a "_c" colour property on each feature}
   * A message without geojson removes overlay `id`.
   */
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

  function viewMessage() {
    var map = state.map, b = map.getBounds(), c = map.getCenter();
    return {type: "riskmap:view", zoom: map.getZoom(), center: [c.lng, c.lat],
            bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]};
  }

  function radiusFor(zoom, base) {
    if (zoom <= 10) { return base * 0.6; }
    if (zoom <= 12) { return base * 0.85; }
    return base * 1.25;
  }

  function restyleForZoom() {
    var layer = state.enterprises, map = state.map;
    if (!layer || !map) { return; }
    var base = layer._rmOpts.radius || 4, r = radiusFor(map.getZoom(), base);
    if (layer._rmRadius === r) { return; }
    layer._rmRadius = r;
    var data = layer._rmData;
    layer._rmMarkers.forEach(function (m, i) { m.setRadius(data.grade[i] === 0 ? r + 1.5 : r); });
  }

  function bridge(map, opts) {
    state.map = map;
    opts = opts || {};
    L.control.scale({imperial: false, position: "bottomleft"}).addTo(map);
    if (opts.attribution) { map.attributionControl.addAttribution(escapeHtml(opts.attribution)); }
    map.on("zoomend", restyleForZoom);
    restyleForZoom();
    map.on("click", function (e) {
      post({type: "riskmap:click", lon: e.latlng.lng, lat: e.latlng.lat, zoom: map.getZoom()});
    });
    map.on("moveend", function () { post(viewMessage()); });
    window.addEventListener("message", function (ev) {
      var msg = ev.data;
      if (!msg || typeof msg !== "object" || typeof msg.type !== "string") { return; }
      if (msg.type === "riskmap:filter" && state.enterprises) {
        state.lastFilter = msg;
        var shown = applyFilter(state.enterprises, msg);
        post({type: "riskmap:count", shown: shown});
      } else if (msg.type === "riskmap:incident") {
        showIncident(msg);
      } else if (msg.type === "riskmap:clear-incident") {
        showIncident(null);
        document.documentElement.removeAttribute("data-incident");
      } else if (msg.type === "riskmap:overlay") {
        showOverlay(msg);
      } else if (msg.type === "riskmap:fit" && msg.bounds) {
        map.fitBounds([[msg.bounds[1], msg.bounds[0]], [msg.bounds[3], msg.bounds[2]]]);
      }
    });
    document.documentElement.setAttribute("data-map-ready", "1");
    post({type: "riskmap:ready"});
    post(viewMessage());
  }

  function registerEnterprises(layer) { state.enterprises = layer; return layer; }

  window.riskmap = {
    escapeHtml: escapeHtml, enterpriseLayer: function (d, o) { return registerEnterprises(enterpriseLayer(d, o)); },
    dataLayer: dataLayer, labelLayer: labelLayer, bridge: bridge, showIncident: showIncident,
    showOverlay: showOverlay,
    state: state
  };
})();
