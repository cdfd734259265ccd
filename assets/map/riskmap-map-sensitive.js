/* risk-map (map iframe): the "house" point shape of sensitive sites (schools, kindergartens,
 * hospitals, care homes, markets, venues): a pentagon with a roof, so a site never reads as an
 * enterprise (circle), a waterlogging point (diamond) or a shelter (square). The layer itself
 * is an ordinary riskmap.dataLayer with opts.shape "house" (layers/sensitive.py builds its
 * options) on its own pane just above the enterprises (a school is not hidden under 15,000
 * dots); this file teaches the canvas renderer that shape. Needs riskmap-map-layers.js.
 */
(function () {
  "use strict";
  var rm = window.riskmap;
  L.Map.addInitHook(function () {
    if (!this.getPane("rm-sites")) { this.createPane("rm-sites").style.zIndex = "445"; }
  });

  function sensitiveLayer(geojson, opts) {
    var layer = rm.dataLayer(geojson, Object.assign({}, opts, {shape: "house"}));
    if (layer._rmRenderer) { layer._rmRenderer.options.pane = "rm-sites"; }
    rm.state.sitesLayer = layer;  // the first incident switches it on (riskmap-map-incident.js)
    return layer;
  }
  rm.sensitiveLayer = sensitiveLayer;

  var drawShape = L.Canvas.prototype._updateShape;
  L.Canvas.include({
    _updateShape: function (layer) {
      if (layer.options.shape !== "house") { return drawShape.call(this, layer); }
      if (!this._drawing || layer._empty()) { return; }
      var p = layer._point, ctx = this._ctx, r = Math.max(Math.round(layer._radius), 1) * 1.2;
      ctx.beginPath();
      ctx.moveTo(p.x, p.y - r);                 // the roof's ridge
      ctx.lineTo(p.x + r, p.y - 0.2 * r);
      ctx.lineTo(p.x + r, p.y + r);
      ctx.lineTo(p.x - r, p.y + r);
      ctx.lineTo(p.x - r, p.y - 0.2 * r);
      ctx.closePath();
      this._fillStroke(ctx, layer);
    }
  });
})();
