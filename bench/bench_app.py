"""Timing of the dashboard's server-side reruns (Streamlit AppTest), printed as median / p95.

Not a test: run it by hand on a quiet machine and compare with the targets.

    python bench/bench_app.py            # all scenarios
    python bench/bench_app.py --quick    # fewer repetitions

Measured (each rerun is one ``AppTest.run()``, which includes AppTest's own
overhead of building the element tree, so real servers are a little faster):

- compare / rerun, same scenario: a rerun that changes nothing;
- compare / slider, new value: the relatedness slider moves to a value never
  seen before (all fits and the gradient-descent runs are new: the cold path);
- compare / slider, seen value: the slider goes back and forth between values
  already computed (cached fits);
- compare / display-only change: the pooled toggle (no new fit);
- sweep, cold and cached; models, cold and cached.

Target: the Compare page's slider rerun at most 150 ms median on 2 cores; the
sweep at the default scenario about 1-2 s cold and instant when cached.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = str(ROOT / "app.py")


def summary(label: str, times: list[float]) -> str:
    ms = sorted(1000 * t for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"{label:<44} n={len(ms):>3}  median {statistics.median(ms):8.1f} ms   p95 {p95:8.1f} ms   max {ms[-1]:8.1f} ms"


def timed(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    reps = 8 if args.quick else 25
    print(f"cores: {os.cpu_count()}   load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=300)
    first = timed(at)
    print(summary("compare / first run (cold, imports)", [first]))

    print(summary("compare / rerun, same scenario", [timed(at) for _ in range(reps)]))

    values = [round(0.05 * i, 2) for i in range(21) if round(0.05 * i, 2) != 0.8]
    cold = []
    for value in values[: max(reps, 10)]:
        at.slider(key="w_relatedness").set_value(value)
        cold.append(timed(at))
    print(summary("compare / slider, new value (cold fits)", cold))

    warm = []
    for i in range(reps):
        at.slider(key="w_relatedness").set_value(values[i % 4])
        warm.append(timed(at))
    print(summary("compare / slider, seen value (cached fits)", warm))

    toggles = []
    for i in range(reps):
        at.toggle(key="w_show_pooled").set_value(i % 2 == 0)
        toggles.append(timed(at))
    print(summary("compare / display-only change (pooled)", toggles))

    at.slider(key="w_relatedness").set_value(0.8)
    at.toggle(key="w_show_pooled").set_value(True)
    timed(at)
    at.switch_page("pages/sweep_page.py")
    sweep_cold = timed(at)
    print(summary("sweep / default scenario, cold", [sweep_cold]))
    print(summary("sweep / cached rerun", [timed(at) for _ in range(max(3, reps // 3))]))

    at.switch_page("pages/models_page.py")
    print(summary("models / cold", [timed(at)]))
    print(summary("models / cached rerun", [timed(at) for _ in range(max(3, reps // 3))]))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
