"""Print maps: a georeferenced PDF (ISO 32000-2 geospatial features, the "OGC best practice"
encoding GDAL's PDF driver reads and phone map apps such as Avenza place).

The map page gets a viewport (``/VP``) whose ``/BBox`` is the map frame in PDF points and whose
``/Measure`` dictionary (``/Subtype /GEO``) maps the frame's four corners (``/LPTS``, unit
square) to their latitude/longitude (``/GPTS``, lat lon pairs), with the map's projected CRS
as WKT in ``/GCS``. The PDF stays vector; only the page dictionary changes (with pypdf).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyproj import CRS

from layers.print_parts import epsg_code, transformer

__all__ = ["FRAME_CORNERS", "GeoPlacement", "add_geo_measure", "attach_geo_measure",
           "frame_corners_ll"]

FRAME_CORNERS = ((0, 0), (0, 1), (1, 1), (1, 0))
"""Corners of the frame in the unit square (lower left, upper left, upper right, lower right)."""


def frame_corners_ll(crs: CRS, xlim: tuple[float, float], ylim: tuple[float, float],
                     ) -> list[tuple[float, float]]:
    """(lon, lat) of the frame's corners, in :data:`FRAME_CORNERS` order."""
    inv = transformer(crs, 4326)
    out = []
    for u, v in FRAME_CORNERS:
        lon, lat = inv.transform(xlim[0] + u * (xlim[1] - xlim[0]),
                                 ylim[0] + v * (ylim[1] - ylim[0]))
        out.append((float(lon), float(lat)))
    return out


@dataclass(frozen=True)
class GeoPlacement:
    """Where a map frame sits on a PDF page and what its corners are on the ground."""

    page: int
    """0-based page index."""
    frame_pt: tuple[float, float, float, float]
    """The map frame ``(x0, y0, x1, y1)`` in PDF points from the page's lower-left corner."""
    corners_ll: tuple[tuple[float, float], ...]
    """(lon, lat) of the frame corners in :data:`FRAME_CORNERS` order."""
    crs: CRS
    """The map's CRS (written as WKT 1, the dialect GDAL and viewers read)."""


def add_geo_measure(pdf: bytes, *, page: int, frame_pt: Sequence[float],
                    corners_ll: Sequence[tuple[float, float]], crs: CRS) -> bytes:
    """``pdf`` with a geospatial viewport on page ``page`` (0-based).

    Parameters
    ----------
    frame_pt
        The map frame ``(x0, y0, x1, y1)`` in PDF points from the page's lower-left corner.
    corners_ll
        (lon, lat) of the frame corners in :data:`FRAME_CORNERS` order.
    crs
        The map's CRS (written as WKT 1, the dialect GDAL and viewers read).
    """
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    attach_geo_measure(writer, GeoPlacement(page, tuple(frame_pt),  # type: ignore[arg-type]
                                            tuple(corners_ll), crs))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def attach_geo_measure(writer: Any, placement: GeoPlacement) -> None:
    """Give page ``placement.page`` of an open :class:`pypdf.PdfWriter` its geospatial
    viewport (the atlas places all its pages in one pass)."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    def nums(values: Sequence[float]) -> ArrayObject:
        return ArrayObject(FloatObject(round(float(v), 10)) for v in values)

    crs = placement.crs
    gcs = DictionaryObject({
        NameObject("/Type"): NameObject("/PROJCS" if crs.is_projected else "/GEOGCS"),
        NameObject("/WKT"): TextStringObject(crs.to_wkt("WKT1_GDAL")),
    })
    epsg = epsg_code(crs)
    if epsg:
        gcs[NameObject("/EPSG")] = NumberObject(epsg)
    measure = DictionaryObject({
        NameObject("/Type"): NameObject("/Measure"),
        NameObject("/Subtype"): NameObject("/GEO"),
        NameObject("/Bounds"): nums([c for uv in FRAME_CORNERS for c in uv]),
        NameObject("/LPTS"): nums([c for uv in FRAME_CORNERS for c in uv]),
        NameObject("/GPTS"): nums([c for lon, lat in placement.corners_ll for c in (lat, lon)]),
        NameObject("/GCS"): writer._add_object(gcs),
    })
    viewport = DictionaryObject({
        NameObject("/Type"): NameObject("/Viewport"),
        NameObject("/BBox"): nums(placement.frame_pt),
        NameObject("/Name"): TextStringObject("Map frame 地图"),
        NameObject("/Measure"): writer._add_object(measure),
    })
    writer.pages[placement.page][NameObject("/VP")] = ArrayObject([viewport])
