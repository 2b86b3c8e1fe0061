"""Benchmark: does mean-regularized MTL's automatic strength sit between STL and pooling?

Over a grid of scenarios (relatedness x training samples per task x features,
6 tasks, label noise 0.1, intercept spread 0.5, ``--seeds`` task draws each),
prints every model's mean test accuracy and MTL's **regret**,

    regret = max(0, max(STL, pooled) - MTL)     (cell means, accuracy points),

with STL and pooled at their own cross-validated ridge strength. For reference
it also prints the *oracle* MTL: the best fixed ``lam`` of the grid, chosen per
cell on the test data (no selection rule can beat it on average).

Targets of issue 12: mean regret at most 0.3 point, worst cell at most 1.5
points, and on unrelated tasks (relatedness 0) MTL no worse than today's
cross-validated MTL (within 0.5 point of STL).

Run: ``python bench/bench_auto_strength.py [--seeds 32] [--selection before evidence+cv]``.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mtl_core import MeanRegularizedMTL, PooledLogistic, SingleTaskLogistic, make_tasks  # noqa: E402
from mtl_core.experiments import evaluate_tasksets, repeat_seed  # noqa: E402

RELATEDNESS = (0.0, 0.5, 0.8, 0.95)
N_TRAIN = (6, 12, 30)
N_FEATURES = (2, 5)
SCENARIO = dict(n_tasks=6, label_noise=0.1, intercept_spread=0.5, n_test=1000)
ORACLE_GRID = np.logspace(-4, 3, 15)


def mtl_auto(selection: str) -> MeanRegularizedMTL:
    """MTL with an automatic strength chosen by ``selection``.

    "default": the class default; "before": the rule before issue 12 (5-fold CV
    accuracy, one fold assignment, ties to the weakest strength); otherwise a
    ``selection`` of `MeanRegularizedMTL`.
    """
    if selection == "default":
        return MeanRegularizedMTL(lam="auto")
    if selection == "before":
        return MeanRegularizedMTL(lam="auto", selection="cv", cv_repeats=1)
    rule, _, repeats = selection.partition("/")  # e.g. "evidence+cv/1": one fold assignment
    return MeanRegularizedMTL(lam="auto", selection=rule, **({"cv_repeats": int(repeats)} if repeats else {}))


def run(seeds: int, selections: list[str], seed: int = 0) -> list[dict]:
    rows = []
    for d in N_FEATURES:
        for n in N_TRAIN:
            for rho in RELATEDNESS:
                tasksets = [
                    make_tasks(n_features=d, n_train=n, relatedness=rho, seed=repeat_seed(seed, r), **SCENARIO)
                    for r in range(seeds)
                ]
                models = [SingleTaskLogistic(alpha="auto"), PooledLogistic(alpha="auto")]
                models += [mtl_auto(s) for s in selections]
                models += [MeanRegularizedMTL(lam=float(lam)) for lam in ORACLE_GRID]
                scores, strength = evaluate_tasksets(tasksets, models, seed=seed)
                mean = 100 * scores["accuracy"].mean(axis=(1, 2))  # per model, over seeds and tasks
                k = len(selections)
                row = {"d": d, "n": n, "rho": rho, "stl": mean[0], "pooled": mean[1],
                       "oracle": mean[2 + k:].max(), "oracle_lam": ORACLE_GRID[np.argmax(mean[2 + k:])]}
                for j, s in enumerate(selections):
                    row[f"mtl:{s}"] = mean[2 + j]
                    row[f"lam:{s}"] = float(np.exp(np.mean(np.log(strength[2 + j]))))
                rows.append(row)
                print(".", end="", flush=True, file=sys.stderr)
    print(file=sys.stderr)
    return rows


def report(rows: list[dict], selections: list[str]) -> None:
    head = f"{'d':>2} {'n':>3} {'rho':>5} | {'STL':>5} {'pooled':>6} {'oracle':>6} {'(lam)':>7}"
    for s in selections:
        head += f" | {'MTL ' + s:>14} {'lam~':>7} {'regret':>6}"
    print(head)
    print("-" * len(head))
    regrets = {s: [] for s in selections}
    unrelated = {s: [] for s in selections}
    for r in rows:
        line = f"{r['d']:>2} {r['n']:>3} {r['rho']:>5.2f} | {r['stl']:5.1f} {r['pooled']:6.1f} {r['oracle']:6.1f} {r['oracle_lam']:7.0e}"
        for s in selections:
            reg = max(0.0, max(r["stl"], r["pooled"]) - r[f"mtl:{s}"])
            regrets[s].append(reg)
            if r["rho"] == 0.0:
                unrelated[s].append(r[f"mtl:{s}"] - r["stl"])
            line += f" | {r[f'mtl:{s}']:14.1f} {r[f'lam:{s}']:7.0e} {reg:6.2f}"
        print(line)
    print()
    for s in selections:
        reg = np.asarray(regrets[s])
        un = np.asarray(unrelated[s])
        print(f"MTL {s}: mean regret {reg.mean():.2f} points, worst cell {reg.max():.2f}; "
              f"on unrelated tasks MTL - STL from {un.min():+.2f} to {un.max():+.2f} (mean {un.mean():+.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=32, help="task draws per cell (default 32: cells of 8 draws move by a point or two)")
    parser.add_argument("--selection", nargs="+", default=["default"],
                        help='strength selection rules of MeanRegularizedMTL to compare ("default", "before", "evidence+cv", '
                             '"evidence", "cv"; "rule/R" sets cv_repeats=R)')
    args = parser.parse_args()
    start = time.perf_counter()
    rows = run(args.seeds, args.selection)
    report(rows, args.selection)
    print(f"\n{len(rows)} cells x {args.seeds} seeds in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
