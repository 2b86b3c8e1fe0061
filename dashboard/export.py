"""Exports: chart download buttons, the self-contained HTML report, CSV, JSON, static images.

- `chart_config`: the plotly config of every chart (its camera button saves a
  PNG at 3x or an SVG, with a meaningful file name, in the browser);
- `html_report`: one offline HTML file with plotly.js inlined once, the
  scenario, the "what to notice" notes, every figure of a page and its table;
- `static_image`: PNG / SVG / PDF on the server through kaleido (needs a
  Chromium); kaleido's shared sync server is not thread-safe, so every call
  holds one process-wide lock, shared by every session of the server;
- `export_scenario_figures`: the command line's entry point.
"""

from __future__ import annotations

import html
import threading
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from .scenario import Scenario

IMAGE_FORMATS = ("png", "svg", "pdf")
EXPORT_FORMATS = IMAGE_FORMATS + ("html",)
PNG_SCALE = 3
EXPORT_WIDTH = 1400

_LOCK = threading.Lock()
_server_started = False


class StaticExportUnavailable(RuntimeError):
    """No Chromium/Chrome for kaleido on this machine (the message says what to do)."""


NO_CHROMIUM_MESSAGE = (
    "Server-side image export needs a Chromium or Google Chrome browser on the server, and none was found. "
    "Use the camera icon at the top right of each chart instead: it saves the chart from your own browser "
    "(PNG at 3x, or SVG if chosen in the sidebar). An administrator can install one, e.g. "
    "`apt-get install chromium`, or point the BROWSER_PATH environment variable at one."
)


def file_stem(page: str, chart: str, scenario: Scenario) -> str:
    """Meaningful file name (without extension), e.g. ``mtl-compare-boundaries-T4-d2-rel0.80-...``."""
    return f"mtl-{page}-{chart}-{scenario.slug()}"


def chart_config(filename: str, fmt: str = "png") -> dict:
    """Plotly config: camera button saves ``filename`` as PNG (scale 3) or SVG; no plotly logo."""
    fmt = fmt if fmt in ("png", "svg") else "png"
    return {
        "displaylogo": False,
        "responsive": True,
        "toImageButtonOptions": {"format": fmt, "filename": filename, "scale": PNG_SCALE if fmt == "png" else 1},
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    }


# ----------------------------------------------------------------------------- HTML report

_CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #222; max-width: 1400px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin-bottom: 4px; } h2 { font-size: 20px; margin-top: 36px; border-bottom: 1px solid #ddd; }
.meta { color: #555; font-size: 14px; } .notice { background: #f3f7fb; border-left: 4px solid #1f77b4; padding: 8px 16px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; } th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th { background: #f5f5f5; } td.l, th.l { text-align: left; } .caption { color: #555; font-size: 14px; }
code { background: #f5f5f5; padding: 1px 4px; }
"""


def _md_inline(text: str) -> str:
    """Escape ``text`` and turn **bold** into <b> (the notes use Markdown bold only)."""
    out = html.escape(text)
    parts = out.split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))


def _table_html(table: pd.DataFrame, max_rows: int = 400) -> str:
    if table is None or table.empty:
        return "<p class='caption'>No results.</p>"
    t = table.head(max_rows)
    cols = list(t.columns)
    head = "".join(f"<th class='l'>{html.escape(str(c))}</th>" for c in cols)
    rows = []
    for _, r in t.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, float):
                cells.append(f"<td>{v:.4g}</td>")
            else:
                cells.append(f"<td class='l'>{html.escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p class='caption'>First {max_rows} of {len(table)} rows; the CSV download has all.</p>" if len(table) > max_rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def html_report(
    title: str,
    scenario: Scenario,
    sections: Sequence[tuple[str, go.Figure, str]],
    table: pd.DataFrame | None = None,
    notes: Iterable[str] = (),
    intro: str = "",
    link: str = "",
) -> str:
    """A self-contained interactive HTML report (works offline: plotly.js is inlined once).

    ``sections`` are (heading, figure, caption); ``notes`` are Markdown-bold sentences.
    """
    plotlyjs = pio_plotlyjs()
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    scen_rows = "".join(
        f"<tr><td class='l'>{html.escape(k)}</td><td class='l'>{html.escape(str(v))}</td></tr>"
        for k, v in scenario.to_dict().items()
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>",
        f"<script type='text/javascript'>{plotlyjs}</script></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>{html.escape(scenario.summary())}<br>{html.escape(scenario.model_summary())}<br>Made {when} "
        "with the MTL vs STL classroom dashboard.</p>",
    ]
    if intro:
        parts.append(f"<p>{_md_inline(intro)}</p>")
    notes = list(notes)
    if notes:
        parts.append("<div class='notice'><p><b>What to notice</b></p><ul>")
        parts += [f"<li>{_md_inline(n)}</li>" for n in notes]
        parts.append("</ul></div>")
    for i, (heading, fig, caption) in enumerate(sections):
        div = pio.to_html(
            fig, full_html=False, include_plotlyjs=False, div_id=f"figure-{i + 1}",
            config=chart_config(f"figure-{i + 1}"), auto_play=False, validate=False,
        )
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if caption:
            parts.append(f"<p class='caption'>{_md_inline(caption)}</p>")
        parts.append(div)
    if table is not None:
        parts.append("<h2>Results table</h2>")
        parts.append(_table_html(table))
    parts.append("<h2>Scenario</h2><table><tbody>" + scen_rows + "</tbody></table>")
    query = "&".join(f"{k}={v}" for k, v in scenario.to_query_params().items())
    parts.append(
        "<p class='caption'>To reproduce: open the dashboard with this query string"
        + (f" (<a href='{html.escape(link)}'>link</a>)" if link else "")
        + f": <code>?{html.escape(query)}</code>, or load the scenario JSON below with "
        "<i>Share &amp; save → Load a scenario</i>.</p>"
    )
    parts.append(f"<pre>{html.escape(scenario.to_json())}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def pio_plotlyjs() -> str:
    """The plotly.js bundle shipped with plotly (inlined once per report)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def csv_text(table: pd.DataFrame) -> str:
    return table.to_csv(index=False)


# ----------------------------------------------------------------------------- static images


def find_chromium() -> str | None:
    """Path of the Chromium/Chrome kaleido would use, or None."""
    try:
        from choreographer.browsers.chromium import Chromium

        return Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return None


def _ensure_server() -> None:
    global _server_started
    import kaleido

    if not _server_started:
        kaleido.start_sync_server(silence_warnings=True)
        _server_started = True


def stop_server() -> None:
    """Stop kaleido's shared server if this module started it."""
    global _server_started
    if _server_started:
        import kaleido

        kaleido.stop_sync_server(silence_warnings=True)
        _server_started = False


def static_image(
    fig: go.Figure, fmt: str = "png", *, scale: float = PNG_SCALE, width: int = EXPORT_WIDTH,
    height: int | None = None,
) -> bytes:
    """The figure as PNG / SVG / PDF bytes, rendered by kaleido on this machine.

    Raises
    ------
    StaticExportUnavailable
        If no Chromium/Chrome is installed (with a message for the user).
    ValueError
        For an unknown format.
    """
    fmt = fmt.lower()
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"Unknown image format {fmt!r}; choose from {', '.join(IMAGE_FORMATS)}.")
    if find_chromium() is None:
        raise StaticExportUnavailable(NO_CHROMIUM_MESSAGE)
    import kaleido
    from choreographer.errors import BrowserClosedError, BrowserFailedError, ChromeNotFoundError

    spec = fig.to_dict()
    layout = spec.setdefault("layout", {})
    opts = {"format": fmt, "width": width, "height": height or layout.get("height") or 600, "scale": scale if fmt == "png" else 1}
    # an animated figure exports its first displayed state; drop the frames to keep the file small
    spec.pop("frames", None)
    with _LOCK:  # one per process: kaleido's shared server mixes up concurrent calls
        _ensure_server()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return kaleido.calc_fig_sync(spec, opts=opts)
            except (ChromeNotFoundError, BrowserFailedError, BrowserClosedError) as exc:
                # kaleido's browser (choreographer) missing, failing to start or dying: report plainly
                raise StaticExportUnavailable(NO_CHROMIUM_MESSAGE) from exc


# ----------------------------------------------------------------------------- CLI


def export_scenario_figures(
    scenario: Scenario, out_dir: str | Path, formats: Sequence[str] = ("png",)
) -> list[Path]:
    """Write the Compare page's figures of ``scenario`` (and the MTL model's structure view) to ``out_dir``.

    Formats: "png" (scale 3), "svg", "pdf" (kaleido, needs a Chromium) and
    "html" (one self-contained interactive report with every figure).  File
    names say what and which scenario, e.g.
    ``mtl-compare-boundaries-T4-d2-rel0.80-n20-noise0.10-seed2-mean_regularized-auto.png``.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ValueError
        For an unknown format or a scenario the engine rejects.
    StaticExportUnavailable (a RuntimeError)
        For png/svg/pdf when no Chromium is installed.
    """
    from . import compute
    from .figures import compare_figures
    from .figures.models import structure_figure

    formats = [str(f).lower().lstrip(".") for f in formats]
    unknown = [f for f in formats if f not in EXPORT_FORMATS]
    if unknown or not formats:
        raise ValueError(f"Unknown format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(EXPORT_FORMATS)}.")
    images = [f for f in formats if f in IMAGE_FORMATS]
    if images and find_chromium() is None:
        raise StaticExportUnavailable(NO_CHROMIUM_MESSAGE)
    scenario, _ = scenario.validated()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = compute.compare_scenario(scenario)
    errors = [o.error for o in data.exact.values() if o.error]
    if errors:
        raise ValueError(" ".join(errors))
    figures = compare_figures(data)
    mtl = data.model("mtl")
    strength = compute.chosen_strength(mtl)
    figures["structure"] = structure_figure(
        scenario.model, mtl, data.model("stl"), data.taskset, scenario,
        f"{'λ' if scenario.strength_param == 'lam' else 'α'} = {strength:.3g}",
    )
    written: list[Path] = []
    try:
        for key, fig in figures.items():
            for fmt in images:
                path = out / f"{file_stem('compare', key, scenario)}.{fmt}"
                path.write_bytes(static_image(fig, fmt))
                written.append(path)
        if "html" in formats:
            from .compute import notice

            sections = [(key.replace("_", " ").capitalize(), fig, "") for key, fig in figures.items()]
            path = out / f"{file_stem('compare', 'report', scenario)}.html"
            path.write_text(
                html_report("MTL vs STL: Compare", scenario, sections, data.table, notice(data)), encoding="utf-8"
            )
            written.append(path)
    finally:
        stop_server()
    return written

