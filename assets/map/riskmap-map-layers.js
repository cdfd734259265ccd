/* risk-map (map iframe): the dataset's small layers (districts, roads, slopes, waterlogging,
 * shelters) as GeoJSON on canvas, styled by a property, and the district name labels.
 * Point layers get their own shape (opts.shape "diamond" or "square"), so that waterlogging
 * points and shelters never read as enterprises (circles in grade colours). Also: the legend
 * follows the layer control (a switched-off layer leaves it) and `setOthers` dims or hides the
 * context layers (everything but the basemap and the enterprises) when the analyst asks.
 * Needs riskmap-map-core.js.
 */
(function () {
  "use strict";
  var rm = window.riskmap, state = rm.state, escapeHtml = rm.escapeHtml, popupTable = rm.popupTable;

  /* a point marker drawn as a diamond or a square on the canvas renderer */
  L.Canvas.include({
    _updateShape: function (layer) {
      if (!this._drawing || layer._empty()) { return; }
      var p = layer._point, ctx = this._ctx, r = Math.max(Math.round(layer._radius), 1);
      ctx.beginPath();
      if (layer.options.shape === "diamond") {
        r = r * 1.3;
        ctx.moveTo(p.x, p.y - r); ctx.lineTo(p.x + r, p.y); ctx.lineTo(p.x, p.y + r); ctx.lineTo(p.x - r, p.y);
      } else {
        ctx.rect(p.x - r, p.y - r, 2 * r, 2 * r);
      }
      ctx.closePath();
      this._fillStroke(ctx, layer);
    }
  });
  var ShapeMarker = L.CircleMarker.extend({
    _updatePath: function () { this._renderer._updateShape(this); }
  });

  var BASE = ["districts", "roads", "enterprises"];  // never dimmed: basemap and the points
  var dataLayers = [];

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
    var layer = L.geoJSON(geojson, {
      renderer: renderer,
      interactive: opts.popup !== undefined,
      style: function (f) { return styleOf(f.properties); },
      pointToLayer: function (f, latlng) {
        var o = Object.assign({renderer: renderer}, styleOf(f.properties));
        if (opts.shape) { return new ShapeMarker(latlng, Object.assign(o, {shape: opts.shape})); }
        return L.circleMarker(latlng, o);
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
    layer._rmRenderer = renderer;
    dataLayers.push(layer);
    return layer;
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

  /* context layers: "show" (as drawn), "dim" (faint, not clickable) or "hide" */
  var others = "show";
  function setOthers(mode) {
    others = (mode === "dim" || mode === "hide") ? mode : "show";
    dataLayers.forEach(function (layer) {
      var c = layer._rmRenderer && layer._rmRenderer._container;
      if (!c || BASE.indexOf(layer._rmKey) >= 0) { return; }
      c.style.opacity = others === "dim" ? "0.25" : (others === "hide" ? "0" : "");
      c.style.pointerEvents = others === "show" ? "" : "none";
    });
    document.documentElement.setAttribute("data-others", others);
    syncLegend();
  }

  /* the legend shows the layers that are on the map, and only the grades the filter keeps */
  function syncLegend() {
    var legend = document.getElementById("rm-legend"), map = state.map;
    if (!legend || !map) { return; }
    var on = {};
    map.eachLayer(function (l) { if (l._rmKey) { on[l._rmKey] = true; } });
    Array.prototype.forEach.call(legend.querySelectorAll("[data-rm-layer]"), function (el) {
      var key = el.getAttribute("data-rm-layer");
      var hidden = !on[key] || (others === "hide" && BASE.indexOf(key) < 0);
      el.style.display = hidden ? "none" : "";
    });
    var f = state.lastFilter;
    Array.prototype.forEach.call(legend.querySelectorAll("[data-rm-grade]"), function (el) {
      var keep = !f || !f.grades || f.grades.indexOf(el.getAttribute("data-rm-grade")) >= 0;
      el.style.display = keep ? "" : "none";
    });
    var major = legend.querySelector("[data-rm-major]");
    if (major) { major.style.display = ""; }
  }

  L.Map.addInitHook(function () {
    this.on("overlayadd overlayremove", function (e) {
      // a context layer switched on while the others are dimmed or hidden is dimmed or hidden too
      if (e.type === "overlayadd") { setOthers(others); } else { syncLegend(); }
    });
  });

  rm.dataLayer = dataLayer;
  rm.labelLayer = labelLayer;
  rm.setOthers = setOthers;
  rm.syncLegend = syncLegend;
})();
