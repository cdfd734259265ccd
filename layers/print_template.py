"""Print maps: the layout template (organisation, 审图号, 密级, logo text, colours, fonts) and
the default title from the dataset.

A template is a JSON object; every key is optional and unknown keys are refused (the message
lists the valid ones). The shipped default is ``layers/print_template.json``::

    {
      "organisation": "某市应急管理局",          # 制图单位, printed in the producer block
      "approval_no": "粤S(2026)001号",           # 审图号 (map approval number)
      "classification": "内部",                  # 密级: printed top right of the page
      "logo_text": "应急管理",                    # text of the logo box, top left of the page
      "title": "{place}安全风险分布图",           # default title; {place} is the dataset's city
      "colors": {"title": "#1a1a1a", "frame": "#333333", "accent": "#b2182b",
                 "label": "#1a1a1a"},
      "fonts": {"title_pt": 17, "body_pt": 6.5, "label_pt": 5.5}
    }

Font sizes are for A4 (A3 scales them by √2). Colours are any matplotlib colour.

>>> default_title({"title": "深圳市安全风险样例数据（合成）"})
'深圳市安全风险分布图'
>>> default_title({"place": "东莞市"}), default_title({})
('东莞市安全风险分布图', '安全风险分布图')
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = ["PrintTemplate", "TemplateError", "load_template", "parse_template", "default_title",
           "place_of", "DEFAULT_TEMPLATE_PATH", "TEMPLATE_KEYS"]

DEFAULT_TEMPLATE_PATH = Path(__file__).with_name("print_template.json")
_COLORS = {"title": "#1a1a1a", "frame": "#333333", "accent": "#b2182b", "label": "#1a1a1a"}
_FONTS = {"title_pt": 17.0, "body_pt": 6.5, "label_pt": 5.5}
TEMPLATE_KEYS = ("organisation", "approval_no", "classification", "logo_text", "title",
                 "colors", "fonts")
_MAX_TEXT = 80
_PLACE = re.compile(r"^(.{2,12}?(?:特别行政区|自治州|地区|[省市区县州盟旗]))")


class TemplateError(ValueError):
    """A template that cannot be used; the message names the key and what was expected."""


@dataclass(frozen=True)
class PrintTemplate:
    """The parsed template (see the module docstring)."""

    organisation: str = ""
    approval_no: str = ""
    classification: str = ""
    logo_text: str = ""
    title: str = "{place}安全风险分布图"
    colors: dict[str, str] = field(default_factory=lambda: dict(_COLORS))
    fonts: dict[str, float] = field(default_factory=lambda: dict(_FONTS))

    def producer_lines(self, date_text: str, lang: str) -> list[str]:
        """The producer block: 制图单位, 制图日期, 审图号, 密级 (the empty ones left out)."""
        rows = [("制图单位", "Producer", self.organisation), ("制图日期", "Date", date_text),
                ("审图号", "Approval No.", self.approval_no),
                ("密级", "Classification", self.classification)]
        return [(f"{en} {zh}: {v}" if lang == "en" else f"{zh} {en}：{v}")
                for zh, en, v in rows if v]


def parse_template(obj: Any, *, source: str = "template") -> PrintTemplate:
    """A :class:`PrintTemplate` from a JSON object (dict); raises :class:`TemplateError`."""
    from matplotlib.colors import is_color_like

    if not isinstance(obj, Mapping):
        raise TemplateError(f"{source}: expected a JSON object {{...}}, got {type(obj).__name__}")
    unknown = sorted(set(obj) - set(TEMPLATE_KEYS))
    if unknown:
        raise TemplateError(f"{source}: unknown key(s) {', '.join(map(repr, unknown))}; valid "
                            f"keys: {', '.join(TEMPLATE_KEYS)}")
    base = PrintTemplate()
    values: dict[str, Any] = {}
    for key in ("organisation", "approval_no", "classification", "logo_text", "title"):
        if key in obj:
            value = obj[key]
            if not isinstance(value, str) or len(value) > _MAX_TEXT:
                raise TemplateError(f"{source}: `{key}` must be text of at most {_MAX_TEXT} "
                                    f"characters, got {value!r}")
            values[key] = value.strip()
    colors = dict(base.colors)
    for key, value in dict(obj.get("colors", {}) or {}).items():
        if key not in _COLORS or not is_color_like(value):
            raise TemplateError(f"{source}: `colors.{key}` = {value!r}: keys are "
                                f"{', '.join(_COLORS)} with colours like '#b2182b'")
        colors[key] = str(value)
    fonts = dict(base.fonts)
    for key, value in dict(obj.get("fonts", {}) or {}).items():
        if key not in _FONTS or isinstance(value, bool) or not isinstance(value, int | float) \
                or not 3 <= float(value) <= 40:
            raise TemplateError(f"{source}: `fonts.{key}` = {value!r}: keys are "
                                f"{', '.join(_FONTS)} with sizes 3–40 pt")
        fonts[key] = float(value)
    return replace(base, colors=colors, fonts=fonts, **values)


def load_template(path: str | os.PathLike[str] | None = None) -> PrintTemplate:
    """Read a template file (default: the shipped :data:`DEFAULT_TEMPLATE_PATH`)."""
    target = Path(path) if path is not None else DEFAULT_TEMPLATE_PATH
    try:
        text = target.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise TemplateError(f"template {target}: cannot read it: {exc.strerror or exc}") from exc
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"template {target}: not valid JSON (line {exc.lineno}, column "
                            f"{exc.colno}: {exc.msg})") from exc
    return parse_template(obj, source=f"template {target}")


def place_of(meta: Mapping[str, Any]) -> str:
    """The dataset's place (city) name: ``meta["place"]``, else the leading place name of
    ``meta["title"]`` (…市/区/县/州…), else ``""``."""
    place = str(meta.get("place", "") or "").strip()
    if place:
        return place
    match = _PLACE.match(str(meta.get("title", "") or "").strip())
    return match.group(1) if match else ""


def default_title(meta: Mapping[str, Any], template: PrintTemplate | None = None,
                  *, districts: list[str] | None = None) -> str:
    """The default map title: the template's ``title`` with ``{place}`` = the chosen districts
    (up to three) or the dataset's place (:func:`place_of`)."""
    pattern = (template or PrintTemplate()).title or "{place}安全风险分布图"
    place = "、".join(districts) if districts and len(districts) <= 3 else place_of(meta)
    try:
        return pattern.format(place=place).strip() or "安全风险分布图"
    except (KeyError, IndexError, ValueError):
        return pattern
