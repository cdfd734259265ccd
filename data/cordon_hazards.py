"""The hidden dangers (隐患) open today in each zone of an incident cordon, read from a dataset's
store: what the cordon JSON, the incident tab and the exports (:mod:`data.export`) show per
zone as ``{"major_open": n, "general_open": n}``.

Moved here from :mod:`ui.commands.cordon` (which re-exports :func:`open_hazards`) so that the
exports below ``ui/`` can use it.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import sqlalchemy as sa

from risk.cordon import Cordon

__all__ = ["open_hazards", "zone_hazards", "HAZARD_KEYS"]

HAZARD_KEYS = ("major_open", "general_open")
"""The counts each zone gets."""


def open_hazards(dataset: Any, cordon: Cordon) -> dict[str, Any]:
    """:func:`data.hazards.hazards_in_rings` for ``dataset``'s store, limited to the dataset's
    districts when it is a district view (``dataset.scope``); ``{}`` when the store keeps no
    hazards table or it cannot be read (busy, unreachable, an older records database).

    Only the columns the count needs are read, and only the hazards in a box a little larger
    than the outermost ring (the exact geodesic test is :func:`hazards_in_rings`'), so a call
    costs about a millisecond rather than reading the whole ledger."""
    from data.hazards import hazards_in_rings
    from data.sysdb import hazards as table

    db = getattr(getattr(dataset, "store", None), "db", None)
    if db is None:
        return {}
    reach_deg = max(cordon.radii_m) / 110_000.0 * 1.05 + 0.001  # a degree of latitude >= 110.5 km
    dlon = min(reach_deg / max(math.cos(math.radians(cordon.lat)), 0.01), 180.0)
    cols = [table.c.id, table.c.level, table.c.lon, table.c.lat, table.c.found_at,
            table.c.closed_at, table.c.deadline]
    query = sa.select(*cols).where(table.c.lat.between(cordon.lat - reach_deg,
                                                      cordon.lat + reach_deg),
                                   table.c.lon.between(cordon.lon - dlon, cordon.lon + dlon))
    scope = getattr(dataset, "scope", None)
    if scope is not None:
        query = query.where(table.c.district.in_(tuple(scope)))
    try:
        with db.connect() as conn:
            rows = conn.execute(query).all()
    except (OSError, sa.exc.SQLAlchemyError):
        return {}
    frame = pd.DataFrame([tuple(r) for r in rows], columns=[c.name for c in cols])
    return hazards_in_rings(frame, cordon)


def zone_hazards(counts: dict[str, Any] | None, zone: str) -> dict[str, int]:
    """``{"major_open", "general_open"}`` of ``zone`` in :func:`open_hazards`' answer (zeros
    when the zone has none or there is no ledger).

    >>> zone_hazards({"core": {"major_open": 2, "general_open": 1, "ids": [4, 5, 6]}}, "core")
    {'major_open': 2, 'general_open': 1}
    >>> zone_hazards({}, "warning")
    {'major_open': 0, 'general_open': 0}
    """
    found = (counts or {}).get(zone, {})
    return {k: int(found.get(k, 0)) for k in HAZARD_KEYS}
