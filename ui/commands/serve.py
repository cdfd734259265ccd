"""``riskmap serve``: start the web app."""

from __future__ import annotations

import argparse

from data import SAMPLE_DIR
from ui.commands._common import add_data_option, load_dataset


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="start the web app (default http://127.0.0.1:8050) / 启动网页应用",
        description="Start the risk-map web app. With no --data (and no $RISKMAP_DATA) it "
                    "serves the bundled Shenzhen sample (real district boundaries, synthetic "
                    "registers), generating it on first use in the per-user data folder "
                    f"({SAMPLE_DIR}).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    p.add_argument("--threads", type=int, default=8,
                   help="worker threads of the waitress server (default 8)")
    p.add_argument("--debug", action="store_true",
                   help="Dash's development server in debug mode (dev tools) instead of waitress")
    p.add_argument("--tiles", metavar="URL", default=None,
                   help="optional online/intranet XYZ tile server drawn under the map, e.g. "
                        "http://tiles.example.gov.cn/{z}/{x}/{y}.png (default: none; the basemap "
                        "is drawn from the bundled boundaries and roads, fully offline)")
    p.add_argument("--tiles-coords", choices=("wgs84", "gcj02"), default="wgs84",
                   help="coordinate system of the tiles: wgs84 (OSM, 天地图) or gcj02 "
                        "(高德/腾讯, shifted onto WGS 84 in the browser) (default wgs84)")
    p.add_argument("--tiles-attribution", default="", metavar="TEXT",
                   help="credit shown for the tiles, e.g. '© 高德地图'")
    add_data_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from layers.map import TileSource
    from ui.app import create_app
    from ui.cli import CliError

    tiles = None
    if args.tiles:
        try:
            tiles = TileSource(args.tiles, coords=args.tiles_coords,
                               attribution=args.tiles_attribution)
        except ValueError as exc:
            raise CliError(f"--tiles: {exc}") from exc
    dataset = load_dataset(args.data, store=args.store)
    layers = ", ".join(f"{k} {len(v):,}" for k, v in dataset.layers.items())
    print(f"数据 / data: {dataset.store.describe()} ({layers})")
    if dataset.synthetic:
        print("注意：合成样例数据 / note: synthetic sample data")
    root = dataset.store.root if hasattr(dataset.store, "root") else args.data
    app = create_app(root, dataset=dataset, tiles=tiles)
    if tiles is not None:
        print(f"在线底图 / tiles: {tiles.url} ({tiles.coords})")
    print(f"打开 / open http://{args.host}:{args.port}/")
    if args.debug:
        app.run(host=args.host, port=args.port, debug=True)
        return 0
    from waitress import serve

    serve(app.server, host=args.host, port=args.port, threads=args.threads, ident="risk-map")
    return 0
