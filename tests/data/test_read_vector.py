"""data/read_vector.py: vector files within the column, feature and vertex limits (issue 12)."""

from __future__ import annotations

import pytest

from data.limits import Limits
from data.readers import ImportFileError, read_source


def _polygons(vertices: list[int], properties: int = 1) -> bytes:
    import json
    import math

    feats = []
    for i, n in enumerate(vertices):
        ring = [[114 + 0.01 * math.cos(2 * math.pi * k / n), 22.5 + 0.01 * math.sin(
            2 * math.pi * k / n)] for k in range(n)]
        feats.append({"type": "Feature", "geometry": {"type": "Polygon",
                                                      "coordinates": [ring + ring[:1]]},
                      "properties": {f"p{j}": i for j in range(properties)}})
    return json.dumps({"type": "FeatureCollection", "features": feats}).encode()


def test_a_geometry_over_the_vertex_limit_names_the_feature():
    data = _polygons([10, 300, 20, 500])
    with pytest.raises(ImportFileError, match=r"顶点过多.*2 feature\(s\).*more than 100 "
                                              r"vertices.*RISKMAP_MAX_VERTICES.*2 \(301\), "
                                              r"4 \(501\)"):
        read_source(data, filename="p.geojson", layer="districts",
                    limits=Limits(max_vertices=100))
    assert len(read_source(data, filename="p.geojson", layer="districts").frame) == 4


def test_vector_files_are_limited_in_columns_and_features():
    with pytest.raises(ImportFileError, match="10 attribute columns.*limit is 5"):
        read_source(_polygons([10], properties=10), filename="p.geojson",
                    limits=Limits(max_columns=5))
    with pytest.raises(ImportFileError, match="3 features.*limit is 2.*RISKMAP_MAX_ROWS"):
        read_source(_polygons([10, 10, 10]), filename="p.geojson", limits=Limits(max_rows=2))


def test_a_geojson_feature_far_over_the_vertex_limit_is_refused_while_parsed():
    """GDAL is told the largest feature to parse (OGR_GEOJSON_MAX_OBJ_SIZE from the vertex
    limit), so a huge polygon is refused before it is built; the setting is restored."""
    import pyogrio

    before = pyogrio.get_gdal_config_option("OGR_GEOJSON_MAX_OBJ_SIZE")
    with pytest.raises(ImportFileError, match=r"顶点过多.*far more than 1,000 vertices"
                                              r".*RISKMAP_MAX_VERTICES"):
        read_source(_polygons([80_000]), filename="p.geojson", layer="districts",
                    limits=Limits(max_vertices=1000))
    assert pyogrio.get_gdal_config_option("OGR_GEOJSON_MAX_OBJ_SIZE") == before
