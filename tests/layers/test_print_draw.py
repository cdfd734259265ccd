"""Print maps draw the incident rings as the map does (layers.style.ring_style per zone)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from layers.print_draw import draw_incident
from layers.print_parts import Legend
from layers.style import OUTER_RING_STYLE, RING_STYLES, ring_style
from risk.cordon import cordon_rings, validate_incident

matplotlib.use("Agg")


def test_rings_take_colour_weight_dash_and_halo_from_ring_style():
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    rings = cordon_rings(validate_incident(114.05, 22.6, (1000, 5000, 10000, 15000)))
    fig, ax = plt.subplots()
    legend = Legend([])
    draw_incident(ax, rings, (114.05, 22.6), legend, "zh", 7.0)
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    drawn = [c for c in lines if c.get_zorder() == 14]
    halos = [c for c in lines if c.get_zorder() < 14]
    zones = list(rings.sort_values("outer_m")["zone"])
    assert zones == ["core", "control", "warning", "outer1"]
    assert len(drawn) == len(halos) == 4
    for coll, halo, zone in zip(drawn, halos, zones, strict=True):
        style = ring_style(zone)
        assert tuple(coll.get_colors()[0]) == pytest.approx(to_rgba(style.color))
        assert coll.get_linewidths()[0] == pytest.approx(style.weight * 0.75)
        offset, dashes = coll.get_dashes()[0]
        if style.dash is None:
            assert dashes is None
        else:  # the map's pixels, as points, whatever the width
            want = np.array([float(v) for v in style.dash.split()]) * 0.75
            assert np.asarray(dashes) == pytest.approx(want)
        assert tuple(halo.get_colors()[0]) == pytest.approx(to_rgba(style.halo))
        assert halo.get_linewidths()[0] > coll.get_linewidths()[0]
    assert ring_style("outer1") == OUTER_RING_STYLE and set(RING_STYLES) == set(zones[:3])
    ring_entries = [(h, t) for h, t, head in legend.entries if not head][1:]  # after the point
    assert [h.get_color() for h, _ in ring_entries] == [ring_style(z).color for z in zones]
    assert "管制区" in ring_entries[1][1]
    plt.close(fig)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ring_legend_and_labels_say_each_range_once(lang):
    import matplotlib.pyplot as plt

    rings = cordon_rings(validate_incident(114.05, 22.6, (1000, 5000, 10000, 30000, 50000)))
    fig, ax = plt.subplots()
    legend = Legend([])
    draw_incident(ax, rings, (114.05, 22.6), legend, lang, 7.0)
    texts = [t for _, t, head in legend.entries if not head][1:]
    assert len(texts) == 5
    for text in texts:
        assert text.count("km") == 1, text
    assert any("外围" in t and "10–30 km" in t for t in texts)
    on_map = [t.get_text() for t in ax.texts if t.get_text() != "!"]  # the incident point
    outer, control = ("Outer", "Traffic-control zone") if lang == "en" else ("外围", "管制区")
    assert f"{outer} 10–30 km" in on_map and f"{outer} 30–50 km" in on_map
    assert f"{control} 5 km" in on_map
    assert all(t.count("km") == 1 for t in on_map)
    plt.close(fig)


@pytest.mark.parametrize(("lang", "want"), [
    ("zh", "下风向防护区 Downwind area (风向 45°, 10 km)"),
    ("en", "Downwind area 下风向防护区 (wind from 45°, 10 km)")])
def test_downwind_area_takes_the_map_style_and_names_wind_and_reach(lang, want):
    import matplotlib.pyplot as plt
    import shapely

    from layers.print_draw import draw_downwind
    from layers.style import DOWNWIND_STYLE

    area = shapely.Polygon([(0, 0), (0, -10_000), (-10_000, -10_000), (-10_000, 0)])
    fig, ax = plt.subplots()
    legend = Legend([])
    outline = draw_downwind(ax, area, legend, wind_from_deg=45.0, distance_m=10_000.0, lang=lang)
    assert np.asarray(outline.get_path().vertices)[:5] == pytest.approx(
        np.asarray(area.exterior.coords))
    assert tuple(outline.get_edgecolor()) == pytest.approx(to_rgba(DOWNWIND_STYLE.color))
    assert outline.get_linewidth() == pytest.approx(DOWNWIND_STYLE.weight * 0.75)
    offset, dashes = outline.get_linestyle()
    assert dashes is not None  # dashed, as on the map
    fills = [p for p in ax.patches if p is not outline]
    assert len(fills) == 1 and fills[0].get_alpha() == pytest.approx(DOWNWIND_STYLE.fill_opacity)
    assert fills[0].get_zorder() < outline.get_zorder() < 13.5  # under the rings' halos
    assert [" ".join(t.split()) for _, t, head in legend.entries if not head] == [want]
    plt.close(fig)


def test_the_incident_point_is_drawn_as_the_map_draws_it():
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    from layers.style import INCIDENT_MARKER

    rings = cordon_rings(validate_incident(114.05, 22.6, (1000, 5000)))
    fig, ax = plt.subplots()
    legend = Legend([])
    draw_incident(ax, rings, (114.05, 22.6), legend, "en", 7.0)
    top = max(ax.collections, key=lambda c: c.get_zorder())  # above the rings and their labels
    assert to_hex(top.get_facecolors()[0]) == INCIDENT_MARKER["fill"]
    assert to_hex(top.get_edgecolors()[0]) == INCIDENT_MARKER["edge"]
    handle, text, _ = [e for e in legend.entries if not e[2]][0]
    assert handle.get_markerfacecolor() == INCIDENT_MARKER["fill"] and text.startswith("Incident")
    assert "Traffic-control zone 5 km" in [t.get_text() for t in ax.texts]  # English on the ring
    plt.close(fig)
