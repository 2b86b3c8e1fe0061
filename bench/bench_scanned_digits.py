"""The bundled case where sharing helps: "8 or 3?" on real digit images from six constructed scanners.

For each training size per task: mean test accuracy and ROC AUC of STL, pooled and
mean-regularized MTL (the Real data page's models: ridge and λ chosen automatically),
and the paired gap vs STL with its 95% t-interval over random splits (every model
sees the same split). The issue's target: MTL − STL at least 3 points with an
interval above 0 at small sizes, shrinking as the size grows.

Run: ``python bench/bench_scanned_digits.py`` (``--repeats 20 --sizes 6,10,20,40`` are the defaults;
about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from dashboard import real_data as rd  # noqa: E402
from mtl_core import experiments  # noqa: E402
from mtl_core.datasets import scanned_digits_tasks  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--sizes", default="6,10,20,40", help="training images per task, comma separated")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(v) for v in args.sizes.split(",")]
    start = time.perf_counter()
    res = experiments.run_grid([{"n_train": n} for n in sizes], lambda seed, n_train: scanned_digits_tasks(n_train, seed=seed),
                               rd.models(), repeats=args.repeats, seed=args.seed, workers=2)
    elapsed = time.perf_counter() - start
    print(f"Scanned digits (8 or 3?, 6 scanners, 16 principal components), {args.repeats} paired splits, seed {args.seed}")
    for metric in ("accuracy", "roc_auc"):
        col = experiments.summary_columns(metric)
        print(f"\n{metric}: mean over tasks (%), and gap vs STL in points [95% interval]")
        print(f"{'n/task':>6} {'STL':>6} {'pooled':>7} {'MTL':>6}   {'MTL - STL':>22}   {'pooled - STL':>22}")
        for n in sizes:
            row = res.summary[res.summary.n_train == n].set_index("model")
            stl, pooled, mtl = (row.loc[m] for m in (rd.STL_LABEL, rd.POOLED_LABEL, rd.MTL_LABEL))

            def gap(r) -> str:
                return f"{100 * r[col['gap_mean']]:+5.1f} [{100 * r[col['gap_low']]:+5.1f}, {100 * r[col['gap_high']]:+5.1f}]"

            print(f"{n:>6} {100 * stl[col['mean']]:6.1f} {100 * pooled[col['mean']]:7.1f} {100 * mtl[col['mean']]:6.1f}   "
                  f"{gap(mtl):>22}   {gap(pooled):>22}")
    print(f"\n{elapsed:.1f} s")


if __name__ == "__main__":
    main()
