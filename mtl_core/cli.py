"""Command line: ``python -m mtl_core {compare,sweep} ...``.

- ``compare`` fits the chosen models on one synthetic scenario and prints the
  per-task test accuracies and the gap of every model against STL.
- ``sweep`` runs the relatedness x training-size grid and writes the tidy table
  (``--out``) and prints the mean gap per cell, with a progress bar on stderr.

The dashboard's figures are exported by the app's own command line,
``python -m dashboard export`` (the engine does not import the app).

Bad arguments print one line starting with ``error:`` and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Sequence

import numpy as np

from . import experiments
from .exceptions import ConvergenceWarning, MinorityClassWarning
from .models.registry import MODELS, ModelSpec
from .tasks import make_tasks

#: Command-line model keys and their specs (`mtl_core.MODELS`).
MODEL_KEYS: dict[str, ModelSpec] = {spec.cli: spec for spec in MODELS.values()}


class UsageError(Exception):
    """A bad command-line argument (exit status 2)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors raise `UsageError` (one line, status 2) instead of exiting."""

    def error(self, message: str) -> None:
        raise UsageError(message)


def _float_list(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    return values


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one integer")
    return values


def strength_argument(text: str) -> float | str:
    """A strength option's value: a number or "auto" (argparse ``type=``)."""
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a number or "auto", got {text!r}') from None


def _model_list(text: str) -> list[str]:
    keys = [k.strip().lower() for k in text.split(",") if k.strip()]
    unknown = [k for k in keys if k not in MODEL_KEYS]
    if unknown or not keys:
        raise argparse.ArgumentTypeError(f"unknown model(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(MODEL_KEYS)}")
    return keys


def build_models(keys: Sequence[str], alpha: float | str, lam: float | str, k: int, n_hidden: int,
                 n_clusters: int = 1) -> list:
    """Estimators for the command-line model keys.

    ``alpha`` is the strength of STL and pooled, ``lam`` that of the MTL models
    whose strength is a sharing strength; the others (shared subspace, shared
    hidden layer) keep their default ridge and take ``k`` / ``n_hidden``;
    clustered MTL looks for ``n_clusters`` groups (the tasks' own number).
    """
    options = {"k": k, "n_hidden": n_hidden, "n_clusters": n_clusters}
    models = []
    for key in keys:
        spec = MODEL_KEYS[key]
        params = {name: options[name] for name in spec.options if name in options}
        if spec.kind == "baseline":
            models.append(spec.make(alpha))
        elif spec.strength == "lam":
            models.append(spec.make(lam, **params))
        else:
            models.append(spec.cls(**params))
    return models


def add_scenario_arguments(p: argparse.ArgumentParser, grid: bool) -> None:
    """The `make_tasks` options (without relatedness, n_train and seed when ``grid``: the sweep's own)."""
    g = p.add_argument_group("scenario (see mtl_core.make_tasks)")
    g.add_argument("--n-tasks", type=int, default=4, help="number of tasks, 1..20 (default 4)")
    g.add_argument("--n-features", type=int, default=2, help="number of features, 2..50 (default 2)")
    if not grid:
        g.add_argument("--n-train", type=_int_list, default=[20], help="training samples per task: one integer, or one per task comma-separated (default 20)")
        g.add_argument("--relatedness", type=float, default=0.8, help="expected cosine similarity of related tasks' true weights, 0..1 (default 0.8)")
    g.add_argument("--n-test", type=int, default=1000, help="test samples per task (default 1000)")
    g.add_argument("--n-unrelated", type=int, default=0, help="how many of the tasks are drawn independently of the others (default 0)")
    g.add_argument("--n-clusters", type=int, default=1, help="groups of related tasks, unrelated across groups; clustered MTL looks for as many (default 1)")
    g.add_argument("--label-noise", type=float, default=0.1, help="label flip probability, 0..0.45 (default 0.1)")
    g.add_argument("--class-balance", type=float, default=0.5, help="expected fraction of class 1, 0.05..0.95 (default 0.5)")
    g.add_argument("--intercept-spread", type=float, default=0.0, help="spread of the task intercepts, 0..2 (default 0)")
    g.add_argument("--family", choices=["linear", "nonlinear"], default="linear", help="linear tasks, or tasks linear in shared nonlinear features")
    g.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def _add_models(p: argparse.ArgumentParser, default: str) -> None:
    g = p.add_argument_group("models")
    g.add_argument("--models", type=_model_list, default=_model_list(default), help=f"comma-separated, from {', '.join(MODEL_KEYS)} (default {default}); STL is always included as the reference")
    g.add_argument("--alpha", type=strength_argument, default=0.01, help='ridge strength of STL and pooled, a number or "auto" (default 0.01)')
    g.add_argument("--lam", type=strength_argument, default="auto", help='sharing strength of the MTL models, a number or "auto" (cross-validated; default)')
    g.add_argument("--k", type=int, default=1, help="subspace dimension of the shared-subspace model (default 1)")
    g.add_argument("--n-hidden", type=int, default=8, help="hidden units of the shared-hidden-layer model (default 8)")


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m mtl_core",
        description="Multi-task vs single-task logistic regression on synthetic related tasks.",
        epilog="Example: python -m mtl_core compare --n-tasks 6 --n-features 5 --n-train 10 --relatedness 0.9",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("compare", help="fit the models on one scenario and print per-task test accuracy")
    add_scenario_arguments(p, grid=False)
    _add_models(p, "stl,pooled,meanreg")
    p.add_argument("--out", help="also write the full per-task table to this CSV file")

    p = sub.add_parser("sweep", help="accuracy gap over a relatedness x training-size grid")
    add_scenario_arguments(p, grid=True)
    _add_models(p, "stl,meanreg")
    p.add_argument("--relatedness", type=_float_list, default=list(np.round(np.linspace(0, 1, 8), 4)), help="comma-separated relatedness values (default 8 values from 0 to 1)")
    p.add_argument("--n-train", type=_int_list, default=[4, 6, 10, 16, 25, 40, 63, 100], help="comma-separated training sizes per task (default 4,6,10,16,25,40,63,100)")
    p.add_argument("--repeats", type=int, default=10, help="task draws per cell, the same for every model (default 10)")
    p.add_argument("--out", help="write the tidy table (one row per cell, repeat, model, task) to this CSV file")
    p.add_argument("--summary-out", help="write the per-cell summary (mean gap with 95%% interval) to this CSV file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def scenario_kwargs(args: argparse.Namespace, grid: bool) -> dict:
    """`make_tasks` keyword arguments from the options of `add_scenario_arguments`."""
    sc = {
        "n_tasks": args.n_tasks,
        "n_features": args.n_features,
        "n_test": args.n_test,
        "n_unrelated": args.n_unrelated,
        "n_clusters": args.n_clusters,
        "label_noise": args.label_noise,
        "class_balance": args.class_balance,
        "intercept_spread": args.intercept_spread,
        "family": args.family,
    }
    if not grid:
        sc["n_train"] = args.n_train[0] if len(args.n_train) == 1 else args.n_train
        sc["relatedness"] = args.relatedness
        sc["seed"] = args.seed
    return sc


def _print_table(rows: list[list[str]], out) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for j, r in enumerate(rows):
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))), file=out)
        if j == 0:
            print("  ".join("-" * w for w in widths), file=out)


