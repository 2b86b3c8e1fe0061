"""The Landmine benchmark (Xue, Liao, Carin & Krishnapuram, JMLR 2007): MTL vs STL in test ROC AUC.

The protocol of the issue that quotes the figures: 29 tasks (one per landmine
field), 9 features, 3-9% mines per task; for n in {20, 40, 80} training samples
per task (stratified, at least one mine each; the rest of the task is its test
set; features standardized on the pooled training rows), 20 paired random
splits, strengths "auto" (the Real data page's models); the per-task test AUC
averaged over the 29 tasks, and the paired gap MTL - STL with its 95% t-interval.
Accuracy is printed too: it barely moves (the all-negative rate), which is why
the field reports AUC.

The project does not ship the data (its license is not stated): get
LandmineData.mat from the authors' page (see the README) and pass its path:

    python bench/bench_landmine.py /path/to/LandmineData.mat [--repeats 20 --sizes 20,40,80]

Without the file the script says so and exits with status 0.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from dashboard import real_data as rd  # noqa: E402
from mtl_core import experiments  # noqa: E402
from mtl_core.datasets import DataFileError, resample_tasks, tasks_from_mat  # noqa: E402

#: The issue's figures (this engine, same protocol): AUC gap MTL - STL in points, with the interval where quoted.
QUOTED = {20: "+7.9 [6.9, 8.9]", 40: "+5.1", 80: "+1.7 [1.2, 2.2]"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", help="LandmineData.mat (cell arrays feature and label, 1 x 29)")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--sizes", default="20,40,80", help="training samples per task, comma separated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scoring", default="accuracy", choices=["accuracy", "balanced_accuracy", "roc_auc", "log_loss"],
                        help="what cross-validation maximizes when it chooses the strengths (default accuracy)")
    args = parser.parse_args()
    if not args.path or not pathlib.Path(args.path).is_file():
        print("Skipped: the Landmine benchmark needs LandmineData.mat, which the project does not ship. "
              "Download it from the authors' page (see the README, 'Real data') and run "
              "python bench/bench_landmine.py /path/to/LandmineData.mat")
        return 0
    try:
        base = tasks_from_mat(args.path, max_bytes=50_000_000)
    except DataFileError as exc:
        print(f"Cannot use {args.path}: {exc}")
        return 1
    sizes = [int(v) for v in args.sizes.split(",")]
    mines = [float((y.sum() + z.sum()) / (len(y) + len(z))) for y, z in zip(base.y_train, base.y_test)]
    print(f"Landmine: {base.n_tasks} tasks, {base.n_features} features, "
          f"{min(mines):.1%}-{max(mines):.1%} mines per task; {args.repeats} paired splits, seed {args.seed}")
    start = time.perf_counter()
    res = experiments.run_grid([{"n_train": n} for n in sizes],
                               lambda seed, n_train: resample_tasks(base, n_train=n_train, seed=seed),
                               rd.models(args.scoring), repeats=args.repeats, seed=args.seed, workers=2)
    elapsed = time.perf_counter() - start
    for metric in ("roc_auc", "accuracy", "balanced_accuracy"):
        col = experiments.summary_columns(metric)
        print(f"\n{metric}: mean over the {base.n_tasks} tasks (%), gap vs STL in points [95% interval]")
        head = f"{'n/task':>6} {'STL':>6} {'pooled':>7} {'MTL':>6}   {'MTL - STL':>22}   {'pooled - STL':>22}"
        print(head + ("   issue's MTL - STL" if metric == "roc_auc" else ""))
        for n in sizes:
            row = res.summary[res.summary.n_train == n].set_index("model")
            stl, pooled, mtl = (row.loc[m] for m in (rd.STL_LABEL, rd.POOLED_LABEL, rd.MTL_LABEL))

            def gap(r) -> str:
                return f"{100 * r[col['gap_mean']]:+5.1f} [{100 * r[col['gap_low']]:+5.1f}, {100 * r[col['gap_high']]:+5.1f}]"

            line = (f"{n:>6} {100 * stl[col['mean']]:6.1f} {100 * pooled[col['mean']]:7.1f} {100 * mtl[col['mean']]:6.1f}   "
                    f"{gap(mtl):>22}   {gap(pooled):>22}")
            print(line + (f"   {QUOTED.get(n, '')}" if metric == "roc_auc" else ""))
    print(f"\n{elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
