"""Enterprise symbols by importance and the labels of the key enterprises, checked on the page
(pdftotext) and on the matplotlib artists."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from pyproj import Transformer

from layers.print_page import fixed_view
from layers.print_parts import Legend, page_layout
from layers.print_symbols import (
    MAJOR_MARKER,
    draw_enterprises,
    label_candidates,
    marker_size_pt,
    short_name,
)
from layers.printmap import render_map_pdf
from risk.grades import GRADES, Grade

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
    pytest.mark.usefixtures("font_cache"),
]
CENTER = (114.06, 22.56)


def _text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "m.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_red_is_largest_and_drawn_on_top_major_hazards_outlined(small_dataset):
    ent = small_dataset.enterprises
    fig = Figure()
    ax = fig.add_subplot()
    legend = Legend([])
    draw_enterprises(ax, ent, legend, lang="zh", n_points=len(ent), scale=1.0)
    circles = {round(float(np.sqrt(c.get_sizes()[0])), 3): c for c in ax.collections
               if c.get_paths()[0].vertices.shape[0] > 4 and len(c.get_offsets())}
    sizes = [marker_size_pt(g, len(ent)) for g in GRADES]
    assert sizes == sorted(sizes, reverse=True)  # red, orange, yellow, blue
    zorders = {g: circles[round(marker_size_pt(g, len(ent)), 3)].get_zorder() for g in GRADES}
    assert zorders[Grade("red")] > zorders[Grade("orange")] > zorders[Grade("blue")]
    triangles = [c for c in ax.collections if c.get_paths()[0].vertices.shape[0] <= 4
                 and len(c.get_offsets())]
    assert triangles  # the sample has major hazards of lower grades
    red = ent["grade"].eq("red")
    for tri in triangles:  # a lower grade's major hazard never covers a red enterprise
        grade = next(g for g in GRADES if np.allclose(tri.get_facecolor()[0][:3],
                                                       to_rgb(g.color)))
        if grade != Grade("red"):
            assert tri.get_zorder() < zorders[Grade("red")]
    assert red.any()
    n_major = int(ent["major_hazard"].sum())
    drawn = sum(len(c.get_offsets()) for c in ax.collections)
    assert drawn == len(ent)
    labels = [text for _, text, _ in legend.entries]
    assert any("重大危险源" in t and f"{n_major:,}" in t for t in labels)
    assert not any("(red)" in t or "(blue)" in t for t in labels)  # issue 16: "(blue) (1,084)"
    assert MAJOR_MARKER == "^"


def test_short_names_and_candidate_order(small_dataset):
    assert short_name("深圳市明东石油气有限公司", place="深圳市") == "明东石油气"
    assert short_name("福田燃气股份有限公司") == "福田燃气"
    cands = label_candidates(small_dataset.enterprises)
    red = cands["grade"].eq("red").to_numpy()
    major = cands["major_hazard"].astype(bool).to_numpy()
    rank = np.where(red & major, 0, np.where(red, 1, 2))
    assert (np.diff(rank) >= 0).all()
    assert len(cands) == int((small_dataset.enterprises["grade"].eq("red")
                              | small_dataset.enterprises["major_hazard"]).sum())


def test_every_red_and_major_enterprise_in_view_is_labelled_or_counted(small_dataset,
                                                                       tmp_path):
    text = _text(render_map_pdf(small_dataset, title="标注测试", paper="A3", scale=50_000,
                                center=CENTER), tmp_path)
    # the enterprises inside the frame, found independently of the renderer
    view = fixed_view(CENTER, 50_000, page_layout("A3", "landscape", subtitle=False))
    cands = label_candidates(small_dataset.enterprises)
    x, y = Transformer.from_crs(4326, view.crs, always_xy=True).transform(
        cands.geometry.x.to_numpy(), cands.geometry.y.to_numpy())
    inside = ((x > view.xlim[0]) & (x < view.xlim[1]) & (y > view.ylim[0]) & (y < view.ylim[1]))
    expected = cands[inside]
    assert expected["grade"].eq("red").any()
    match = re.search(r"重点企业标注 Labels：(\d+) / (\d+)(?:（(\d+) 家因拥挤未标注)?", text)
    assert match, text
    placed, total, skipped = int(match[1]), int(match[2]), int(match[3] or 0)
    assert total == len(expected) and placed + skipped == total and placed > 0
    flat = text.replace("\n", "")
    found = sum(short_name(n, place="深圳市") in flat for n in expected["name"])
    assert found >= placed


def test_no_labels_option(small_dataset, tmp_path):
    text = _text(render_map_pdf(small_dataset, title="无标注", labels=False), tmp_path)
    assert "重点企业标注" not in text
