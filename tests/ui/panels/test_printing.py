"""The print tab's callbacks, called directly on the small sample."""

import base64
import subprocess

import pytest

from ui.panels.printing import export_pdf


def test_pdf_of_the_current_view(state, tmp_path):
    data, msg = export_pdf(
        state, title="南山区 风险图", subtitle="", paper="A4", orientation="landscape",
        layers=["districts", "enterprises"], options=["view"],
        view={"bounds": [113.85, 22.48, 114.0, 22.6]}, grades=["red", "orange"], industries=[],
        districts=[], major=False, incident={"lon": 113.93, "lat": 22.53,
                                             "radii_m": [1000, 5000, 10000]},
        zone_params=None, lang="zh")
    assert msg.className == "ok"
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(base64.b64decode(data["content"]))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "南山区 风险图" in text and "重大风险" in text and "核心区" in text
    assert "低风险" not in text  # filtered out, so not in the legend


def test_pdf_needs_a_title_and_reports_bad_input(state):
    import dash

    data, msg = export_pdf(state, title="  ", subtitle="", paper="A4", orientation="landscape",
                           layers=["enterprises"], options=[], view=None, grades=None,
                           industries=[], districts=[], major=False, incident=None,
                           zone_params=None, lang="en")
    assert data is dash.no_update and "title" in msg.children
    data, msg = export_pdf(state, title="x", subtitle="", paper="A4", orientation="landscape",
                           layers=["enterprises"], options=["view"],
                           view={"bounds": [100.0, 10.0, 100.1, 10.1]}, grades=None,
                           industries=[], districts=[], major=False, incident=None,
                           zone_params=None, lang="en")
    assert data is dash.no_update and msg.className == "error"


def test_print_layers_follow_the_map():
    from layers.printmap import PRINT_LAYERS
    from ui.panels.printing import follow_map_layers

    got = follow_map_layers(["roads", "enterprises", "districts"], ["shelters"])
    assert got == [n for n in PRINT_LAYERS if n in {"roads", "enterprises", "districts"}]
    assert follow_map_layers(None, ["shelters"]) == ["shelters"]
    assert "labels" not in follow_map_layers(["labels", "enterprises"], [])


# issue 16: the tab offers the CLI's options


def _export(state, **kwargs):
    base = dict(title="福田区风险图", subtitle="", paper="A4", orientation="landscape",
                layers=["districts", "roads", "enterprises"], options=["view"],
                view={"bounds": [113.98, 22.50, 114.12, 22.58], "center": [114.05, 22.54]},
                grades=None, industries=[], districts=[], major=False, incident=None,
                zone_params=None, lang="zh")
    return export_pdf(state, **{**base, **kwargs})


