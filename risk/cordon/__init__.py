"""Incident cordons: geodesic 1/5/10 km rings and what lies in each zone.

One module per job:

:mod:`risk.cordon.rings`
    zones, the default radii, the radii parser, incident validation (:class:`Cordon`), rings
:mod:`risk.cordon.geodesy`
    exact geodesic distances, fast where they do not decide a zone
:mod:`risk.cordon.index`
    :class:`ExposureIndex`: a dataset's layers as arrays, built once
:mod:`risk.cordon.population`, :mod:`risk.cordon.checkpoints`, :mod:`risk.cordon.downwind`
    people per zone, road checkpoints, the downwind protective-action area
:mod:`risk.cordon.search`
    :func:`find_enterprises` by name, :func:`search_enterprises` by any part of the name,
    address or id
:mod:`risk.cordon.sensitive`
    sensitive sites per zone: :func:`sensitive_in_zones`, :func:`sensitive_summary`,
    :func:`with_sensitive_sites`
:mod:`risk.cordon.exposure`
    :func:`exposure` and its result :class:`Exposure`

>>> cordon = validate_incident(114.0579, 22.5431)
>>> list(cordon_rings(cordon)["outer_m"])
[1000.0, 5000.0, 10000.0]
"""

from __future__ import annotations

from risk.cordon.downwind import downwind_zone, validate_wind
from risk.cordon.exposure import Exposure, exposure
from risk.cordon.geodesy import geodesic_distance
from risk.cordon.index import ExposureIndex, PopulationSource
from risk.cordon.rings import (
    DEFAULT_RADII_M,
    DEFAULT_ZONES,
    MAX_RADIUS_M,
    MAX_RINGS,
    REGION_LIMIT_M,
    Cordon,
    Zone,
    cordon_rings,
    format_radii_km,
    parse_radii_km,
    validate_incident,
    zones_for,
)
from risk.cordon.search import find_enterprises, search_enterprises
from risk.cordon.sensitive import sensitive_in_zones, sensitive_summary, with_sensitive_sites

__all__ = [
    "Zone",
    "Cordon",
    "DEFAULT_ZONES",
    "DEFAULT_RADII_M",
    "MAX_RINGS",
    "MAX_RADIUS_M",
    "REGION_LIMIT_M",
    "zones_for",
    "parse_radii_km",
    "format_radii_km",
    "validate_incident",
    "cordon_rings",
    "ExposureIndex",
    "PopulationSource",
    "Exposure",
    "exposure",
    "downwind_zone",
    "validate_wind",
    "geodesic_distance",
    "find_enterprises",
    "search_enterprises",
    "sensitive_in_zones",
    "sensitive_summary",
    "with_sensitive_sites",
]