def run_compare(args: argparse.Namespace, out) -> int:
    ts = make_tasks(**scenario_kwargs(args, grid=False))
    models = build_models(args.models, args.alpha, args.lam, args.k, args.n_hidden, args.n_clusters)
    res = experiments.compare(ts, models)
    table = res.table
    labels = list(dict.fromkeys(table.model))
    header = ["task", "n_train"] + [f"{m} acc" for m in labels] + [f"{m} gap" for m in labels if m != res.reference] + ["Bayes"]
    rows = [header]
    for t in range(ts.n_tasks):
        sub = table[table.task == t].set_index("model")
        row = [ts.task_names[t], str(ts.n_train[t])]
        row += [f"{sub.loc[m, 'test_accuracy']:.3f}" for m in labels]
        row += [f"{100 * sub.loc[m, 'gap_vs_stl']:+.1f}" for m in labels if m != res.reference]
        row.append(f"{sub['bayes_accuracy'].iloc[0]:.3f}")
        rows.append(row)
    mean = table.groupby("model", sort=False).test_accuracy.mean()
    rows.append(["mean", ""] + [f"{mean[m]:.3f}" for m in labels] + [f"{100 * res.mean_gap[m]:+.1f}" for m in labels if m != res.reference] + [f"{np.mean(ts.bayes_accuracy):.3f}"])
    print(f"Test accuracy per task ({ts.n_tasks} tasks, {ts.n_features} features, relatedness {args.relatedness}, seed {args.seed}); gap = points vs {res.reference}", file=out)
    _print_table(rows, out)
    for m in labels:
        model = res.models[m]
        chosen = model.evidence_results_ if getattr(model, "evidence_results_", None) else model.cv_results_
        how = {"cv": " (cross-validated)", "evidence": " (the evidence)", "evidence+cv": " (the evidence, checked by cross-validation)"}
        print(f"{m}: {model.strength_param} = {getattr(model, model.strength_param + '_'):.4g}" + (how[chosen["method"]] if chosen else ""), file=out)
    if args.out:
        table.to_csv(args.out, index=False)
        print(f"wrote {args.out}", file=out)
    return 0


def run_sweep(args: argparse.Namespace, out) -> int:
    models = build_models(args.models, args.alpha, args.lam, args.k, args.n_hidden, args.n_clusters)
    bar = None
    progress = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=1, desc="sweep", unit="fit", file=sys.stderr, leave=False)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

    try:
        res = experiments.sweep(
            relatedness=args.relatedness, n_train=args.n_train, models=models, repeats=args.repeats,
            seed=args.seed, progress=progress, **scenario_kwargs(args, grid=True),
        )
    finally:
        if bar is not None:
            bar.close()
    if args.out:
        res.table.to_csv(args.out, index=False)
        print(f"wrote {args.out} ({len(res.table)} rows)", file=out)
    if args.summary_out:
        res.summary.to_csv(args.summary_out, index=False)
        print(f"wrote {args.summary_out}", file=out)
    for label in dict.fromkeys(res.summary.model):
        if label == res.reference:
            continue
        piv = res.summary[res.summary.model == label].pivot(index="n_train", columns="relatedness", values="gap_mean")
        print(f"\nMean test-accuracy gap of {label} vs {res.reference}, in points (rows: training samples per task; columns: relatedness)", file=out)
        rows = [["n_train"] + [f"{c:g}" for c in piv.columns]]
        rows += [[str(i)] + [f"{100 * v:+.1f}" for v in piv.loc[i]] for i in piv.index]
        _print_table(rows, out)
    return 0


def main(argv: Sequence[str] | None = None, out=None) -> int:
    """Run the command line; returns the exit status."""
    out = sys.stdout if out is None else out
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # Small synthetic tasks always have fewer minority samples than folds; the tables are the output.
            warnings.simplefilter("ignore", MinorityClassWarning)
            if args.command == "compare":
                return run_compare(args, out)
            return run_sweep(args, out)
    except (UsageError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
