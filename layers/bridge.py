"""The map bridge, Python side: the one place where the ``riskmap:*`` message names live.

The analyst map is a folium page inside an iframe. The parent Dash page and the map talk by
``postMessage``; the JavaScript side spells the same names once, in
``assets/riskmap-messages.js`` (loaded by both pages). ``tests/layers/test_bridge.py`` checks
that the two lists agree and that every message sent on one side has a listener on the other.

Commands (Dash callbacks -> ``map-command`` store -> parent page -> map):

=================  ==========================================================================
``FILTER``         enterprise filter ``{grades, industries, districts, major, rowmask}``
``INCIDENT``       draw an incident: centre, rings GeoJSON, checkpoints, downwind area
``CLEAR_INCIDENT`` remove the incident
``OVERLAY``        draw (or, without ``geojson``, remove) a computed overlay with id ``id``
``FIT``            fit the map to ``bounds`` (west, south, east, north)
``BATCH``          several commands at once (handled by the parent page)
``RELOAD``         load the map page again from ``src`` (new data; handled by the parent)
``FOCUS``          fly to enterprise row ``index`` and open its popup (the attribute table)
``HAZARDS``        the hidden dangers as compact arrays (``data``; without it: remove them)
``HAZARDS_AT``     show the hidden dangers as of ``day`` (days since 1970-01-01)
``MODE``           the parent page's open tab (``mode``); in "incident" a tap places an
                   incident and opens no popup (sent by assets/riskmap.js, kept on reload)
``PRINT_AREA``     the print tab's sheet: ``corners`` [[lon, lat], …] of the map frame and a
                   ``label``; without corners: remove it (assets/map/riskmap-map-print.js)
``ROUTES``         road-following routes of set ``id``: ``title``, ``legend`` [[colour, label]],
                   ``routes`` [{path, colour, label, rows}]; without ``routes``: remove the set
                   (ui/panels/incident_resources.py -> assets/map/riskmap-map-resources.js)
=================  ==========================================================================

Events (map -> parent page -> ``dcc.Store``):

=================  ==========================================================================
``READY``          the map has loaded (the parent re-sends its last commands)
``CLICK``          a click on the map or on an enterprise (``enterprise`` = its row index)
``VIEW``           the view after a move: centre, zoom, bounds
``LAYERS``         the overlays switched on in the layer control
``COUNT``          how many enterprises the filter left on the map
``AREA``           a drawn area (assets/map/riskmap-map-select.js): ``area`` = {"kind":
                   "polygon", "coordinates": [[lon, lat], …]} or {"kind": "circle", "center":
                   [lon, lat], "radius_m": r}; without ``area``: the drawing was removed
``PRINT_CENTER``   the print sheet dragged on the map: ``center`` [lon, lat], its new centre
                   (goes to the print centre box ``pdf-center``)
=================  ==========================================================================

>>> command(FILTER, grades=["red"])
{'type': 'riskmap:filter', 'grades': ['red']}

Handlers: the map registers each command with ``riskmap.onCommand(RISKMAP_MSG.X, …)`` in the
``assets/map/riskmap-map-*.js`` file of its job and posts events with ``post(RISKMAP_MSG.X, …)``;
the parent page (``assets/riskmap.js``) registers ``onEvent(RISKMAP_MSG.X, …)`` and handles
``BATCH`` and ``RELOAD`` itself with ``onCommand``. To add a message: one line here (and in
``COMMANDS`` or ``EVENTS``), one line in ``riskmap-messages.js``, one handler on the other side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "PREFIX", "FILTER", "INCIDENT", "CLEAR_INCIDENT", "OVERLAY", "FIT", "BATCH", "RELOAD",
    "FOCUS", "HAZARDS", "HAZARDS_AT", "MODE", "PRINT_AREA", "ROUTES",
    "READY", "CLICK", "VIEW", "LAYERS", "COUNT", "AREA", "PRINT_CENTER",
    "COMMANDS", "EVENTS", "command", "batch", "fit",
]

PREFIX = "riskmap:"

# commands: Dash -> map (the table above says what each carries)
FILTER = "riskmap:filter"
INCIDENT = "riskmap:incident"
CLEAR_INCIDENT = "riskmap:clear-incident"
OVERLAY = "riskmap:overlay"
FIT = "riskmap:fit"
BATCH = "riskmap:batch"
RELOAD = "riskmap:reload"
FOCUS = "riskmap:focus"
HAZARDS = "riskmap:hazards"
HAZARDS_AT = "riskmap:hazards-at"
MODE = "riskmap:mode"
PRINT_AREA = "riskmap:print-area"
ROUTES = "riskmap:routes"

# events: map -> Dash
READY = "riskmap:ready"
CLICK = "riskmap:click"
VIEW = "riskmap:view"
LAYERS = "riskmap:layers"
COUNT = "riskmap:count"
AREA = "riskmap:area"
PRINT_CENTER = "riskmap:print-center"

COMMANDS: tuple[str, ...] = (FILTER, INCIDENT, CLEAR_INCIDENT, OVERLAY, FIT, BATCH, RELOAD, FOCUS,
                             HAZARDS, HAZARDS_AT, MODE, PRINT_AREA, ROUTES)
EVENTS: tuple[str, ...] = (READY, CLICK, VIEW, LAYERS, COUNT, AREA, PRINT_CENTER)


def command(kind: str, **fields: Any) -> dict[str, Any]:
    """A command for the map iframe: ``{"type": kind, **fields}``; ``kind`` must be a command."""
    if kind not in COMMANDS:
        raise ValueError(f"`kind` must be one of {', '.join(COMMANDS)}, got {kind!r}")
    return {"type": kind, **fields}


def batch(*commands: dict[str, Any]) -> dict[str, Any]:
    """Several commands posted in one store update."""
    return command(BATCH, commands=list(commands))


def fit(bounds: Sequence[float]) -> dict[str, Any]:
    """A ``FIT`` command: show ``bounds`` = (west, south, east, north) in degrees (EPSG:4326).

    >>> fit((113.9, 22.5, 114.1, 22.6))
    {'type': 'riskmap:fit', 'bounds': [113.9, 22.5, 114.1, 22.6]}
    """
    try:
        values = [float(v) for v in bounds]
    except (TypeError, ValueError):
        values = []
    if (len(values) != 4 or not all(math.isfinite(v) for v in values)
            or values[0] > values[2] or values[1] > values[3]):
        msg = f"`bounds` must be finite (west, south, east, north), got {bounds!r}"
        raise ValueError(msg)
    return command(FIT, bounds=values)
