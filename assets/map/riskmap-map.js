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

  // panes, bottom to top: basemap and hazard layers (overlayPane, 400), enterprises,
  // computed overlays (translucent graded zones, terrain results), incident rings and checkpoints
  var PANES = {"rm-points": 440, "rm-zones": 455, "rm-incident": 470};
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

  /* ---------------- enterprises: one canvas layer from column arrays ----------------
   * No Leaflet object per point: positions are projected once to Web-Mercator pixels at zoom 0,
   * each redraw scales them to the current zoom and fills one path per grade (least severe first,
   * so red stays on top). Clicks are matched to the nearest drawn point through a screen grid.
   */
  var PointsLayer = L.Layer.extend({
    initialize: function (data, opts) {
      this._data = data;
      this._opts = opts;
      var n = data.n, x0 = new Float64Array(n), y0 = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        var lon = data.lon0 + data.lon[i] / data.scale, lat = data.lat0 + data.lat[i] / data.scale;
        var s = Math.sin(lat * Math.PI / 180);
        x0[i] = (lon + 180) / 360 * 256;
        y0[i] = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * 256;
      }
      this._x0 = x0; this._y0 = y0;
      var order = new Uint32Array(n);
      for (var k = 0; k < n; k++) { order[k] = k; }
      // least severe first so that red points are drawn last, on top
      this._order = Array.prototype.slice.call(order).sort(function (a, b) { return data.grade[b] - data.grade[a]; });
      this._mask = new Uint8Array(n).fill(1);
      this._shown = n;
    },
    onAdd: function (map) {
      this._map = map;
      var canvas = this._canvas = L.DomUtil.create("canvas", "rm-points leaflet-zoom-hide");
      map.getPane("rm-points").appendChild(canvas);
      map.on("moveend zoomend resize viewreset", this._schedule, this);
      map.on("click", this._onClick, this);
      map.on("mousemove", this._onMove, this);
      this._redraw();
    },
    _schedule: function () {  // one redraw per frame however many view events fire
      if (this._frame) { return; }
      var self = this;
      this._frame = L.Util.requestAnimFrame(function () { self._frame = null; if (self._map) { self._redraw(); } });
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize viewreset", this._schedule, this);
      map.off("click", this._onClick, this);
      map.off("mousemove", this._onMove, this);
      this._grid = null;
    },
    radius: function () {
      var z = this._map.getZoom(), base = this._opts.radius || 4;
      return z <= 10 ? base * 0.6 : (z <= 12 ? base * 0.85 : base * 1.25);
    },
    setFilter: function (filter) {
      var data = this._data, n = data.n, shown = 0;
      for (var i = 0; i < n; i++) { var ok = matches(data, i, filter) ? 1 : 0; this._mask[i] = ok; shown += ok; }
      this._shown = shown;
      if (this._map) { this._schedule(); }
      return shown;
    },
    _redraw: function () {
      var map = this._map, size = map.getSize(), canvas = this._canvas;
      var ratio = window.devicePixelRatio || 1;
      canvas.width = size.x * ratio; canvas.height = size.y * ratio;
      canvas.style.width = size.x + "px"; canvas.style.height = size.y + "px";
      var topLeft = map.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(canvas, topLeft);
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      var scale = Math.pow(2, map.getZoom());
      var origin = map.getPixelOrigin().add(topLeft);  // layer point (0,0) in world pixels
      var data = this._data, order = this._order, mask = this._mask, x0 = this._x0, y0 = this._y0;
      var colors = data.vocab.grade_color, r = this.radius(), TWO_PI = 2 * Math.PI;
      var cell = 16, cols = Math.ceil(size.x / cell) + 1, grid = {};
      var px = new Float32Array(data.n), py = new Float32Array(data.n);
      var current = -1, majors = [];
      ctx.lineWidth = 0.5; ctx.strokeStyle = "rgba(255,255,255,0.9)"; ctx.globalAlpha = 0.9;
      ctx.beginPath();
      for (var k = 0; k < order.length; k++) {
        var i = order[k];
        if (!mask[i]) { continue; }
        var x = x0[i] * scale - origin.x, y = y0[i] * scale - origin.y;
        if (x < -10 || y < -10 || x > size.x + 10 || y > size.y + 10) { continue; }
        var g = data.grade[i];
        if (g !== current) {
          if (current >= 0) { ctx.fill(); ctx.stroke(); ctx.beginPath(); }
          current = g; ctx.fillStyle = colors[g];
        }
        var rr = g === 0 ? r + 1.5 : r;
        ctx.moveTo(x + rr, y); ctx.arc(x, y, rr, 0, TWO_PI);
        px[i] = x; py[i] = y;
        if (data.major[i]) { majors.push(i); }
        var key = Math.floor(x / cell) + Math.floor(y / cell) * cols;
        (grid[key] || (grid[key] = [])).push(i);
      }
      if (current >= 0) { ctx.fill(); ctx.stroke(); }
      if (majors.length) {  // a black ring marks major hazard sources
        ctx.globalAlpha = 1; ctx.lineWidth = map.getZoom() <= 11 ? 0.8 : 1.4; ctx.strokeStyle = "#000";
        ctx.beginPath();
        majors.forEach(function (i) {
          var rr = (data.grade[i] === 0 ? r + 1.5 : r) + 0.7;
          ctx.moveTo(px[i] + rr, py[i]); ctx.arc(px[i], py[i], rr, 0, TWO_PI);
        });
        ctx.stroke();
      }
      this._grid = {cells: grid, cell: cell, cols: cols, px: px, py: py, r: r + 3};
      if (!this._painted && window.performance && performance.mark) {
        this._painted = true;
        performance.mark("riskmap-painted");  // for bench/bench_map.py: first paint of the points
      }
      document.documentElement.setAttribute("data-enterprises-drawn", String(order.length));
    },
    hit: function (containerPoint) {
      var g = this._grid;
      if (!g) { return -1; }
      var best = -1, bestD = g.r * g.r;
      var cx = Math.floor(containerPoint.x / g.cell), cy = Math.floor(containerPoint.y / g.cell);
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          var list = g.cells[(cx + dx) + (cy + dy) * g.cols];
          if (!list) { continue; }
          for (var k = 0; k < list.length; k++) {
            var i = list[k], ex = g.px[i] - containerPoint.x, ey = g.py[i] - containerPoint.y;
            var d = ex * ex + ey * ey;
            // ties go to the later (more severe, drawn on top) point
            if (d <= bestD) { bestD = d; best = i; }
          }
        }
      }
      return best;
    },
    latLngOf: function (i) {
      var d = this._data;
      return L.latLng(d.lat0 + d.lat[i] / d.scale, d.lon0 + d.lon[i] / d.scale);
    },
    _onMove: function (e) {
      var over = this.hit(e.containerPoint) >= 0;
      this._map.getContainer().style.cursor = over ? "pointer" : "";
    },
    _onClick: function (e) {
      var i = this.hit(e.containerPoint);
      if (i < 0) { return; }
      e.rmEnterprise = i;
      openEnterprise(this, i);
    }
  });

  function openEnterprise(layer, idx) {
    var opts = layer._opts, ll = layer.latLngOf(idx), map = state.map;
    // a click on an enterprise also places an incident there when the commander's tab is open
    post({type: "riskmap:click", lon: ll.lng, lat: ll.lat, zoom: map.getZoom(), enterprise: idx});
    var popup = L.popup({offset: [0, -4]}).setLatLng(ll)
      .setContent('<div class="rm-popup">' + escapeHtml(opts.loading || "…") + "</div>").openOn(map);
    fetch(opts.detailUrl.replace("{i}", String(idx)))
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) {
        popup.setContent(popupTable(d.title, d.rows));
        post({type: "riskmap:enterprise", index: idx, id: d.id});
      })
      .catch(function () { popup.setContent(escapeHtml(opts.failed || "?")); });
  }

  function enterpriseLayer(data, opts) {
    var layer = new PointsLayer(data, opts);
    document.documentElement.setAttribute("data-enterprises-shown", String(layer._shown));
    return layer;
  }

  function matches(data, i, f) {
    if (!f) { return true; }
    if (f.grades && f.grades.indexOf(data.vocab.grade[data.grade[i]]) < 0) { return false; }
    if (f.industries && f.industries.length && f.industries.indexOf(data.vocab.industry[data.industry[i]]) < 0) { return false; }
    if (f.districts && f.districts.length && f.districts.indexOf(data.vocab.district[data.district[i]]) < 0) { return false; }
    if (f.major && !data.major[i]) { return false; }
    return true;
  }

  function applyFilter(layer, filter) {
    var shown = layer.setFilter(filter);
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

  function visibleLayers() {
    var keys = [];
    state.map.eachLayer(function (l) { if (l._rmKey && keys.indexOf(l._rmKey) < 0) { keys.push(l._rmKey); } });
    return keys;
  }

  function bridge(map, opts) {
    state.map = map;
    opts = opts || {};
    L.control.scale({imperial: false, position: "bottomleft"}).addTo(map);
    if (opts.attribution) { map.attributionControl.addAttribution(escapeHtml(opts.attribution)); }
    map.on("click", function (e) {
      var ents = state.enterprises;
      // a click on an enterprise point is handled (and posted) by the enterprise layer
      if (e.rmEnterprise !== undefined || (ents && ents._map && ents.hit(e.containerPoint) >= 0)) { return; }
      post({type: "riskmap:click", lon: e.latlng.lng, lat: e.latlng.lat, zoom: map.getZoom()});
    });
    map.on("moveend", function () { post(viewMessage()); });
    map.on("overlayadd overlayremove", function () {
      post({type: "riskmap:layers", visible: visibleLayers()});
    });
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
    if (window.performance && performance.mark) { performance.mark("riskmap-ready"); }
    document.documentElement.setAttribute("data-map-ready", "1");
    post({type: "riskmap:ready"});
    post(viewMessage());
    post({type: "riskmap:layers", visible: visibleLayers()});
  }

  function registerEnterprises(layer) { state.enterprises = layer; return layer; }

  /* ---------------- optional online/intranet tiles (never loaded by default) ----------------
   * GCJ-02 tiles (Amap/Gaode, Tencent) show a place at its GCJ-02 position, ~500 m off in
   * Shenzhen. Each tile is moved by the WGS 84 → GCJ-02 offset at its centre, which varies by far
   * less than a pixel within one tile at any zoom, so the tiles line up with the WGS 84 data.
   */
  var GCJ_A = 6378245.0, GCJ_EE = 0.00669342162296594323;
  function gcjDelta(lon, lat) {
    var x = lon - 105.0, y = lat - 35.0, PI = Math.PI;
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) +
      (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0 +
      (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0 +
      (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) +
      (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0 +
      (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0 +
      (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radLat = lat / 180.0 * PI, magic = 1 - GCJ_EE * Math.sin(radLat) * Math.sin(radLat);
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((GCJ_A * (1 - GCJ_EE)) / (magic * sqrtMagic) * PI);
    dLon = (dLon * 180.0) / (GCJ_A / sqrtMagic * Math.cos(radLat) * PI);
    return [dLon, dLat];
  }
  function wgs84ToGcj02(lon, lat) {
    if (lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271) { return [lon, lat]; }
    var d = gcjDelta(lon, lat);
    return [lon + d[0], lat + d[1]];
  }

  var ShiftedTileLayer = L.TileLayer.extend({
    createTile: function (coords, done) {
      var tile = L.TileLayer.prototype.createTile.call(this, coords, done);
      if (this.options.gcj02) {
        var size = this.getTileSize(), map = this._map;
        var nw = coords.scaleBy(size), centre = nw.add(size.divideBy(2));
        var ll = map.unproject(centre, coords.z);
        var g = wgs84ToGcj02(ll.lng, ll.lat);
        var shifted = map.project(L.latLng(g[1], g[0]), coords.z);
        // content drawn at the GCJ-02 pixel goes back to the WGS 84 pixel
        tile.style.marginLeft = (centre.x - shifted.x).toFixed(2) + "px";
        tile.style.marginTop = (centre.y - shifted.y).toFixed(2) + "px";
      }
      return tile;
    }
  });

  function tileLayer(url, opts) {
    return new ShiftedTileLayer(url, opts || {});
  }

  /* data blocks: <script type="application/json" id=…>, parsed with JSON.parse (much faster than
   * the same data as a JavaScript literal) */
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }

  window.riskmap = {
    data: data,
    tileLayer: tileLayer, wgs84ToGcj02: wgs84ToGcj02,
    escapeHtml: escapeHtml, enterpriseLayer: function (d, o) { return registerEnterprises(enterpriseLayer(d, o)); },
    dataLayer: dataLayer, labelLayer: labelLayer, bridge: bridge, showIncident: showIncident,
    showOverlay: showOverlay,
    state: state
  };
})();
