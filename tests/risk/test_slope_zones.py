"""Dangerous-slope zones (risk/slope_zones.py): on a hand-made ramp, by hand and pyproj.Geod."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Geod

from risk.slope_raster import NODATA, write_slope
from risk.slope_zones import compare_registered, dangerous_slope_zones

UTM = "EPSG:32650"  # Shenzhen
GEOD = Geod(ellps="WGS84")


def read(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1)


RAMP = math.tan(math.radians(40))


@pytest.fixture
def ramp_dem(write_tif):
    """``ramp_dem(tmp_path) -> (path, transform)``: a gentle 10° rise (x 50..150 m, to 17.63 m),
    flat, a 40° ramp (x 300..330 m, 25.17 m up), then a plateau; 5 m cells, 100 x 100, UTM 50N.
    Only the 40° ramp is a dangerous slope."""
    def make(tmp_path: Path) -> tuple[Path, Affine]:
        t = Affine(5, 0, 500_000, 0, -5, 2_500_500)
        x = (np.arange(100) + 0.5) * 5
        row = np.clip(x - 50, 0, 100) * math.tan(math.radians(10)) + np.clip(x - 300, 0, 30) * RAMP
        return write_tif(tmp_path / "ramp.tif", np.tile(row, (100, 1)), t), t

    return make


def test_zone_found_on_the_steep_ramp_only(tmp_path: Path, ramp_dem) -> None:
    dem, t = ramp_dem(tmp_path)
    zones = dangerous_slope_zones(dem, min_angle_deg=25, min_relief_m=10, relief_radius_m=10,
                                  min_area_m2=500)
    assert len(zones) == 1
    zone = zones.iloc[0]
    # steep cells by hand: centres 302.5 … 327.5 m (x 300..330), rows 1..98 (edges are nodata)
    minx, miny, maxx, maxy = gpd.GeoSeries([zone.geometry], crs=4326).to_crs(UTM).total_bounds
    assert (minx, maxx) == (pytest.approx(500_300, abs=0.01), pytest.approx(500_330, abs=0.01))
    assert (miny, maxy) == (pytest.approx(2_500_005, abs=0.01), pytest.approx(2_500_495, abs=0.01))
    # area is true ground area: Geod on the polygon; the fixture's UTM metres are map metres
    # (scale 0.9996 on the central meridian), hence 30 x 490 / 0.9996²
    assert zone["area_m2"] == pytest.approx(abs(GEOD.geometry_area_perimeter(zone.geometry)[0]),
                                            rel=1e-4)
    assert zone["area_m2"] == pytest.approx(30 * 490 / 0.9996**2, rel=1e-4)
    assert zone["max_angle_deg"] == pytest.approx(40, abs=0.01)
    assert zone["height_m"] == pytest.approx(25 * RAMP, abs=0.01)  # centres 2.5 … 27.5 m along
    assert zone["grade"] == "blue"  # 15-30 m high (class 1), nobody below (class 0) → rank 3


def test_specks_below_min_area_are_dropped(tmp_path: Path, ramp_dem) -> None:
    dem, _ = ramp_dem(tmp_path)
    assert len(dangerous_slope_zones(dem, relief_radius_m=10, min_area_m2=100_000)) == 0


def test_enterprises_below_count_and_raise_the_grade(tmp_path: Path, ramp_dem) -> None:
    dem, t = ramp_dem(tmp_path)
    to4326 = lambda xs, ys: gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=UTM).to_crs(4326)  # noqa: E731
    toe = to4326([500_260] * 3, [2_500_400, 2_500_350, 2_500_300])  # 40 m west of the toe
    crest = to4326([500_370], [2_500_400])  # on the plateau above, within 100 m
    far = to4326([500_050], [2_500_400])  # 250 m away
    ents = gpd.GeoDataFrame(geometry=list(toe) + list(crest) + list(far), crs=4326)
    zones = dangerous_slope_zones(dem, relief_radius_m=10, min_area_m2=500, enterprises=ents,
                                  buffer_m=100)
    assert zones.iloc[0]["enterprises_below"] == 3
    assert zones.iloc[0]["grade"] == "orange"  # height class 1, consequence class 2 → rank 1


def test_people_below_weighted_by_cell_fraction(tmp_path: Path, write_tif, ramp_dem) -> None:
    dem, _ = ramp_dem(tmp_path)
    # 50 m population cells over the same area, people in rows 0-5 only: 10 per cell in the
    # column x 250..300 west of the ramp, 1000 per cell on the ramp and plateau (centres above
    # the zone's mean elevation, so they must not count), nobody further west
    pop = np.zeros((10, 10))
    pop[:6, 5] = 10.0
    pop[:6, 6:] = 1000.0
    pop_path = write_tif(tmp_path / "pop.tif", pop, Affine(50, 0, 500_000, 0, -50, 2_500_500),
                         nodata=-1)
    zones = dangerous_slope_zones(dem, relief_radius_m=10, min_area_m2=500, population=pop_path,
                                  buffer_m=70)
    # by hand: zone x 300..330 grown by 70 m → x from about 230; column 5 (x 250..300, centre
    # on low ground) lies fully inside for rows 0-5: 6 x 10 people
    assert zones.iloc[0]["people_below"] == pytest.approx(60, abs=0.01)


def test_compare_registered_marks_confirmation(tmp_path: Path, ramp_dem) -> None:
    dem, _ = ramp_dem(tmp_path)
    zones = dangerous_slope_zones(dem, relief_radius_m=10, min_area_m2=500)
    boxes = [shapely.box(500_290, 2_500_300, 500_340, 2_500_400),
             shapely.box(500_050, 2_500_050, 500_100, 2_500_100)]
    registered = gpd.GeoDataFrame({"name": ["ramp", "flat"]}, geometry=boxes, crs=UTM).to_crs(4326)
    out = compare_registered(zones, registered)
    assert out["confirmed"].tolist() == [True, False]
    assert out.loc[0, "overlap"] == pytest.approx(1.0, abs=0.01)
    assert "confirmed" not in registered.columns  # input untouched


def test_zone_arguments_are_checked(tmp_path: Path, ramp_dem) -> None:
    dem, _ = ramp_dem(tmp_path)
    with pytest.raises(ValueError, match="`min_angle_deg` must be in"):
        dangerous_slope_zones(dem, min_angle_deg=95)
    with pytest.raises(ValueError, match="`buffer_m` must be a number >= 0"):
        dangerous_slope_zones(dem, buffer_m=-1)


def test_zones_can_write_the_slope_raster_in_the_same_pass(tmp_path: Path, ramp_dem) -> None:
    dem, _ = ramp_dem(tmp_path)
    zones = dangerous_slope_zones(dem, relief_radius_m=10, min_area_m2=500,
                                  slope_path=tmp_path / "slope.tif", block=17)
    assert len(zones) == 1
    np.testing.assert_array_equal(read(tmp_path / "slope.tif"),
                                  read(write_slope(dem, tmp_path / "ref.tif")))


def test_all_nodata_dem_is_refused_and_leaves_no_file(tmp_path: Path, write_tif) -> None:
    from risk.rasters import RasterError

    src = write_tif(tmp_path / "sea.tif", np.full((6, 6), NODATA), Affine(10, 0, 0, 0, -10, 60))
    out = tmp_path / "out" / "slope.tif"
    with pytest.raises(RasterError, match=r"DEM .*sea\.tif: every cell is nodata"):
        write_slope(src, out)
    with pytest.raises(RasterError, match=r"sea\.tif: every cell is nodata"):
        dangerous_slope_zones(src)
    assert list(out.parent.iterdir()) == []
