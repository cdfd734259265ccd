/* risk-map, parent page side of the map bridge (auto-loaded by Dash from assets/).
 * Messages from the map iframe (same origin) feed dcc.Stores through dash_clientside.set_props;
 * commands for the map (filters, incidents) are posted into the iframe, and re-sent when the map
 * (re)loads, so the map is never rebuilt to show them.
 */
(function () {
  "use strict";
  var lastCommands = {};

  function frame() { return document.getElementById("map-frame"); }

  function send(cmd) {
    var f = frame();
    if (f && f.contentWindow) { f.contentWindow.postMessage(cmd, window.location.origin); }
  }

  window.addEventListener("message", function (ev) {
    if (ev.origin !== window.location.origin) { return; }
    var msg = ev.data;
    if (!msg || typeof msg.type !== "string" || msg.type.indexOf("riskmap:") !== 0) { return; }
    var set = window.dash_clientside && window.dash_clientside.set_props;
    if (msg.type === "riskmap:ready") {
      Object.keys(lastCommands).forEach(function (k) { send(lastCommands[k]); });
    } else if (msg.type === "riskmap:click" && set) {
      set("map-click", {data: {lon: msg.lon, lat: msg.lat, zoom: msg.zoom, t: Date.now()}});
    } else if (msg.type === "riskmap:view" && set) {
      set("map-view", {data: {center: msg.center, zoom: msg.zoom, bounds: msg.bounds}});
    } else if (msg.type === "riskmap:count") {
      var f = frame();
      if (f) { f.setAttribute("data-shown", String(msg.shown)); }
    }
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    riskmap: {
      post: function (cmd) {
        if (!cmd || !cmd.type) { return ""; }
        if (cmd.type === "riskmap:batch") {
          (cmd.commands || []).forEach(function (c) { window.dash_clientside.riskmap.post(c); });
          return "";
        }
        var key = cmd.type === "riskmap:clear-incident" ? "riskmap:incident" : cmd.type;
        if (cmd.type === "riskmap:overlay") { key = "riskmap:overlay:" + (cmd.id || ""); }
        lastCommands[key] = cmd;
        send(cmd);
        return "";
      }
    }
  });
})();
