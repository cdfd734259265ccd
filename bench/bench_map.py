"""Benchmark the analyst map: server build time, bytes to the browser, first map paint.

Usage::

    .venv/bin/python bench/bench_map.py [--sizes 15000,100000] [--repeat 3]

For each size a synthetic sample is generated once into ``bench/out/sample-N`` (seed 42). Then:

- build: server time to build and render the map page (``build_analyst_map`` + render),
  median of ``--repeat`` runs, cold (no cache);
- bytes: what headless Chromium receives on loading the app (``/``) — compressed body sizes of
  every response, total and for the map page alone;
- paint: from the app page's navigation start to the map iframe's first drawing of the
  enterprises (performance marks in the browser, so Playwright's own polling is not counted),
  median; "wall" is the same seen from Python (includes the driver's overhead);
- cordon: click-to-rings round trip in the incident tab (click in the map → Dash callback →
  exposure → rings drawn in the iframe), first click and median of the next ones.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import cached_sample  # noqa: E402 - bench/ is on sys.path when run as a script

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def sample_for(n: int) -> Path:
    return cached_sample(n, ROOT / "bench" / "out")


def bench_build(data_dir: Path, repeat: int) -> tuple[float, int]:
    from data.dataset import Dataset
    from layers.map import build_analyst_map

    ds = Dataset.load(data_dir)
    times, size = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        html = build_analyst_map(ds).get_root().render()
        times.append(time.perf_counter() - t0)
        size = len(html.encode())
    return statistics.median(times), size


def bench_browser(data_dir: Path, repeat: int) -> dict:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from ui.app import create_app

    app = create_app(data_dir)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    paints, walls, total_bytes, map_bytes, external = [], [], 0, 0, []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for i in range(repeat):
            ctx = browser.new_context(viewport={"width": 1400, "height": 850})
            page = ctx.new_page()
            sizes: list[tuple[str, int]] = []

            def done(req, sizes=sizes):
                try:
                    sizes.append((req.url, req.sizes()["responseBodySize"]))
                except Exception:  # noqa: BLE001 - aborted requests have no sizes
                    pass

            page.on("requestfinished", done)
            page.on("request", lambda r: external.append(r.url)
                    if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
            t0 = time.perf_counter()
            page.goto(base)
            frame_el = page.wait_for_selector("#map-frame")
            frame = None
            while frame is None:
                frame = frame_el.content_frame()
            page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(
                timeout=60_000)
            frame = frame_el.content_frame()
            frame.evaluate("new Promise(r => requestAnimationFrame(() => r()))")
            walls.append(time.perf_counter() - t0)
            origin = page.evaluate("performance.timeOrigin")
            f_origin = frame.evaluate("performance.timeOrigin")
            mark = frame.evaluate(
                "performance.getEntriesByName('riskmap-painted')[0].startTime")
            paints.append((f_origin - origin + mark) / 1000.0)
            page.wait_for_load_state("networkidle")
            if i == 0:
                clicks = []
                page.get_by_text("事件警戒").click()
                box = page.locator("#map-frame").bounding_box()
                for k in range(4):
                    frame.evaluate("document.documentElement.removeAttribute('data-incident')")
                    t1 = time.perf_counter()
                    page.mouse.click(box["x"] + box["width"] * (0.40 + 0.05 * k),
                                     box["y"] + box["height"] * 0.5)
                    page.frame_locator("#map-frame").locator("html[data-incident]").wait_for(
                        timeout=30_000)
                    clicks.append(time.perf_counter() - t1)
                total_bytes = sum(s for _, s in sizes)
                map_bytes = sum(s for u, s in sizes if "map/analyst.html" in u)
            ctx.close()
        browser.close()
    server.shutdown()
    return {"paint_s": statistics.median(paints), "paint_first_s": paints[0],
            "wall_s": statistics.median(walls),
            "click_first_s": clicks[0], "click_s": statistics.median(clicks[1:]),
            "bytes_total": total_bytes, "bytes_map_page": map_bytes, "external": external}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="15000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("enterprises | build s | page bytes (raw) | bytes to browser (map page / all, "
          "compressed) | first paint s (median, first; wall) | click-to-rings s (first, median)")
    for n in [int(s) for s in args.sizes.split(",")]:
        data_dir = sample_for(n)
        build, raw = bench_build(data_dir, args.repeat)
        b = bench_browser(data_dir, args.repeat)
        print(f"{n:>11,} | {build:7.3f} | {raw:>16,} | {b['bytes_map_page']:>10,} / "
              f"{b['bytes_total']:>10,} | {b['paint_s']:.2f}, {b['paint_first_s']:.2f}; "
              f"{b['wall_s']:.2f} | "
              f"{b['click_first_s']:.2f}, {b['click_s']:.2f}"
              + (f"  EXTERNAL: {b['external']}" if b["external"] else ""))


if __name__ == "__main__":
    main()
