"""The proximal models (trace norm, L2,1) on raw, shifted and badly scaled features.

For each problem and model: the engine's fit time, iterations, proximal residual and its
objective minus the best known objective. The best known objective is cvxpy + Clarabel's
(tolerances 1e-10, the same objective written independently) when cvxpy is installed
(``pip install cvxpy clarabel``), else the engine's own on the equivalent unshifted
problem (the shift changes only the intercepts). A negative gap means the engine is lower.

Run: ``python bench/bench_raw_features.py``.
"""

from __future__ import annotations

import pathlib
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from mtl_core import ConvergenceWarning, JointFeatureMTL, LowRankMTL, make_tasks  # noqa: E402

try:
    import cvxpy as cp
except ImportError:  # the benchmark still runs, against the engine's own reference
    cp = None


def reference(kind: str, Xs, ys, lam: float, alpha: float) -> tuple[float, float, bool]:
    """cvxpy + Clarabel optimum of the engine's objective (see the models' docstrings), its time, and
    whether Clarabel reported an inaccurate solution."""
    T, d = len(Xs), Xs[0].shape[1]
    W, b = cp.Variable((T, d)), cp.Variable(T)
    loss = 0
    for t, (X, y) in enumerate(zip(Xs, ys)):
        s = 2.0 * np.asarray(y, dtype=float) - 1.0
        loss = loss + cp.sum(cp.logistic(-cp.multiply(s, X @ W[t] + b[t]))) / len(y)
    pen = cp.normNuc(W) if kind == "trace" else cp.sum(cp.norm(W, 2, axis=0))
    prob = cp.Problem(cp.Minimize(loss / T + lam * pen + 0.5 * alpha * cp.sum_squares(W)))
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:  # "Solution may be inaccurate": flagged with *
        warnings.simplefilter("always")
        prob.solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return float(prob.value), time.perf_counter() - t0, bool(caught)


def problems():
    for seed, (T, d, n) in enumerate([(3, 5, 40), (5, 10, 60), (8, 20, 100)]):
        ts = make_tasks(n_tasks=T, n_features=d, n_train=n, seed=seed)
        Xs = [np.asarray(X, dtype=float) for X in ts.X_train]
        ys = [np.asarray(y) for y in ts.y_train]
        rng = np.random.default_rng(seed)
        col_scale = np.ones(d)
        col_scale[1] = 1000.0
        spread = 10.0 ** rng.uniform(-2, 2, size=d)
        yield f"T={T} d={d} n={n}", {
            "raw": Xs,
            "shift +50": [X + 50.0 for X in Xs],
            "col 1 x1000": [X * col_scale for X in Xs],
            "scales 1e-2..1e2": [X * spread for X in Xs],
            "shift + x1000": [X * col_scale + 50.0 for X in Xs],
        }, ys


def main() -> None:
    print("engine vs " + ("cvxpy + Clarabel (tol 1e-10)" if cp else "its own fit on the unshifted data (cvxpy not installed)"))
    header = f"{'problem':<16}{'features':<18}{'model':<16}{'time s':>8}{'iters':>7}{'residual':>10}{'gap':>11}"
    if cp:
        header += f"{'cvxpy s':>9}"
    print(header)
    if cp:
        print("(* = Clarabel reported 'solution may be inaccurate'; gap = engine - cvxpy, negative: engine lower)")
    for name, variants, ys in problems():
        for cls, kind in ((LowRankMTL, "trace"), (JointFeatureMTL, "l21")):
            lam, alpha = 0.01, 0.01
            base = None
            for label, Xs in variants.items():
                model = cls(lam=lam, alpha=alpha)
                t0 = time.perf_counter()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    model.fit(Xs, ys)
                dt = time.perf_counter() - t0
                F = model.objective(Xs, ys)
                res = model.optimality_residual(Xs, ys)
                if label == "raw":
                    base = F
                line = f"{name:<16}{label:<18}{model.name[:15]:<16}{dt:>8.3f}{model.n_iter_:>7}{res:>10.1e}"
                if cp:
                    F_ref, t_ref, inaccurate = reference(kind, Xs, ys, lam, alpha)
                    line += f"{F - F_ref:>11.1e}{t_ref:>9.2f}" + ("*" if inaccurate else "")
                else:
                    line += f"{F - base:>11.1e}" if label in ("raw", "shift +50") else f"{'-':>11}"
                if caught:
                    line += "  WARN: " + str(caught[0].message)[:60]
                print(line, flush=True)


if __name__ == "__main__":
    main()
