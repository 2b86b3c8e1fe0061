"""The load test behind ``bench/load_test.py``, one module per job.

- ``common``: paths, limits, ``LoadTestError``, the global time budget (``Deadline``)
- ``protocol``: Streamlit's websocket protocol (notes), widget states, random slider values
- ``client``: ``Session``, one browser-less client timing each rerun (``Rerun``)
- ``server``: ``StreamlitServer``, started and stopped by its process group on 127.0.0.1
- ``procstats``: process trees, RSS (``RssSampler``) and CPU time from /proc
- ``driver``: ``RunConfig`` and ``run_load``: one run on a fresh server, the sessions in threads
- ``stats``: percentiles, one run's summary, rounds pooled, app / minimal ratios
- ``report``: the printed report
- ``cli``: options, the plan of runs, the JSON file, the exit code (``main``)
"""

from __future__ import annotations

from .cli import build_parser, main
from .client import Rerun, Session
from .common import HOST, MAX_MOVES, MAX_ROUNDS, MAX_SESSIONS, MINIMAL_APP, REPO_ROOT, Deadline, LoadTestError
from .driver import RunConfig, run_load
from .procstats import RssSampler, cpu_seconds, descendants, machine_busy_seconds, vm_rss_kib
from .protocol import (
    CHART_TYPES, OK_STATUSES, SliderInfo, SliderProto, new_slider_value, widget_state_from_element, widget_value,
)
from .report import print_report
from .server import StreamlitServer, free_port
from .stats import aggregate, latency_stats, percentile, ratios

__all__ = [
    "CHART_TYPES", "HOST", "MAX_MOVES", "MAX_ROUNDS", "MAX_SESSIONS", "MINIMAL_APP", "OK_STATUSES", "REPO_ROOT",
    "Deadline", "LoadTestError", "Rerun", "RssSampler", "RunConfig", "Session", "SliderInfo", "SliderProto",
    "StreamlitServer", "aggregate", "build_parser", "cpu_seconds", "descendants", "free_port", "latency_stats",
    "machine_busy_seconds", "main", "new_slider_value", "percentile", "print_report", "ratios", "run_load",
    "vm_rss_kib", "widget_state_from_element", "widget_value",
]
