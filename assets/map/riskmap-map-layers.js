/* risk-map (map iframe): the dataset's small layers (districts, roads, slopes, waterlogging,
 * shelters) as GeoJSON on canvas, styled by a property, and the district name labels.
 * Needs riskmap-map-core.js.
 */
(function () {
  "use strict";
  var rm = window.riskmap, escapeHtml = rm.escapeHtml, popupTable = rm.popupTable;

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

  rm.dataLayer = dataLayer;
  rm.labelLayer = labelLayer;
})();
