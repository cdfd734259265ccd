"""``riskmap coverage`` / ``route`` / ``evacuate``: travel time on the road network.

    riskmap coverage --minutes 10 --out coverage.gpkg            # + JSON summary on stdout
    riskmap coverage --minutes 10 --kinds 综合消防,危化 --format json
    riskmap route --lon 114.0579 --lat 22.5431 --teams 5 --item 吸附棉 --quantity 100
    riskmap evacuate --lon 114.0579 --lat 22.5431 --radii-km 1,5 --format geojson --out evac.geojson
    riskmap coverage --minutes 10 --pdf coverage.pdf --lang en --paper A4   # + the one-page PDF
    riskmap evacuate --lon 114.0579 --lat 22.5431 --pdf evacuation.pdf

Times come from the dataset's ``roads`` (columns ``class``, ``speed_kmh``, ``oneway``; speeds
missing are the class defaults of :data:`risk.network.DEFAULT_SPEED_KMH`, reported on stderr),
teams from ``rescue_teams`` (their ``ready_min`` added before departure), stock from
``material_depots``, people from the ``population`` raster, shelters from ``shelters``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from risk.cordon import DEFAULT_RADII_M
from risk.files import write_text_atomic
from risk.network import NetworkError
from ui.commands._common import RADII_HELP, add_data_option, load_dataset, radii_km_arg

__all__ = ["add_parser", "run_coverage", "run_route", "run_evacuate", "add_nearest_arguments",
           "nearest_cordon_json"]


def _cli_error(msg: str) -> Exception:
    from ui.cli import CliError

    return CliError(msg)


@contextmanager
def _network_errors() -> Iterator[None]:
    try:
        yield
    except (NetworkError, ValueError) as exc:
        raise _cli_error(str(exc)) from None


def add_nearest_arguments(p: argparse.ArgumentParser) -> None:
    """``--teams N [--item NAME --quantity Q]``: what ``riskmap cordon`` adds to its JSON
    (:func:`nearest_cordon_json`)."""
    p.add_argument("--teams", type=int, default=0, metavar="N",
                   help="add the N rescue teams fastest to the place by road (minutes with "
                        "readiness, route length) to the JSON / 最近 N 支救援队伍（路网通行时间）")
    p.add_argument("--item", default="", metavar="NAME",
                   help="with --teams: also the depots holding this item, e.g. 吸附棉 / 物资名称")
    p.add_argument("--quantity", type=float, default=0.0, metavar="Q",
                   help="with --item: at least this much / 最少数量")


def nearest_cordon_json(dataset: Any, lon: float, lat: float,
                        args: argparse.Namespace) -> dict[str, Any]:
    """``{"teams": [...], "depots": [...]}`` for ``args.teams`` / ``item`` / ``quantity``
    (:func:`ui.workflows.network.nearest_for_cordon`); bad input is a ``CliError``."""
    from ui.workflows.network import nearest_for_cordon

    if args.teams < 1:
        raise _cli_error(f"--teams 须 >= 1 / --teams must be >= 1, got {args.teams}")
    if args.item == "" and args.quantity:
        raise _cli_error("--quantity 需要 --item / --quantity needs --item")
    with _network_errors():
        return nearest_for_cordon(dataset, lon, lat, n=args.teams, item=args.item,
                                  quantity=args.quantity)


def _pdf_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pdf", type=Path, default=None, metavar="FILE.pdf",
                   help="also write the one-page print PDF (map, legend, tables) / 输出打印 PDF")
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help="PDF language: zh (Chinese first, default) or en / PDF 语言")
    p.add_argument("--paper", choices=("A3", "A4"), default="A3",
                   help="PDF paper, portrait (default A3) / 纸张")


def _check_pdf_path(path: Path | None) -> None:
    """Refuse a --pdf that cannot be written, before any work (nothing is written)."""
    if path is None:
        return
    if path.is_dir():
        raise _cli_error(f"--pdf {path} 是文件夹 / is a folder; expected a .pdf file path")
    if path.suffix.lower() != ".pdf":
        raise _cli_error(f"--pdf 须为 .pdf 文件 / --pdf must be a file ending in .pdf, "
                         f"got {str(path)!r}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise _cli_error(f"--pdf {path}: 文件夹不存在 / folder {folder} does not exist")


def _write_pdf(path: Path, data: bytes) -> None:
    from risk.files import write_bytes_atomic

    write_bytes_atomic(path, data)
    print(f"已写入 / wrote {path}", file=sys.stderr)


def _place(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lon", type=float, required=True, help="longitude (WGS 84) / 经度")
    p.add_argument("--lat", type=float, required=True, help="latitude (WGS 84) / 纬度")


def add_parser(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser(
        "coverage", help="N-minute rescue coverage on the road network / N 分钟应急救援覆盖",
        description="Service areas of every rescue team by travel time on the road network "
                    "(readiness added, areas split by the nearest team); per district and "
                    "overall the population and the red/orange/major-hazard enterprises reached "
                    "within N minutes; the gap (cells not reached) and a suggested next station. "
                    "按路网通行时间计算救援队伍 N 分钟覆盖范围、覆盖人口与企业、空白区及建议新增站点。")
    c.add_argument("--minutes", type=float, default=10.0, help="time limit / 分钟 (default 10)")
    c.add_argument("--kinds", default="", metavar="K1,K2",
                   help="only teams of these kinds / 队伍类型，如 综合消防,危化")
    c.add_argument("--out", type=Path, default=None, metavar="FILE.gpkg",
                   help="write layers enterprises (minutes, team_id), gaps, areas, suggestion "
                        "/ 输出 GeoPackage")
    c.add_argument("--format", choices=("json",), default="json",
                   help="summary on stdout: json (default)")
    _pdf_options(c)
    add_data_option(c)
    c.set_defaults(func=run_coverage)

    r = sub.add_parser(
        "route", help="nearest rescue teams and depots to a place / 最近救援队伍与物资",
        description="The N rescue teams that reach a place fastest on the road network "
                    "(readiness included) with minutes and route length, and the depots holding "
                    "enough of an item. 按路网通行时间查找最近的救援队伍及存有足量物资的储备库。")
    _place(r)
    r.add_argument("--teams", type=int, default=5, help="how many teams / 队伍数 (default 5)")
    r.add_argument("--item", default="", help="stock item, e.g. 吸附棉 / 物资名称")
    r.add_argument("--quantity", type=float, default=0.0, help="at least this much / 最少数量")
    r.add_argument("--format", choices=("json", "geojson"), default="json",
                   help="json (tables) or geojson (routes) / 输出格式")
    r.add_argument("--out", type=Path, default=None, metavar="FILE", help="output file / 输出文件")
    add_data_option(r)
    r.set_defaults(func=run_route)

    e = sub.add_parser(
        "evacuate", help="assign evacuees to shelters by travel time / 疏散安置分配",
        description="People in the evacuated zone (the second radius, default 5 km; population "
                    "cells) assigned to shelters outside it by travel time within each shelter's "
                    "capacity (a min-cost flow), roads inside the core zone (first radius) "
                    "closed; people who cannot be placed are reported. "
                    "按通行时间与容量将疏散区人口分配到避难场所（核心区道路封闭）。")
    _place(e)
    e.add_argument("--radii-km", type=radii_km_arg, default=DEFAULT_RADII_M, metavar="R1,R2,...",
                   help=RADII_HELP)
    e.add_argument("--format", choices=("json", "geojson"), default="json",
                   help="json (shelter loads) or geojson (shelters and flows) / 输出格式")
    e.add_argument("--out", type=Path, default=None, metavar="FILE", help="output file / 输出文件")
    _pdf_options(e)
    add_data_option(e)
    e.set_defaults(func=run_evacuate)


def _emit(args: argparse.Namespace, text: str) -> None:
    if args.out is None:
        sys.stdout.write(text + "\n")
    else:
        write_text_atomic(args.out, text + "\n")
        print(f"已写入 / wrote {args.out}", file=sys.stderr)


def run_coverage(args: argparse.Namespace) -> int:
    from ui.commands.terrain import write_gpkg_atomic
    from ui.workflows.network import coverage

    if args.out is not None and args.out.suffix.lower() != ".gpkg":
        raise _cli_error(f"--out must be a GeoPackage file ending in .gpkg, got {str(args.out)!r}")
    _check_pdf_path(args.pdf)
    kinds = tuple(k.strip() for k in args.kinds.replace("，", ",").split(",") if k.strip())
    dataset = load_dataset(args.data, quiet=True, store=args.store)
    with _network_errors():
        result = coverage(dataset, minutes=args.minutes, kinds=kinds)
    for note in result.notes:
        print(note, file=sys.stderr)
    overall = result.summary["overall"]
    body: dict[str, Any] = {
        "minutes": result.minutes, "overall": overall,
        "districts": {k: v for k, v in result.summary.items() if k != "overall"},
        "next_station": result.suggestion,
    }
    if args.out is not None:
        import geopandas as gpd
        import shapely

        layers = {"enterprises": result.enterprises, "gaps": result.gaps, "areas": result.areas}
        if result.suggestion:
            s = result.suggestion
            layers["suggestion"] = gpd.GeoDataFrame(
                {"population_added": [s["population_added"]]},
                geometry=[shapely.Point(s["lon"], s["lat"])], crs=4326)
        write_gpkg_atomic(args.out, layers)
        print(f"已写入 / wrote {args.out}", file=sys.stderr)
    if args.pdf is not None:
        from layers.print_network import render_coverage_pdf

        with _network_errors():
            data = render_coverage_pdf(dataset, result, lang=args.lang, paper=args.paper,
                                       kinds=kinds)
        _write_pdf(args.pdf, data)
    sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=1) + "\n")
    return 0


def run_route(args: argparse.Namespace) -> int:
    from ui.workflows.network import nearest

    if args.teams < 1:
        raise _cli_error(f"--teams must be >= 1, got {args.teams}")
    dataset = load_dataset(args.data, quiet=True, store=args.store)
    with _network_errors():
        result = nearest(dataset, args.lon, args.lat, n=args.teams, item=args.item,
                         quantity=args.quantity)
    if args.format == "geojson":
        import pandas as pd

        frames = [f.assign(layer=name) for name, f in
                  (("teams", result.teams), ("depots", result.depots)) if len(f)]
        text = (pd.concat(frames).to_json(ensure_ascii=False) if frames
                else '{"type": "FeatureCollection", "features": []}')
    else:
        body = {"snap_m": round(result.snap_m, 1),
                "teams": result.teams.drop(columns="geometry").to_dict(orient="records"),
                "depots": result.depots.drop(columns="geometry").to_dict(orient="records")}
        text = json.dumps(body, ensure_ascii=False, indent=1, default=_plain)
    _emit(args, text)
    return 0


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


def run_evacuate(args: argparse.Namespace) -> int:
    from ui.workflows.network import evacuate

    _check_pdf_path(args.pdf)
    dataset = load_dataset(args.data, quiet=True, store=args.store)
    with _network_errors():
        result = evacuate(dataset, args.lon, args.lat, radii_m=tuple(args.radii_km))
    if args.format == "geojson":
        import pandas as pd

        frames = [result.shelters.assign(layer="shelters"), result.flows.assign(layer="flows")]
        text = pd.concat(frames).to_json(ensure_ascii=False)
    else:
        text = json.dumps(result.as_json(), ensure_ascii=False, indent=1, default=_plain)
    if result.unplaced:
        print(f"{result.unplaced} 人无法安置（可达避难场所容量不足）/ {result.unplaced} people cannot "
              "be placed (reachable shelter capacity exhausted)", file=sys.stderr)
    _emit(args, text)
    if args.pdf is not None:
        from layers.print_network import render_evacuation_pdf

        with _network_errors():
            data = render_evacuation_pdf(dataset, result, lang=args.lang, paper=args.paper)
        _write_pdf(args.pdf, data)
    return 0
