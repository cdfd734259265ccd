/* risk-map: the names of the map bridge's messages, JavaScript side (the one place they are spelled).
 *
 * Loaded by both pages that talk: the parent Dash page (auto-loaded from assets/, before
 * riskmap.js: Dash loads assets in alphabetical order) and the map iframe (layers/map.py puts it
 * before the map scripts). The Python side spells the same names once, in layers/bridge.py;
 * tests/layers/test_bridge.py checks that both lists agree and that every message sent has a
 * listener on the other side.
 */
(function () {
  "use strict";
  window.RISKMAP_MSG = Object.freeze({
    // commands: Dash -> map-command store -> parent page -> map (layers/bridge.py says what each carries)
    FILTER: "riskmap:filter",                  // enterprise filter {grades, industries, districts, major, rowmask}
    INCIDENT: "riskmap:incident",              // draw an incident: centre, rings, checkpoints, downwind area
    CLEAR_INCIDENT: "riskmap:clear-incident",  // remove the incident
    OVERLAY: "riskmap:overlay",                // draw (without geojson: remove) computed overlay `id`
    FIT: "riskmap:fit",                        // fit the map to bounds [west, south, east, north]
    BATCH: "riskmap:batch",                    // several commands (handled by the parent page)
    RELOAD: "riskmap:reload",                  // load the map page again from `src` (parent page)
    FOCUS: "riskmap:focus",                    // fly to enterprise row `index`, open its popup
    HAZARDS: "riskmap:hazards",                // hidden dangers as compact arrays (no data: remove)
    HAZARDS_AT: "riskmap:hazards-at",          // show them as of `day` (days since 1970-01-01)
    MODE: "riskmap:mode",                      // the open tab (`mode`): "incident" = tap places, no popup
    PRINT_AREA: "riskmap:print-area",          // the print tab's sheet: `corners` [[lon, lat]…], `label`
    ROUTES: "riskmap:routes",                  // road-following routes of set `id` (no routes: remove)
    // events: map -> parent page -> dcc.Store
    READY: "riskmap:ready",                    // the map has loaded: the parent re-sends its commands
    CLICK: "riskmap:click",                    // a click on the map or on enterprise row `enterprise`
    VIEW: "riskmap:view",                      // the view after a move: center, zoom, bounds
    LAYERS: "riskmap:layers",                  // dataset layers switched on in the layer control
    COUNT: "riskmap:count",                    // how many enterprises the filter left on the map
    AREA: "riskmap:area",                      // the analyst drew (or, without `area`, removed) an area
    PRINT_CENTER: "riskmap:print-center"       // the print sheet dragged: its new `center` [lon, lat]
  });
})();
