/* risk-map (map iframe): the enterprises, one canvas layer drawn from column arrays.
 * No Leaflet object per point: positions are projected once to Web-Mercator pixels at zoom 0,
 * each redraw scales them to the current zoom and fills one path per grade (least severe first,
 * so red stays on top). Clicks are matched to the nearest drawn point through a screen grid; a
 * click opens a popup with the details fetched from the app. Handles the FILTER command.
 * Needs riskmap-map-core.js.
 */
(function () {
  "use strict";
  var rm = window.riskmap, state = rm.state, escapeHtml = rm.escapeHtml, post = rm.post;

  var HEX_PX = 14, DENSITY_MAX_ZOOM = 11;
  var RAMP = ["#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"];

  /* the legend entry of the density view, shown while it is drawn */
  function densityLegend(on) {
    var legend = document.getElementById("rm-legend"), old = document.getElementById("rm-legend-density");
    if (!on) { if (old) { old.parentNode.removeChild(old); } return; }
    if (old || !legend) { return; }
    var en = (document.querySelector('meta[name="riskmap-lang"]') || {}).content === "en";
    var div = document.createElement("div");
    div.id = "rm-legend-density";
    var html = "<div><b>" + escapeHtml(en ? "Density (weighted by grade)" : "密度（按等级加权）") + "</b></div><div>";
    RAMP.forEach(function (c) { html += '<span class="rm-sw" style="background:' + c + ';margin-right:1px"></span>'; });
    html += "</div><div>" + escapeHtml(en ? "red 4, orange 3, yellow 2, blue 1; zoom in for points"
                                         : "红4 橙3 黄2 蓝1；放大显示企业点") + "</div>";
    div.innerHTML = html;
    legend.insertBefore(div, legend.children[1] || null);
  }

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
      if (filter && filter.rowmask && !filter._rows) {  // the rows allowed (overdue inspections)
        filter._rows = maskBits(filter.rowmask, n);
      }
      for (var i = 0; i < n; i++) { var ok = matches(data, i, filter) ? 1 : 0; this._mask[i] = ok; shown += ok; }
      this._shown = shown;
      if (this._map) { this._schedule(); }
      return shown;
    },
    setDensity: function (on) {
      this._density = !!on;
      if (this._map) { this._schedule(); }
    },
    /* the density view: shown points binned into pointy-top hexagons of HEX_PX pixels, each
     * weighted by grade (red 4, orange 3, yellow 2, blue 1), coloured on a light-to-dark ramp
     * relative to the densest hexagon in view; no clicks (zoom in for the points) */
    _drawDensity: function (ctx, size, scale, origin) {
      var data = this._data, mask = this._mask, x0 = this._x0, y0 = this._y0, n = data.n;
      var s = HEX_PX, sqrt3 = Math.sqrt(3), bins = {}, peak = 0;
      for (var i = 0; i < n; i++) {
        if (!mask[i]) { continue; }
        var x = x0[i] * scale - origin.x, y = y0[i] * scale - origin.y;
        if (x < -2 * s || y < -2 * s || x > size.x + 2 * s || y > size.y + 2 * s) { continue; }
        var qf = (sqrt3 / 3 * x - y / 3) / s, rf = (2 / 3 * y) / s, sf = -qf - rf;
        var q = Math.round(qf), r = Math.round(rf), t = Math.round(sf);
        var dq = Math.abs(q - qf), dr = Math.abs(r - rf), ds = Math.abs(t - sf);
        if (dq > dr && dq > ds) { q = -r - t; } else if (dr > ds) { r = -q - t; }
        var key = q + "," + r, w = 4 - data.grade[i];
        var b = bins[key] || (bins[key] = {q: q, r: r, w: 0});
        b.w += w;
        if (b.w > peak) { peak = b.w; }
      }
      var keys = Object.keys(bins);
      ctx.globalAlpha = 0.85; ctx.lineWidth = 0.5; ctx.strokeStyle = "rgba(255,255,255,0.8)";
      keys.forEach(function (k) {
        var b = bins[k], cx = s * sqrt3 * (b.q + b.r / 2), cy = s * 1.5 * b.r;
        var level = Math.min(RAMP.length - 1, Math.floor(Math.sqrt(b.w / peak) * RAMP.length));
        ctx.fillStyle = RAMP[level];
        ctx.beginPath();
        for (var a = 0; a < 6; a++) {
          var ang = Math.PI / 180 * (60 * a + 30);
          var px = cx + s * Math.cos(ang), py = cy + s * Math.sin(ang);
          if (a === 0) { ctx.moveTo(px, py); } else { ctx.lineTo(px, py); }
        }
        ctx.closePath(); ctx.fill(); ctx.stroke();
      });
      this._grid = null;
      document.documentElement.setAttribute("data-density-bins", String(keys.length));
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
      var dense = this._density && map.getZoom() <= DENSITY_MAX_ZOOM;
      document.documentElement.setAttribute("data-density", dense ? "1" : "0");
      densityLegend(dense);
      if (dense) { this._drawDensity(ctx, size, scale, origin); return; }
      document.documentElement.removeAttribute("data-density-bins");
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

  function openEnterprise(layer, idx, quiet) {
    var opts = layer._opts, ll = layer.latLngOf(idx), map = state.map;
    // a click on an enterprise also places an incident there when the commander's tab is open
    // (not when the attribute table asked for it: `quiet`)
    if (!quiet) { post(RISKMAP_MSG.CLICK, {lon: ll.lng, lat: ll.lat, zoom: map.getZoom(), enterprise: idx}); }
    var popup = L.popup({offset: [0, -4]}).setLatLng(ll)
      .setContent('<div class="rm-popup">' + escapeHtml(opts.loading || "…") + "</div>").openOn(map);
    fetch(opts.detailUrl.replace("{i}", String(idx)))
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) { popup.setContent(rm.popupTable(d.title, d.rows)); })
      .catch(function () { popup.setContent(escapeHtml(opts.failed || "?")); });
  }

  /* a row mask sent as URL-safe base64 of its bits (row i = bit i % 8 of byte i >> 3, least
   * significant first; layers/map.py row_mask_b64) as one byte per row; rows past it: 0 */
  function maskBits(b64, n) {
    var out = new Uint8Array(n), bytes;
    try { bytes = window.atob(String(b64).replace(/-/g, "+").replace(/_/g, "/")); } catch (e) { return out; }
    var m = Math.min(n, bytes.length * 8);
    for (var i = 0; i < m; i++) { out[i] = (bytes.charCodeAt(i >> 3) >> (i & 7)) & 1; }
    return out;
  }

  function matches(data, i, f) {
    if (!f) { return true; }
    if (f.grades && f.grades.indexOf(data.vocab.grade[data.grade[i]]) < 0) { return false; }
    if (f.industries && f.industries.length && f.industries.indexOf(data.vocab.industry[data.industry[i]]) < 0) { return false; }
    if (f.districts && f.districts.length && f.districts.indexOf(data.vocab.district[data.district[i]]) < 0) { return false; }
    if (f.major && !data.major[i]) { return false; }
    if (f._rows && !f._rows[i]) { return false; }
    return true;
  }

  function applyFilter(layer, filter) {
    var shown = layer.setFilter(filter);
    document.documentElement.setAttribute("data-enterprises-shown", String(shown));
    return shown;
  }

  /* the enterprise layer of the page (one per map): the bridge and the filter use it */
  function enterpriseLayer(data, opts) {
    var layer = new PointsLayer(data, opts);
    document.documentElement.setAttribute("data-enterprises-shown", String(layer._shown));
    state.enterprises = layer;
    return layer;
  }

  /* the bounds of the points the filter keeps, or null when it keeps none */
  function shownBounds(layer) {
    var d = layer._data, mask = layer._mask, n = d.n;
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (var i = 0; i < n; i++) {
      if (!mask[i]) { continue; }
      var x = d.lon[i], y = d.lat[i];
      if (x < x0) { x0 = x; } if (x > x1) { x1 = x; }
      if (y < y0) { y0 = y; } if (y > y1) { y1 = y; }
    }
    if (x0 === Infinity) { return null; }
    return L.latLngBounds([d.lat0 + y0 / d.scale, d.lon0 + x0 / d.scale],
                          [d.lat0 + y1 / d.scale, d.lon0 + x1 / d.scale]);
  }

  /* FILTER {grades, industries, districts, major, rowmask, fit, others, density}: `density`
   * draws hexagons weighted by grade up to zoom 11 instead of points; `rowmask` (when given)
   * is the rows allowed, base64 of their bits (maskBits); `fit` moves the map onto what
   * the filter keeps (zoom 15 at most); `others` = "show" | "dim" | "hide" the context layers */
  rm.onCommand(RISKMAP_MSG.FILTER, function (msg) {
    if (!state.enterprises) { return; }
    state.lastFilter = msg;
    var shown = applyFilter(state.enterprises, msg);
    state.enterprises.setDensity(msg.density);
    if (rm.setOthers) { rm.setOthers(msg.others); }
    if (msg.fit && shown > 0 && state.map) {
      var b = shownBounds(state.enterprises);
      state.map.fitBounds(b.pad(0.05), {maxZoom: 15, animate: false});
      document.documentElement.setAttribute("data-fit", b.toBBoxString());
    }
    post(RISKMAP_MSG.COUNT, {shown: shown});
  });

  /* FOCUS {index}: fly to enterprise row `index` and open its popup (the attribute table) */
  rm.onCommand(RISKMAP_MSG.FOCUS, function (msg) {
    var layer = state.enterprises, i = Number(msg.index);
    if (!layer || !(i >= 0 && i < layer._data.n) || !state.map) { return; }
    state.map.setView(layer.latLngOf(i), Math.max(state.map.getZoom(), 16), {animate: false});
    openEnterprise(layer, i, true);
    document.documentElement.setAttribute("data-focus", String(i));
  });

  rm.enterpriseLayer = enterpriseLayer;
})();
