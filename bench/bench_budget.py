"""Estimated vs measured fit times of the pages' time budget (`dashboard.budget`); not a test.

For every model, fixed and automatic strength, at small and at the sliders' largest sizes,
prints the budget's estimate next to the measured cold time of the dashboard's fit.  The
estimate only has to tell seconds from minutes: it should not be far below the measurement.

    python bench/bench_budget.py            # every model, 4 sizes (several minutes: big fits)
    python bench/bench_budget.py --small    # the first two sizes only
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard import budget, compute  # noqa: E402
from dashboard.scenario import Scenario  # noqa: E402
from mtl_core.models.registry import MODELS  # noqa: E402

SIZES = [(6, 5, 20), (20, 2, 500), (20, 30, 100), (20, 30, 500)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="only the two smaller sizes")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"{'model':18s} {'strength':8s} {'T':>3s} {'d':>3s} {'n':>4s} {'estimate':>9s} {'measured':>9s}")
    for key, spec in MODELS.items():
        for auto in (False, True):
            for T, d, n in SIZES[:2] if args.small else SIZES:
                role = key if spec.kind == "baseline" else "mtl"
                model = "mean_regularized" if spec.kind == "baseline" else key
                sc = Scenario(n_tasks=T, n_features=d, n_train=n, model=model,
                              strength=None if auto else spec.view_strength)
                ts = compute.make_taskset(sc.task_spec())
                start = time.perf_counter()
                compute.fit_exact(ts, role, sc.mtl_key())
                took = time.perf_counter() - start
                est = budget.fit_seconds(key, auto, T, n, d, sc.n_hidden)
                print(f"{key:18s} {'auto' if auto else 'fixed':8s} {T:3d} {d:3d} {n:4d} {est:8.1f}s {took:8.1f}s", flush=True)


if __name__ == "__main__":
    main()
