"""How often `SharedSubspaceMTL` reaches the global optimum, and at what cost, by ``n_init``.

With ``k = 1`` and two features the shared subspace is a direction
``P = (cos t, sin t)``; for each ``t`` the rest of the problem (the task
coordinates and intercepts) is convex. A scan over 2000 values of ``t`` (Newton
on every ``t`` at once; fine enough for 1e-4) gives the global optimum
independently of the model's alternating minimisation. The benchmark keeps the
problems whose scanned objective has several local minima along the circle and
counts, for each ``n_init``, the fits that end within 1e-4 (relative) of it, and
their fit times (best of ``--repeats``, the values of ``n_init`` interleaved).

    python bench/bench_subspace_restarts.py [--seeds 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtl_core import SharedSubspaceMTL, make_tasks  # noqa: E402
from mtl_core.batch import TaskBatch, pack_tasks  # noqa: E402
from mtl_core.solvers import newton_logistic  # noqa: E402

# (alpha, n_tasks, n_train, first seed): unrelated tasks, two features, k = 1.
SETTINGS = [(1e-3, 3, 8, 1000), (1e-2, 3, 8, 2000), (1e-3, 4, 12, 3000), (1e-4, 2, 10, 4000)]
N_INITS = (1, 2, 3, 4, 6)


def direction_scan(Xs, ys, alpha: float, n_grid: int = 2000) -> tuple[float, int]:
    """Global minimum of the k=1 objective on two features over a grid of directions, and the
    number of local minima along the (periodic) grid."""
    batch = pack_tasks(Xs, ys)
    T = len(Xs)
    t = np.linspace(0.0, np.pi, n_grid, endpoint=False)
    P = np.stack([np.cos(t), np.sin(t)], -1)  # (G, 2)
    Z = np.moveaxis(batch.X[0] @ P.T, -1, 0)[..., None]  # (G, T, N, 1)
    a, b, _, _ = newton_logistic(Z, batch.s[0], batch.sw[0], T * alpha)
    model = SharedSubspaceMTL(k=1, alpha=alpha)
    wide = TaskBatch(batch.X, batch.s, np.broadcast_to(batch.sw, (n_grid,) + batch.sw.shape[1:]), batch.mask)
    f = model.objective_batch({"P": P[:, :, None], "A": a, "b": b}, wide, model.batch_hyperparams(n_grid, alpha))
    n_min = int(np.sum((f < np.roll(f, 1)) & (f < np.roll(f, -1))))
    return float(f.min()), n_min


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200, help="problems drawn per setting")
    parser.add_argument("--repeats", type=int, default=3, help="timing repeats (best kept)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    hits = {n: 0 for n in N_INITS}
    times = {n: 0.0 for n in N_INITS}
    total = 0
    for alpha, T, n_train, seed0 in SETTINGS:
        cases = []
        for seed in range(seed0, seed0 + args.seeds):
            ts = make_tasks(n_tasks=T, n_features=2, n_train=n_train, relatedness=0, n_unrelated=T,
                            label_noise=0.1, seed=seed)
            f_star, n_min = direction_scan(ts.X_train, ts.y_train, alpha)
            if n_min > 1:
                cases.append((seed, ts.X_train, ts.y_train, f_star))
        line = [f"alpha={alpha:g} T={T} n_train={n_train}: {len(cases)} of {args.seeds} with several minima;"]
        for n in N_INITS:
            hit, missed, elapsed = 0, [], 0.0
            for seed, Xs, ys, f_star in cases:
                best = np.inf
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    m = SharedSubspaceMTL(k=1, alpha=alpha, n_init=n).fit(Xs, ys)
                    best = min(best, time.perf_counter() - t0)
                elapsed += best
                if m.objective(Xs, ys) <= f_star * (1 + 1e-4):
                    hit += 1
                else:
                    missed.append(seed)
            hits[n] += hit
            times[n] += elapsed
            line.append(f"n_init={n}: {hit}/{len(cases)} {1e3 * elapsed / len(cases):.1f} ms"
                        + (f" (misses {missed[:8]})" if missed else ""))
        total += len(cases)
        print("\n    ".join(line))
    print(f"\nAll {total} problems with several minima:")
    for n in N_INITS:
        print(f"  n_init={n}: global optimum {hits[n]}/{total} ({100 * hits[n] / total:.1f}%), "
              f"{1e3 * times[n] / total:.1f} ms per fit ({times[n] / times[1]:.2f}x n_init=1)")


if __name__ == "__main__":
    main()
