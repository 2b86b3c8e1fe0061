"""The command line: options, the plan of runs (app and minimal app alternating per round), the JSON file, the exit code."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
from pathlib import Path
from typing import Any

from .common import MAX_MOVES, MAX_ROUNDS, MAX_SESSIONS, MINIMAL_APP, REPO_ROOT, Deadline, LoadTestError
from .driver import RunConfig, run_load
from .report import _fmt, print_report
from .server import _stop_leftover_servers
from .stats import aggregate, ratios


def _session_list(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}") from None
    if not values or any(not 1 <= v <= MAX_SESSIONS for v in values):
        raise argparse.ArgumentTypeError(f"session counts must be between 1 and {MAX_SESSIONS}")
    return values


def _bounded_int(lo: int, hi: int):
    def parse(text: str) -> int:
        v = int(text)
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}")
        return v
    return parse


def _positive_float(text: str) -> float:
    v = float(text)
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError("must be a positive number")
    return v


def _nonneg_float(text: str) -> float:
    v = float(text)
    if not (v >= 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError("must be >= 0")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python bench/load_test.py",
        description="Load test of a Streamlit app: N concurrent websocket sessions (no browser) on one local server, "
                    "each loading the page and then moving sliders K times.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog=(
            "Latency = time from sending rerun_script to receiving script_finished, per rerun; "
            "'first load' and 'slider move' are reported separately (p50/p95/max, successful reruns only). "
            "Failures: exception elements, script_finished other than success (st.rerun() runs are followed, "
            "not failed), page not found, timeouts, disconnects. RSS = summed VmRSS of the server process and "
            "its children. Exit code 0 only if every rerun of every run succeeded. "
            "Examples: %(prog)s --sessions 30 --moves 5 | "
            "%(prog)s --sessions 30,60 --compare-minimal --rounds 3 --json out.json | "
            "%(prog)s --page compare --stagger 2"
        ),
    )
    p.add_argument("--app", default="app.py", help="Streamlit script to test (relative to the current directory or the repo root)")
    p.add_argument("--page", default="", help="page to open, by its URL path (e.g. 'compare'); default: the app's default page")
    p.add_argument("--query", default="", help="query string the sessions open the page with (without '?')")
    p.add_argument("--sessions", type=_session_list, default="30", help=f"concurrent sessions, or a comma-separated list (e.g. 30,60); each 1..{MAX_SESSIONS}")
    p.add_argument("--moves", type=_bounded_int(0, MAX_MOVES), default=5, help="slider moves per session after the first load")
    p.add_argument("--rounds", type=_bounded_int(1, MAX_ROUNDS), default=1, help="repetitions per session count, each on a fresh server")
    p.add_argument("--compare-minimal", action="store_true", help="also run bench/minimal_app.py, alternating app/minimal per round, and print p95 ratios")
    p.add_argument("--stagger", type=_nonneg_float, default=0.0, help="max random think time (s) before each move; 0 = lockstep: all sessions move at the same moment")
    p.add_argument("--slider", action="append", default=[], metavar="LABEL", help="only move sliders whose label contains this (repeatable; app only)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random slider values and think times")
    p.add_argument("--timeout", type=_positive_float, default=900.0, help="global time budget (s) for the whole invocation")
    p.add_argument("--rerun-timeout", type=_positive_float, default=60.0, help="max time (s) one rerun may take before it counts as failed")
    p.add_argument("--connect-timeout", type=_positive_float, default=30.0, help="max time (s) to open one websocket")
    p.add_argument("--startup-timeout", type=_positive_float, default=60.0, help="max time (s) for the server to answer /_stcore/health")
    p.add_argument("--warmup", type=_bounded_int(0, 10), default=1, help="sessions loaded (one after another) before the baseline RSS and the test; not counted")
    p.add_argument("--settle", type=_nonneg_float, default=3.0, help="seconds to wait after the sessions close before measuring 'after' RSS")
    p.add_argument("--rss-interval", type=_positive_float, default=0.05, help="RSS sampling interval (s)")
    p.add_argument("--no-client-cache", action="store_true", help="do not emulate the browser's message cache (server then resends big elements every run)")
    p.add_argument("--server-arg", action="append", default=[], metavar="ARG", help="extra argument for 'streamlit run' (repeatable, e.g. --server-arg=--runner.fastReruns=false)")
    p.add_argument("--cwd", default=str(REPO_ROOT), help="working directory of the server (its .streamlit/config.toml applies)")
    p.add_argument("--json", metavar="PATH", help="also write all results (incl. raw latencies) as JSON")
    return p


def _resolve_app(text: str) -> Path:
    path = Path(text)
    for candidate in (path, REPO_ROOT / path):
        if candidate.is_file():
            return candidate.resolve()
    raise LoadTestError(f"app not found: {text}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def on_sigterm(signum, frame):  # make `finally` blocks run (servers get stopped)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored (`cmd &`)
    deadline = Deadline(args.timeout)
    try:
        app = _resolve_app(args.app)
    except LoadTestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    plan = _plan(args, app)
    runs, interrupted = _run_plan(plan, deadline)

    summary = aggregate(runs)
    ratio_rows = ratios(summary)
    print_report(runs, summary, ratio_rows)
    if args.json:
        _write_json(args, runs, summary, ratio_rows, interrupted)
    bad = interrupted or not runs or any(r.get("error") or r.get("failures") for r in runs) or len(runs) < len(plan)
    return 130 if interrupted else (1 if bad else 0)


def _plan(args: argparse.Namespace, app: Path) -> list[RunConfig]:
    """Every run of this invocation, in order: per session count and round, the app (then the minimal app)."""
    base = dict(moves=args.moves, stagger=args.stagger, seed=args.seed, rerun_timeout=args.rerun_timeout,
                connect_timeout=args.connect_timeout, startup_timeout=args.startup_timeout, warmup=args.warmup,
                settle=args.settle, rss_interval=args.rss_interval, client_cache=not args.no_client_cache,
                server_args=args.server_arg, cwd=Path(args.cwd))
    plan: list[RunConfig] = []
    for n in args.sessions:
        for rnd in range(1, args.rounds + 1):
            plan.append(RunConfig(app=app, sessions=n, page=args.page, query=args.query, sliders=args.slider,
                                  label="app", round=rnd, **base))
            if args.compare_minimal:
                plan.append(RunConfig(app=MINIMAL_APP, sessions=n, label="minimal", round=rnd, **base))
    return plan


def _run_plan(plan: list[RunConfig], deadline: Deadline) -> tuple[list[dict[str, Any]], bool]:
    """Run the plan one run after another (each on a fresh server); the results and whether it was interrupted."""
    runs: list[dict[str, Any]] = []
    interrupted = False
    try:
        for cfg in plan:
            if deadline.expired():
                print(f"global --timeout reached: skipping {cfg.label} N={cfg.sessions} round {cfg.round}", file=sys.stderr)
                continue
            print(f"running {cfg.label} ({cfg.app.name}) N={cfg.sessions} moves={cfg.moves} round {cfg.round} ...", file=sys.stderr, flush=True)
            res = run_load(cfg, deadline)
            runs.append(res)
            if res.get("interrupted"):
                raise KeyboardInterrupt
            print(f"  done: ok {res.get('ok_reruns')}/{res.get('planned_reruns')}, failures {res.get('failures')}, "
                  f"move p95 {_fmt(res.get('move_ms', {}).get('p95'))} ms, server stopped: {res['server_stop'].get('stopped')}",
                  file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted; servers stopped", file=sys.stderr)
    finally:
        _stop_leftover_servers()
    return runs, interrupted


def _write_json(args: argparse.Namespace, runs: list[dict[str, Any]], summary: list[dict[str, Any]],
                ratio_rows: list[dict[str, Any]], interrupted: bool) -> None:
    payload = {
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "streamlit": _streamlit_version(), "cpus": os.cpu_count(), "interrupted": interrupted,
        "runs": runs, "summary": summary, "ratios": ratio_rows,
    }
    Path(args.json).write_text(json.dumps(payload, indent=2, default=str))
    print(f"\nJSON written to {args.json}")


def _streamlit_version() -> str:
    try:
        import streamlit
        return streamlit.__version__
    except Exception:  # noqa: BLE001
        return "?"
