"""``riskmap slope|slopes|waterlogging|shelters``: terrain and shelter analyses from rasters.

    riskmap slope --dem dem.tif --out slope.tif                 # slope raster (degrees)
    riskmap slopes --out slopes.gpkg                            # computed zones + registered check
    riskmap slopes --dem my_dem.tif --population my_pop.tif --min-angle 30 --out slopes.gpkg
    riskmap waterlogging --thresholds-cm 15,30,50 --out waterlogging.gpkg
    riskmap shelters --population my_pop.tif --out shelters.gpkg

Every ``--out`` GeoPackage opens in QGIS (one layer per table, EPSG:4326) and is written
atomically: a failure leaves any previous file untouched.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.commands._common import add_data_option, load_dataset

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["add_parser", "run_slope", "run_slopes", "run_waterlogging", "run_shelters"]


def _cli_error(msg: str) -> Exception:
    from ui.cli import CliError

    return CliError(msg)


@contextmanager
def _raster_errors() -> Iterator[None]:
    """Turn the analyses' input errors into CLI errors (exit 2, message on stderr)."""
    from risk.rasters import RasterError

    try:
        yield
    except RasterError as exc:
        raise _cli_error(str(exc)) from None


def _out_gpkg(path: Path) -> Path:
    if path.suffix.lower() != ".gpkg":
        raise _cli_error(f"--out must be a GeoPackage file ending in .gpkg, got {str(path)!r}")
    return path


