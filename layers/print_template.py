"""Print maps: the layout template (organisation, 审图号, 密级, logo text, colours, fonts) and
the default title from the dataset.

A template is a JSON object or a YAML mapping (a file ``*.json``, or ``*.yaml`` / ``*.yml``,
read with ``yaml.safe_load``; the same schema either way). Every key is optional; unknown and
(in YAML) repeated keys are refused, and the message names the file, the key and, for a file
that does not parse, the line and column. The fields:

=================  ==========================================================================
``organisation``   制图单位: the producer, printed in the information panel (text, ≤ 80 chars)
``approval_no``    审图号: the map approval number, e.g. ``粤S(2026)001号`` (text)
``classification`` 密级: printed in a box at the top right of the page, e.g. ``内部`` (text)
``logo_text``      the text of the logo box at the top left of the page (text)
``title``          the default title; ``{place}`` is the chosen districts or the dataset's city
``colors``         ``title``, ``frame`` (neat lines), ``accent`` (logo box, 密级), ``label``:
                   any matplotlib colour such as ``"#b2182b"``
``fonts``          ``title_pt``, ``body_pt`` (legend and panel), ``label_pt`` (enterprise
                   labels): 3–40 pt, for A4 (A3 scales them by √2)
=================  ==========================================================================

The shipped defaults are ``layers/print_template.json`` and, the same in YAML,
``layers/print_template.yaml``::

    organisation: 某市应急管理局
    approval_no: 粤S(2026)001号
    classification: 内部
    logo_text: 应急管理
    title: "{place}安全风险分布图"      # quoted: YAML reads a bare {…} as a mapping
    colors: {title: "#1a1a1a", frame: "#333333", accent: "#b2182b", label: "#1a1a1a"}
    fonts: {title_pt: 17, body_pt: 6.5, label_pt: 5.5}

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

__all__ = ["PrintTemplate", "TemplateError", "load_template", "parse_template", "read_template",
           "default_title", "place_of", "DEFAULT_TEMPLATE_PATH", "TEMPLATE_KEYS",
           "TEMPLATE_SUFFIXES"]

DEFAULT_TEMPLATE_PATH = Path(__file__).with_name("print_template.json")
TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml")
"""File name endings of templates: JSON, or YAML."""
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
    """A :class:`PrintTemplate` from a JSON object or YAML mapping (a dict); raises
    :class:`TemplateError`."""
    from matplotlib.colors import is_color_like

    if not isinstance(obj, Mapping):
        raise TemplateError(f"{source}: expected a JSON object {{...}} or a YAML mapping "
                            f"(key: value lines), got "
                            f"{'nothing (an empty file)' if obj is None else type(obj).__name__}")
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
    for key in ("colors", "fonts"):
        if not isinstance(obj.get(key, {}) or {}, Mapping):
            raise TemplateError(f"{source}: `{key}` must be a mapping of names to values, got "
                                f"{obj[key]!r}")
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
    """Read a template file, JSON or YAML by its ending (default: the shipped
    :data:`DEFAULT_TEMPLATE_PATH`); raises :class:`TemplateError`."""
    target = Path(path) if path is not None else DEFAULT_TEMPLATE_PATH
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise TemplateError(f"template {target}: cannot read it: {exc.strerror or exc}") from exc
    source = f"template {target}"
    return parse_template(read_template(data, name=target.name, source=source), source=source)


def read_template(data: bytes | str, *, name: str = "", source: str = "template") -> Any:
    r"""The object in a template file's text: YAML for a name ending ``.yaml``/``.yml``, JSON
    for ``.json``, and for any other name JSON when it starts with ``{``, else YAML. Raises
    :class:`TemplateError` with the line and column of a syntax error. The object still has
    to pass :func:`parse_template`.

    >>> read_template("organisation: 某局\nfonts: {title_pt: 18}", name="t.yaml")
    {'organisation': '某局', 'fonts': {'title_pt': 18}}
    """
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{source}: not UTF-8 text (byte {exc.start})") from exc
    suffix = Path(name).suffix.lower()
    if suffix == ".json" or (suffix not in TEMPLATE_SUFFIXES and text.lstrip().startswith("{")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateError(f"{source}: not valid JSON (line {exc.lineno}, column "
                                f"{exc.colno}: {exc.msg})") from exc
    return _read_yaml(text, source)


def _read_yaml(text: str, source: str) -> Any:
    import yaml

    class _Loader(yaml.SafeLoader):
        """safe_load, refusing a key given twice (YAML would keep the last silently)."""

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} given twice", key_node.start_mark)
            seen.add(key)
        return dict(loader.construct_pairs(node))

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise TemplateError(f"{source}: not valid YAML ({where}{what})") from exc
    except yaml.YAMLError as exc:
        raise TemplateError(f"{source}: not valid YAML ({exc})") from exc


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
