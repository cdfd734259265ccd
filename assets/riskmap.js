/* risk-map, parent page side of the map bridge (auto-loaded by Dash from assets/).
 * Messages from the map iframe (same origin) feed dcc.Stores through dash_clientside.set_props;
 * commands for the map (filters, incidents) are posted into the iframe, and re-sent when the map
 * (re)loads, so the map is never rebuilt to show them.
 */
(function () {
  "use strict";
  var lastCommands = {};

  function frame() { return document.getElementById("map-frame"); }

  // The map can be ready before Dash has rendered its layout (it loads in parallel): keep the
  // latest value per store and retry until Dash accepts it.
  var pending = {};
  function setStore(id, data) {
    pending[id] = data;
    flush();
  }
  function flush() {
    var set = window.dash_clientside && window.dash_clientside.set_props;
    Object.keys(pending).forEach(function (id) {
      try {
        if (!set) { throw new Error("dash not ready"); }
        set(id, {data: pending[id]});
        delete pending[id];
      } catch (e) {
        if (!flush.timer) { flush.timer = setTimeout(function () { flush.timer = null; flush(); }, 250); }
      }
    });
  }

  function send(cmd) {
    var f = frame();
    if (f && f.contentWindow) { f.contentWindow.postMessage(cmd, window.location.origin); }
  }

  window.addEventListener("message", function (ev) {
    if (ev.origin !== window.location.origin) { return; }
    var msg = ev.data;
    if (!msg || typeof msg.type !== "string" || msg.type.indexOf("riskmap:") !== 0) { return; }
    if (msg.type === "riskmap:ready") {
      Object.keys(lastCommands).forEach(function (k) { send(lastCommands[k]); });
    } else if (msg.type === "riskmap:click") {
      setStore("map-click", {lon: msg.lon, lat: msg.lat, zoom: msg.zoom, t: Date.now()});
    } else if (msg.type === "riskmap:view") {
      setStore("map-view", {center: msg.center, zoom: msg.zoom, bounds: msg.bounds});
    } else if (msg.type === "riskmap:layers") {
      setStore("map-layers", msg.visible || []);
    } else if (msg.type === "riskmap:count") {
      var f = frame();
      if (f) { f.setAttribute("data-shown", String(msg.shown)); }
    }
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    riskmap: {
      post: function (cmd) {
        if (!cmd || !cmd.type) { return ""; }
        if (cmd.type === "riskmap:reload") {  // new data: load the map again (commands re-sent)
          var f = frame();
          if (f && cmd.src) { f.src = cmd.src; }
          return "";
        }
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
