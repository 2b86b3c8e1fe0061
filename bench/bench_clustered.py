"""Clustered MTL: agreement with an independent solver, and the figures of issue 16 over 20 seeds.

Part 1: the engine's `ClusteredMTL` objective at its fit against cvxpy + Clarabel on the
joint convex problem over (W, b, M), written independently from the class docstring:

    min  (1/T) sum_t mean_i log(1 + exp(-s_ti (x_ti . w_t + b_t))) + alpha/2 |mean_t w_t|^2
         + alpha (lam + alpha) / (2T) * matrix_frac(Pi W, alpha I + lam M)
    s.t. M symmetric, 0 <= M <= I, tr M = k - 1          (Pi = I - 11'/T centres the tasks)

(needs ``pip install cvxpy clarabel``; skipped without). Prints both objectives and the gap.

Part 2: 9 tasks in 3 groups, 5 features, 10 training samples per task, relatedness 0.9
within groups, seeds 0-19: test accuracy of clustered MTL (lam="auto"), mean-regularized
MTL (lam="auto") and STL (alpha="auto"), and the adjusted Rand index of the discovered
grouping; then one group (n_clusters=1 for the tasks and the model) against
mean-regularized MTL.

Run: ``python bench/bench_clustered.py`` (about 10 s on two cores, cvxpy included).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtl_core import make_tasks  # noqa: E402
from mtl_core.models import ClusteredMTL, MeanRegularizedMTL, SingleTaskLogistic  # noqa: E402

try:
    import cvxpy as cp
except ImportError:  # pragma: no cover
    cp = None


def reference(Xs, ys, k: int, lam: float, alpha: float) -> tuple[float, float]:
    """cvxpy + Clarabel optimum of the joint (W, b, M) problem and its time."""
    T, d = len(Xs), Xs[0].shape[1]
    W, b = cp.Variable((T, d)), cp.Variable(T)
    M = cp.Variable((T, T), symmetric=True)
    loss = 0
    for t, (X, y) in enumerate(zip(Xs, ys)):
        s = 2.0 * y - 1.0
        loss = loss + cp.sum(cp.logistic(-cp.multiply(s, X @ W[t] + b[t]))) / len(y)
    centre = np.eye(T) - np.full((T, T), 1.0 / T)
    pen = alpha * (lam + alpha) / (2 * T) * cp.matrix_frac(centre @ W, alpha * np.eye(T) + lam * M)
    pen = pen + 0.5 * alpha * cp.sum_squares(cp.sum(W, axis=0) / T)
    cons = [M >> 0, np.eye(T) - M >> 0, cp.trace(M) == k - 1]
    prob = cp.Problem(cp.Minimize(loss / T + pen), cons)
    start = time.perf_counter()
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return float(prob.value), time.perf_counter() - start


def agreement() -> None:
    if cp is None:
        print("part 1 skipped: cvxpy is not installed (pip install cvxpy clarabel)")
        return
    print("part 1: engine vs cvxpy + Clarabel (joint problem in (W, b, M), tolerances 1e-10)")
    print(f"{'T':>3} {'d':>3} {'n':>4} {'k':>2} {'lam':>7} {'alpha':>6} {'engine F':>16} {'cvxpy F':>16} "
          f"{'gap':>10} {'residual':>9} {'cvxpy s':>8}")
    cases = [(3, 2, 10, 1, 1.0, 0.1), (4, 3, 15, 2, 0.1, 0.01), (6, 4, 12, 2, 3.0, 0.01), (6, 5, 20, 3, 10.0, 0.05),
             (9, 5, 10, 3, 1.0, 0.01), (8, 3, 8, 2, 30.0, 0.01), (5, 6, 10, 1, 0.3, 0.1), (9, 2, 30, 4, 5.0, 0.2),
             (6, 20, 30, 2, 1.0, 0.01)]  # the last: 120 weights, solved by FISTA
    worst = 0.0
    for i, (T, d, n, k, lam, alpha) in enumerate(cases):
        ts = make_tasks(n_tasks=T, n_features=d, n_train=n, n_clusters=min(k, T), relatedness=0.8, seed=i)
        model = ClusteredMTL(k, lam, alpha).fit(ts.X_train, ts.y_train)
        F = model.objective(ts.X_train, ts.y_train)
        res = model.optimality_residual(ts.X_train, ts.y_train)
        F_ref, secs = reference(ts.X_train, ts.y_train, k, lam, alpha)
        worst = max(worst, abs(F - F_ref))
        print(f"{T:3d} {d:3d} {n:4d} {k:2d} {lam:7.2g} {alpha:6.2g} {F:16.12f} {F_ref:16.12f} {F - F_ref:10.2e} "
              f"{res:9.1e} {secs:8.2f}")
    print(f"largest |gap|: {worst:.2e} (gap = engine - cvxpy; negative: engine lower)")


def _ci(diff: np.ndarray) -> str:
    half = 1.96 * diff.std(ddof=1) / np.sqrt(diff.size)
    return f"{100 * diff.mean():+6.2f} points (95% CI {100 * (diff.mean() - half):+.2f} to {100 * (diff.mean() + half):+.2f})"


def targets(seeds=range(20)) -> None:
    from sklearn.metrics import adjusted_rand_score

    print("\npart 2: 9 tasks in 3 groups, 5 features, 10 samples per task, relatedness 0.9, seeds "
          f"{seeds.start}-{seeds.stop - 1}")
    acc = {"clustered": [], "mean_regularized": [], "stl": []}
    ari, lam, secs = [], [], []
    for seed in seeds:
        ts = make_tasks(n_tasks=9, n_features=5, n_train=10, relatedness=0.9, n_clusters=3, seed=seed)
        start = time.perf_counter()
        model = ClusteredMTL(3).fit(ts.X_train, ts.y_train)
        secs.append(time.perf_counter() - start)
        acc["clustered"].append(model.score(ts.X_test, ts.y_test))
        ari.append(adjusted_rand_score(ts.task_cluster, model.cluster_labels_))
        lam.append(model.lam_)
        acc["mean_regularized"].append(MeanRegularizedMTL().fit(ts.X_train, ts.y_train).score(ts.X_test, ts.y_test))
        acc["stl"].append(SingleTaskLogistic("auto").fit(ts.X_train, ts.y_train).score(ts.X_test, ts.y_test))
    acc = {k: np.array(v) for k, v in acc.items()}
    for k, v in acc.items():
        print(f"  test accuracy {k:17s} {100 * v.mean():6.2f}")
    print(f"  clustered - mean-regularized: {_ci(acc['clustered'] - acc['mean_regularized'])}   (target >= +2)")
    print(f"  clustered - STL:              {_ci(acc['clustered'] - acc['stl'])}   (target >= +4)")
    print(f"  adjusted Rand index: mean {np.mean(ari):.3f}, min {np.min(ari):.3f}, max {np.max(ari):.3f}   (target >= 0.8)")
    print(f"  chosen lam: median {np.median(lam):.3g}; fit time with lam='auto': median {np.median(secs):.2f} s")

    one = {"clustered": [], "mean_regularized": []}
    for seed in seeds:
        ts = make_tasks(n_tasks=9, n_features=5, n_train=10, relatedness=0.9, n_clusters=1, seed=seed)
        one["clustered"].append(ClusteredMTL(1).fit(ts.X_train, ts.y_train).score(ts.X_test, ts.y_test))
        one["mean_regularized"].append(MeanRegularizedMTL().fit(ts.X_train, ts.y_train).score(ts.X_test, ts.y_test))
    one = {k: np.array(v) for k, v in one.items()}
    print("  one group (9 related tasks, model k=1):")
    for k, v in one.items():
        print(f"    test accuracy {k:17s} {100 * v.mean():6.2f}")
    print(f"    clustered - mean-regularized: {_ci(one['clustered'] - one['mean_regularized'])}   (target >= -1)")


def main() -> None:
    warnings.simplefilter("ignore")
    agreement()
    targets()


if __name__ == "__main__":
    main()
