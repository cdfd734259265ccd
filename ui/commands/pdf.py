"""``riskmap pdf``: print-quality maps (PDF, PNG, SVG; one map, one per district, or an atlas).

    riskmap pdf --out shenzhen.pdf --paper A3 --graticule --inset --template bureau.yaml
    riskmap pdf --out futian.pdf --district 福田区 --layers districts,roads,enterprises,shelters
    riskmap pdf --out futian.pdf --scale 50000 --center 114.05,22.54 --georef
    riskmap pdf --out slide.png --format png --dpi 300
    riskmap pdf --out fire.pdf --lon 114.05 --lat 22.55 --radii-km 1,3,5 --tables
    riskmap pdf --out leak.pdf --lon 114.05 --lat 22.55 --wind-from 45 --downwind-km 8 --tables
    riskmap pdf --out incident12.pdf --incident 12 --tables
    riskmap pdf --each-district --out-dir maps/ --grades red,orange
    riskmap pdf --atlas atlas.pdf --paper A3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from risk.cordon import DEFAULT_RADII_M
from ui.commands._common import (
    RADII_HELP,
    add_data_option,
    incident_id_arg,
    open_cli_store,
    radii_km_arg,
    saved_incident,
)

DEFAULT_TITLE = "安全风险分布图"
SCALE_HELP = ("fit (default: the whole extent) or a scale of the standard series: 2000, 5000, "
              "10000, 25000, 50000, 100000, 250000, 500000, 1000000 / 比例尺")


def _csv(text: str) -> list[str]:
    return [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]


def _extent(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(p) for p in _csv(text))
    except ValueError:
        values = ()
    if len(values) != 4:
        msg = f"--extent must be WEST,SOUTH,EAST,NORTH in degrees (WGS 84), got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return values


def _center(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(p) for p in _csv(text))
    except ValueError:
        msg = f"--center must be LON,LAT in degrees (WGS 84), e.g. 114.05,22.54, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    return lon, lat


def _dpi(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 72 <= value <= 600:
        raise argparse.ArgumentTypeError(f"--dpi must be a whole number 72–600, got {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pdf", help="print-quality maps: PDF, PNG, SVG, atlas / 打印出图",
        description="A map in a GIS print layout: title, map frame, legend of the layers and "
                    "classes shown (red enterprises largest, major hazards as triangles, key "
                    "enterprises labelled), scale bar and north arrow true at the map centre, "
                    "optional graticule and overview map, producer block from a template, "
                    "date, coordinate system and data sources; optionally a page of tables. "
                    "Vector PDF (optionally georeferenced), PNG or TIFF at --dpi, or SVG; one map, one "
                    "per district, or a multi-page atlas. "
                    "生成专题图（标题、图例、比例尺、指北针、经纬网、位置图、制图单位、审图号、密级、"
                    "坐标系、数据来源，可附统计表）：矢量 PDF（可带地理坐标）、PNG、TIFF、SVG，单幅、分区或图集。",
    )
    out = p.add_argument_group("output / 输出")
    out.add_argument("--out", type=Path, metavar="FILE.pdf", help="file to write / 输出文件")
    out.add_argument("--format", choices=("pdf", "png", "tiff", "svg"), default=None,
                     help="pdf (vector), png or tiff (raster at --dpi) or svg; default: from the "
                          "--out suffix (.tif counts as tiff), else pdf / 输出格式")
    out.add_argument("--dpi", type=_dpi, default=300,
                     help="PNG/TIFF resolution, 72–600 (default 300) / 分辨率")
    out.add_argument("--georef", action="store_true",
                     help="georeferenced PDF (geospatial measure dictionary; GDAL and phone map "
                          "apps place it) / 带地理坐标的 PDF")
    out.add_argument("--atlas", type=Path, metavar="FILE.pdf",
                     help="one multi-page PDF: an index page, then one page per district / "
                          "分区图集")
    out.add_argument("--each-district", action="store_true",
                     help="one PDF per district into --out-dir / 每个行政区各出一张图")
    out.add_argument("--out-dir", type=Path, metavar="DIR",
                     help="folder for --each-district (created if missing) / 批量输出目录")
    look = p.add_argument_group("layout / 版式")
    look.add_argument("--title", help="map title / 标题 (default: the template's title with the "
                                      f"district or the dataset's city, e.g. 深圳市{DEFAULT_TITLE})")
    look.add_argument("--subtitle", help="subtitle / 副标题 (default: the filters in use)")
    look.add_argument("--paper", default="A4", type=str.upper, choices=("A4", "A3"),
                      help="paper size / 纸张 (default A4)")
    look.add_argument("--orientation", default="landscape", choices=("landscape", "portrait"),
                      help="横向 landscape / 纵向 portrait (default landscape)")
    look.add_argument("--lang", default="zh", choices=("zh", "en"),
                      help="zh: Chinese first, English alongside; en: the other way round")
    look.add_argument("--template", type=Path, metavar="FILE.json|FILE.yaml",
                      help="layout template, JSON or YAML (every key optional): organisation "
                           "(制图单位), approval_no (审图号), classification (密级), logo_text, "
                           "title ('{place}' = district or city), colors {title, frame, accent, "
                           "label}, fonts {title_pt, body_pt, label_pt: 3-40}; example: "
                           "layers/print_template.yaml / 版式模板")
    look.add_argument("--graticule", action="store_true",
                      help="graticule with degree labels on the frame / 经纬网")
    look.add_argument("--inset", action="store_true",
                      help="overview map with the extent box / 位置图")
    look.add_argument("--no-labels", dest="labels", action="store_false",
                      help="no labels for red and major-hazard enterprises / 不标注重点企业")
    look.add_argument("--scale", default=None, metavar="N|fit", help=SCALE_HELP)
    look.add_argument("--center", type=_center, default=None, metavar="LON,LAT",
                      help="centre of the map frame (WGS 84) / 图幅中心")
    look.add_argument("--tables", action="store_true",
                      help="add a page of tables (enterprises by grade per district; ring "
                           "exposure with an incident, and a downwind row with a wind) / 附统计表")
    what = p.add_argument_group("content / 内容")
    what.add_argument("--layers", type=_csv, default=None, metavar="L1,L2,...",
                      help="layers to draw / 图层: districts, roads, enterprises, slopes, "
                           "waterlogging, shelters (default districts,roads,enterprises)")
    what.add_argument("--grades", type=_csv, default=None, metavar="G1,G2",
                      help="enterprise grades, e.g. red,orange or 红,橙 / 风险等级")
    what.add_argument("--industries", type=_csv, default=None, metavar="I1,I2",
                      help="enterprise industries, e.g. 危化品,燃气 / 行业")
    what.add_argument("--major-only", action="store_true",
                      help="only major hazard sources / 仅重大危险源")
    what.add_argument("--district", action="append", default=None, metavar="NAME",
                      help="district (中文, English or adcode; repeatable): its extent and "
                           "features / 行政区")
    what.add_argument("--extent", type=_extent, default=None, metavar="W,S,E,N",
                      help="map extent in degrees / 地图范围（经纬度）")
    inc = p.add_argument_group("incident / 事发点")
    inc.add_argument("--lon", type=float, help="incident longitude (WGS 84) / 经度")
    inc.add_argument("--lat", type=float, help="incident latitude (WGS 84) / 纬度")
    inc.add_argument("--radii-km", type=radii_km_arg, default=None,
                     metavar="R1,R2,...", help=RADII_HELP)
    inc.add_argument("--wind-from", type=float, default=None, metavar="DEG",
                     help="wind direction (from, degrees clockwise from north, 0-360; needs "
                          "--lon/--lat or --incident): draw the downwind protective-action area, "
                          "with its row in --tables / 风向（来向，度），绘制下风向防护区")
    inc.add_argument("--downwind-km", type=float, default=None, metavar="KM",
                     help="how far the downwind area reaches (needs --wind-from; default the "
                          "outer radius) / 下风向距离（公里，默认最大半径）")
    inc.add_argument("--incident", type=incident_id_arg, default=None, metavar="ID",
                     help="a saved incident (riskmap incidents list): its place, radii, wind and "
                          "downwind distance; --wind-from/--downwind-km replace its own / "
                          "已保存的事件")
    add_data_option(p)
    p.set_defaults(func=run)


def _subtitle(args: argparse.Namespace, dataset: Any, options: dict[str, Any]) -> str:
    from risk.grades import parse_grade

    parts = []
    if args.grades:
        try:
            parts.append("、".join(parse_grade(g).label_zh for g in args.grades))
        except ValueError:
            parts.append(",".join(args.grades))
    if args.industries:
        parts.append("行业：" + "、".join(args.industries))
    if args.major_only:
        parts.append("重大危险源")
    cordon = options.get("incident")
    if cordon is not None:
        number = f"事件 {args.incident} " if args.incident is not None else ""
        parts.append(f"{number}事发点 {cordon.lon:.4f}°E, {cordon.lat:.4f}°N")
        if options.get("wind_from_deg") is not None:
            parts.append(f"风向 {options['wind_from_deg']:g}°")
    if dataset.title:
        parts.append(dataset.title)
    return " · ".join(parts)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    from layers.printmap import DEFAULT_LAYERS
    from ui.cli import CliError

    incident = None
    if (args.lon is None) != (args.lat is None):
        raise CliError("give both --lon and --lat (WGS 84 degrees) for an incident, or neither")
    if args.incident is not None:
        given = [o for o, v in (("--lon/--lat", args.lon is not None),
                                ("--radii-km", args.radii_km is not None)) if v]
        if given:
            raise CliError(f"--incident 与 {', '.join(given)} 不能同时使用 / --incident cannot be "
                           f"combined with {', '.join(given)}: the saved incident has its own")
    elif args.lon is not None:  # validated in run(), with the region
        incident = (args.lon, args.lat, args.radii_km or DEFAULT_RADII_M)
    elif args.wind_from is not None or args.downwind_km is not None:
        what = "--wind-from" if args.wind_from is not None else "--downwind-km"
        raise CliError(f"{what} 需要事发点 / {what} needs an incident: give --lon and --lat "
                       "(WGS 84 degrees), or --incident ID")
    return {
        "scale": args.scale, "center": args.center, "graticule": args.graticule,
        "inset": args.inset, "labels": args.labels, "dpi": args.dpi,
        "paper": args.paper, "orientation": args.orientation, "lang": args.lang,
        "layers": tuple(args.layers) if args.layers else DEFAULT_LAYERS,
        "grades": args.grades, "industries": args.industries, "major_only": args.major_only,
        "extent": args.extent, "incident": incident, "tables_page": args.tables,
        "wind_from_deg": None, "downwind_m": None,
    }


def _open(args: argparse.Namespace) -> tuple[Any, Any]:
    """The store the options name and its dataset (a busy or unreachable store: a CLI error)."""
    from data.dataset import Dataset
    from ui.cli import CliError

    store = open_cli_store(args.data, args.store, quiet=True)
    try:
        return store, Dataset.load(store)
    except OSError as exc:
        raise CliError(str(exc)) from None


def _incident(args: argparse.Namespace, options: dict[str, Any], store: Any,
              dataset: Any) -> None:
    """Validate the incident once (``--lon/--lat/--radii-km`` or the saved ``--incident``) and
    its wind (:func:`risk.cordon.validate_wind`, messages in km), into ``options``: render_map
    trusts the :class:`~risk.cordon.Cordon` and the wind it is given."""
    from risk.cordon import validate_incident, validate_wind
    from ui.cli import CliError

    wind: object = args.wind_from
    reach: object = None if args.downwind_km is None else args.downwind_km * 1000.0
    if args.incident is not None:

        saved = saved_incident(store, args.incident, region=dataset.region)
        options["incident"] = saved.cordon
        if wind is None:
            wind = saved.wind_from_deg
        if reach is None:
            reach = saved.downwind_m
    elif options["incident"] is not None:
        try:  # the one validation of this request
            options["incident"] = validate_incident(*options["incident"], region=dataset.region)
        except ValueError as exc:
            raise CliError(f"--lon/--lat/--radii-km: {exc}") from None
    if options["incident"] is None:
        return
    try:
        wind, reach = validate_wind(wind, reach, radii_m=options["incident"].radii_m)
    except ValueError as exc:
        raise CliError(f"--wind-from/--downwind-km: {exc}") from None
    options.update(wind_from_deg=wind, downwind_m=reach)


def _render(dataset: Any, out: Path, *, skip_empty: bool = False, **kwargs: Any) -> int | None:
    """Render to ``out``; ``None`` when the map is empty and ``skip_empty``."""
    from layers.printmap import EmptyMapError, PrintMapError, render_map
    from ui.cli import CliError

    try:
        return len(render_map(dataset, out=out, **kwargs))
    except EmptyMapError as exc:
        if skip_empty:
            print(f"riskmap pdf: 跳过 skipped {out.name}: {exc}", file=sys.stderr)
            return None
        raise CliError(str(exc)) from exc
    except PrintMapError as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(f"--out {out}: cannot write the map: {exc.strerror or exc}") from exc


def _districts(dataset: Any, names: list[str]) -> list[str]:
    from layers.printmap import PrintMapError, resolve_districts
    from ui.cli import CliError

    try:
        return resolve_districts(dataset, names)
    except PrintMapError as exc:
        raise CliError(str(exc).replace("`districts_filter`", "--district")) from exc


def _check_out(out: Path) -> None:
    from ui.cli import CliError

    if out.is_dir():
        raise CliError(f"--out {out}: is a folder; expected a file name such as map.pdf")
    folder = out.parent
    if not folder.is_dir():
        raise CliError(f"--out {out}: folder {folder} does not exist")


def _template(path: Path | None) -> Any:
    from layers.print_template import TemplateError, load_template
    from ui.cli import CliError

    try:
        return load_template(path)
    except TemplateError as exc:
        raise CliError(f"--template: {exc}") from exc


def _format(args: argparse.Namespace) -> str:
    """--format, else the suffix of --out (.png/.svg), else pdf."""
    from ui.cli import CliError

    suffix = args.out.suffix.lower().lstrip(".") if args.out is not None else ""
    suffix = "tiff" if suffix == "tif" else suffix
    fmt = args.format or (suffix if suffix in ("png", "tiff", "svg") else "pdf")
    if args.out is not None and suffix and suffix != fmt:
        raise CliError(f"--out {args.out}: the suffix .{suffix} does not match --format {fmt}")
    if fmt != "pdf" and (args.georef or args.tables or args.atlas):
        what = "--georef" if args.georef else ("--tables" if args.tables else "--atlas")
        raise CliError(f"{what} needs --format pdf, got --format {fmt}")
    return fmt


def run(args: argparse.Namespace) -> int:
    from ui.cli import CliError

    modes = [m for m, on in (("--out", args.out is not None), ("--each-district",
                                                                args.each_district),
                             ("--atlas", args.atlas is not None)) if on]
    if len(modes) > 1:
        raise CliError(f"{' and '.join(modes)} cannot be combined: give one of --out FILE, "
                       "--each-district --out-dir DIR, --atlas FILE.pdf")
    if args.each_district:
        if args.out_dir is None:
            raise CliError("--each-district writes one map per district: give --out-dir DIR "
                           "(and no --out)")
        if args.district:
            raise CliError("--each-district and --district cannot be combined")
    elif not modes:
        raise CliError("give --out FILE.pdf (or --each-district --out-dir DIR, or --atlas "
                       "FILE.pdf)")
    elif args.out_dir is not None:
        raise CliError("--out-dir is only for --each-district; use --out FILE.pdf")
    fmt = _format(args)
    template = _template(args.template)
    options = _options(args)
    options.update(format=fmt, georef=args.georef, template=template)
    store, dataset = _open(args)
    _incident(args, options, store, dataset)
    subtitle = (args.subtitle if args.subtitle is not None
                else _subtitle(args, dataset, options))

    from layers.print_template import default_title

    if args.atlas is not None:
        return _atlas(dataset, args, options, subtitle, default_title(dataset.meta, template))
    if not args.each_district:
        assert args.out is not None  # checked above
        _check_out(args.out)
        names = _districts(dataset, args.district) if args.district else None
        title = args.title or default_title(dataset.meta, template, districts=names)
        size = _render(dataset, args.out, title=title, subtitle=subtitle or None,
                       districts_filter=names, **options)
        assert size is not None  # None only with skip_empty
        print(f"已写入 wrote {args.out} ({size / 1e6:.2f} MB)")
        return 0

    districts = dataset.districts
    if districts.empty:
        raise CliError(f"--each-district: dataset {dataset.title} has no districts layer")
    assert args.out_dir is not None  # checked above
    folder: Path = args.out_dir
    if folder.exists() and not folder.is_dir():
        raise CliError(f"--out-dir {folder}: is a file; expected a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"--out-dir {folder}: cannot create the folder: {exc.strerror}") from exc
    written, skipped = 0, []
    for _, row in districts.iterrows():
        name = str(row["name"])
        code = str(row.get("code", "") or "").strip()
        out = folder / (f"{code}_{name}.{fmt}" if code else f"{name}.{fmt}")
        title = f"{args.title}（{name}）" if args.title else default_title(
            dataset.meta, template, districts=[name])
        size = _render(dataset, out, skip_empty=True, title=title, subtitle=subtitle or None,
                       districts_filter=[name], **options)
        if size is None:
            skipped.append(name)
            continue
        written += 1
        print(f"已写入 wrote {out} ({size / 1e6:.2f} MB)")
    if not written:
        raise CliError(f"--each-district: no district had anything to draw ({len(skipped)} "
                       "skipped); loosen the filters")
    print(f"{written} 个文件 / files in {folder}" + (f", {len(skipped)} skipped" if skipped
                                                    else ""))
    return 0


def _atlas(dataset: Any, args: argparse.Namespace, options: dict[str, Any], subtitle: str,
           title: str) -> int:
    from layers.print_atlas import render_atlas
    from layers.printmap import PrintMapError
    from risk.files import write_bytes_atomic
    from ui.cli import CliError

    out: Path = args.atlas
    _check_out(out)
    if args.district:
        raise CliError("--atlas makes one page per district; use --district with --out")
    try:
        atlas = render_atlas(dataset, title=args.title or title,
                             page_title=None if not args.title else "{title}（{district}）",
                             subtitle=subtitle or None,
                             **{k: v for k, v in options.items() if k != "format"})
        write_bytes_atomic(out, atlas.pdf)
    except PrintMapError as exc:
        raise CliError(f"--atlas: {exc}") from exc
    except OSError as exc:
        raise CliError(f"--atlas {out}: cannot write the atlas: {exc.strerror or exc}") from exc
    print(f"已写入 wrote {out} ({len(atlas.pdf) / 1e6:.2f} MB): 目录 index + "
          f"{len(atlas.pages)} 幅分区图 district maps"
          + (f", {len(atlas.skipped)} skipped" if atlas.skipped else ""))
    return 0
