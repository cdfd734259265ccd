/* risk-map (map iframe): hidden dangers (隐患) as of a date, one canvas layer drawn from compact
 * arrays (like the enterprise layer: no Leaflet object per point). Handles two commands:
 *   HAZARDS    {data: {n, lon0, lat0, scale, lon[], lat[], found[], closed[], deadline[] (days
 *               since 1970-01-01, -1: none), major[] (0/1), district[] (index), districts
 *               [[name, lon, lat]], id[], seg {i[], day[], closed[], deadline[]}: the
 *               segments of the hazards whose history needs them, labels {...}}, day,
 *               states: [1 open, 2 overdue,
 *               3 closed] drawn}; without data: remove the layer
 *   HAZARDS_AT {day}: show the state of every hazard at the end of that day
 * Symbols: a diamond for a major hazard, a dot for a general one; red = overdue, orange = open,
 * green = closed (smaller, translucent); not yet found: not drawn. At city zoom (<= 10) one
 * circle per district instead, sized by its open hazards, with the count. A small legend
 * (bottom left) while the layer is on. Needs riskmap-map-core.js.
 */
(function () {
  "use strict";
  var rm = window.riskmap, state = rm.state, escapeHtml = rm.escapeHtml;
  var COLORS = {open: "#fb8c00", overdue: "#d32f2f", closed: "#43a047"};
  var DENSITY_ZOOM = 10;

  /* this script is deferred: the map exists already, so the pane is made when first needed */
  function pane(map) {
    var p = map.getPane("rm-hazards");
    if (!p) { p = map.createPane("rm-hazards"); p.style.zIndex = "462"; }
    return p;
  }

  /* hazard index -> its segments [[from day, closed 0/1, deadline or -1], ...] (day order) */
  function segmentsOf(data) {
    var seg = data.seg, out = {};
    if (!seg || !seg.i) { return out; }
    for (var k = 0; k < seg.i.length; k++) {
      (out[seg.i[k]] = out[seg.i[k]] || []).push([seg.day[k], seg.closed[k], seg.deadline[k]]);
    }
    return out;
  }

  /* 0: not found yet, 1: open, 2: overdue, 3: closed (as of the end of `day`); a hazard with
   * segments (reopened, deadline changed) takes its closed flag and deadline from the last
   * segment begun by `day` (the rule of risk/hazards.py timeline, same as the counts) */
  function stateOf(d, i, day) {
    if (d.found[i] > day) { return 0; }
    var closed = d.closed[i] >= 0 && d.closed[i] <= day, deadline = d.deadline[i];
    var segs = d._segs[i];
    if (segs) {
      closed = false; deadline = -1;
      for (var k = 0; k < segs.length && segs[k][0] <= day; k++) { closed = segs[k][1] === 1; deadline = segs[k][2]; }
    }
    if (closed) { return 3; }
    if (deadline >= 0 && deadline < day) { return 2; }
    return 1;
  }

  var HazardLayer = L.Layer.extend({
    initialize: function (data, day, states) {
      data._segs = segmentsOf(data);
      this._data = data; this._day = day;
      this._states = {1: true, 2: true, 3: true};
      if (states) { this._states = {}; for (var s = 0; s < states.length; s++) { this._states[states[s]] = true; } }
      var n = data.n, x0 = new Float64Array(n), y0 = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        var lon = data.lon0 + data.lon[i] / data.scale, lat = data.lat0 + data.lat[i] / data.scale;
        var s = Math.sin(lat * Math.PI / 180);
        x0[i] = (lon + 180) / 360 * 256;
        y0[i] = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * 256;
      }
      this._x0 = x0; this._y0 = y0;
    },
    onAdd: function (map) {
      this._map = map;
      this._canvas = L.DomUtil.create("canvas", "rm-hazards leaflet-zoom-hide");
      pane(map).appendChild(this._canvas);
      map.on("moveend zoomend resize viewreset", this._schedule, this);
      map.on("click", this._onClick, this);
      this._redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize viewreset", this._schedule, this);
      map.off("click", this._onClick, this);
    },
    setDay: function (day) { this._day = day; if (this._map) { this._schedule(); } else { this._count(); } },
    _schedule: function () {
      if (this._frame) { return; }
      var self = this;
      this._frame = L.Util.requestAnimFrame(function () { self._frame = null; if (self._map) { self._redraw(); } });
    },
    _count: function () {
      var d = this._data, day = this._day, counts = [0, 0, 0, 0];
      for (var i = 0; i < d.n; i++) { counts[stateOf(d, i, day)]++; }
      var root = document.documentElement;
      root.setAttribute("data-hazards-day", String(day));
      root.setAttribute("data-hazards-found", String(d.n - counts[0]));
      root.setAttribute("data-hazards-open", String(counts[1] + counts[2]));
      root.setAttribute("data-hazards-overdue", String(counts[2]));
      root.setAttribute("data-hazards-closed", String(counts[3]));
      return counts;
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
      this._count();
      var density = map.getZoom() <= DENSITY_ZOOM;
      document.documentElement.setAttribute("data-hazards-view", density ? "density" : "points");
      if (density) { this._density(ctx, topLeft); } else { this._points(ctx, topLeft, size); }
    },
    _points: function (ctx, topLeft, size) {
      var map = this._map, d = this._data, day = this._day, scale = Math.pow(2, map.getZoom());
      var origin = map.getPixelOrigin().add(topLeft), TWO_PI = 2 * Math.PI;
      var px = new Float32Array(d.n), py = new Float32Array(d.n), shown = new Uint8Array(d.n);
      // closed first (under), then open, then overdue; general before major within each
      [3, 1, 2].forEach(function (st) {
        if (!this._states[st]) { return; }
        [0, 1].forEach(function (maj) {
          ctx.beginPath();
          ctx.fillStyle = st === 3 ? COLORS.closed : (st === 2 ? COLORS.overdue : COLORS.open);
          ctx.globalAlpha = st === 3 ? 0.45 : 0.95;
          ctx.strokeStyle = maj ? "#000" : "rgba(255,255,255,0.9)";
          ctx.lineWidth = maj ? 1 : 0.5;
          for (var i = 0; i < d.n; i++) {
            if (d.major[i] !== maj || stateOf(d, i, day) !== st) { continue; }
            var x = this._x0[i] * scale - origin.x, y = this._y0[i] * scale - origin.y;
            if (x < -10 || y < -10 || x > size.x + 10 || y > size.y + 10) { continue; }
            var r = (maj ? 6 : 3.5) * (st === 3 ? 0.7 : 1);
            if (maj) { ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); ctx.closePath(); }
            else { ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, TWO_PI); }
            px[i] = x; py[i] = y; shown[i] = 1;
          }
          ctx.fill(); ctx.stroke();
        }, this);
      }, this);
      ctx.globalAlpha = 1;
      this._hit = {px: px, py: py, shown: shown};
    },
    _density: function (ctx, topLeft) {
      var map = this._map, d = this._data, day = this._day, per = {}, over = {};
      for (var i = 0; i < d.n; i++) {
        var st = stateOf(d, i, day);
        if ((st === 1 || st === 2) && this._states[st]) { per[d.district[i]] = (per[d.district[i]] || 0) + 1; }
        if (st === 2) { over[d.district[i]] = (over[d.district[i]] || 0) + 1; }
      }
      ctx.font = "bold 12px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
      (d.districts || []).forEach(function (dist, k) {
        var n = per[k] || 0;
        if (!n) { return; }
        var p = map.latLngToLayerPoint([dist[2], dist[1]]).subtract(topLeft);
        var r = 8 + 3 * Math.sqrt(n);
        ctx.globalAlpha = 0.75; ctx.fillStyle = (over[k] || 0) > n / 3 ? COLORS.overdue : COLORS.open;
        ctx.beginPath(); ctx.arc(p.x, p.y, r, 0, 2 * Math.PI); ctx.fill();
        ctx.globalAlpha = 1; ctx.fillStyle = "#fff"; ctx.fillText(String(n), p.x, p.y);
      });
      var total = 0;
      for (var key in per) { total += per[key]; }
      document.documentElement.setAttribute("data-hazards-density-total", String(total));
      this._hit = null;
    },
    _onClick: function (e) {
      var h = this._hit, d = this._data;
      if (!h) { return; }
      var best = -1, bestD = 64, cp = e.containerPoint;
      for (var i = 0; i < d.n; i++) {
        if (!h.shown[i]) { continue; }
        var dx = h.px[i] - cp.x, dy = h.py[i] - cp.y, dd = dx * dx + dy * dy;
        if (dd <= bestD) { bestD = dd; best = i; }
      }
      if (best < 0) { return; }
      var lab = d.labels || {}, st = stateOf(d, best, this._day);
      var stName = [lab.not_found, lab.open, lab.overdue, lab.closed][st];
      var rows = [[lab.id || "id", d.id[best]], [lab.level || "level", d.major[best] ? lab.major : lab.general],
                  [lab.state || "state", stName], [lab.found || "found", dayText(d.found[best])],
                  [lab.deadline || "deadline", d.deadline[best] >= 0 ? dayText(d.deadline[best]) : ""],
                  [lab.closed || "closed", d.closed[best] >= 0 ? dayText(d.closed[best]) : ""]];
      var ll = L.latLng(d.lat0 + d.lat[best] / d.scale, d.lon0 + d.lon[best] / d.scale);
      L.popup({offset: [0, -4]}).setLatLng(ll).setContent(rm.popupTable(escapeHtml(lab.title || ""), rows)).openOn(this._map);
    }
  });

  function dayText(day) { return new Date(day * 86400000).toISOString().slice(0, 10); }

  /* the legend of the hazard symbols, while the layer is on the map (texts from the payload) */
  var HazardLegend = L.Control.extend({
    options: {position: "bottomleft"},
    initialize: function (labels) { this._labels = labels || {}; },
    onAdd: function () {
      var lab = this._labels, box = L.DomUtil.create("div", "rm-hazard-legend");
      box.style.cssText = "background:rgba(255,255,255,0.92);padding:4px 6px;border-radius:4px;" +
        "font-size:11px;line-height:1.5;box-shadow:0 1px 3px rgba(0,0,0,0.3);max-width:220px";
      function swatch(color, shape) {
        return shape === "diamond"
          ? '<span style="display:inline-block;width:8px;height:8px;margin:0 4px 0 2px;transform:rotate(45deg);border:1px solid #000;background:' + color + '"></span>'
          : '<span style="display:inline-block;width:8px;height:8px;margin:0 4px 0 2px;border-radius:50%;background:' + color + '"></span>';
      }
      box.innerHTML = "<b>" + escapeHtml(lab.legend || "") + "</b><br>" +
        swatch("#fff", "diamond") + escapeHtml(lab.major || "") + " " + swatch("#999") + escapeHtml(lab.general || "") + "<br>" +
        swatch(COLORS.overdue) + escapeHtml(lab.overdue || "") + " " + swatch(COLORS.open) + escapeHtml(lab.open || "") +
        " " + swatch(COLORS.closed) + escapeHtml(lab.closed_state || "") + "<br>" +
        '<span style="color:#555">' + escapeHtml(lab.density || "") + "</span>";
      L.DomEvent.disableClickPropagation(box);
      return box;
    }
  });

  rm.onCommand(RISKMAP_MSG.HAZARDS, function (msg) {
    var map = state.map;
    if (state.hazards) { map.removeLayer(state.hazards); state.hazards = null; }
    if (state.hazardLegend) { map.removeControl(state.hazardLegend); state.hazardLegend = null; }
    if (!msg.data) {
      document.documentElement.removeAttribute("data-hazards-day");
      document.documentElement.removeAttribute("data-hazards-view");
      return;
    }
    var day = msg.day;
    state.hazards = new HazardLayer(msg.data, day, msg.states).addTo(map);
    state.hazardLegend = new HazardLegend(msg.data.labels).addTo(map);
  });

  rm.onCommand(RISKMAP_MSG.HAZARDS_AT, function (msg) {
    state.hazardsDay = msg.day;
    if (state.hazards) { state.hazards.setDay(msg.day); }
  });
})();
