"""Statistics of the runs: percentiles, one run's summary, rounds pooled, app / minimal ratios."""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import Session


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in [0, 100]); None for an empty list."""
    if not values:
        return None
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_stats(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "max": max(values) if values else None,
    }


def _summarize_run(result: dict[str, Any], sessions: list[Session]) -> None:
    reruns = [r for s in sessions for r in s.reruns]
    loads = [r for r in reruns if r.kind == "load"]
    moves = [r for r in reruns if r.kind == "move"]
    failures = [r for r in reruns if not r.ok]
    planned = result["sessions"] * (1 + result["moves"]) if sessions else 0
    reasons = Counter(r.reason or "unknown" for r in failures)
    if planned and len(reruns) < planned:  # e.g. the run stopped early (error, interrupt)
        reasons["not run (test stopped early)"] += planned - len(reruns)
    result.update(
        planned_reruns=planned,
        reruns=len(reruns),
        ok_reruns=sum(r.ok for r in reruns),
        failures=len(failures) + max(0, planned - len(reruns)),
        failure_reasons=[{"reason": k, "count": v} for k, v in reasons.most_common()],
        load_ms=latency_stats([r.ms for r in loads if r.ok]),
        move_ms=latency_stats([r.ms for r in moves if r.ok]),
        moves_changed=sum(bool(r.changed) for r in moves if r.ok),
        moves_chart_changed=sum(bool(r.chart_changed) for r in moves if r.ok),
        app_reruns=sum(r.app_reruns for r in reruns),
        error_alerts=sum(r.error_alerts for r in reruns),
        bytes_per_rerun=round(sum(r.bytes for r in reruns) / len(reruns)) if reruns else None,
        deltas_per_rerun=round(sum(r.deltas for r in reruns) / len(reruns), 1) if reruns else None,
        ref_hits=sum(r.ref_hits for r in reruns),
        statuses=dict(Counter(r.status or "none" for r in reruns)),
        moves_by_slider=dict(Counter(r.slider.split("=", 1)[0] for r in moves if r.slider)),
        latencies={"load": [round(r.ms, 2) for r in loads if r.ok], "move": [round(r.ms, 2) for r in moves if r.ok]},
    )
    if result.get("rss_peak_mib") is not None and result.get("rss_baseline_mib") is not None and result["sessions"]:
        result["rss_per_session_mib"] = round((result["rss_peak_mib"] - result["rss_baseline_mib"]) / result["sessions"], 2)


def aggregate(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pool the rounds of each (label, N)."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in runs:
        groups.setdefault((r["label"], r["sessions"]), []).append(r)
    out = []
    for (label, n), rs in groups.items():
        load = [x for r in rs for x in r.get("latencies", {}).get("load", [])]
        move = [x for r in rs for x in r.get("latencies", {}).get("move", [])]
        peaks = [r["rss_peak_mib"] for r in rs if r.get("rss_peak_mib") is not None]
        out.append({
            "label": label, "app": rs[0]["app"], "sessions": n, "rounds": len(rs),
            "ok_reruns": sum(r.get("ok_reruns", 0) for r in rs),
            "planned_reruns": sum(r.get("planned_reruns", 0) for r in rs),
            "failures": sum(r.get("failures", 0) for r in rs),
            "load_ms": latency_stats(load), "move_ms": latency_stats(move),
            "rss_baseline_mib": max((r["rss_baseline_mib"] for r in rs if r.get("rss_baseline_mib") is not None), default=None),
            "rss_peak_mib": max(peaks, default=None),
            "rss_after_mib": max((r["rss_after_mib"] for r in rs if r.get("rss_after_mib") is not None), default=None),
        })
    return out


def ratios(summary: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by = {(s["label"], s["sessions"]): s for s in summary}
    out = []
    for (label, n), s in by.items():
        if label != "app" or ("minimal", n) not in by:
            continue
        m = by[("minimal", n)]
        row = {"sessions": n}
        for key in ("load_ms", "move_ms"):
            a, b = s[key]["p95"], m[key]["p95"]
            row[f"{key[:-3]}_p95_ratio"] = round(a / b, 2) if a and b else None
        out.append(row)
    return out

