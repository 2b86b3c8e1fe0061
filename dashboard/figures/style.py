"""The style every figure of the app shares: template, fonts, colours, title and subtitle, subplot grids.

Every figure carries an explicit template (`TEMPLATE`), a title, axis titles
with units, a legend naming STL / the MTL variant / pooled, and the scenario in
its subtitle (`base_layout`, `scenario_subtitle`), so that a screenshot or an
exported image explains itself.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..scenario import Scenario

TEMPLATE = "plotly_white"
FONT = dict(family="Arial, Helvetica, sans-serif", size=14, color="#222")

#: One colour per role, used by every figure (colour-blind safe pair blue/orange, plus green).
ROLE_COLORS = {"stl": "#1f77b4", "mtl": "#e4570f", "pooled": "#2ca02c"}
TRUTH_COLOR = "#444444"
CLASS1_COLOR = "#222222"

#: Decimals sent to the browser for point coordinates and contour values: far below a
#: pixel at the figures' size, and about a third of the bytes of full float64 precision.
DECIMALS = 3

#: Diverging colours, negative red, zero white, positive blue (explicit: plotly.js and plotly.py
#: disagree on the direction of the named "RdBu").
DIVERGING = [[0.0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"], [0.75, "#67a9cf"], [1.0, "#2166ac"]]


# ----------------------------------------------------------------------------- style helpers


def rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


_TEMPLATE_CACHE: dict = {}


def template_dict() -> dict:
    """The `TEMPLATE` as a plain dict.

    plotly.js only understands a template object (the name is resolved by
    plotly.py's validation, which `make_figure` skips), so every figure embeds
    it: exports then look exactly like the screen, whatever the default template.
    """
    if not _TEMPLATE_CACHE:
        import plotly.io as pio

        tpl = pio.templates[TEMPLATE].to_plotly_json()
        used = ("scatter", "bar", "heatmap", "contour")
        _TEMPLATE_CACHE.update(layout=tpl["layout"], data={k: v for k, v in tpl["data"].items() if k in used})
    return _TEMPLATE_CACHE  # shared, never modified


def wrap_lines(text: str, width: int = 125) -> str:
    """Break every ``<br>``-separated line of ``text`` at word boundaries (plotly never wraps titles)."""
    out = []
    for line in text.split("<br>"):
        words, current = line.split(" "), ""
        for w in words:
            if current and len(current) + 1 + len(w) > width:
                out.append(current)
                current = w
            else:
                current = f"{current} {w}" if current else w
        out.append(current)
    return "<br>".join(out)


def base_layout(title: str, subtitle: str, height: int, **extra: Any) -> dict:
    """Layout shared by all figures: template, fonts, title with subtitle, legend below the title."""
    subtitle = wrap_lines(subtitle)
    layout = dict(
        template=template_dict(),
        font=FONT,
        height=height,
        title=dict(
            text=f"<b>{title}</b>",
            subtitle=dict(text=subtitle, font=dict(size=13, color="#555")),
            x=0.01,
            xanchor="left",
            y=0.985,
            yanchor="top",
            yref="container",
            font=dict(size=19),
        ),
        margin=dict(t=125, l=70, r=40, b=70),
        legend=dict(
            orientation="h",
            x=0.0,
            xanchor="left",
            y=1.0,
            yanchor="bottom",
            yref="container",
            bgcolor="rgba(255,255,255,0)",
            font=dict(size=13),
        ),
        hoverlabel=dict(font_size=13),
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    layout.update(extra)
    return layout


def legend_below_title(layout: dict, y_px: int = 78) -> None:
    """Put the horizontal legend just below the (sub)title, ``y_px`` pixels from the top."""
    height = layout.get("height") or 500
    layout["legend"].update(yref="container", y=1 - y_px / height, yanchor="top")


def axis_name(index: int, kind: str) -> str:
    """Layout axis name of subplot ``index`` (1-based): "xaxis", "xaxis2", ..."""
    return f"{kind}axis" if index == 1 else f"{kind}axis{index}"


def axis_ref(index: int, kind: str) -> str:
    """Trace axis reference of subplot ``index``: "x", "x2", ..."""
    return kind if index == 1 else f"{kind}{index}"


def grid_axes(
    rows: int,
    cols: int,
    hspace: float = 0.04,
    vspace: float = 0.06,
    row_heights: Sequence[float] | None = None,
    span_last_row: bool = False,
    right: float = 1.0,
) -> tuple[dict, list[tuple[int, int, int]]]:
    """Axes of a ``rows`` x ``cols`` grid (top-left first) as layout entries.

    Returns the layout dict (``xaxis``, ``yaxis2``, ...) and the cells as
    ``(index, row, col)`` with 1-based subplot ``index``.  With
    ``span_last_row`` the last row is one subplot spanning every column.
    """
    heights = np.asarray(row_heights if row_heights is not None else [1.0] * rows, dtype=float)
    heights = heights / heights.sum() * (1 - vspace * (rows - 1))
    width = (right - hspace * (cols - 1)) / cols
    layout: dict = {}
    cells = []
    top = 1.0
    idx = 0
    for r in range(rows):
        y1 = top
        y0 = top - heights[r]
        top = y0 - vspace
        ncols = 1 if (span_last_row and r == rows - 1) else cols
        for c in range(ncols):
            idx += 1
            if ncols == 1 and cols > 1:
                x0, x1 = 0.0, right
            else:
                x0 = c * (width + hspace)
                x1 = x0 + width
            layout[axis_name(idx, "x")] = dict(domain=[max(0.0, x0), min(1.0, x1)], anchor=axis_ref(idx, "y"))
            layout[axis_name(idx, "y")] = dict(domain=[max(0.0, y0), min(1.0, y1)], anchor=axis_ref(idx, "x"))
            cells.append((idx, r, c))
    return layout, cells


def domain_title(layout: dict, idx: int, text: str, size: int = 14, color: str = "#222") -> dict:
    """Annotation centred above subplot ``idx``."""
    xd = layout[axis_name(idx, "x")]["domain"]
    yd = layout[axis_name(idx, "y")]["domain"]
    return dict(text=text, x=(xd[0] + xd[1]) / 2, y=yd[1] + 0.005, xref="paper", yref="paper",
                xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=size, color=color))


def row_title(layout: dict, idx: int, text: str, color: str) -> dict:
    """Rotated annotation to the right of subplot ``idx``."""
    xd = layout[axis_name(idx, "x")]["domain"]
    yd = layout[axis_name(idx, "y")]["domain"]
    return dict(text=f"<b>{text}</b>", x=xd[1] + 0.008, y=(yd[0] + yd[1]) / 2, xref="paper", yref="paper",
                xanchor="left", yanchor="middle", textangle=90, showarrow=False, font=dict(size=13, color=color))


def scenario_subtitle(scenario: Scenario, extra: str = "") -> str:
    text = scenario.summary()
    return f"{text}<br>{extra}" if extra else text


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def rounded(a: Any, decimals: int = DECIMALS) -> np.ndarray:
    """``a`` as floats rounded for display (see `DECIMALS`)."""
    return np.round(np.asarray(a, dtype=float), decimals)
