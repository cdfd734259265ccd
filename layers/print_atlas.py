"""Print maps: a multi-page atlas PDF, one page per district after an index page.

Each district page is :func:`layers.printmap.render_map` with ``districts_filter=[name]`` and
the same options; a district with nothing to draw is left out and listed on the index as
skipped. The index page (目录 Index) lists every district with its page number and its
enterprises by grade (those the pages show: the same grade, industry and major-hazard
filters); the PDF has one bookmark per district. All pages are drawn into one PDF, so the font
subset is built and embedded once.
"""

from __future__ import annotations

import contextlib
import gc
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from layers.print_frames import EmptyMapError, PrintMapError, resolve_districts
from layers.print_parts import bilingual, page_layout, table_header, tables_figure
from risk.grades import GRADES

__all__ = ["Atlas", "render_atlas"]


@dataclass
class Atlas:
    """The atlas PDF and what went into it."""

    pdf: bytes
    pages: list[str] = field(default_factory=list)
    """District names in page order."""
    page_numbers: list[int] = field(default_factory=list)
    """The (1-based) page of each district's map; the index is page 1 (with ``tables_page``
    each district has two pages)."""
    skipped: list[str] = field(default_factory=list)


def render_atlas(dataset: Any, *, title: str, districts: Iterable[str] | None = None,
                 page_title: str | None = None, **kwargs: Any) -> Atlas:
    """Render every district (or ``districts``) into one PDF with an index page.

    ``page_title`` is formatted with ``district`` and ``title`` for each page (default: the
    template's title for the district, :func:`layers.print_template.default_title`); the other
    keyword arguments go to :func:`layers.printmap.render_map` (``format`` must be pdf).
    Raises :class:`PrintMapError` when no district has anything to draw.
    """
    with _kept_out_of_gc():
        return _render_atlas(dataset, title=title, districts=districts, page_title=page_title,
                             **kwargs)


@contextlib.contextmanager
def _kept_out_of_gc() -> Iterator[None]:
    """The objects that exist now (the dataset, the app) are left out of the garbage
    collector's full passes while the atlas makes its pages' many short-lived objects
    (:func:`gc.freeze`; about 8 % of an atlas's time). Nothing is done when objects are frozen
    already: by another atlas, or by a server that freezes before it forks workers."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _render_atlas(dataset: Any, *, title: str, districts: Iterable[str] | None,
                  page_title: str | None, **kwargs: Any) -> Atlas:
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from pypdf import PdfReader, PdfWriter

    from layers.fonts import print_rc
    from layers.print_georef import attach_geo_measure
    from layers.print_page import PageSink
    from layers.print_template import default_title
    from layers.printmap import _RENDER_LOCK, render_map

    if kwargs.get("format", "pdf") != "pdf":
        raise PrintMapError(f"an atlas is a PDF: `format` must be pdf, got {kwargs['format']!r}")
    for key in ("districts_filter", "out", "sink"):
        kwargs.pop(key, None)
    names = resolve_districts(dataset, list(districts)) if districts is not None else \
        [str(n) for n in dataset.districts.get("name", [])]
    if not names:
        raise PrintMapError("an atlas needs districts: the dataset has no districts layer")
    atlas = Atlas(pdf=b"")
    lang = kwargs.get("lang", "zh")
    # one PDF for every page: the font subset is built and embedded once (not once a page and
    # merged), the district pages first, the index last; pypdf then puts the index in front
    buffer = io.BytesIO()
    pdf = PdfPages(buffer, metadata={"Title": title})
    sink = PageSink(pdf)
    closing = False
    try:
        for name in names:  # each page takes the render lock and the print rc settings
            try:
                heading = (page_title.format(district=name, title=title) if page_title else
                           default_title(dataset.meta, kwargs.get("template"), districts=[name]))
                start = sink.count
                render_map(dataset, title=heading, districts_filter=[name], sink=sink,
                           **{**kwargs, "format": "pdf"})
            except EmptyMapError:
                atlas.skipped.append(name)
                continue
            atlas.page_numbers.append(start + 2)
            atlas.pages.append(name)
        if not atlas.pages:
            raise EmptyMapError(f"atlas: no district had anything to draw ({len(names)} "
                                "skipped); loosen the filters")
        counted = _counted(dataset, kwargs)
        # the index and the fonts (embedded on closing) under the same lock and settings
        with _RENDER_LOCK, matplotlib.rc_context(print_rc()):
            pdf.savefig(_index_figure(dataset, counted, atlas, title=title, lang=lang,
                                      paper=kwargs.get("paper", "A4"),
                                      orientation=kwargs.get("orientation", "landscape")))
            closing = True
            pdf.close()
    except BaseException:
        if not closing:  # nothing is returned: the half-written file is only let go of
            with _RENDER_LOCK, matplotlib.rc_context(print_rc()), \
                    contextlib.suppress(Exception):
                pdf.close()
        raise
    reader = PdfReader(io.BytesIO(buffer.getvalue()))
    writer = PdfWriter()
    n = len(reader.pages)
    writer.append(reader, pages=[n - 1, *range(n - 1)], import_outline=False)
    for name, page in zip(atlas.pages, atlas.page_numbers, strict=True):
        writer.add_outline_item(title=name, page_number=page - 1)
    for where in sink.georefs:
        attach_geo_measure(writer, replace(where, page=where.page + 1))
    writer.add_metadata({"/Title": title, "/Creator": "risk-map 安全风险地图"})
    out = io.BytesIO()
    writer.write(out)
    atlas.pdf = out.getvalue()
    return atlas


def _counted(dataset: Any, kwargs: dict[str, Any]) -> Any:
    """The enterprises the pages show: the atlas's grade, industry and major-hazard filters
    (already checked by the pages' :func:`layers.printmap.render_map`)."""
    import pandas as pd

    from layers.print_frames import _check_grades, _check_industries, _data_frames

    ent = dataset.layer("enterprises")
    industries = _check_industries(kwargs.get("industries"),
                                   ent.get("industry", pd.Series(dtype=str)))
    return _data_frames(dataset, ("enterprises",), grades=_check_grades(kwargs.get("grades")),
                        industries=industries, chosen=[], area=None,
                        major_only=bool(kwargs.get("major_only")))["enterprises"]


def _index_figure(dataset: Any, ent: Any, atlas: Atlas, *, title: str, lang: str, paper: str,
                  orientation: str) -> Any:
    codes = ent["grade"].astype(str) if "grade" in ent.columns else None
    where = ent["district"].astype(str) if "district" in ent.columns else None
    header = [table_header("页码", "Page", lang), table_header("行政区", "District", lang),
              *(table_header(g.label_zh, g.label_en.split(" (")[0], lang) for g in GRADES),
              table_header("合计", "Total", lang)]
    rows = []
    for name, page in zip(atlas.pages, atlas.page_numbers, strict=True):
        counts = ([int(((where == name) & (codes == g.value)).sum()) for g in GRADES]
                  if codes is not None and where is not None else [0] * len(GRADES))
        rows.append([str(page), name, *(f"{c:,}" for c in counts), f"{sum(counts):,}"])
    for name in atlas.skipped:
        rows.append(["—", f"{name}（{bilingual('无内容，未出图', 'nothing to draw', lang)}）",
                     *("" for _ in GRADES), ""])
    layout = page_layout(paper, orientation, subtitle=False)
    return tables_figure(layout, f"{title} — {bilingual('目录', 'Index', lang)}",
                         [(bilingual(f"分区图 {len(atlas.pages)} 幅", f"{len(atlas.pages)} "
                                     "district maps", lang), header, rows)])
