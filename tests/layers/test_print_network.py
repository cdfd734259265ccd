"""The coverage and evacuation PDFs (layers/print_network.py), read as a person would: their
text (pdftotext), pages and page size (pypdf)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from layers.print_frames import PrintMapError
from layers.print_network import render_coverage_pdf, render_evacuation_pdf
from ui.workflows.network import coverage, evacuate, network_of

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None,
                       reason="poppler-utils (pdftotext) not installed"),
    pytest.mark.usefixtures("font_cache"),
]
CENTER = (114.0579, 22.5431)
A3_PT = (841.89, 1190.55)
A4_PT = (595.28, 841.89)


def pdf_text(data: bytes, tmp_path: Path, name: str = "n.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def pages(data: bytes) -> list:
    from pypdf import PdfReader

    return list(PdfReader(io.BytesIO(data)).pages)


def numbers(text: str) -> set[int]:
    return {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)}


@pytest.fixture(scope="module")
def results(small_dataset):
    graph, _ = network_of(small_dataset)
    return SimpleNamespace(
        cov=coverage(small_dataset, minutes=10, graph=graph),
        evac=evacuate(small_dataset, *CENTER, radii_m=(1000, 3000, 6000), graph=graph))


@pytest.fixture(scope="module")
def cov_pdf(small_dataset, results):
    return render_coverage_pdf(small_dataset, results.cov, lang="zh")


@pytest.fixture(scope="module")
def evac_pdf(small_dataset, results):
    return render_evacuation_pdf(small_dataset, results.evac, lang="en", paper="A4")


def test_coverage_page_has_districts_and_the_result_numbers(small_dataset, results, cov_pdf,
                                                            tmp_path):
    (page,) = pages(cov_pdf)
    assert [float(v) for v in page.mediabox[2:]] == pytest.approx(A3_PT, abs=0.5)
    text = pdf_text(cov_pdf, tmp_path)
    for name in small_dataset.districts["name"]:
        assert name in text
    found = numbers(text)
    overall = results.cov.summary["overall"]
    assert {overall["population"], overall["population_reached"]} <= found
    for name, v in results.cov.summary.items():
        line = next(ln for ln in text.splitlines()
                    if (name in ln if name != "overall" else "全市合计" in ln)
                    and f"{v['population']:,}" in ln)
        reached, total = v["enterprises"]["red"]
        assert f"{v['population_reached']:,}" in line and f"{reached}/{total}" in line
    assert "10 分钟应急救援覆盖" in text and "合成样例数据" in text
    best = results.cov.areas.sort_values("people", ascending=False).iloc[0]
    line = next(ln for ln in text.splitlines() if str(best["name"]) in ln)
    assert f"{int(best['people']):,}" in line  # the team serving the most people, first
    if results.cov.suggestion:
        assert f"{results.cov.suggestion['population_added']:,}" in text


def test_evacuation_page_lists_shelters_and_unplaced(results, evac_pdf, tmp_path):
    (page,) = pages(evac_pdf)
    assert [float(v) for v in page.mediabox[2:]] == pytest.approx(A4_PT, abs=0.5)
    text = pdf_text(evac_pdf, tmp_path)
    s = results.evac.shelters.sort_values("assigned", ascending=False)
    top = s.iloc[0]
    line = next(ln for ln in text.splitlines() if str(top["name"]) in ln)
    assert f"{int(top['assigned']):,}" in line and f"{int(top['capacity']):,}" in line
    assert f"{float(top['minutes_max']):.1f}" in line
    assert "Evacuation to shelters" in text and "Cannot be placed" in text
    assert f"{results.evac.population:,}" in text
    assert f"{results.evac.unplaced:,}" in text
    assert f"{int(s['assigned'].sum()):,}" in text  # the total row


def test_long_shelter_table_is_cut_with_a_count(small_dataset, results, tmp_path):
    evac = results.evac
    many = evac.shelters.sample(n=len(evac.shelters), replace=False, random_state=0)
    import pandas as pd

    big = pd.concat([many] * 4, ignore_index=True)
    fake = SimpleNamespace(**{**vars(evac), "shelters": big})
    text = pdf_text(render_evacuation_pdf(small_dataset, fake, lang="zh", paper="A4"), tmp_path)
    shown = re.search(r"另 ([\d,]+) 条", text)
    assert shown is not None and int(shown.group(1).replace(",", "")) > 0
    assert "/ " in text[shown.start() - 3:shown.end() + 12]


def test_literal_text_and_bad_options(small_dataset, results, tmp_path):
    pdf = render_coverage_pdf(small_dataset, results.cov, lang="en", paper="A4",
                              title="Cover $x^2$ \\ test")
    assert "Cover $x^2$ \\ test" in pdf_text(pdf, tmp_path)
    with pytest.raises(PrintMapError, match="lang"):
        render_coverage_pdf(small_dataset, results.cov, lang="fr")
    with pytest.raises(PrintMapError, match="paper"):
        render_evacuation_pdf(small_dataset, results.evac, paper="A0")
    no_center = SimpleNamespace(**{**vars(results.evac), "center": None})
    with pytest.raises(PrintMapError, match="center"):
        render_evacuation_pdf(small_dataset, no_center)
