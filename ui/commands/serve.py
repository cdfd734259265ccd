"""``riskmap serve``: start the web app."""

from __future__ import annotations

import argparse

from ui.commands._common import add_data_option, load_dataset


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="start the web app (default http://127.0.0.1:8050) / 启动网页应用",
        description="Start the risk-map web app. With no --data it serves the bundled Shenzhen "
                    "sample (real district boundaries, synthetic registers), generating it on "
                    "first use.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    p.add_argument("--threads", type=int, default=8,
                   help="worker threads of the waitress server (default 8)")
    p.add_argument("--debug", action="store_true",
                   help="Dash's development server in debug mode (dev tools) instead of waitress")
    add_data_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ui.app import create_app

    dataset = load_dataset(args.data)
    layers = ", ".join(f"{k} {len(v):,}" for k, v in dataset.layers.items())
    print(f"数据 / data: {dataset.store.describe()} ({layers})")
    if dataset.synthetic:
        print("注意：合成样例数据 / note: synthetic sample data")
    root = dataset.store.root if hasattr(dataset.store, "root") else args.data
    app = create_app(root, dataset=dataset)
    print(f"打开 / open http://{args.host}:{args.port}/")
    if args.debug:
        app.run(host=args.host, port=args.port, debug=True)
        return 0
    from waitress import serve

    serve(app.server, host=args.host, port=args.port, threads=args.threads, ident="risk-map")
    return 0
