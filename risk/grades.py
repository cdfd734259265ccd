"""The four safety-risk grades (红橙黄蓝) as one ordered vocabulary.

Every place that shows, parses, sorts or colours a grade goes through this module: the interactive
map, the statistics, the print maps and the importers all use the same codes, labels and colours.

The mapping of letters and digits is the one bureaus use in their registers
(GB/T 45001 practice and the 应急管理部 "红橙黄蓝" four-colour scheme):

======  ========  ==========  ==============  ======  =====
code    colour    中文         English          letter  digit
======  ========  ==========  ==============  ======  =====
red     #d7191c   重大风险     major risk       A       1
orange  #f28e2b   较大风险     high risk        B       2
yellow  #f5d40f   一般风险     moderate risk    C       3
blue    #2c7bb6   低风险       low risk         D       4
======  ========  ==========  ==============  ======  =====

>>> parse_grade("较大风险")
<Grade.ORANGE: 'orange'>
>>> parse_grade(" 红色 ").label_zh
'重大风险'
>>> sorted([Grade.BLUE, Grade.RED, Grade.YELLOW])
[<Grade.RED: 'red'>, <Grade.YELLOW: 'yellow'>, <Grade.BLUE: 'blue'>]
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable

import pandas as pd

__all__ = ["Grade", "GRADES", "parse_grade", "parse_grades", "GradeError"]


class GradeError(ValueError):
    """A value that is not one of the four risk grades."""


class Grade(str, enum.Enum):
    """A safety-risk grade; members sort from the most to the least severe."""

    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"

    @property
    def rank(self) -> int:
        """0 for red (most severe) … 3 for blue."""
        return _ORDER.index(self)

    @property
    def severity(self) -> int:
        """4 for red … 1 for blue (higher is worse), e.g. for weighted scores."""
        return 4 - self.rank

    @property
    def color(self) -> str:
        return _COLORS[self]

    @property
    def label_zh(self) -> str:
        return _LABELS_ZH[self]

    @property
    def short_zh(self) -> str:
        return _SHORT_ZH[self]

    @property
    def label_en(self) -> str:
        return _LABELS_EN[self]

    def label(self, lang: str = "zh") -> str:
        """The label in ``lang`` ("zh" or "en")."""
        return self.label_en if lang == "en" else self.label_zh

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Grade):
            return NotImplemented
        return self.rank < other.rank

    def __str__(self) -> str:
        return self.value


_ORDER = [Grade.RED, Grade.ORANGE, Grade.YELLOW, Grade.BLUE]
GRADES: tuple[Grade, ...] = tuple(_ORDER)
"""All grades, most severe first."""

_COLORS = {
    Grade.RED: "#d7191c",
    Grade.ORANGE: "#f28e2b",
    Grade.YELLOW: "#f5d40f",
    Grade.BLUE: "#2c7bb6",
}
_LABELS_ZH = {
    Grade.RED: "重大风险",
    Grade.ORANGE: "较大风险",
    Grade.YELLOW: "一般风险",
    Grade.BLUE: "低风险",
}
_SHORT_ZH = {Grade.RED: "红", Grade.ORANGE: "橙", Grade.YELLOW: "黄", Grade.BLUE: "蓝"}
_LABELS_EN = {
    Grade.RED: "Major risk (red)",
    Grade.ORANGE: "High risk (orange)",
    Grade.YELLOW: "Moderate risk (yellow)",
    Grade.BLUE: "Low risk (blue)",
}

_SPELLINGS: dict[Grade, tuple[str, ...]] = {
    Grade.RED: ("red", "红", "红色", "重大", "重大风险", "红色风险", "a", "1", "i", "ⅰ", "一级"),
    Grade.ORANGE: ("orange", "橙", "橙色", "较大", "较大风险", "橙色风险", "b", "2", "ii", "ⅱ", "二级"),
    Grade.YELLOW: ("yellow", "黄", "黄色", "一般", "一般风险", "黄色风险", "c", "3", "iii", "ⅲ", "三级"),
    Grade.BLUE: ("blue", "蓝", "蓝色", "低", "低风险", "较低风险", "蓝色风险", "d", "4", "iv", "ⅳ", "四级"),
}
_LOOKUP: dict[str, Grade] = {
    spelling: grade
    for grade, spellings in _SPELLINGS.items()
    for spelling in spellings
}
VALID_SPELLINGS = "红/红色/重大/重大风险/red/A/1, 橙/较大/orange/B/2, 黄/一般/yellow/C/3, 蓝/低/低风险/blue/D/4"


def _normalise(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    for suffix in ("级",):
        if text.endswith(suffix) and text[:-1] in _LOOKUP and text not in _LOOKUP:
            text = text[:-1]
    if text.endswith(".0") and text[:-2].isdigit():  # 1.0 from a spreadsheet number cell
        text = text[:-2]
    return text


def parse_grade(value: object) -> Grade:
    """Parse one user-typed grade, or raise :class:`GradeError` listing the valid values.

    Accepts 红/红色/重大/重大风险, 橙/较大/较大风险, 黄/一般/一般风险, 蓝/低/低风险,
    red/orange/yellow/blue, letters A–D and digits 1–4 (A/1 = red … D/4 = blue),
    full-width forms and surrounding spaces.
    """
    if isinstance(value, Grade):
        return value
    if value is None or (isinstance(value, float) and value != value):
        msg = f"risk grade is empty; valid values: {VALID_SPELLINGS}"
        raise GradeError(msg)
    grade = _LOOKUP.get(_normalise(value))
    if grade is None:
        msg = f"unknown risk grade {value!r}; valid values: {VALID_SPELLINGS}"
        raise GradeError(msg)
    return grade


def parse_grades(values: Iterable[object]) -> tuple[pd.Series, pd.Series]:
    """Parse many grades at once.

    Returns
    -------
    codes, errors
        ``codes`` holds the grade code ("red" …) or ``None`` where parsing failed; ``errors``
        holds the reason for each failed position and ``None`` elsewhere. Both keep the input's
        index when ``values`` is a Series.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes: list[str | None] = []
    errors: list[str | None] = []
    cache: dict[object, tuple[str | None, str | None]] = {}
    for value in series.tolist():
        key = value if isinstance(value, (str, int, float)) else repr(value)
        if key not in cache:
            try:
                cache[key] = (parse_grade(value).value, None)
            except GradeError as exc:
                cache[key] = (None, str(exc))
        code, error = cache[key]
        codes.append(code)
        errors.append(error)
    return (
        pd.Series(codes, index=series.index, dtype=object),
        pd.Series(errors, index=series.index, dtype=object),
    )
