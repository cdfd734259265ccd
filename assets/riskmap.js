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
    raiseSheetForIncident();
    setStore("map-click", {lon: msg.lon, lat: msg.lat, zoom: msg.zoom, t: Date.now()});
  });
  onEvent(RISKMAP_MSG.VIEW, function (msg) {
    setStore("map-view", {center: msg.center, zoom: msg.zoom, bounds: msg.bounds});
  });
  onEvent(RISKMAP_MSG.LAYERS, function (msg) { setStore("map-layers", msg.visible || []); });
  onEvent(RISKMAP_MSG.AREA, function (msg) {  // select by area (the analyst tab's map-area store)
    setStore("map-area", {area: msg.area || null, t: Date.now()});
  });
  onEvent(RISKMAP_MSG.COUNT, function (msg) {
    var f = frame();
    if (f) { f.setAttribute("data-shown", String(msg.shown)); }
  });
  onEvent(RISKMAP_MSG.PRINT_CENTER, function (msg) {  // the print sheet dragged: the print tab's centre box
    var set = window.dash_clientside && window.dash_clientside.set_props, c = msg.center || [];
    if (!set || c.length !== 2 || !document.getElementById("pdf-center")) { return; }
    try { set("pdf-center", {value: Number(c[0]).toFixed(6) + ", " + Number(c[1]).toFixed(6)}); } catch (e) { /* tab gone */ }
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

  /* the open tab, told to the map (MODE: in "incident" a tap places an incident, no popup) and
   * to the page's CSS (data-tab on <html>); re-sent when the map reloads */
  function mode(tab) {
    document.documentElement.setAttribute("data-tab", String(tab || ""));
    post({type: RISKMAP_MSG.MODE, mode: String(tab || "")});
    return "";
  }

  /* phone and tablet (narrow screens, app.css): the panels are a bottom sheet over the map with
   * three heights, "peek" (the tabs), "half" and "full"; drag or tap its handle. The map frame
   * ends where the sheet begins (the CSS variable --sheet-h), so fitting the map to the rings
   * shows them above the sheet. */
  var SHEET = ["peek", "half", "full"];
  function narrow() { return window.matchMedia("(max-width: 899px)").matches; }
  function sheetEl() { return document.querySelector(".sidebar"); }
  function sheetHeights() {
    var header = document.querySelector(".topbar");
    var room = window.innerHeight - (header ? header.offsetHeight : 46);
    return {peek: Math.min(132, room), half: Math.round(room * 0.5), full: room};
  }
  function setSheet(name, height) {
    var el = sheetEl();
    if (!el) { return; }
    var h = sheetHeights();
    if (SHEET.indexOf(name) < 0) { name = "peek"; }
    el.setAttribute("data-sheet", name);
    document.documentElement.style.setProperty("--sheet-h", (height || h[name]) + "px");
    // the map keeps at least the peek height's worth of frame above a full sheet
    document.documentElement.style.setProperty("--map-bottom", Math.min(height || h[name], h.half) + "px");
  }
  function sheetState() { var el = sheetEl(); return (el && el.getAttribute("data-sheet")) || "peek"; }
  function nearestSheet(height) {
    var h = sheetHeights(), best = "peek";
    SHEET.forEach(function (n) { if (Math.abs(h[n] - height) < Math.abs(h[best] - height)) { best = n; } });
    return best;
  }
  var drag = null;
  document.addEventListener("pointerdown", function (ev) {
    if (!narrow() || !ev.target.closest || !ev.target.closest(".sheet-handle")) { return; }
    drag = {y: ev.clientY, start: sheetEl().offsetHeight, moved: false};
    ev.preventDefault();
  });
  document.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    var dy = drag.y - ev.clientY;
    if (Math.abs(dy) > 6) { drag.moved = true; }
    var h = sheetHeights(), height = Math.max(h.peek, Math.min(h.full, drag.start + dy));
    var el = sheetEl();
    el.classList.add("sheet-dragging");
    el.style.height = height + "px";
  });
  document.addEventListener("pointerup", function (ev) {
    if (!drag) { return; }
    var el = sheetEl(), d = drag;
    drag = null;
    el.classList.remove("sheet-dragging");
    el.style.height = "";
    if (!d.moved) {  // a tap on the handle: the next height up, from full back to peek
      setSheet(SHEET[(SHEET.indexOf(sheetState()) + 1) % SHEET.length]);
    } else {
      setSheet(nearestSheet(d.start + (d.y - ev.clientY)));
    }
  });
  document.addEventListener("keydown", function (ev) {
    if ((ev.key === "Enter" || ev.key === " ") && ev.target.closest && ev.target.closest(".sheet-handle")) {
      ev.preventDefault();
      setSheet(SHEET[(SHEET.indexOf(sheetState()) + 1) % SHEET.length]);
    }
  });
  window.addEventListener("resize", function () { if (sheetEl()) { setSheet(sheetState()); } });
  // choosing a tab on a phone raises a lowered sheet so that the tab shows; the incident tab
  // keeps the map (a tap on it places the incident, which raises the sheet then)
  document.addEventListener("click", function (ev) {
    var tab = ev.target.closest && ev.target.closest(".sidebar .tab");
    if (!tab || !narrow() || sheetState() !== "peek") { return; }
    setTimeout(function () {  // after Dash has told mode() the new tab
      if (document.documentElement.getAttribute("data-tab") !== "incident") { setSheet("half"); }
    }, 200);
  });
  // an incident placed from the map on a phone: raise the sheet so that its summary shows
  function raiseSheetForIncident() {
    if (narrow() && sheetState() === "peek" &&
        document.documentElement.getAttribute("data-tab") === "incident") { setSheet("half"); }
  }
  function initSheet() {
    if (sheetEl()) { setSheet(sheetState()); } else { setTimeout(initSheet, 200); }
  }
  initSheet();

  /* the language switch reloads the page: the incident on screen (place, radii, wind, type,
   * note) is kept in sessionStorage and placed again on the new page */
  var KEEP_KEY = "riskmap.incidentForm";
  var FORM = ["inc-lon", "inc-lat", "inc-radii", "inc-wind", "inc-downwind-km", "inc-note"];
  /* the type is a dropdown, not an <input>: its value comes here from a clientside callback */
  var incidentType = null;
  function keepType(value) { incidentType = value == null ? null : String(value); return ""; }
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("#lang-switch");
    if (!link || !lastCommands[RISKMAP_MSG.INCIDENT] ||
        lastCommands[RISKMAP_MSG.INCIDENT].type !== RISKMAP_MSG.INCIDENT) { return; }
    var form = {};
    FORM.forEach(function (id) { var el = document.getElementById(id); if (el) { form[id] = el.value; } });
    if (incidentType) { form["inc-type"] = incidentType; }
    try { window.sessionStorage.setItem(KEEP_KEY, JSON.stringify(form)); } catch (e) { /* private mode */ }
  }, true);
  function restoreIncident() {
    var saved = null;
    try { saved = JSON.parse(window.sessionStorage.getItem(KEEP_KEY) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved["inc-lon"]) { return; }
    var set = window.dash_clientside && window.dash_clientside.set_props;
    if (!set || !document.getElementById("main-tabs")) { setTimeout(restoreIncident, 250); return; }
    window.sessionStorage.removeItem(KEEP_KEY);
    set("main-tabs", {value: "incident"});  // its form exists once the tab is shown
    (function fill(tries) {
      if (!document.getElementById("inc-locate")) {
        if (tries < 40) { setTimeout(function () { fill(tries + 1); }, 250); }
        return;
      }
      FORM.concat(["inc-type"]).forEach(function (id) {
        if (saved[id] !== undefined) { set(id, {value: saved[id]}); }
      });
      setTimeout(function () { document.getElementById("inc-locate").click(); }, 300);
    })(0);
  }
  restoreIncident();

  window.dash_clientside = Object.assign({}, window.dash_clientside,
                                         {riskmap: {post: post, mode: mode, keepType: keepType}});
})();
