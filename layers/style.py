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
    "RingStyle",
    "RING_STYLES",
    "OUTER_RING_STYLE",
    "DOWNWIND_STYLE",
    "CHECKPOINT_SYMBOL",
    "CHECKPOINT_TITLE",
    "INCIDENT_MARKER",
    "INCIDENT_TITLE",
    "SENSITIVE_COLORS",
    "ring_style",
    "ring_label",
    "incident_map_options",
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


# ---------------------------------------------------------------------------------------------
# incident cordons: rings, downwind area, checkpoints and the incident point, on screen and paper


@dataclass(frozen=True)
class RingStyle:
    """How one cordon ring is drawn: a heavy line over a white halo, a dash pattern per zone.

    ``dash`` is a Leaflet/SVG dash array in line-width-independent pixels (``None``: solid);
    print maps scale it like the weights. Colours are purples, magentas and greys, never a risk
    grade's red/orange/yellow/blue, so a ring is not read as a grade.
    """

    color: str
    weight: float
    dash: str | None
    fill_opacity: float
    halo: str = "#ffffff"
    halo_weight: float = 4.0

    def as_dict(self) -> dict[str, object]:
        return {"color": self.color, "weight": self.weight, "dash": self.dash,
                "fillOpacity": self.fill_opacity, "halo": self.halo,
                "haloWeight": self.halo_weight}


RING_STYLES: dict[str, RingStyle] = {
    "core": RingStyle("#5b0e8a", 4.0, None, 0.12),          # deep purple, solid
    "control": RingStyle("#c2185b", 3.5, "14 7", 0.06),     # magenta, long dashes
    "warning": RingStyle("#263238", 3.0, "3 7", 0.03),      # slate, dots
}
"""The three zones in force (核心区 / 管制区 / 警戒区), by zone code (:mod:`risk.cordon.rings`)."""
OUTER_RING_STYLE = RingStyle("#546e7a", 2.5, "12 5 3 5", 0.0)
"""Extra rings beyond the warning zone (``outer1``, ``outer2`` …): grey dash-dot."""
DOWNWIND_STYLE = RingStyle("#00838f", 3.0, "9 5", 0.16)
"""The downwind protective-action area: teal, dashed, lightly filled."""

CHECKPOINT_SYMBOL: dict[str, object] = {
    "shape": "barrier", "width": 14, "height": 7, "stripe": "#c62828", "ground": "#ffffff",
    "edge": "#111111",
}
CHECKPOINT_TITLE = ("交通管制卡口", "Road checkpoint")
"""A road checkpoint: a red-and-white striped barrier (never a circle: circles are enterprises,
a white circle with a black edge is a major hazard source)."""
INCIDENT_MARKER: dict[str, object] = {
    "size": 22, "fill": "#d50000", "edge": "#ffffff", "outline": "#000000",
}
INCIDENT_TITLE = ("事故点", "Incident point")
"""The incident point: a red disc with a white edge and a black outline, above every layer."""

SENSITIVE_COLORS: dict[str, str] = {
    "school": "#6a3d9a", "kindergarten": "#cab2d6", "hospital": "#e31a1c",
    "care_home": "#b15928", "market": "#ff7f00", "venue": "#1f78b4",
}
"""Sensitive sites (:data:`data.schema.SITE_KINDS`): one colour per kind, drawn as pentagons."""


def ring_style(zone: str) -> RingStyle:
    """The style of zone code ``zone``: one of :data:`RING_STYLES`, else the outer-ring style.

    >>> ring_style("control").dash, ring_style("outer2") == OUTER_RING_STYLE
    ('14 7', True)
    """
    return RING_STYLES.get(zone, OUTER_RING_STYLE)


def ring_label(name: str, outer_m: float) -> str:
    """The label written on a ring: the zone's name and its radius in km.

    >>> ring_label("管制区", 5000.0)
    '管制区 5 km'
    """
    return f"{name} {outer_m / 1000:g} km"


def incident_map_options(lang: str = "zh") -> dict[str, object]:
    """What the map page needs to draw incidents (JSON-ready): ring, downwind, checkpoint and
    marker styles, and the texts of the incident legend and controls in ``lang``."""
    return {
        "lang": lang,
        "rings": {k: v.as_dict() for k, v in RING_STYLES.items()},
        "outerRing": OUTER_RING_STYLE.as_dict(),
        "downwind": DOWNWIND_STYLE.as_dict(),
        "checkpoint": dict(CHECKPOINT_SYMBOL),
        "marker": dict(INCIDENT_MARKER),
        "text": {
            "checkpoint": label(CHECKPOINT_TITLE, lang),
            "marker": label(INCIDENT_TITLE, lang),
            "downwind": label(("下风向防护区", "Downwind protective-action area"), lang),
            "rings": label(("警戒圈", "Cordon rings"), lang),
            "keepView": label(("保持当前视图", "Keep the current view"), lang),
            "locate": label(("我的位置：在此放置事故点", "My location: place the incident here"),
                            lang),
            "locating": label(("正在定位…", "Locating…"), lang),
            "locateFailed": label(("无法获取位置", "Could not get the location"), lang),
        },
    }

