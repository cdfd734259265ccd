"""Sensitive sites on the analyst map: the layer's options and its legend entries.

Sites are drawn as small "houses" (a pentagon with a roof, ``assets/map/riskmap-map-sensitive.js``)
coloured by kind (:data:`layers.style.SENSITIVE_COLORS`), so that none reads as an enterprise
(circle), a waterlogging point (diamond) or a shelter (square); a click opens the name, kind,
people, district and address.
"""

from __future__ import annotations

from html import escape
from typing import Any

from data.schema import LAYERS, SITE_KINDS
from layers.style import SENSITIVE_COLORS, label

__all__ = ["SENSITIVE_RADIUS", "sensitive_layer_options", "sensitive_legend_html", "TITLE"]

TITLE = (LAYERS["sensitive_sites"].label_zh, LAYERS["sensitive_sites"].label_en)
SENSITIVE_RADIUS = 5.0
COLUMNS = ("name", "kind", "people", "district", "address")
"""The properties the map page carries for each site."""


def sensitive_layer_options(lang: str = "zh") -> dict[str, Any]:
    """The ``riskmap.dataLayer`` options of the sensitive-sites layer (JSON-ready)."""
    return {
        "style": {"radius": SENSITIVE_RADIUS, "color": "#ffffff", "weight": 1,
                  "fillColor": "#6a3d9a", "fillOpacity": 0.95},
        "shape": "house",
        "colorBy": {"property": "kind", "colors": dict(SENSITIVE_COLORS)},
        "popup": {"title": "name", "fallback": label(TITLE, lang), "fields": [
            ["kind", label(("类型", "Kind"), lang),
             {k: label(v, lang) for k, v in SITE_KINDS.items()}],
            ["people", label(("人数（容量）", "People (capacity)"), lang)],
            ["district", label(("所属区", "District"), lang)],
            ["address", label(("地址", "Address"), lang)],
        ]},
    }


def sensitive_legend_html(lang: str = "zh") -> str:
    """The legend block: the title and one house swatch per kind (texts escaped)."""
    parts = [f'<div data-rm-layer="sensitive_sites"><div><b>{escape(label(TITLE, lang))}</b></div>']
    for code, names in SITE_KINDS.items():
        parts.append(f'<div><span class="rm-sw rm-house" style="background:{SENSITIVE_COLORS[code]}">'
                     f"</span>{escape(label(names, lang))}</div>")
    parts.append("</div>")
    return "".join(parts)
