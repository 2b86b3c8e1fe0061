"""Figures of the Real data page: per-task score, gap vs STL, learning curves (same style as the other pages).

Every figure shows one metric of `METRIC_LABELS` (accuracy, balanced accuracy or
ROC AUC), read from the result's columns named by `experiments.summary_columns`.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from ..export import chart_config, pio_plotlyjs
from mtl_core.experiments import summary_columns

from ..real_data import METRIC_LABELS, MODEL_ROLE, MTL_LABEL, POOLED_LABEL, STL_LABEL, RealResult, RealSpec, plotly_text
from .raw import make_figure
from .style import ROLE_COLORS, axis_name, base_layout, domain_title, grid_axes, legend_below_title, rgba

ORDER = (STL_LABEL, MTL_LABEL, POOLED_LABEL)
ALL_TASKS = "all tasks (mean)"


def source_text(spec: RealSpec, result: RealResult) -> str:
    """One line naming the data, for every subtitle (user text HTML-escaped for plotly)."""
    if spec.source == "scanned":
        return (f"Handwritten digits (scikit-learn), one question “8 or 3?” through {len(result.task_names)} constructed "
                f"scanners · {spec.n_components} principal components · {spec.repeats} random splits, seed {spec.seed}")
    if spec.source == "mat":
        name = plotly_text(spec.file_name or "uploaded .mat file")
        return (f"File {name}: {len(result.task_names)} tasks, {result.n_features} features · cell arrays “"
                f"{plotly_text(spec.feature_variable)}” and “{plotly_text(spec.label_column)}” · {spec.repeats} random "
                f"splits, seed {spec.seed}")
    if spec.source == "digits":
        return (f"Handwritten digits (scikit-learn): {len(spec.digits)} tasks “k vs rest”, k = "
                f"{', '.join(map(str, spec.digits))} · {spec.n_components} principal components · "
                f"{spec.repeats} random splits, seed {spec.seed}")
    name = plotly_text(spec.file_name or "uploaded CSV")
    return (f"File {name}: {len(result.task_names)} tasks, {result.n_features} features · label column “"
            f"{plotly_text(spec.label_column)}” · {spec.repeats} random splits, seed {spec.seed}")


def _models_text(spec: RealSpec) -> str:
    by = METRIC_LABELS.get(spec.scoring, spec.scoring)
    return (f"STL and pooled: logistic regression, ridge α by cross-validated {by}; MTL: mean-regularized, λ by the "
            f"evidence, checked by cross-validated {by}.")


def _err(values: pd.Series, low: pd.Series, high: pd.Series) -> dict | None:
    lo, hi, v = (np.asarray(x, dtype=float) * 100 for x in (low, high, values))
    if not np.all(np.isfinite(lo)):
        return None
    return dict(type="data", symmetric=False, array=(hi - v).tolist(), arrayminus=(v - lo).tolist(), thickness=1.5, width=4)


def accuracy_figure(result: RealResult, spec: RealSpec, metric: str = "accuracy") -> go.Figure:
    """Mean test ``metric`` per task (and over all tasks) for STL, MTL and pooled, with 95% intervals."""
    per, ov = result.per_task, result.overall
    col, label = summary_columns(metric), METRIC_LABELS[metric]
    cats = [ALL_TASKS] + [plotly_text(n) for n in result.task_names]
    traces = []
    for model in ORDER:
        p = per[per["model"] == model].sort_values("task")
        o = ov[ov["model"] == model]
        vals = pd.concat([o[col["mean"]], p[col["mean"]]])
        lows = pd.concat([o[col["low"]], p[col["low"]]])
        highs = pd.concat([o[col["high"]], p[col["high"]]])
        traces.append(dict(
            type="bar", x=cats, y=(vals * 100).round(2).tolist(), name=model, marker=dict(color=ROLE_COLORS[MODEL_ROLE[model]]),
            error_y=_err(vals, lows, highs), hovertemplate=f"{model}<br>%{{x}}: %{{y:.1f}}%<extra></extra>",
        ))
    lo = float(np.nanmin(per[col["low"]].fillna(per[col["mean"]]))) * 100
    layout = base_layout(
        f"Test {label} per task: STL, MTL and pooled",
        f"{source_text(spec, result)}<br>{result.compare_label}. Bars: mean over splits; whiskers: 95% confidence intervals. "
        f"{_models_text(spec)}",
        height=520, barmode="group", bargap=0.25,
        xaxis=dict(title=dict(text="task"), type="category", tickangle=-30 if len(cats) > 8 else 0, automargin=True),
        yaxis=dict(title=dict(text=f"test {label} (%)"), ticksuffix="%", gridcolor="#eee",
                   range=[max(0.0, min(50.0, lo - 5)), 101]),
        shapes=[dict(type="line", xref="paper", x0=0, x1=1, y0=50, y1=50, line=dict(color="#888", dash="dot", width=1.5))],
    )
    layout["margin"]["t"] = 150
    legend_below_title(layout, 112)
    return make_figure(traces, layout)


def gap_figure(result: RealResult, spec: RealSpec, metric: str = "accuracy") -> go.Figure:
    """Gap vs STL in ``metric`` (points) of MTL and pooled, over all tasks and per task, with 95% intervals."""
    per, ov = result.per_task, result.overall
    col, label = summary_columns(metric), METRIC_LABELS[metric]
    gap_cols = [col["gap_low"], col["gap_high"], col["gap_mean"]]
    cats = [ALL_TASKS] + [plotly_text(n) for n in result.task_names]
    ys = list(range(len(cats)))
    traces = []
    for k, model in enumerate((MTL_LABEL, POOLED_LABEL)):
        p = per[per["model"] == model].sort_values("task")
        o = ov[ov["model"] == model]
        vals = pd.concat([o[col["gap_mean"]], p[col["gap_mean"]]])
        lows = pd.concat([o[col["gap_low"]], p[col["gap_low"]]])
        highs = pd.concat([o[col["gap_high"]], p[col["gap_high"]]])
        err = _err(vals, lows, highs)
        sizes = [16] + [10] * (len(cats) - 1)
        traces.append(dict(
            type="scatter", mode="markers", y=[y + (0.15 if k == 0 else -0.15) for y in ys], x=(vals * 100).round(2).tolist(),
            name=f"{model} − STL", marker=dict(color=ROLE_COLORS[MODEL_ROLE[model]], size=sizes, symbol="diamond" if k else "circle"),
            error_x=err, customdata=cats,
            hovertemplate=f"{model} − STL<br>%{{customdata}}: %{{x:+.1f}} points<extra></extra>",
        ))
    span = np.nanmax(np.abs(np.concatenate([per[gap_cols].to_numpy().ravel(), ov[gap_cols].to_numpy().ravel()]))) * 100
    span = max(5.0, float(span) * 1.1) if np.isfinite(span) else 5.0
    layout = base_layout(
        f"{label[0].upper() + label[1:]} gap vs STL: does sharing help?",
        f"{source_text(spec, result)}<br>{result.compare_label}. Dots: mean over splits (paired: every model sees the same "
        "split); whiskers: 95% confidence intervals. Whisker wholly right of 0: better than STL; wholly left: worse "
        "(negative transfer); across 0: no clear difference.",
        height=max(380, 150 + 34 * len(cats)),
        xaxis=dict(title=dict(text=f"test {label} gap vs STL (points)"), range=[-span, span], zeroline=True, zerolinecolor="#444",
                   zerolinewidth=2, gridcolor="#eee"),
        yaxis=dict(tickvals=ys, ticktext=[f"<b>{c}</b>" if i == 0 else c for i, c in enumerate(cats)],
                   range=[len(cats) - 0.5, -0.5], automargin=True, gridcolor="#f3f3f3"),
    )
    layout["margin"]["t"] = 150
    legend_below_title(layout, 112)
    return make_figure(traces, layout)


def learning_curve_figure(result: RealResult, spec: RealSpec, metric: str = "accuracy") -> go.Figure:
    """Left: test ``metric`` vs training samples per task; right: its gap vs STL; 95% bands."""
    curve = result.curve
    col, label = summary_columns(metric), METRIC_LABELS[metric]
    axes, cells = grid_axes(1, 2, hspace=0.09)
    traces, annotations = [], []
    ticks = sorted(set(curve["n_train"].astype(int)))
    for idx, _, ci in cells:
        xa, ya = ("x", "y") if idx == 1 else (f"x{idx}", f"y{idx}")
        models = ORDER if ci == 0 else (MTL_LABEL, POOLED_LABEL)
        y_c, lo_c, hi_c = (col["mean"], col["low"], col["high"]) if ci == 0 else (col["gap_mean"], col["gap_low"], col["gap_high"])
        for model in models:
            sub = curve[curve["model"] == model].sort_values("n_train")
            color = ROLE_COLORS[MODEL_ROLE[model]]
            x = sub["n_train"].astype(float).tolist()
            y = (sub[y_c] * 100).tolist()
            lo, hi = (sub[lo_c] * 100).tolist(), (sub[hi_c] * 100).tolist()
            if np.all(np.isfinite(lo)):
                traces.append(dict(type="scatter", mode="lines", x=x + x[::-1], y=hi + lo[::-1], fill="toself",
                                   fillcolor=rgba(color, 0.15), line=dict(width=0), hoverinfo="skip", showlegend=False,
                                   legendgroup=model, xaxis=xa, yaxis=ya))
            unit = "%" if ci == 0 else " points vs STL"
            traces.append(dict(type="scatter", mode="lines+markers", x=x, y=y, name=model, legendgroup=model, showlegend=ci == 0,
                               line=dict(color=color, width=3), marker=dict(size=8), xaxis=xa, yaxis=ya,
                               hovertemplate=f"{model}<br>%{{x}} samples/task: %{{y:.1f}}{unit}<extra></extra>"))
        axes[axis_name(idx, "x")].update(title=dict(text="training samples per task (log scale)"), type="log", tickvals=ticks,
                                          gridcolor="#eee")
        axes[axis_name(idx, "y")].update(
            title=dict(text=f"mean test {label} (%)" if ci == 0 else "gap vs STL (points)"), gridcolor="#eee",
            ticksuffix="%" if ci == 0 else "", zeroline=ci == 1, zerolinecolor="#444", zerolinewidth=2,
        )
        annotations.append(domain_title(axes, idx, f"<b>Test {label}</b>" if ci == 0 else "<b>Gap vs STL: MTL and pooled</b>",
                                        size=15))
    layout = base_layout(
        f"Learning curves ({label}): does the gap shrink with more data?",
        f"{source_text(spec, result)}<br>Lines: mean over random splits; bands: 95% confidence intervals. {_models_text(spec)}",
        height=520, annotations=annotations, **axes,
    )
    layout["margin"]["t"] = 170
    legend_below_title(layout, 112)
    return make_figure(traces, layout)


def report_html(title: str, choices_json: str, sections: Sequence[tuple[str, go.Figure, str]], table: pd.DataFrame | None,
                notes: Sequence[str]) -> str:
    """A self-contained interactive HTML report of the Real data page (plotly.js inlined; all user text escaped)."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    def md(text: str) -> str:  # the notes use Markdown bold / italics only (user text in them is escaped)
        out = html.escape(text.replace("\\", ""))
        parts = out.split("**")
        out = "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))
        parts = out.split("*")
        return "".join(f"<i>{p}</i>" if i % 2 else p for i, p in enumerate(parts))

    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:Arial,Helvetica,sans-serif;color:#222;max-width:1400px;margin:0 auto;padding:24px}"
        ".notice{background:#f4f8fb;border-left:4px solid #1f77b4;padding:8px 16px}pre{background:#f6f6f6;padding:8px}"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}</style>",
        f"<script type='text/javascript'>{pio_plotlyjs()}</script></head><body>",
        f"<h1>{html.escape(title)}</h1><p>Made {when} with the MTL vs STL classroom dashboard.</p>",
        f"<h2>Choices</h2><pre>{html.escape(choices_json)}</pre>",
    ]
    if notes:
        parts.append("<div class='notice'><p><b>What to notice</b></p><ul>")
        parts += [f"<li>{md(n)}</li>" for n in notes]
        parts.append("</ul></div>")
    for i, (heading, fig, caption) in enumerate(sections):
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if caption:
            parts.append(f"<p>{html.escape(caption)}</p>")
        parts.append(pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=f"figure-{i + 1}",
                                 config=chart_config(f"figure-{i + 1}"), validate=False))
    if table is not None and not table.empty:
        parts.append("<h2>Numbers</h2>" + table.to_html(index=False, float_format=lambda v: f"{v:.4f}", escape=True))
    parts.append("</body></html>")
    return "".join(parts)
