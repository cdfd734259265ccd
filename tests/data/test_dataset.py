"""Loading a dataset, and the view of a user limited to some districts."""

from __future__ import annotations

import shapely


def test_a_district_view_keeps_only_that_districts_records(small_dataset):
    ds = small_dataset
    name = str(ds.districts["name"].iloc[0])
    view = ds.restricted([name])
    assert view.scope == (name,)
    assert list(view.districts["name"]) == [name]
    for layer, frame in view.layers.items():
        if "district" in frame.columns:
            assert set(frame["district"]) <= {name}, layer
            assert len(frame) == int((ds.layers[layer]["district"] == name).sum()), layer
    assert 0 < len(view.enterprises) < len(ds.enterprises)
    assert view.region is not None and view.region.area < ds.region.area


def test_layers_without_a_district_column_are_cut_to_the_districts(small_dataset):
    ds = small_dataset
    name = str(ds.districts["name"].iloc[0])
    view = ds.restricted([name])
    for layer, frame in view.layers.items():
        if "district" not in frame.columns and layer != "districts" and len(frame):
            assert shapely.intersects(frame.geometry.to_numpy(), view.region).all()


def test_an_unknown_district_sees_nothing_and_the_whole_dataset_is_untouched(small_dataset):
    before = {k: len(v) for k, v in small_dataset.layers.items()}
    view = small_dataset.restricted(["不存在区"])
    assert all(len(frame) == 0 for frame in view.layers.values())
    assert {k: len(v) for k, v in small_dataset.layers.items()} == before
