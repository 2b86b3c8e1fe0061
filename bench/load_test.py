"""Load test: a whole class (30-60 students) on one Streamlit server.

Starts the app with ``streamlit run`` on 127.0.0.1 (a free port, its own process
group), opens N concurrent sessions over Streamlit's websocket protocol (no
browser), lets every session load the page and then move sliders K times, and
reports the time from sending a rerun to its ``script_finished`` (p50 / p95 /
max, first load and slider moves separately), failures, and the server's RSS
(baseline, peak, after the sessions close). ``--compare-minimal`` runs the same
load against ``bench/minimal_app.py`` (one slider, one plotly chart) on fresh
servers, alternating, and prints the ratio of the p95s: how much the dashboard
costs on top of Streamlit's own per-rerun cost.

Run: ``python bench/load_test.py --sessions 30 --moves 5`` (``--help`` lists
every option). Only ever talks to 127.0.0.1. Every server it starts is stopped by
its process group (SIGTERM, then SIGKILL), also on errors and Ctrl-C.

The code is the package ``bench/loadtest/`` (one module per job; the protocol
notes this client follows are in ``bench/loadtest/protocol.py``).

Reading the figures: one Streamlit server runs every session's script in its own
thread of ONE Python process, so reruns share one core (the GIL); N students
moving a slider at the same moment wait about N x (CPU per rerun). The default
``runner.postScriptGC = true`` adds a full ``gc.collect(2)`` after every run;
``--server-arg=--runner.postScriptGC=false`` shows its share. Client and server
share the machine: the report says how much CPU other processes took meanwhile.
"""

from __future__ import annotations

import random  # noqa: F401 - kept as load_test.random for callers of the old single module (the smoke tests)
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for the bench.loadtest package

from bench.loadtest import *  # noqa: E402,F401,F403 - the package's API, also as load_test.<name>
from bench.loadtest.cli import main  # noqa: E402
from bench.loadtest.procstats import _is_zombie_or_gone  # noqa: E402,F401 - the smoke tests check the server is gone
from bench.loadtest.server import _stop_leftover_servers  # noqa: E402,F401 - the smoke tests' safety net

if __name__ == "__main__":
    sys.exit(main())
