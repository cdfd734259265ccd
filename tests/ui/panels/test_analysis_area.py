"""Select by area: the drawn shape is checked, and what it holds is counted."""

import math

import numpy as np
import pytest
import shapely
from pyproj import Geod

from ui.panels.analysis import current_filter
from ui.panels.analysis_area import area_shape, area_summary, update_area

ALL = ["red", "orange", "yellow", "blue"]


def test_a_circle_is_geodesic():
    shape = area_shape({"kind": "circle", "center": [114.0, 22.6], "radius_m": 2000})
    geod = Geod(ellps="WGS84")
    xy = shapely.get_coordinates(shape.exterior)
    _, _, dist = geod.inv(np.full(len(xy), 114.0), np.full(len(xy), 22.6), xy[:, 0], xy[:, 1])
    assert dist == pytest.approx(2000, abs=0.01)
    area = abs(geod.geometry_area_perimeter(shape)[0])
    assert area == pytest.approx(math.pi * 2000**2, rel=1e-3)


@pytest.mark.parametrize("area, words", [
    (None, "kind"), ({"kind": "star"}, "kind"),
    ({"kind": "circle", "center": [114, 22.6], "radius_m": 0}, "radius_m"),
    ({"kind": "circle", "center": [114, 22.6], "radius_m": 5e5}, "100 km"),
    ({"kind": "circle", "center": [114, 95], "radius_m": 100}, "latitude"),
    ({"kind": "polygon", "coordinates": [[114, 22], [114.1, 22]]}, "3 to"),
    ({"kind": "polygon", "coordinates": [[114, 22], [114.1, 22], [114.2, 22]]}, "no area"),
    ({"kind": "polygon", "coordinates": [[114, 22], ["x", 22], [114.2, 22.1]]},
     "longitude and latitude in degrees"),
])
def test_bad_areas_are_refused_in_words(area, words):
    with pytest.raises((ValueError, TypeError), match=words):
        area_shape(area)


def test_counts_equal_an_independent_point_in_polygon_count(state):
    ring = [[113.88, 22.50], [114.02, 22.50], [114.06, 22.60], [113.90, 22.62]]
    shape = area_shape({"kind": "polygon", "coordinates": ring})
    _, mask, _ = current_filter(state, ALL, [], [], False)
    summary = area_summary(state, shape, mask)
    ents = state.dataset.enterprises
    poly = shapely.Polygon(ring)
    expected = {g: sum(1 for p, gg in zip(ents.geometry, ents["grade"], strict=True)
                       if gg == g and poly.contains(p)) for g in ALL}
    assert summary.grades == expected and summary.enterprises > 0
    shelters = state.dataset.layer("shelters")
    assert summary.shelters == int(shelters.geometry.within(poly).sum())
    assert summary.capacity == int(shelters[shelters.geometry.within(poly)]["capacity"].sum())
    assert summary.people is not None and summary.people > 0
    # the filter applies to the enterprises inside
    _, red, _ = current_filter(state, ["red"], [], [], False)
    assert area_summary(state, shape, red).enterprises == expected["red"]


def test_the_callback_answers_with_the_count_or_a_message(state):
    _, mask, _ = current_filter(state, ALL, [], [], False)
    view, disabled, summary = update_area(state, None, mask, "zh")
    assert view == "尚未绘制区域" and disabled and summary is None
    view, disabled, summary = update_area(
        state, {"area": {"kind": "circle", "center": [114.05, 22.55], "radius_m": 3000}}, mask,
        "zh")
    assert int(view.to_plotly_json()["props"]["data-area-count"]) == summary.enterprises
    view, disabled, summary = update_area(state, {"area": {"kind": "blob"}}, mask, "en")
    assert "Invalid area" in view.children and disabled
