"""One definition of how each layer looks, shared by the interactive map and the print maps.

Colours are hex strings; sizes are CSS pixels on screen (print maps scale them to points).
Labels come in Chinese and English; :func:`label` picks one.
"""

from __future__ import annotations

from dataclasses import dataclass

from risk.grades import GRADES, Grade

__all__ = [
    "LayerStyle",
    "STYLES",
    "GRADE_COLORS",
    "ROAD_STYLES",
    "SHELTER_COLORS",
    "WATERLOGGING_CLASSES",
    "BASEMAP",
    "label",
]


def label(pair: tuple[str, str], lang: str = "zh") -> str:
    """Pick the English or Chinese half of a ``(zh, en)`` pair."""
    return pair[1] if lang == "en" else pair[0]


@dataclass(frozen=True)
class LayerStyle:
    name: str
    title: tuple[str, str]
    color: str
    fill: str | None = None
    fill_opacity: float = 0.6
    weight: float = 1.0
    radius: float = 4.0
    dash: str | None = None


GRADE_COLORS: dict[str, str] = {g.value: g.color for g in GRADES}

STYLES: dict[str, LayerStyle] = {
    "enterprises": LayerStyle("enterprises", ("企业风险点", "Enterprises"), "#333333",
                              radius=4.0, weight=0.6, fill_opacity=0.85),
    "districts": LayerStyle("districts", ("行政区划", "District boundaries"), "#5a5a5a",
                            fill="#f4f1ea", fill_opacity=1.0, weight=1.2, dash="6 3"),
    "slopes": LayerStyle("slopes", ("危险边坡", "Dangerous slopes"), "#8c510a", fill="#d8b365",
                         fill_opacity=0.55, weight=1.0),
    "waterlogging": LayerStyle("waterlogging", ("内涝积水点", "Waterlogging points"), "#08519c",
                               fill="#6baed6", radius=5.0, weight=1.0, fill_opacity=0.9),
    "shelters": LayerStyle("shelters", ("应急避难场所", "Emergency shelters"), "#006d2c",
                           fill="#41ab5d", radius=5.0, weight=1.0, fill_opacity=0.9),
    "roads": LayerStyle("roads", ("道路（合成）", "Roads (synthetic)"), "#b0a89a", weight=1.0),
}

ROAD_STYLES: dict[str, tuple[str, float]] = {
    "expressway": ("#e8a33d", 2.6),
    "trunk": ("#f0c36b", 2.0),
    "primary": ("#c9bfae", 1.4),
    "secondary": ("#d9d2c5", 0.9),
}

SHELTER_COLORS: dict[str, str] = {"central": "#00441b", "fixed": "#238b45", "emergency": "#74c476"}

def _waterlogging_classes() -> tuple[tuple[float, str, tuple[str, str]], ...]:
    """(lower bound of max depth in cm, colour, label), from the classification's thresholds
    (:data:`risk.waterlogging.DEFAULT_THRESHOLDS_CM`, sources documented there)."""
    from risk.waterlogging import DEFAULT_THRESHOLDS_CM

    colours = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
    t = [float(v) for v in DEFAULT_THRESHOLDS_CM]
    labels = [(f"积水 < {t[0]:g} cm", f"Ponding < {t[0]:g} cm")]
    labels += [(f"积水 {a:g}–{b:g} cm", f"Ponding {a:g}–{b:g} cm") for a, b in zip(t, t[1:], strict=False)]
    labels += [(f"积水 ≥ {t[-1]:g} cm", f"Ponding ≥ {t[-1]:g} cm")]
    return tuple(zip([0.0, *t], colours, labels, strict=True))


WATERLOGGING_CLASSES: tuple[tuple[float, str, tuple[str, str]], ...] = _waterlogging_classes()

BASEMAP = {
    "sea": "#cfe3ef",  # background outside the land boundaries
    "land": "#f4f1ea",
    "boundary": "#5a5a5a",
    "label": "#3b3b3b",
}


def grade_legend(lang: str = "zh") -> list[tuple[str, str]]:
    """``[(colour, label), …]`` for the four grades, most severe first."""
    return [(g.color, g.label(lang)) for g in GRADES]


def grade_of(code: str) -> Grade:
    return Grade(code)
