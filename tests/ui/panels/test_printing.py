"""The print tab's callbacks, called directly on the small sample."""

import base64
import subprocess

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
