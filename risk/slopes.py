"""Slope from a DEM (Horn's method, as ``gdaldem slope``) and dangerous-slope zones.

Slope
-----
:func:`slope_degrees` (in memory) and :func:`write_slope` (file to file, in row blocks) use
Horn's 3x3 kernel exactly as ``gdaldem slope`` (GDAL 3.6, default ``-alg Horn``)::

    dz/dx = ((c + 2f + i) - (a + 2d + g)) / (8 * ew_m)
    dz/dy = ((g + 2h + i) - (a + 2b + c)) / (8 * ns_m)
    slope = atan(sqrt(dz/dx**2 + dz/dy**2))   in degrees

* **Edges**: the first/last row and column are nodata, as ``gdaldem slope`` without
  ``-compute_edges``.
* **Nodata**: a cell is nodata when any of the nine cells of its window (centre included) is
  nodata or NaN, as gdaldem does. Output nodata is -9999 in files, NaN in arrays.
* **Geographic DEMs** (EPSG:4326 …): gdaldem applies one ``-s`` scale to both axes, which is
  right only at the equator. Here every row gets its own spacing in metres from the WGS 84
  ellipsoid at the row's centre latitude: ``ew_m = dlon * N cos(lat) pi/180`` and
  ``ns_m = dlat * M pi/180`` (prime-vertical and meridional radii). Checked in
  ``tests/risk/test_slopes.py`` against an analytic plane built with ``pyproj.Geod`` and against
  ``gdaldem slope -s`` with the exact per-axis scale on DEMs varying along one axis only.
* **Memory**: :func:`write_slope` reads ``block`` rows at a time plus a one-row halo above and
  below, so memory does not grow with the DEM.

Dangerous-slope zones
---------------------
:func:`dangerous_slope_zones` marks cells whose slope is at least ``min_angle_deg`` (default 25°)
*and* whose local relief — highest minus lowest elevation in the square window of
``2k+1`` cells centred on the cell, ``k = max(1, round(relief_radius_m / cell size))`` — is at
least ``min_relief_m`` (default 10 m). Connected cells (8-neighbour) form a zone; zones smaller
than ``min_area_m2`` (default 2 000 m², measured in a local equal-area CRS) are dropped as specks.

Each zone is graded with a matrix in the spirit of GB 50330-2013 建筑边坡工程技术规范 Table 3.2.1
(safety grade from slope height and the consequence of failure). The thresholds below are this
project's configurable defaults, not values quoted from the standard:

* height class ``h``: 2 if the zone's height (highest minus lowest DEM cell in the zone)
  ≥ 30 m, 1 if ≥ 15 m, else 0; one class higher (max 2) if its steepest cell ≥ 45°.
* consequence class ``c``: people and enterprises *below* the zone: within ``buffer_m``
  (default 100 m) of it and on ground lower than the zone's mean elevation (DEM at the
  enterprise, or at the population cell's centre; population cells count by the fraction of
  their area inside the buffer). ``c`` = 2 if people ≥ 100 or enterprises ≥ 3, 1 if people ≥ 10
  or enterprises ≥ 1, else 0.
* grade rank ``min(3, (2 - h) + (2 - c))``: 0 red, 1 orange, 2 yellow, 3 blue — a high slope
  above many people is red, a low slope with nobody below is blue.

Where the code lives
--------------------
The slope raster in :mod:`risk.slope_raster`, the zones and the registered-slope check in
:mod:`risk.slope_zones`; import everything from here.
"""
from __future__ import annotations

from risk.rasters import polygon_from_geojson
from risk.slope_raster import NODATA, slope_degrees, write_slope
from risk.slope_zones import compare_registered, dangerous_slope_zones, grade_zones

__all__ = [
    "slope_degrees",
    "write_slope",
    "dangerous_slope_zones",
    "grade_zones",
    "compare_registered",
    "polygon_from_geojson",
    "NODATA",
]
