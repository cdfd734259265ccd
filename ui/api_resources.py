"""The API's road-network routes (``/api/v1``), registered on :mod:`ui.api`'s blueprint.

``GET /api/v1/nearest?lon=&lat=&n=&item=&quantity=`` (role analyst): the ``n`` rescue teams
fastest to the place by travel time on the road network (readiness included), each with
``minutes`` and ``route_m``, and the ``n`` depots holding at least ``quantity`` of ``item`` —
the same rows ``riskmap cordon --teams N --item NAME --quantity Q`` adds to its JSON
(:func:`ui.workflows.network.nearest_for_cordon`). The place is checked against the region the
user sees, as ``/cordon`` does, and a district-limited user gets the teams and depots of their
districts only (``AppState.dataset``). The road graph is built once per data version
(:func:`ui.workflows.network.cached_network`).
"""

from __future__ import annotations

from typing import Any

import flask
from werkzeug.exceptions import BadRequest

from risk.cordon import DEFAULT_RADII_M
from risk.network import NetworkError
from ui import access
from ui.state import AppState

__all__ = ["register", "MAX_N"]

MAX_N = 50
"""The most teams (and depots) one request may ask for."""


def nearest_answer(state: AppState, args: Any) -> dict[str, Any]:
    """The body of ``GET /nearest`` for the query ``args`` (raises ``BadRequest``)."""
    from ui.api import _check_incident, _count, _number
    from ui.workflows.network import cached_network, nearest_for_cordon

    lon, lat = _number("lon", args.get("lon")), _number("lat", args.get("lat"))
    n = _count("n", args.get("n"), default=5, low=1, high=MAX_N)
    item = (args.get("item") or "").strip()
    quantity = _number("quantity", args.get("quantity"), required=False) or 0.0
    place = _check_incident(state, lon, lat, DEFAULT_RADII_M)
    try:
        body = nearest_for_cordon(state.dataset, place.lon, place.lat, n=n, item=item,
                                  quantity=quantity, graph=cached_network(state))
    except (NetworkError, ValueError) as exc:
        raise BadRequest(str(exc)) from None
    return {"lon": place.lon, "lat": place.lat, **body}


def register(bp: flask.Blueprint, state: AppState) -> None:
    """Add the road-network routes to the API blueprint ``bp``."""

    @bp.get("/nearest")
    def nearest():
        access.require("read")
        return flask.jsonify(nearest_answer(state, flask.request.args))