def test_fixed_scale_centred_on_the_map_with_graticule_template_and_georef(state, tmp_path):
    template = {"organisation": "测试应急管理局", "classification": "内部"}
    data, msg = _export(state, scale="25000", layout_opts=["graticule", "inset", "labels"],
                        options=["view", "georef"], template=template)
    assert msg.className == "ok" and data["filename"].endswith(".pdf")
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(base64.b64decode(data["content"]))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "1:25,000" in text and "测试应急管理局" in text and "位置图" in text and "°" in text
    info = subprocess.run(["gdalinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "Origin =" in info.stdout
    # the centre is the map's: the CRS is centred on it
    assert "local TM 114.05°E" in text


def test_png_and_svg_downloads(state):
    data, msg = _export(state, fmt="png", dpi=150)
    assert data["filename"].endswith(".png") and base64.b64decode(data["content"])[:4] == \
        b"\x89PNG"
    data, msg = _export(state, fmt="svg", options=["view", "tables", "georef"])
    assert data["filename"].endswith(".svg") and msg.className == "ok"  # PDF-only ones ignored


def test_bad_template_is_refused_in_words(state):
    from ui.panels.printing import load_uploaded_template

    bad = "data:application/json;base64," + base64.b64encode(b'{"colour": 1}').decode()
    obj, msg = load_uploaded_template(bad, "t.json", "zh")
    assert obj is None and "colour" in str(msg.children) and msg.className == "error"
    good = "data:application/json;base64," + base64.b64encode(
        '{"organisation": "某局"}'.encode()).decode()
    obj, msg = load_uploaded_template(good, "t.json", "zh")
    assert obj == {"organisation": "某局"} and "某局" in msg.children
    obj, _ = load_uploaded_template("data:,bm90IGpzb24=", "x.json", "en")
    assert obj is None
    # YAML uploads: the same schema; a syntax error is refused with its line
    yml = "data:application/yaml;base64," + base64.b64encode(
        "organisation: 某局\nfonts: {title_pt: 18}\n".encode()).decode()
    obj, msg = load_uploaded_template(yml, "t.yaml", "zh")
    assert obj == {"organisation": "某局", "fonts": {"title_pt": 18}} and msg.className == "ok"
    bad = "data:application/yaml;base64," + base64.b64encode(b"a: b\n\tc: d\n").decode()
    obj, msg = load_uploaded_template(bad, "t.yml", "zh")
    assert obj is None and "line 2" in str(msg.children) and msg.className == "error"


def test_print_area_command_follows_the_map_centre():
    from layers.bridge import PRINT_AREA
    from ui.panels.printing import print_area_command

    view = {"bounds": [113.9, 22.45, 114.2, 22.65], "center": [114.05, 22.54]}
    cmd = print_area_command(view, scale="50000", paper="A3", orientation="landscape",
                             layout_opts=["area"], lang="zh")
    assert cmd["type"] == PRINT_AREA and "1:50,000" in cmd["label"]
    lons = [c[0] for c in cmd["corners"]]
    lats = [c[1] for c in cmd["corners"]]
    assert min(lons) < 114.05 < max(lons) and min(lats) < 22.54 < max(lats)
    assert (min(lons) + max(lons)) / 2 == pytest.approx(114.05, abs=1e-4)
    fit = print_area_command(view, scale="fit", paper="A4", orientation="portrait",
                             layout_opts=["area"], lang="en")
    assert min(c[0] for c in fit["corners"]) <= 113.9  # the fitted frame holds the view
    assert print_area_command(view, scale="50000", paper="A3", orientation="landscape",
                              layout_opts=[], lang="zh") == {"type": PRINT_AREA}
    # before the map reports its view: the dataset's extent stands in
    assert print_area_command(None, scale="fit", paper="A3", orientation="landscape",
                              layout_opts=["area"], lang="zh") is None
    early = print_area_command(None, scale="fit", paper="A3", orientation="landscape",
                               layout_opts=["area"], lang="zh",
                               default_bounds=(113.75, 22.4, 114.62, 22.86))
    assert min(c[0] for c in early["corners"]) <= 113.75


def test_print_centre_box_is_parsed_like_the_other_coordinate_boxes():
    from ui.panels.printing import parse_print_center

    assert parse_print_center(None) is None and parse_print_center("  ") is None
    assert parse_print_center("114.100000, 22.600000") == pytest.approx((114.1, 22.6))
    assert parse_print_center("22°36'N 114°06'E") == pytest.approx((114.1, 22.6))  # swapped
    assert parse_print_center("114.1 22.6") == pytest.approx((114.1, 22.6))
    for bad in ("abc", "114.1", "914.1, 22.6"):
        with pytest.raises(ValueError, match="经|纬|坐标"):
            parse_print_center(bad)


def _georef_centre(pdf_bytes: bytes) -> tuple[float, float]:
    import io

    from pypdf import PdfReader

    vp = PdfReader(io.BytesIO(pdf_bytes)).pages[0]["/VP"][0].get_object()
    gpts = [float(v) for v in vp["/Measure"].get_object()["/GPTS"]]
    lats, lons = gpts[0::2], gpts[1::2]
    return sum(lons) / 4, sum(lats) / 4


def test_print_area_and_export_follow_the_print_centre(state):
    from ui.panels.printing import print_area_command

    view = {"bounds": [113.9, 22.45, 114.2, 22.65], "center": [114.05, 22.54]}
    cmd = print_area_command(view, scale="25000", paper="A3", orientation="landscape",
                             layout_opts=["area"], lang="zh", center="114.10, 22.60")
    assert cmd["movable"] is True and cmd["center"] == pytest.approx([114.1, 22.6])
    lons, lats = [c[0] for c in cmd["corners"]], [c[1] for c in cmd["corners"]]
    assert (min(lons) + max(lons)) / 2 == pytest.approx(114.1, abs=1e-4)
    assert (min(lats) + max(lats)) / 2 == pytest.approx(22.6, abs=1e-3)
    # a box that is not a coordinate pair: the sheet stays on the map's centre
    stay = print_area_command(view, scale="25000", paper="A3", orientation="landscape",
                              layout_opts=["area"], lang="zh", center="nonsense")
    assert stay["center"] == pytest.approx([114.05, 22.54])
    fit = print_area_command(view, scale="fit", paper="A3", orientation="landscape",
                             layout_opts=["area"], lang="zh", center="114.10, 22.60")
    assert "movable" not in fit  # "fit" follows the map, nothing to drag
    # the export is centred on the box (read back from the georeferencing), not on the map
    data, msg = _export(state, scale="25000", options=["view", "georef"], center="114.10, 22.60")
    assert msg.className == "ok"
    lon, lat = _georef_centre(base64.b64decode(data["content"]))
    assert lon == pytest.approx(114.1, abs=1e-4) and lat == pytest.approx(22.6, abs=1e-3)
    data, msg = _export(state, scale="25000", options=["view", "georef"], center="")
    lon, _ = _georef_centre(base64.b64decode(data["content"]))
    assert lon == pytest.approx(114.05, abs=1e-4)
    data, msg = _export(state, scale="25000", center="114.1")
    assert msg.className == "error" and "打印中心" in str(msg.children)


# issue 13: the PDF of the incident on screen has its downwind area


def test_pdf_of_a_wind_incident_has_its_downwind_area(state, tmp_path):
    incident = {"lon": 114.05, "lat": 22.54, "radii_m": [1000, 3000], "wind_from_deg": 225.0,
                "downwind_m": 4000.0, "id": None}
    data, msg = _export(state, incident=incident, options=["tables"])
    assert msg.className == "ok"
    pdf = tmp_path / "wind.pdf"
    pdf.write_bytes(base64.b64decode(data["content"]))
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "下风向防护区 Downwind area (风向 225°, 4 km)" in text
    assert "下风向防护区 Downwind area 0–4 km" in text  # the row of the zone table


def test_print_tab_passes_the_wind_of_the_incident_on_screen(state, monkeypatch):
    import ui.panels.printing as printing

    seen = []
    monkeypatch.setattr(printing, "render_map", lambda dataset, **k: seen.append(k) or b"%PDF")
    base = {"lon": 114.05, "lat": 22.54, "radii_m": [1000, 5000], "id": 3}
    _export(state, incident={**base, "wind_from_deg": 45.0, "downwind_m": 8000.0})
    _export(state, incident={**base, "wind_from_deg": None, "downwind_m": None})
    _export(state, incident=None)
    assert [(k["incident"], k["wind_from_deg"], k["downwind_m"]) for k in seen] == [
        ((114.05, 22.54, (1000, 5000)), 45.0, 8000.0),
        ((114.05, 22.54, (1000, 5000)), None, None),
        (None, None, None)]


def test_a_bad_wind_is_an_error_message_not_a_pdf(state):
    import dash

    incident = {"lon": 114.05, "lat": 22.54, "radii_m": [1000], "wind_from_deg": 400.0,
                "downwind_m": None}
    data, msg = _export(state, incident=incident)
    assert data is dash.no_update and msg.className == "error" and "0–360" in msg.children
