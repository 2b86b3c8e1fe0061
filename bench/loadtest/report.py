"""The printed report: a table of the runs, notes on each run, rounds pooled, app / minimal ratios."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def _fmt(v: Any, nd: int = 0) -> str:
    if v is None:
        return "-"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def _lat(stats: dict[str, Any]) -> str:
    return "/".join(_fmt(stats.get(k)) for k in ("p50", "p95", "max"))


def print_report(runs: list[dict[str, Any]], summary: list[dict[str, Any]], ratio_rows: list[dict[str, Any]], out=sys.stdout) -> None:
    _print_run_table(runs, out)
    for r in runs:
        _print_run_notes(r, out)
    if any(s["rounds"] > 1 for s in summary):
        _print_pooled(summary, out)
    if ratio_rows:
        _print_ratios(ratio_rows, out)


def _print_run_table(runs: list[dict[str, Any]], out) -> None:
    hdr = (f"{'app':<12} {'N':>4} {'rnd':>3} {'ok/planned':>11} {'fail':>5} "
           f"{'load p50/p95/max ms':>22} {'move p50/p95/max ms':>22} {'chg':>4} "
           f"{'RSS base/peak/after MiB':>24} {'MiB/sess':>8} {'srvCPU s':>8} {'main s':>7} {'procs':>5} {'wall s':>7}")
    print("\nPer run (latency = send rerun_script -> script_finished; ok runs only)", file=out)
    print(hdr, file=out)
    print("-" * len(hdr), file=out)
    for r in runs:
        rss = "/".join(_fmt(r.get(k), 0) for k in ("rss_baseline_mib", "rss_peak_mib", "rss_after_mib"))
        print(f"{Path(r['app']).stem[:12]:<12} {r['sessions']:>4} {r['round']:>3} {str(r.get('ok_reruns', 0)) + '/' + str(r.get('planned_reruns', 0)):>11} "
              f"{r.get('failures', 0):>5} {_lat(r.get('load_ms', {})):>22} {_lat(r.get('move_ms', {})):>22} "
              f"{_fmt(r.get('moves_changed')):>4} {rss:>24} {_fmt(r.get('rss_per_session_mib'), 2):>8} "
              f"{_fmt(r.get('server_cpu_s'), 1):>8} {_fmt(r.get('server_main_cpu_s'), 1):>7} {_fmt(r.get('server_processes')):>5} "
              f"{_fmt(r.get('sessions_wall_s'), 1):>7}", file=out)


def _print_run_notes(r: dict[str, Any], out) -> None:
    """Errors, failure reasons and warnings of one run (a line each)."""
    tag = f"{Path(r['app']).stem} N={r['sessions']} round {r['round']}"
    if r.get("error"):
        print(f"  ! {tag}: {r['error'].splitlines()[0]}", file=out)
    for fr in r.get("failure_reasons", [])[:5]:
        print(f"  ! {tag}: {fr['count']} x {fr['reason']}", file=out)
    if r.get("failures") and r.get("server_log"):
        print(f"    server log kept: {r['server_log']}", file=out)
    stop = r.get("server_stop", {})
    if not stop.get("stopped", False):
        print(f"  ! {tag}: server pid {stop.get('pid')} may still be running: {stop}", file=out)
    if r.get("app_reruns"):
        print(f"  . {tag}: {r['app_reruns']} server-side reruns (st.rerun) followed", file=out)
    if (r.get("client_cpu_s") or 0) > 0.25 * (r.get("server_cpu_s") or 0) > 0:
        print(f"  . {tag}: the load-test client used {r['client_cpu_s']} s CPU vs the server's {r['server_cpu_s']} s "
              "on the same machine", file=out)
    other = r.get("other_cpu_share")
    if other is not None and other > 0.15:
        print(f"  . {tag}: other processes used {other:.0%} of the machine's {os.cpu_count()} CPUs during the run: "
              "latencies inflated", file=out)
    if r.get("error_alerts"):
        print(f"  . {tag}: {r['error_alerts']} st.error alerts seen (not counted as failures)", file=out)


def _print_pooled(summary: list[dict[str, Any]], out) -> None:
    print("\nPooled over rounds", file=out)
    for s in summary:
        print(f"{s['label']:<8} {Path(s['app']).stem[:12]:<12} N={s['sessions']:<4} rounds={s['rounds']} ok {s['ok_reruns']}/{s['planned_reruns']} "
              f"fail {s['failures']}  load {_lat(s['load_ms'])} ms  move {_lat(s['move_ms'])} ms  "
              f"peak RSS {_fmt(s['rss_peak_mib'], 0)} MiB", file=out)


def _print_ratios(ratio_rows: list[dict[str, Any]], out) -> None:
    print("\np95 ratio app / minimal (same N, same settings)", file=out)
    for row in ratio_rows:
        print(f"  N={row['sessions']:<4} first load x{_fmt(row['load_p95_ratio'], 2)}   slider move x{_fmt(row['move_p95_ratio'], 2)}", file=out)
