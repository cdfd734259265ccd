/* risk-map, parent page side of the map bridge (auto-loaded by Dash from assets/).
 * Messages from the map iframe (same origin) feed dcc.Stores through dash_clientside.set_props;
 * commands for the map (filters, incidents) are posted into the iframe, and re-sent when the map
 * (re)loads, so the map is never rebuilt to show them. Message names: RISKMAP_MSG
 * (assets/riskmap-messages.js, loaded just before this file).
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

  /* events from the map, by message type */
  var events = {};
  function onEvent(type, handler) { events[type] = handler; }

  onEvent(RISKMAP_MSG.READY, function () {
    Object.keys(lastCommands).forEach(function (k) { send(lastCommands[k]); });
  });
  onEvent(RISKMAP_MSG.CLICK, function (msg) {
    setStore("map-click", {lon: msg.lon, lat: msg.lat, zoom: msg.zoom, t: Date.now()});
  });
  onEvent(RISKMAP_MSG.VIEW, function (msg) {
    setStore("map-view", {center: msg.center, zoom: msg.zoom, bounds: msg.bounds});
  });
  onEvent(RISKMAP_MSG.LAYERS, function (msg) { setStore("map-layers", msg.visible || []); });
  onEvent(RISKMAP_MSG.COUNT, function (msg) {
    var f = frame();
    if (f) { f.setAttribute("data-shown", String(msg.shown)); }
  });

  window.addEventListener("message", function (ev) {
    if (ev.origin !== window.location.origin) { return; }
    var msg = ev.data;
    if (!msg || typeof msg.type !== "string" || !events.hasOwnProperty(msg.type)) { return; }
    events[msg.type](msg);
  });

  /* commands the parent page handles itself; every other command goes into the map */
  var commands = {};
  function onCommand(type, handler) { commands[type] = handler; }

  onCommand(RISKMAP_MSG.RELOAD, function (cmd) {  // new data: load the map again (commands re-sent)
    var f = frame();
    if (f && cmd.src) { f.src = cmd.src; }
  });
  onCommand(RISKMAP_MSG.BATCH, function (cmd) { (cmd.commands || []).forEach(post); });

  // the last command of each kind is re-sent when the map (re)loads; clearing the incident
  // replaces the incident, and each overlay id is its own kind
  function commandKey(cmd) {
    if (cmd.type === RISKMAP_MSG.CLEAR_INCIDENT) { return RISKMAP_MSG.INCIDENT; }
    if (cmd.type === RISKMAP_MSG.OVERLAY) { return RISKMAP_MSG.OVERLAY + ":" + (cmd.id || ""); }
    return cmd.type;
  }

  function post(cmd) {
    if (!cmd || !cmd.type) { return ""; }
    if (commands.hasOwnProperty(cmd.type)) {
      commands[cmd.type](cmd);
      return "";
    }
    lastCommands[commandKey(cmd)] = cmd;
    send(cmd);
    return "";
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {riskmap: {post: post}});
})();