def write_gpkg_atomic(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    """Write ``layers`` (name → frame) into one GeoPackage at ``path``, atomically.

    Through :func:`risk.files.atomic_path`: the layers go into a temporary file beside ``path``
    that replaces it only when every layer is written.
    """
    from risk.files import atomic_path

    with atomic_path(path) as tmp:  # keeps the .gpkg suffix, as GDAL wants
        for layer, gdf in layers.items():
            gdf.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio")
    return path


def _raster(args: argparse.Namespace, dataset: Any, name: str, option: str) -> Path:
    """The user's ``--dem``/``--population`` file, else the dataset's raster ``name``."""
    given = getattr(args, name, None)
    if given is not None:
        if not Path(given).is_file():
            raise _cli_error(f"{option} {given}: no such file (expected a GeoTIFF)")
        return Path(given)
    path = dataset.raster_path(name) if dataset is not None else None
    if path is None:
        raise _cli_error(_missing(name, option))
    return path


def _missing(name: str, option: str) -> str:
    return f"the dataset has no {name}.tif; give one with {option} FILE.tif / 数据集中没有 {name}.tif"


def _floats(text: str, *, option: str, count: int | None = None) -> tuple[float, ...]:
    parts = [p for p in text.replace("，", ",").replace(" ", ",").split(",") if p.strip()]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if not values or (count is not None and len(values) != count):
        n = f"{count} " if count else ""
        raise _cli_error(f"{option} must be {n}numbers separated by commas, got {text!r}")
    return values


def _say(args: argparse.Namespace, text: str) -> None:
    if not getattr(args, "quiet", False):
        print(text)


# --------------------------------------------------------------------------- subcommands


def run_slope(args: argparse.Namespace) -> int:
    from risk.slopes import write_slope

    if not Path(args.dem).is_file():
        raise _cli_error(f"--dem {args.dem}: no such file (expected a GeoTIFF)")
    if Path(args.out).suffix.lower() not in (".tif", ".tiff"):
        raise _cli_error(f"--out must be a GeoTIFF ending in .tif, got {str(args.out)!r}")
    with _raster_errors():
        write_slope(args.dem, args.out, block=args.block, compress=args.compress)
    _say(args, f"坡度栅格已写入 / slope raster written: {args.out}")
    return 0


def run_slopes(args: argparse.Namespace) -> int:
    from ui.workflows.terrain import MissingRasterError, dangerous_slopes

    out = _out_gpkg(args.out)
    dataset = load_dataset(args.data, quiet=True, store=args.store)
    for name in ("dem", "population"):
        given = getattr(args, name)
        if given is not None and not Path(given).is_file():
            raise _cli_error(f"--{name} {given}: no such file (expected a GeoTIFF)")
    with _raster_errors():
        try:
            result = dangerous_slopes(
                dataset, dem=args.dem, population=args.population,
                min_angle_deg=args.min_angle, min_relief_m=args.min_relief,
                min_area_m2=args.min_area, buffer_m=args.buffer_m, slope_path=args.slope_out,
            )
        except MissingRasterError as exc:
            raise _cli_error(_missing(exc.name, "--" + exc.name)) from None
        except ValueError as exc:
            raise _cli_error(str(exc)) from None
    zones, registered = result.zones, result.registered
    write_gpkg_atomic(out, {"dangerous_slope_zones": zones, "registered_slopes": registered})
    counts = zones["grade"].value_counts().to_dict() if len(zones) else {}
    confirmed = int(registered["confirmed"].sum()) if len(registered) else 0
    _say(args, f"计算危险边坡区 {len(zones)} 处 / computed zones: {len(zones)} {counts}; "
               f"登记边坡确认 {confirmed}/{len(registered)} / registered confirmed; → {out}")
    return 0


def run_waterlogging(args: argparse.Namespace) -> int:
    from risk.waterlogging import classify_depth, ponding_areas

    out = _out_gpkg(args.out)
    thresholds = _floats(args.thresholds_cm, option="--thresholds-cm", count=3)
    dataset = load_dataset(args.data, quiet=True, store=args.store)
    try:
        points = classify_depth(dataset.layer("waterlogging"), thresholds_cm=thresholds)
    except ValueError as exc:
        raise _cli_error(f"--thresholds-cm: {exc}") from None
    layers = {"waterlogging_points": points}
    dem_given = args.dem is not None or dataset.raster_path("dem") is not None
    if dem_given:
        dem = _raster(args, dataset, "dem", "--dem")
        with _raster_errors():
            layers["ponding_areas"] = ponding_areas(dem, min_depth_m=args.min_depth,
                                                    min_area_m2=args.min_area)
    write_gpkg_atomic(out, layers)
    ponds = len(layers.get("ponding_areas", []))
    _say(args, f"积水点 {len(points)} 个、易积水洼地 {ponds} 处 / points: {len(points)}, "
               f"ponding areas: {ponds}; → {out}")
    return 0


def run_shelters(args: argparse.Namespace) -> int:
    from risk.shelters import coverage

    out = _out_gpkg(args.out)
    dataset = load_dataset(args.data, quiet=True, store=args.store)
    population = _raster(args, dataset, "population", "--population")
    districts = dataset.districts
    with _raster_errors():
        try:
            result = coverage(dataset.layer("shelters"), population,
                              districts=districts if len(districts) else None,
                              hex_size_m=args.hex_size_m)
        except ValueError as exc:
            raise _cli_error(str(exc)) from None
    layers: dict[str, gpd.GeoDataFrame] = {
        "shelters": result.shelters,
        "uncovered_population": result.hexagons,
    }
    if len(result.districts):
        table = districts[["name", "geometry"]].merge(result.districts, left_on="name",
                                                      right_on="district")
        import geopandas as gpd

        layers["district_coverage"] = gpd.GeoDataFrame(table.drop(columns=["name"]),
                                                       geometry="geometry", crs=4326)
    write_gpkg_atomic(out, layers)
    pct = 100 * result.covered / result.population if result.population else 0.0
    _say(args, f"人口 {result.population:,.0f}，覆盖 {result.covered:,.0f}（{pct:.1f}%） / "
               f"population {result.population:,.0f}, covered {result.covered:,.0f} "
               f"({pct:.1f}%); → {out}")
    return 0


# --------------------------------------------------------------------------- parsers


def _common(p: argparse.ArgumentParser, *, dem: bool, population: bool) -> None:
    add_data_option(p)
    if dem:
        p.add_argument("--dem", type=Path, default=None, metavar="FILE.tif",
                       help="your own DEM GeoTIFF instead of the dataset's dem.tif / 自有高程栅格")
    if population:
        p.add_argument("--population", type=Path, default=None, metavar="FILE.tif",
                       help="your own population GeoTIFF (people per cell) instead of the "
                            "dataset's population.tif / 自有人口栅格")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.gpkg",
                   help="GeoPackage to write (opens in QGIS) / 输出 GeoPackage")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line / 不输出摘要")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``slope``, ``slopes``, ``waterlogging`` and ``shelters``."""
    p = sub.add_parser(
        "slope", help="slope raster from a DEM / 由高程计算坡度栅格",
        description="Slope in degrees by Horn's method, equal to `gdaldem slope` (edges and "
                    "nodata neighbours are nodata -9999); geographic DEMs use true metres per "
                    "degree for every row. 按 Horn 方法计算坡度（度）。",
    )
    p.add_argument("--dem", type=Path, required=True, metavar="FILE.tif", help="DEM / 高程栅格")
    p.add_argument("--out", type=Path, required=True, metavar="SLOPE.tif",
                   help="slope GeoTIFF to write / 输出坡度栅格")
    p.add_argument("--block", type=int, default=512, help="rows read at a time (default 512)")
    p.add_argument("--compress", choices=("deflate", "lzw", "zstd"), default=None,
                   help="compress the output (default none, like gdaldem)")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line / 不输出摘要")
    p.set_defaults(func=run_slope)

    p = sub.add_parser(
        "slopes", help="dangerous-slope zones from the DEM / 由高程识别危险边坡",
        description="Cells steeper than --min-angle whose local relief exceeds --min-relief, "
                    "as graded zones (red/orange/yellow/blue by height and by people/enterprises "
                    "below), plus the registered slopes marked confirmed or not. "
                    "识别危险边坡区并分级，核对登记边坡。",
    )
    _common(p, dem=True, population=True)
    p.add_argument("--min-angle", type=float, default=25.0, metavar="DEG",
                   help="slope threshold in degrees / 坡度阈值 (default 25)")
    p.add_argument("--min-relief", type=float, default=10.0, metavar="M",
                   help="local relief threshold in metres / 高差阈值 (default 10)")
    p.add_argument("--min-area", type=float, default=2_000.0, metavar="M2",
                   help="drop zones smaller than this (m²) / 最小面积 (default 2000)")
    p.add_argument("--buffer-m", type=float, default=100.0, metavar="M",
                   help="distance below a zone where people/enterprises count / 坡下影响距离 "
                        "(default 100)")
    p.add_argument("--slope-out", type=Path, default=None, metavar="SLOPE.tif",
                   help="also write the slope raster, in the same pass / 同时输出坡度栅格")
    p.set_defaults(func=run_slopes)

    p = sub.add_parser(
        "waterlogging", help="waterlogging depth classes and ponding areas / 内涝积水分级与洼地",
        description="Registered waterlogging points classified by maximum depth (default bounds "
                    "15/30/50 cm; 15 cm from GB 50014-2021) and candidate ponding areas from the "
                    "DEM by filling sinks. 积水点按深度分级，并由高程填洼识别易积水区域。",
    )
    _common(p, dem=True, population=False)
    p.add_argument("--thresholds-cm", default="15,30,50", metavar="A,B,C",
                   help="depth class bounds in cm / 分级深度 (default 15,30,50)")
    p.add_argument("--min-depth", type=float, default=0.3, metavar="M",
                   help="minimum filled depth in metres / 最小积水深度 (default 0.3)")
    p.add_argument("--min-area", type=float, default=5_000.0, metavar="M2",
                   help="minimum ponding area in m² / 最小面积 (default 5000)")
    p.set_defaults(func=run_waterlogging)

    p = sub.add_parser(
        "shelters", help="shelter capacity and population coverage / 避难场所容量与覆盖",
        description="Population within each shelter's service radius (紧急 500 m, 固定 2 km, "
                    "中心 5 km by default) against its capacity, the population left uncovered "
                    "(hexagons) and a table by district. 避难场所覆盖人口分析。",
    )
    _common(p, dem=False, population=True)
    p.add_argument("--hex-size-m", type=float, default=1_000.0, metavar="M",
                   help="hexagon size for the uncovered population / 六边形大小 (default 1000)")
    p.set_defaults(func=run_shelters)


RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "slope": run_slope, "slopes": run_slopes, "waterlogging": run_waterlogging,
    "shelters": run_shelters,
}
