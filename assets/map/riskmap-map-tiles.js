/* risk-map (map iframe): optional online/intranet tiles (never loaded by default).
 * GCJ-02 tiles (Amap/Gaode, Tencent) show a place at its GCJ-02 position, ~500 m off in
 * Shenzhen. Each tile is moved by the WGS 84 → GCJ-02 offset at its centre, which varies by far
 * less than a pixel within one tile at any zoom, so the tiles line up with the WGS 84 data.
 * Needs riskmap-map-core.js.
 */
(function () {
  "use strict";
  var rm = window.riskmap;

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

  rm.tileLayer = tileLayer;
  rm.wgs84ToGcj02 = wgs84ToGcj02;
})();
