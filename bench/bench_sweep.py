"""Benchmark: the default sweep on the batched engine vs a loop of scikit-learn / scipy fits.

The default sweep: relatedness x n_train grid of 8 x 8, 10 repeats, 4 tasks,
2 features, STL (alpha=0.01) and MeanRegularizedMTL (lam=0.1, alpha=0.01).

1. Times `mtl_core.experiments.sweep` end to end (task generation, batched
   fits, scoring, tables).
2. On the very same task sets, times the batched fits alone and a Python loop
   of reference fits of the same objectives: scikit-learn's LogisticRegression
   (C = 1/(n_t alpha)) per task for STL, and scipy's L-BFGS-B on the
   mean-regularized objective (with its analytic gradient) per problem.
3. Checks that both reach the same objective values (relative difference
   <= 1e-6 on every problem) and prints the speed ratio.

Run: ``python bench/bench_sweep.py [--repeats 10]``. Prints figures; asserts
nothing about time (machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtl_core import MeanRegularizedMTL, SingleTaskLogistic, make_tasks  # noqa: E402
from mtl_core.batch import pack_problems  # noqa: E402
from mtl_core.experiments import repeat_seed, sweep  # noqa: E402
from mtl_core.loss import log1pexp  # noqa: E402

RELATEDNESS = tuple(np.linspace(0.0, 1.0, 8))
N_TRAIN = (4, 6, 10, 16, 25, 40, 63, 100)
ALPHA, LAM = 0.01, 0.1


def stl_objective(Xs, ys, W, b, alpha):
    """Mean over tasks of L_t + alpha/2 ||w_t||^2."""
    vals = []
    for X, y, w, c in zip(Xs, ys, W, b):
        s = 2.0 * y - 1.0
        vals.append(np.mean(log1pexp(-s * (X @ w + c))) + 0.5 * alpha * w @ w)
    return float(np.mean(vals))


def meanreg_objective_and_grad(theta, Xs, ys, lam, alpha):
    """(1/T) sum_t [L_t(w0+v_t, b_t) + lam/2 ||v_t||^2] + alpha/2 ||w0||^2 and its gradient."""
    T, d = len(Xs), Xs[0].shape[1]
    w0 = theta[:d]
    V = theta[d : d + T * d].reshape(T, d)
    b = theta[d + T * d :]
    f = 0.5 * alpha * w0 @ w0
    g_w0 = alpha * w0
    g_V = np.zeros((T, d))
    g_b = np.zeros(T)
    for t, (X, y) in enumerate(zip(Xs, ys)):
        s = 2.0 * y - 1.0
        m = -s * (X @ (w0 + V[t]) + b[t])
        f += (np.mean(log1pexp(m)) + 0.5 * lam * V[t] @ V[t]) / T
        r = -s * np.exp(m - log1pexp(m)) / len(y)  # d loss / d score, averaged
        gw = X.T @ r
        g_w0 += gw / T
        g_V[t] = (gw + lam * V[t]) / T
        g_b[t] = r.sum() / T
    return f, np.concatenate([g_w0, g_V.ravel(), g_b])


def reference_loop(tasksets):
    """Loop of reference fits; returns the objective values (n_problems, 2) and the time."""
    out = np.empty((len(tasksets), 2))
    start = time.perf_counter()
    for i, ts in enumerate(tasksets):
        W, b = [], []
        for X, y in zip(ts.X_train, ts.y_train):
            clf = LogisticRegression(C=1.0 / (len(y) * ALPHA), tol=1e-10, max_iter=10_000).fit(X, y)
            W.append(clf.coef_[0])
            b.append(clf.intercept_[0])
        out[i, 0] = stl_objective(ts.X_train, ts.y_train, W, b, ALPHA)
        T, d = ts.n_tasks, ts.n_features
        res = minimize(
            meanreg_objective_and_grad, np.zeros(d + T * d + T), args=(ts.X_train, ts.y_train, LAM, ALPHA),
            jac=True, method="L-BFGS-B", options={"maxiter": 10_000, "gtol": 1e-11, "ftol": 1e-15},
        )
        out[i, 1] = res.fun
    return out, time.perf_counter() - start


def engine_fits(tasksets):
    """Batched fits grouped by n_train (as the sweep does); returns objective values and the time."""
    models = [SingleTaskLogistic(alpha=ALPHA), MeanRegularizedMTL(lam=LAM, alpha=ALPHA)]
    out = np.empty((len(tasksets), 2))
    groups: dict[int, list[int]] = {}
    for i, ts in enumerate(tasksets):
        groups.setdefault(ts.n_train[0], []).append(i)
    start = time.perf_counter()
    for idx in groups.values():
        batch = pack_problems([(tasksets[i].X_train, tasksets[i].y_train) for i in idx])
        for j, m in enumerate(models):
            hp = m.batch_hyperparams(len(idx))
            params, _, conv = m.fit_batch(batch, hp)
            out[idx, j] = m.objective_batch(params, batch, hp)
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()
    R = args.repeats
    models = [SingleTaskLogistic(alpha=ALPHA), MeanRegularizedMTL(lam=LAM, alpha=ALPHA)]

    sweep(relatedness=RELATEDNESS[:2], n_train=N_TRAIN[:2], models=models, repeats=1)  # warm-up (imports, caches)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = sweep(relatedness=RELATEDNESS, n_train=N_TRAIN, models=models, repeats=R, n_tasks=4, n_features=2)
        times.append(time.perf_counter() - t0)
    print(f"default sweep ({len(RELATEDNESS)}x{len(N_TRAIN)} grid, {R} repeats, 4 tasks, 2 features, STL + MeanRegularizedMTL):")
    print(f"  end to end: median {np.median(times):.3f} s over 3 runs ({len(res.table)} table rows)")

    tasksets = [
        make_tasks(n_tasks=4, n_features=2, n_train=n, relatedness=rho, seed=repeat_seed(0, r))
        for n in N_TRAIN for r in range(R) for rho in RELATEDNESS
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eng, t_eng = engine_fits(tasksets)
        ref, t_ref = reference_loop(tasksets)
    rel = np.abs(eng - ref) / np.maximum(np.abs(ref), 1e-12)
    print(f"  fits only, {len(tasksets)} problems x 2 models:")
    print(f"    batched engine:            {t_eng:.3f} s")
    print(f"    loop of sklearn/scipy fits: {t_ref:.3f} s")
    print(f"    speed ratio (loop / engine): {t_ref / t_eng:.1f}x")
    print(f"  objective agreement: max relative difference {rel.max():.2e} (STL {rel[:, 0].max():.2e}, MTL {rel[:, 1].max():.2e})")
    print(f"    engine lower or equal on {np.mean(eng <= ref * (1 + 1e-12)) * 100:.0f}% of problems")
    ok = rel.max() <= 1e-6
    print("  SAME OPTIMA (<= 1e-6 relative): " + ("yes" if ok else "NO"))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
