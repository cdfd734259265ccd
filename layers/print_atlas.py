"""Print maps: a multi-page atlas PDF, one page per district after an index page.

Each district page is :func:`layers.printmap.render_map` with ``districts_filter=[name]`` and
the same options; a district with nothing to draw is left out and listed on the index as
skipped. The index page (目录 Index) lists every district with its page number and its
enterprises by grade; the PDF has one bookmark per district.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
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
    """District names in page order (the index is page 1, so district i is on page i + 2)."""
    skipped: list[str] = field(default_factory=list)


def render_atlas(dataset: Any, *, title: str, districts: Iterable[str] | None = None,
                 page_title: str | None = None, **kwargs: Any) -> Atlas:
    """Render every district (or ``districts``) into one PDF with an index page.

    ``page_title`` is formatted with ``district`` and ``title`` for each page (default: the
    template's title for the district, :func:`layers.print_template.default_title`); the other
    keyword arguments go to :func:`layers.printmap.render_map` (``format`` must be pdf).
    Raises :class:`PrintMapError` when no district has anything to draw.
    """
    from pypdf import PdfReader, PdfWriter

    from layers.fonts import print_rc
    from layers.print_template import default_title
    from layers.printmap import render_map

    if kwargs.get("format", "pdf") != "pdf":
        raise PrintMapError(f"an atlas is a PDF: `format` must be pdf, got {kwargs['format']!r}")
    kwargs.pop("districts_filter", None)
    names = resolve_districts(dataset, list(districts)) if districts is not None else \
        [str(n) for n in dataset.districts.get("name", [])]
    if not names:
        raise PrintMapError("an atlas needs districts: the dataset has no districts layer")
    writer = PdfWriter()
    atlas = Atlas(pdf=b"")
    bodies: list[tuple[str, bytes]] = []
    for name in names:
        try:
            heading = (page_title.format(district=name, title=title) if page_title else
                       default_title(dataset.meta, kwargs.get("template"), districts=[name]))
            pdf = render_map(dataset, title=heading,
                             districts_filter=[name], **{**kwargs, "format": "pdf"})
        except EmptyMapError:
            atlas.skipped.append(name)
            continue
        bodies.append((name, pdf))
        atlas.pages.append(name)
    if not bodies:
        raise EmptyMapError(f"atlas: no district had anything to draw ({len(names)} skipped); "
                            "loosen the filters")
    lang = kwargs.get("lang", "zh")
    import matplotlib

    with matplotlib.rc_context(print_rc()):
        index = _index_page(dataset, atlas, title=title, lang=lang,
                            paper=kwargs.get("paper", "A4"),
                            orientation=kwargs.get("orientation", "landscape"))
    writer.append(PdfReader(io.BytesIO(index)))
    for name, pdf in bodies:
        first = len(writer.pages)
        writer.append(PdfReader(io.BytesIO(pdf)))
        writer.add_outline_item(title=name, page_number=first)
    writer.compress_identical_objects()  # one copy of the font subsets shared by the pages
    writer.add_metadata({"/Title": title, "/Creator": "risk-map 安全风险地图"})
    out = io.BytesIO()
    writer.write(out)
    atlas.pdf = out.getvalue()
    return atlas


def _index_page(dataset: Any, atlas: Atlas, *, title: str, lang: str, paper: str,
                orientation: str) -> bytes:
    from matplotlib.backends.backend_pdf import PdfPages

    ent = dataset.enterprises
    codes = ent["grade"].astype(str) if "grade" in ent.columns else None
    where = ent["district"].astype(str) if "district" in ent.columns else None
    header = [table_header("页码", "Page", lang), table_header("行政区", "District", lang),
              *(table_header(g.label_zh, g.label_en.split(" (")[0], lang) for g in GRADES),
              table_header("合计", "Total", lang)]
    rows = []
    page = 2
    for name in atlas.pages:
        counts = ([int(((where == name) & (codes == g.value)).sum()) for g in GRADES]
                  if codes is not None and where is not None else [0] * len(GRADES))
        rows.append([str(page), name, *(f"{c:,}" for c in counts), f"{sum(counts):,}"])
        page += 1
    for name in atlas.skipped:
        rows.append(["—", f"{name}（{bilingual('无内容，未出图', 'nothing to draw', lang)}）",
                     *("" for _ in GRADES), ""])
    layout = page_layout(paper, orientation, subtitle=False)
    fig = tables_figure(layout, f"{title} — {bilingual('目录', 'Index', lang)}",
                        [(bilingual(f"分区图 {len(atlas.pages)} 幅", f"{len(atlas.pages)} "
                                    "district maps", lang), header, rows)])
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title}) as pages:
        pages.savefig(fig)
    return buffer.getvalue()
