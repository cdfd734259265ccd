"""A seeded synthetic history of hidden dangers (隐患) for the sample dataset — SYNTHETIC.

Over :data:`MONTHS` months up to the sample's reference date: about :data:`MAJOR_PER_YEAR`
major (重大事故隐患) and :data:`GENERAL_PER_YEAR` general hazards a year, found at the sample's
enterprises (most) or near them (geological and flood hazards, no enterprise), each walked along
the closed loop with plausible delays; about 80 % of the majors are closed within the year,
some hazards run past their deadline (overdue) and some majors are listed for supervision
(挂牌督办). Every hazard carries ``extra = {"synthetic": true}`` and its history rows are
recorded by ``sample (synthetic)``.

>>> import datetime as dt, numpy as np, geopandas as gpd
>>> ent = gpd.GeoDataFrame({"id": ["e1", "e2"], "district": ["南山区", "福田区"],
...     "grade": ["red", "blue"]}, geometry=gpd.points_from_xy([113.9, 114.05], [22.5, 22.54]),
...     crs=4326)
>>> hz, ev = make_hazard_history(np.random.default_rng(1), ent, end=dt.date(2026, 11, 1))
>>> 1000 < len(hz) < 1500, all(e[0]["to_status"] == "found" for e in ev)
(True, True)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

__all__ = ["make_hazard_history", "write_sample_hazards", "MONTHS", "MAJOR_PER_YEAR",
           "GENERAL_PER_YEAR", "SAMPLE_ACTOR"]

MONTHS = 24
MAJOR_PER_YEAR = 100
GENERAL_PER_YEAR = 500
SAMPLE_ACTOR = "sample (synthetic)"

_TITLES: dict[str, tuple[str, ...]] = {
    "hazchem": ("储罐区可燃气体报警器失效", "危化品仓库超量储存", "装卸区静电接地缺失",
                "重大危险源监控系统离线"),
    "gas": ("燃气管道被违章占压", "餐饮场所未安装燃气泄漏报警装置", "瓶装燃气违规存放"),
    "industry": ("粉尘涉爆场所除尘系统不合规", "冲压设备安全防护缺失", "涉氨制冷车间通风不良"),
    "construction": ("深基坑支护变形超限", "高支模未按方案搭设", "塔吊限位装置失效"),
    "fire": ("疏散通道堵塞", "消防设施未保持完好有效", "三合一场所违规住人"),
    "special_equipment": ("电梯超期未检验", "压力容器安全阀失效", "起重机械带病运行"),
    "confined_space": ("有限空间作业未审批", "污水井作业无通风检测设备"),
    "geological": ("边坡裂缝扩展", "挡土墙排水孔堵塞", "削坡建房未治理"),
    "flood": ("地下车库挡水设施缺失", "低洼地段排涝泵站故障"),
    "other": ("安全管理制度缺失", "应急预案未演练"),
}
_CATEGORY_P = {"hazchem": 0.18, "gas": 0.14, "industry": 0.16, "construction": 0.14,
               "fire": 0.16, "special_equipment": 0.08, "confined_space": 0.05,
               "geological": 0.04, "flood": 0.03, "other": 0.02}
_NO_ENTERPRISE = ("geological", "flood")
_SOURCES = ("self_check", "enforcement", "grid", "report", "campaign")
_SOURCE_P = (0.35, 0.30, 0.20, 0.05, 0.10)
_UNITS = ("企业安全管理部", "设备部", "工程项目部", "物业管理处", "街道办事处")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"


def _person(rng: np.random.Generator) -> str:
    return str(rng.choice(list(_SURNAMES))) + str(rng.choice(["工", "科长", "主任", "经理"]))


def make_hazard_history(rng: np.random.Generator, enterprises: Any, *, end: dt.date,
                        months: int = MONTHS) -> tuple[list[dict[str, Any]],
                                                       list[list[dict[str, Any]]]]:
    """Synthetic hazards and their histories up to ``end`` (see the module docstring).

    Returns ``(hazards, events)``: hazard rows (the columns of ``hazards``) and, for each, its
    history oldest first (``at``, ``from_status``, ``to_status``, ``by``, ``note``, ``fields``).
    """
    years = months / 12
    n_major = int(rng.poisson(MAJOR_PER_YEAR * years))
    n_general = int(rng.poisson(GENERAL_PER_YEAR * years))
    n = n_major + n_general
    major = np.zeros(n, bool)
    major[:n_major] = True
    span = int(round(months * 365.25 / 12))
    found_off = np.sort(rng.integers(0, span, n))[rng.permutation(n)]
    cats = list(_CATEGORY_P)
    category = rng.choice(cats, n, p=np.array(list(_CATEGORY_P.values())))
    grade = enterprises["grade"].astype(str).to_numpy()
    weight = np.select([grade == "red", grade == "orange", grade == "yellow"], [8.0, 4.0, 2.0],
                       1.0)
    pick = rng.choice(len(enterprises), n, p=weight / weight.sum())
    xs = enterprises.geometry.x.to_numpy()[pick]
    ys = enterprises.geometry.y.to_numpy()[pick]
    ids = enterprises["id"].astype(str).to_numpy()[pick]
    districts = enterprises["district"].astype(str).to_numpy()[pick]
    hazards: list[dict[str, Any]] = []
    events: list[list[dict[str, Any]]] = []
    start = end - dt.timedelta(days=span)
    for i in range(n):
        cat = str(category[i])
        found = start + dt.timedelta(days=int(found_off[i]))
        by = _person(rng)
        own = cat not in _NO_ENTERPRISE
        lon, lat = float(xs[i]), float(ys[i])
        if not own:  # near the enterprise, not at it (about 300 m)
            lon += float(rng.normal(0, 0.003))
            lat += float(rng.normal(0, 0.003))
        level = "major" if major[i] else "general"
        supervised = "none"
        if major[i]:
            supervised = str(rng.choice(["none", "district", "city"], p=[0.55, 0.3, 0.15]))
        unit, person = str(rng.choice(_UNITS)), _person(rng)
        reviewer = _person(rng)
        while reviewer == person:
            reviewer = _person(rng)
        steps = np.cumsum(rng.integers(0, 4, 5))  # registered … rectifying, days after finding
        rect_days = int(rng.integers(60, 181) if major[i] else rng.integers(15, 61))
        deadline = found + dt.timedelta(days=int(steps[4]) + rect_days)
        closes = rng.random() < (0.9 if major[i] else 0.93)
        close_after = int(steps[4] + rect_days * rng.uniform(0.3, 1.3))
        close_day = found + dt.timedelta(days=close_after)
        ev: list[dict[str, Any]] = [{"at": found.isoformat(), "from_status": None, "to_status": "found", "by": by,
               "note": "", "fields": {}}]
        status = "found"
        chain = [("registered", {}), ("assessed", {"level": level}), ("reported", {}),
                 ("monitored", {"measures": "设置警示标识，落实临时管控措施"}),
                 ("rectifying", {"deadline": deadline.isoformat(), "responsible_unit": unit,
                                 "responsible_person": person})]
        row: dict[str, Any] = {"level": None, "deadline": None, "responsible_unit": None,
                               "responsible_person": None, "closed_at": None,
                               "reviewed_by": None, "review_result": None, "measures": ""}
        for (to, fields), off in zip(chain, steps, strict=True):
            day = found + dt.timedelta(days=int(off))
            if day > end:
                break
            ev.append({"at": day.isoformat(), "from_status": status, "to_status": to, "by": by,
                       "note": "", "fields": fields})
            row.update(fields)
            status = to
        if status == "rectifying" and closes and close_day <= end:
            fields = {"reviewed_by": reviewer, "closed_at": close_day.isoformat(),
                      "review_result": "整改到位，复查合格"}
            ev.append({"at": close_day.isoformat(), "from_status": status, "to_status": "closed",
                       "by": reviewer, "note": "", "fields": fields})
            row.update(fields)
            status = "closed"
        titles = _TITLES[cat]
        hazards.append({
            **row, "enterprise_id": str(ids[i]) if own else None,
            "title": str(titles[int(rng.integers(len(titles)))]), "category": cat,
            "source": str(rng.choice(_SOURCES, p=_SOURCE_P)), "district": str(districts[i]),
            "found_at": found.isoformat(), "found_by": by, "status": status,
            "supervised": supervised, "location": "", "lon": lon, "lat": lat,
            "extra": {"synthetic": True}})
        events.append(ev)
    return hazards, events


def write_sample_hazards(store: Any, enterprises: Any, *, seed: int, end: dt.date) -> int:
    """Replace the hazards of the sample ``store`` by a synthetic history; how many."""
    from data.hazards import HazardStore

    if not len(enterprises):
        return 0
    rng = np.random.default_rng(np.random.SeedSequence([seed, 17]))
    hazards, events = make_hazard_history(rng, enterprises, end=end)
    return HazardStore(store.db).add_history(hazards, events, actor=SAMPLE_ACTOR, replace=True)
