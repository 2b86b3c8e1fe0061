"""Benchmark: which ``scoring`` should the automatic strength use on imbalanced tasks?

Synthetic tasks in the spirit of the landmine benchmark (a few percent of
positives per task): 8 related tasks (relatedness 0.8) in 10 features,
``class_balance`` 0.07 with intercept spread 0.3, label noise 0.02, 2000 test
samples per task; ``--seeds`` draws per training size (draws where a task gets
fewer than 2 training positives are redrawn by make_tasks' own check and
skipped when it refuses). For STL (``alpha="auto"``) and mean-regularized MTL
(``lam="auto"``, its default evidence+cv rule) with each ``scoring``, prints the
mean over draws of the test ROC AUC and balanced accuracy (each averaged over
tasks), the share of draws whose choice is the largest strength of the grid
(``strongest``: near-constant predictions for STL, one shared weight vector for
MTL) and the mean fit time.

Run: ``python bench/bench_scoring.py [--seeds 20]``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtl_core import MeanRegularizedMTL, SingleTaskLogistic, make_tasks  # noqa: E402

N_TRAIN = (20, 40, 80)
SCORINGS = ("accuracy", "balanced_accuracy", "roc_auc", "log_loss")
SCENARIO = dict(n_tasks=8, n_features=10, relatedness=0.8, class_balance=0.07, intercept_spread=0.3,
                label_noise=0.02, n_test=2000)
MODELS = {"STL": lambda s: SingleTaskLogistic(alpha="auto", scoring=s),
          "MTL (mean-reg.)": lambda s: MeanRegularizedMTL(lam="auto", scoring=s)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # MinorityClassWarning on every draw: that is the point here
    print(f"{'n_train':>7s} {'model':16s} {'scoring':18s} {'test AUC':>9s} {'test bal.acc':>12s} "
          f"{'strongest':>9s} {'fit s':>6s}")
    for n in N_TRAIN:
        draws = []
        for seed in range(args.seeds):
            try:
                draws.append(make_tasks(n_train=n, seed=1000 * n + seed, **SCENARIO))
            except ValueError:
                continue
        for name, make in MODELS.items():
            for scoring in SCORINGS:
                auc, bal, strongest, secs = [], [], [], []
                for ts in draws:
                    model = make(scoring)
                    start = time.perf_counter()
                    model.fit(ts.X_train, ts.y_train)
                    secs.append(time.perf_counter() - start)
                    auc.append(np.nanmean(model.task_scores(ts.X_test, ts.y_test, "roc_auc")))
                    bal.append(np.nanmean(model.task_scores(ts.X_test, ts.y_test, "balanced_accuracy")))
                    strongest.append(getattr(model, model.strength_param + "_") == model.strength_grid()[-1])
                print(f"{n:7d} {name:16s} {scoring:18s} {np.mean(auc):9.4f} {np.mean(bal):12.4f} "
                      f"{np.mean(strongest):9.2f} {np.mean(secs):6.3f}")
        print(f"        ({len(draws)} draws)")


if __name__ == "__main__":
    main()
