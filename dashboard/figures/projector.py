"""Projector mode: the same figure with text readable from the back row, thicker lines, bigger points.

A projected chart is read from ten metres: the screen's 12-14 px text and 2 px
lines vanish.  `for_projector` rewrites a figure's plain spec (no refit, no
rebuild: the cached figure is shared and stays as it is) so that every piece of
text is at least `MIN_FONT` px, lines and markers are thicker, and the figure is
taller to make room.  Used by the dashboard's presenter mode for the screen and
for the images it exports.
"""

from __future__ import annotations

import re
from typing import Any

from .raw import RawFigure

#: Smallest text on a projected chart, px (the issue's floor for the back row).
MIN_FONT = 18
#: Text grows by this factor, then is raised to at least `MIN_FONT`.
FONT_SCALE = 1.3
#: Lines, markers and the figure's height grow by these factors.
LINE_SCALE = 1.6
MARKER_SCALE = 1.5
HEIGHT_SCALE = 1.25
#: Plotly's default text size, for fonts the spec leaves unset.
PLOTLY_DEFAULT_FONT = 12


def _font(font: dict) -> dict:
    size = font.get("size", PLOTLY_DEFAULT_FONT)
    if isinstance(size, (int, float)):
        font = {**font, "size": max(MIN_FONT, round(size * FONT_SCALE))}
    return font


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(value * factor, 2)
    if isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return [round(v * factor, 2) for v in value]
    return value


def _walk(node: Any, parent_key: str = "") -> Any:
    """Copy of ``node`` with fonts raised and line widths / marker sizes scaled, recursively."""
    if isinstance(node, list):
        return [_walk(v, parent_key) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "template":  # the figure's own fonts override the template's
            out[key] = value
        elif key.endswith("font") and isinstance(value, dict):
            out[key] = _font(_walk(value, key))
        elif key == "width" and parent_key == "line":
            out[key] = _scaled(value, LINE_SCALE)
        elif key == "size" and parent_key == "marker":
            out[key] = _scaled(value, MARKER_SCALE)
        else:
            out[key] = _walk(value, key)
    return out


def for_projector(fig: Any) -> RawFigure:
    """``fig`` (a plotly Figure or `RawFigure`) as it should look on a projector.

    Every font is at least `MIN_FONT` px (the global font, titles, legends,
    axis titles and ticks, annotations, hover labels), lines are `LINE_SCALE`
    and markers `MARKER_SCALE` times thicker (in the animation frames too), and
    the figure is `HEIGHT_SCALE` times taller (figures of square panels only by
    their grown margins).  The subtitle leaves the figure
    (`subtitle_text`: the page prints it under the chart, charts before text),
    so the legend moves up under the title.  The input is not modified.
    """
    spec = fig.spec if isinstance(fig, RawFigure) else fig.to_dict()
    out = _walk(spec)  # new dicts and lists all the way down (the template and leaves are only read)
    layout = out.setdefault("layout", {})
    # The figure-wide text (global font, annotations, hover) passes `_font` a second time here, on
    # top of `_walk`: it grows to about 1.7x (14 px -> 23 px), the titles and legends to 1.3x.
    layout["font"] = _font(layout.get("font", {}))
    for axis_key, axis in list(layout.items()):
        if isinstance(axis, dict) and (axis_key.startswith("xaxis") or axis_key.startswith("yaxis")):
            axis.setdefault("tickfont", {})
            axis["tickfont"] = _font(axis["tickfont"]) if "size" in axis["tickfont"] else {**axis["tickfont"], "size": layout["font"]["size"]}
    for item in layout.get("annotations", []) or []:
        item["font"] = _font(item.get("font", {}))
    layout["hoverlabel"] = {**layout.get("hoverlabel", {}), "font": _font(layout.get("hoverlabel", {}).get("font", {}))}
    _title_block(spec, layout)
    return RawFigure(out)


#: Where the legend goes under the title once the subtitle is gone, px from the top.
LEGEND_TOP = 52
#: Width the legend is laid out in (a projector's 1280 px, less the page's padding), px.
LEGEND_WIDTH = 1150


def _legend_rows(data: list) -> int:
    """Rows of a horizontal legend at projector size (plotly wraps it at the figure's width)."""
    names = dict.fromkeys(str(tr["name"]) for tr in data if tr.get("showlegend", True) is not False and tr.get("name"))
    width = sum(45 + 10 * len(n) for n in names)
    return -(-width // LEGEND_WIDTH)  # 0 without entries


def _title_block(original: dict, layout: dict) -> None:
    """Drop the subtitle (the page prints it under the chart) and pack title, legend and plot."""
    old_layout = original.get("layout", {})
    old_height = old_layout.get("height") or 500
    old_top = (old_layout.get("margin") or {}).get("t", 100)
    # Square panels (scaleanchor) do not grow with the height: extra height would only open gaps
    # between them, so those figures grow by their margins alone (set below).
    square = any(isinstance(v, dict) and v.get("scaleanchor") for k, v in layout.items() if k.startswith("yaxis"))
    if isinstance(layout.get("height"), (int, float)) and not square:
        layout["height"] = round(layout["height"] * HEIGHT_SCALE)
    title = layout.get("title")
    if isinstance(title, dict):
        title.pop("subtitle", None)
    legend = layout.get("legend") or {}
    margin = layout.setdefault("margin", {})
    for side in ("l", "r", "b"):
        if isinstance(margin.get(side), (int, float)):
            margin[side] = round(margin[side] * FONT_SCALE)
    rows = _legend_rows(original.get("data", [])) if layout.get("showlegend", True) is not False else 0
    placed = legend.get("yref") == "container" and isinstance(legend.get("y"), (int, float)) and legend["y"] < 1
    if rows and placed:
        old_legend_top = (1 - old_layout["legend"]["y"]) * old_height
        below_legend = max(old_top - old_legend_top, 40) * FONT_SCALE  # legend rows and panel titles
        margin["t"] = round(LEGEND_TOP + below_legend + 32 * (rows - 1))
    else:
        margin["t"] = round(LEGEND_TOP + 45)
    if square and isinstance(layout.get("height"), (int, float)):
        old_margin = old_layout.get("margin") or {}
        grown = sum(margin.get(side, 0) - old_margin.get(side, 0) for side in ("t", "b")
                    if isinstance(margin.get(side), (int, float)) and isinstance(old_margin.get(side), (int, float)))
        layout["height"] = round(old_height + max(grown, 0))
    if rows and placed:  # in pixels from the top, at the final height
        legend.update(y=1 - LEGEND_TOP / (layout.get("height") or 500), yanchor="top")


def subtitle_text(fig: Any) -> str:
    """The subtitle `for_projector` removes from ``fig``, as Markdown lines (empty if it has none).

    Plotly's HTML subset becomes Markdown: ``<br>`` a new line, ``<b>`` bold, ``<i>``
    italics; other tags are dropped, keeping their text.
    """
    spec = fig.spec if isinstance(fig, RawFigure) else fig.to_dict()
    title = spec.get("layout", {}).get("title") or {}
    text = (title.get("subtitle") or {}).get("text", "") if isinstance(title, dict) else ""
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.I)
    text = re.sub(r"</?b>", "**", text, flags=re.I)
    text = re.sub(r"</?i>", "*", text, flags=re.I)
    return re.sub(r"<[^>]+>", "", text)
