"""Optional tile servers: off by default; GCJ-02 tiles are shifted onto WGS 84 tile by tile."""

import math
import re
import threading

import flask
import pytest
from werkzeug.serving import make_server

from layers.map import TileSource
from risk.coords import wgs84_to_gcj02

pytestmark = pytest.mark.browser

# a 1x1 transparent PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")


@pytest.fixture()
def tiled_app(small_sample):
    from ui.app import create_app

    app = create_app(small_sample, warm=False,
                     tiles=TileSource("../testtiles/{z}/{x}/{y}.png", coords="gcj02",
                                      attribution="test tiles"))

    @app.server.route("/testtiles/<int:z>/<int:x>/<int:y>.png")
    def _tile(z, x, y):
        return flask.Response(PNG, mimetype="image/png")

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _pixel(lon, lat, z):
    s = math.sin(math.radians(lat))
    scale = 256 * 2**z
    return ((lon + 180) / 360 * scale,
            (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * scale)


def test_gcj02_tiles_are_shifted_by_the_offset_at_their_centre(tiled_app, page):
    page.goto(tiled_app + "/map/analyst.html")
    page.wait_for_selector("html[data-map-ready='1']")
    page.evaluate("void riskmap.state.map.setView([22.55, 114.05], 12, {animate: false})")
    page.wait_for_function("document.querySelectorAll('img.leaflet-tile').length > 0")
    page.wait_for_timeout(300)
    tiles = page.evaluate(
        "Array.from(document.querySelectorAll('img.leaflet-tile')).map(t => "
        "[t.src, t.style.marginLeft, t.style.marginTop])")
    checked = 0
    for src, left, top in tiles:
        z, x, y = map(int, re.search(r"/(\d+)/(\d+)/(\d+)\.png", src).groups())
        if z != 12:
            continue
        cx, cy = (x + 0.5) * 256, (y + 0.5) * 256
        n = 2**z * 256
        lon = cx / n * 360 - 180
        lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * cy / n))))
        glon, glat = wgs84_to_gcj02(lon, lat)
        gx, gy = _pixel(float(glon), float(glat), z)
        assert float(left[:-2]) == pytest.approx(cx - gx, abs=0.05)
        assert float(top[:-2]) == pytest.approx(cy - gy, abs=0.05)
        # about 500 m: ~15 px west and ~9 px north at zoom 12 in Shenzhen
        assert -20 < float(left[:-2]) < -10 and -12 < float(top[:-2]) < -5
        checked += 1
    assert checked >= 4


def test_no_tiles_unless_asked(live_app, page):
    base, _ = live_app
    page.goto(base + "/map/analyst.html")
    page.wait_for_selector("html[data-map-ready='1']")
    assert page.evaluate("document.querySelectorAll('img.leaflet-tile').length") == 0
    html = page.content()
    assert "riskmap.tileLayer(" not in html
    assert "riskmap-map-tiles.js" not in html  # not even the script
