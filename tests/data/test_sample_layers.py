"""The sample's vector layers (data/sample_layers.py): on land, skewed like real registers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio

from data.sample_layers import PER_CAPITA_M2, REFERENCE_DATE, SCRIPT_NAME
from risk.crs import metric_crs

N = 2_000  # the small_sample fixture in tests/conftest.py: seed 7, 2,000 enterprises


def test_enterprises_lie_in_districts_and_district_matches_spatial_join(small_sample, gpkg_layer):
    ent = gpkg_layer(small_sample, "enterprises")
    districts = gpkg_layer(small_sample, "districts")
    joined = gpd.sjoin(ent, districts[["name", "geometry"]].rename(columns={"name": "joined"}),
                       how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    assert joined["joined"].notna().all()
    assert (joined["joined"] == ent["district"]).all()
    assert all(a.startswith(d) for a, d in zip(ent["address"], ent["district"], strict=True))


def test_enterprises_are_on_land_in_the_dem(small_sample, gpkg_layer):
    ent = gpkg_layer(small_sample, "enterprises")
    with rasterio.open(small_sample / "dem.tif") as src:
        xy = zip(ent.geometry.x, ent.geometry.y, strict=True)
        values = np.array([v[0] for v in src.sample(xy)])
        assert (values != src.nodata).all()


def test_grade_skew_few_red_many_blue(small_sample, gpkg_layer):
    ent = gpkg_layer(small_sample, "enterprises")
    share = ent["grade"].value_counts(normalize=True)
    assert set(share.index) == {"red", "orange", "yellow", "blue"}
    assert share["red"] < share["orange"] < share["yellow"] < share["blue"]
    assert 0.002 <= share["red"] <= 0.025
    assert 0.035 <= share["orange"] <= 0.09
    assert 0.18 <= share["yellow"] <= 0.28
    assert 0.63 <= share["blue"] <= 0.77
    severe = ent["grade"].isin(["red", "orange"])
    hazardous = ent["industry"].isin(["危化品", "燃气"])
    assert severe[hazardous].mean() > 2 * severe[~hazardous].mean()
    assert ent["industry"].value_counts().index[0] == "工贸"


def test_major_hazard_mostly_chemicals_and_gas(small_sample, gpkg_layer):
    ent = gpkg_layer(small_sample, "enterprises")
    major = ent["major_hazard"].astype(bool)
    assert 0.02 <= major.mean() <= 0.06
    assert ent.loc[major, "industry"].isin(["危化品", "燃气"]).mean() > 0.6


def test_enterprises_weighted_to_outer_districts(small_sample, gpkg_layer):
    share = gpkg_layer(small_sample, "enterprises")["district"].value_counts(normalize=True)
    assert share[["宝安区", "龙岗区", "龙华区"]].sum() > 0.5
    for small in ("福田区", "罗湖区", "盐田区"):
        assert share[small] < 0.07
        assert share[small] < share["宝安区"] / 3


def test_names_exercise_html_escaping(small_sample, gpkg_layer):
    ent = gpkg_layer(small_sample, "enterprises")
    html = ent["name"].str.contains(r"[<>&\"']", regex=True)
    assert (ent["name"] == SCRIPT_NAME).sum() == 1
    assert 0.002 * N <= html.sum() <= 0.01 * N
    plain = ent.loc[~html, "name"]
    assert plain.str.match(r"^深圳市\w+有限公司$").all()
    assert ent["id"].is_unique and ent["id"].iloc[0].startswith("E")


def test_inspection_dates_in_two_years_before_reference(small_sample, gpkg_layer):
    text = gpkg_layer(small_sample, "enterprises")["last_inspection"]
    dates = pd.to_datetime(text, format="%Y-%m-%d")
    ref = pd.Timestamp(REFERENCE_DATE)
    assert (dates <= ref).all() and (dates > ref - pd.Timedelta(days=731)).all()


def test_slopes_small_polygons_with_plausible_attributes(small_sample, gpkg_layer):
    slopes = gpkg_layer(small_sample, "slopes")
    assert 250 <= len(slopes) <= 350
    metric = slopes.to_crs(metric_crs(slopes))
    geod = pyproj.Geod(ellps="WGS84")
    for geom in slopes.geometry.iloc[:40]:  # widest extent by geodesic distance, independent of UTM
        lon, lat = np.asarray(geom.exterior.coords).T
        d = max(geod.inv(np.full(lon.size, a), np.full(lat.size, b), lon, lat)[2].max()
                for a, b in zip(lon, lat, strict=True))
        assert 15.0 <= d <= 155.0
    assert (metric.area > 50).all()
    assert slopes["height_m"].between(8, 60).all()
    assert slopes["angle_deg"].between(25, 70).all()
    assert slopes["monitored"].astype(bool).any() and not slopes["monitored"].astype(bool).all()


def test_slopes_are_on_steeper_ground_than_enterprises(small_sample, gpkg_layer):
    with rasterio.open(small_sample / "dem.tif") as src:
        def elev(gdf):
            pts = gdf.geometry.representative_point()
            return np.array([v[0] for v in src.sample(zip(pts.x, pts.y, strict=True))])
        assert np.median(elev(gpkg_layer(small_sample, "slopes"))) > 3 * np.median(
            elev(gpkg_layer(small_sample, "enterprises")))


def test_waterlogging_points(small_sample, gpkg_layer):
    w = gpkg_layer(small_sample, "waterlogging")
    assert len(w) == 400
    assert w["max_depth_cm"].between(5, 120).all()
    assert w["max_depth_cm"].median() < 60  # skewed towards shallow
    assert w["occurrences"].between(1, 20).all()


def test_shelter_capacity_follows_area_per_person(small_sample, gpkg_layer):
    s = gpkg_layer(small_sample, "shelters")
    assert len(s) == 600
    counts = s["shelter_type"].value_counts()
    assert counts["emergency"] > counts["fixed"] > counts["central"] > 0
    expected = np.floor(s["area_m2"] / s["shelter_type"].map(PER_CAPITA_M2)).astype(int)
    assert (s["capacity"] == expected).all()
    assert (s["capacity"] > 0).all()


def test_sensitive_sites_where_people_live_with_plausible_people(small_sample, gpkg_layer):
    from data.sample_layers import N_SENSITIVE, SENSITIVE_MIX
    from data.schema import LAYERS, validate_layer

    sites = gpkg_layer(small_sample, "sensitive_sites")
    assert len(sites) == N_SENSITIVE
    assert set(sites["kind"]) == set(SENSITIVE_MIX)
    # every row passes the schema, and every name says it is synthetic
    assert validate_layer("sensitive_sites", sites).ok
    assert sites["name"].str.startswith("合成").all()
    assert set(sites.columns) >= set(LAYERS["sensitive_sites"].columns)
    for kind, (share, _median, low, high, _) in SENSITIVE_MIX.items():
        people = sites.loc[sites["kind"] == kind, "people"]
        assert people.between(low, high).all(), kind
        assert abs(len(people) / len(sites) - share) < 0.06, kind
    assert sites.loc[sites["kind"] == "school", "people"].median() > \
        sites.loc[sites["kind"] == "kindergarten", "people"].median()
    # on land, in the district they name
    districts = gpkg_layer(small_sample, "districts")
    joined = gpd.sjoin(sites, districts[["name", "geometry"]], predicate="within", how="left")
    assert (joined["name_right"] == joined["district"]).mean() > 0.97
    assert sites["address"].str.startswith(tuple(districts["name"])).mean() > 0.97
