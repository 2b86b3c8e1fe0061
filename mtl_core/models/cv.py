"""Cross-validated choice of a model's strength, batched over folds x grid values.

Folds are stratified per task: within every task, the samples of each class are
shuffled and dealt round-robin to the ``k`` folds, so each fold holds out a
share of every task and of both its classes. A fold's fit uses the same padded
features with the held-out samples' weights set to 0, so all ``k x G`` fits
(``G`` grid values) run as one batch. Convex models (``cv_warm_start``) first
fit the whole training data at every grid value and start each fold's fit from
there: the fold fits reach the same optima in a few iterations instead of
starting from zero (folds hold out only 1/k of the samples). Small problems,
whose iterations cost numpy's per-call overhead rather than arithmetic, fit the
whole data and the folds in one batch from zero instead: fewer iterations in
all, the same whole-data fits.

Scoring: every sample's held-out decision value (from the fold that holds it
out) is pooled per task, as in scikit-learn's ``cross_val_predict``; the
model's ``scoring`` (`mtl_core.metrics.METRICS`: ``"accuracy"``, the default,
``"balanced_accuracy"``, ``"roc_auc"``, ``"log_loss"``, or a callable
``scoring(y_true, decision_values) -> float``, larger is better) is computed
on each task's pooled held-out samples and averaged over the tasks where it is
defined. Pooling matters for rare classes: a task with 3 positives in 5 folds
has no positive in most folds, so a per-fold ROC AUC would be undefined there.
The chosen value has the best mean score, ties (frequent on small folds) going
to the weakest strength in the grid.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from ..batch import TaskBatch, pack_tasks
from ..exceptions import CrossValidationError, MinorityClassWarning
from ..loss import log1pexp
from ..metrics import ScoringCallable, check_scoring, score_rows, task_mean

# Scores that need both classes among a task's held-out samples.
_NEEDS_BOTH_CLASSES = ("balanced_accuracy", "roc_auc")

# Cap on the padded feature array of one CV batch (bytes), to bound peak memory.
CV_CHUNK_BYTES = 64 * 2**20
# Tolerance of the fits inside CV: predictions, not certificates. Models may set their own
# (``cv_tol``: Newton's last step squares its error, so its criterion can be looser).
CV_TOL = 1e-6


def _class_counts(batch: TaskBatch) -> tuple[np.ndarray, np.ndarray]:
    """Positive and negative samples of every problem and task, each of shape (B, T)."""
    shape = np.broadcast_shapes(batch.mask.shape, batch.sw.shape)
    mask = np.broadcast_to(batch.mask, shape)
    s = np.broadcast_to(batch.s, shape)
    return np.sum(mask & (s > 0), axis=-1), np.sum(mask & (s < 0), axis=-1)


def n_folds_for(batch: TaskBatch, cv: int, strength: str, scoring: str | ScoringCallable = "accuracy") -> int:
    """Number of folds: ``cv``, checked against the data.

    A sample is held out only if its class has at least 2 members in its task
    (so every training fold keeps both classes); some tasks may therefore have
    no held-out sample in a fold. At least one held-out sample must exist in
    every problem, and for ``"roc_auc"`` and ``"balanced_accuracy"`` a task
    with at least 2 samples of each class (else CrossValidationError).
    """
    pos, neg = _class_counts(batch)
    holdable = np.where(pos >= 2, pos, 0) + np.where(neg >= 2, neg, 0)
    if np.any(holdable.sum(-1) == 0):
        raise CrossValidationError(
            f'{strength}="auto" needs at least 2 samples of one class in some task for cross-validation. '
            f"Give the tasks more training samples or set {strength} to a number."
        )
    if isinstance(scoring, str) and scoring in _NEEDS_BOTH_CLASSES and np.any(np.all((pos < 2) | (neg < 2), axis=-1)):
        raise CrossValidationError(
            f'{strength}="auto" with scoring="{scoring}" needs a task with at least 2 samples of each class. '
            f'Give the tasks more samples of their minority class, use scoring="accuracy" or set {strength} to a number.'
        )
    return int(cv)


def warn_few_minority(class_counts: tuple[np.ndarray, np.ndarray], k: int, stacklevel: int = 2) -> None:
    """Warn (`MinorityClassWarning`) if a task's minority class has fewer samples than the ``k`` folds.

    Parameters
    ----------
    class_counts : (positives, negatives), each ndarray of shape (T,)
        Samples of each class per task (one problem).
    """
    minority = np.minimum(*class_counts)
    few = np.flatnonzero((minority > 0) & (minority < k))
    if few.size == 0:
        return
    names = ", ".join(map(str, few[:10])) + (", ..." if few.size > 10 else "")
    warnings.warn(
        f"{'Tasks' if few.size > 1 else 'Task'} {names} (0-based) {'have' if few.size > 1 else 'has'} fewer "
        f"samples of the minority class than the {k} cross-validation folds (fewest: {int(minority[few].min())}): "
        "some folds hold out no sample of that class (a class with a single sample is never held out), so the "
        "held-out scores rest on few minority samples. Add samples of the minority class or lower cv; on "
        "imbalanced tasks prefer scoring=\"roc_auc\" or \"balanced_accuracy\" to accuracy.",
        MinorityClassWarning,
        stacklevel=stacklevel + 1,
    )


def stratified_fold_ids(batch: TaskBatch, k: int, rng: np.random.Generator) -> np.ndarray:
    """Fold index of every sample, shape (B, T, N).

    Within every task and class, samples are shuffled and dealt round-robin to
    the folds from a random starting fold, so a class with ``m >= 2`` samples
    in a task (its minority class included) is held out in ``min(k, m)``
    folds, the most it can be. -1 marks padding and samples that are never
    held out (the only member of their class in their task: holding it out
    would leave that fold's training data without the class).
    """
    shape = np.broadcast_shapes(batch.mask.shape, batch.sw.shape)
    mask = np.broadcast_to(batch.mask, shape)
    s = np.broadcast_to(batch.s, shape)
    folds = np.full(shape, -1)
    keys = rng.random(shape)
    for cls in (-1.0, 1.0):
        member = mask & (s == cls)
        count = member.sum(-1, keepdims=True)
        order = np.argsort(np.where(member, keys, np.inf), axis=-1, kind="stable")
        rank = np.argsort(order, axis=-1)  # position of each sample among its class
        start = rng.integers(0, k, size=shape[:-1] + (1,))
        folds = np.where(member & (count >= 2), (rank + start) % k, folds)
    return folds


# Sample x feature-pair entries of a CV batch below which its fits are bound by per-iteration
# overhead (numpy calls), not arithmetic (see `_overhead_bound`).
OVERHEAD_BOUND_WORK = 150_000


def _overhead_bound(sub: TaskBatch) -> bool:
    """Whether the fold fits of ``sub`` are too small for their arithmetic to matter."""
    d = sub.X.shape[-1]
    return sub.sw.size * (d + 1) ** 2 <= OVERHEAD_BOUND_WORK


def _normalize(w: np.ndarray) -> np.ndarray:
    return w / np.maximum(w.sum(-1, keepdims=True), 1)


def cv_scores_batch(
    model, batch: TaskBatch, grid: np.ndarray, k: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict | None]:
    """Held-out log-loss, accuracy and score (the model's ``scoring``) of every problem x grid value.

    Parameters
    ----------
    model : MTLEstimator
        Its other hyperparameters are kept; its strength takes each grid value.
    batch : TaskBatch with B problems
    grid : ndarray of shape (G,)
    k : int
        Number of folds.

    Returns
    -------
    loss, accuracy, score : ndarray of shape (B, G)
        Held-out log-loss, accuracy and ``scoring`` (default accuracy), each computed on every
        task's held-out samples pooled over folds, then averaged over the tasks where it is
        defined (NaN where it is defined in none).
    fold_loss : ndarray of shape (B, G, k)
        Mean held-out log-loss of each fold (NaN for an empty fold), for the spread.
    full_fits : dict of ndarray with leading shape (B * G,), or None
        The whole-data fits at every grid value (problem-major) of warm-started models.
    """
    scoring = getattr(model, "scoring", "accuracy")
    folds = stratified_fold_ids(batch, k, rng)
    B = folds.shape[0]
    G = grid.size
    out_loss = np.empty((B, G))
    out_acc = np.empty((B, G))
    out_score = np.empty((B, G))
    out_fold = np.empty((B, G, k))
    tol = model.cv_tol
    full_fits: list[dict] = []
    per_problem = G * k * batch.X[0].size * 8 * 3
    chunk = max(1, int(CV_CHUNK_BYTES // max(per_problem, 1)))
    for start in range(0, B, chunk):
        sl = slice(start, min(B, start + chunk))
        nb = sl.stop - sl.start
        X = batch.X[sl] if batch.X.shape[0] > 1 else batch.X
        s = batch.s[sl] if batch.s.shape[0] > 1 else batch.s
        f = folds[sl]  # (nb, T, N)
        held = f[:, None, :, :] == np.arange(k)[None, :, None, None]  # (nb, k, T, N)
        real = batch.mask[sl] if batch.mask.shape[0] > 1 else batch.mask
        train_w = _normalize(real[:, None] & ~held)
        # batch order: problem, grid value, fold
        rep = lambda a: np.broadcast_to(a[:, None], (a.shape[0], G) + a.shape[1:]).reshape((-1,) + a.shape[2:])
        Xr = np.broadcast_to(X[:, None, None], (X.shape[0], G, k) + X.shape[1:]).reshape((-1,) + X.shape[1:]) if X.shape[0] > 1 else X
        sr = np.broadcast_to(s[:, None, None], (s.shape[0], G, k) + s.shape[1:]).reshape((-1,) + s.shape[1:]) if s.shape[0] > 1 else s
        sub = TaskBatch(Xr, sr, rep(train_w), np.ones_like(sr, dtype=bool))
        hp = model.batch_hyperparams(nb * G * k, 0.0)
        hp[model.strength_param] = np.broadcast_to(grid[None, :, None], (nb, G, k)).reshape(-1).astype(float)
        if model.cv_warm_start:
            # batch order: problem, grid value
            full_w = np.broadcast_to(_normalize(real), (nb,) + real.shape[1:])
            rep_g = lambda a: np.broadcast_to(a[:, None], (a.shape[0], G) + a.shape[1:]).reshape((-1,) + a.shape[1:])
            hp_full = model.batch_hyperparams(nb * G, 0.0)
            hp_full[model.strength_param] = np.broadcast_to(grid[None, :], (nb, G)).reshape(-1).astype(float)
            if X.shape[0] == 1 and s.shape[0] == 1 and _overhead_bound(sub):
                # Small problems: an iteration costs about the same whatever the batch holds, so the
                # whole-data and fold fits run as one batch from zero (fewer iterations in all than
                # whole-data fits followed by warm-started folds).
                both = TaskBatch(X, s, np.concatenate([rep_g(full_w), sub.sw]), sub.mask)
                hp_both = {name: np.concatenate([hp_full[name], hp[name]]) for name in hp}
                fitted, _, _ = model.fit_batch(both, hp_both, tol=tol)
                full_fits.append({name: v[: nb * G] for name, v in fitted.items()})
                params = {name: v[nb * G:] for name, v in fitted.items()}
            else:
                full = TaskBatch(rep_g(X) if X.shape[0] > 1 else X, rep_g(s) if s.shape[0] > 1 else s, rep_g(full_w),
                                 np.ones((1,) + s.shape[1:], dtype=bool))
                start, _, _ = model.fit_batch(full, hp_full, tol=tol)
                full_fits.append(start)
                init = {name: np.repeat(v, k, axis=0) for name, v in start.items()}
                params, _, _ = model.fit_batch(sub, hp, tol=tol, init=init)
        else:
            params, _, _ = model.fit_batch(sub, hp, tol=tol)
        z = model.decision_batch(params, Xr)  # (nb*G*k, T, N)
        vw = rep(held.astype(float)).reshape(nb, G, k, *held.shape[2:])
        sample_loss = log1pexp(-sr * z).reshape(nb, G, k, *z.shape[1:])
        # Pool each task's held-out predictions over folds (every sample is held out by at
        # most one fold), score every task, then average over tasks.
        held_z = np.sum(np.where(vw > 0, z.reshape(nb, G, k, *z.shape[1:]), 0.0), axis=2)  # (nb, G, T, N)
        held_w = vw.sum(axis=2)
        s4 = s[:, None]  # (nb or 1, 1, T, N)
        task_acc = score_rows("accuracy", held_z, s4, held_w)  # (nb, G, T), NaN: nothing held out
        task_loss = score_rows("log_loss", held_z, s4, held_w)
        task_score = task_acc if scoring == "accuracy" else score_rows(scoring, held_z, s4, held_w)
        out_acc[sl] = task_mean(task_acc)
        out_loss[sl] = task_mean(task_loss)
        out_score[sl] = task_mean(task_score)
        fold_count = vw.sum(axis=(3, 4))
        out_fold[sl] = np.sum(vw * sample_loss, axis=(3, 4)) / np.where(fold_count > 0, fold_count, np.nan)
    joined = {name: np.concatenate([f[name] for f in full_fits]) for name in full_fits[0]} if full_fits else None
    return out_loss, out_acc, out_score, out_fold, joined


def evidence_scores_batch(
    model, batch: TaskBatch, grid: np.ndarray, wanted: np.ndarray | None = None
) -> np.ndarray:
    """Log-evidence of every problem x grid value, shape (B, G) (NaN where not ``wanted``).

    The model scores each problem's whole training data at the grid values
    ``wanted`` (a (B, G) mask, default all), as one batch (problem-major), with its
    ``log_evidence_batch`` (see `mtl_core.models.evidence`); no sample is held out
    and no fit is needed.
    """
    B, G = batch.n_batch, grid.size
    wanted = np.ones((B, G), dtype=bool) if wanted is None else wanted
    rows, cols = np.nonzero(wanted)
    out = np.full((B, G), np.nan)
    if rows.size == 0:
        return out
    pick = lambda a: a if a.shape[0] == 1 else a[rows]
    sub = TaskBatch(pick(batch.X), pick(batch.s), batch.sw[rows], pick(batch.mask))
    hp = model.batch_hyperparams(rows.size, 0.0)
    hp[model.strength_param] = grid[cols].astype(float)
    out[rows, cols] = model.log_evidence_batch(sub, hp)
    return out


def select_strength_batch(
    model, batch: TaskBatch, grid: np.ndarray | None = None, seed: int | None = None
) -> tuple[np.ndarray, dict]:
    r"""The automatic strength of every problem in ``batch``, shape (B,), and the curves behind it.

    By the model's ``selection`` (``"cv"`` for models without one) and ``scoring``
    (``"accuracy"`` for models without one; see the module docstring):

    - ``"cv"``: the best held-out score of stratified k-fold cross-validation
      (averaged over the model's ``cv_repeats`` fold assignments, 1 by default);
      ties, frequent on small folds, go to the weakest strength.
    - ``"evidence"``: the highest evidence of the whole training data
      (`evidence_scores_batch`); no sample is held out.
    - ``"evidence+cv"``: the highest evidence among the strengths tied at the
      best cross-validated score: the evidence places the strength between
      STL and pooling where held-out accuracy cannot tell (few samples per task:
      ties are frequent), and cross-validation vetoes a strength that predicts
      worse (sharing between unrelated tasks). Widening the candidates to half a
      binomial standard error of the best gained up to a point on related tasks
      but cost unrelated ones 1.6 points at 10 samples in 10 features
      (bench/bench_auto_strength.py); ties only keep them within a point of STL.
      Where no task has 2 samples of a class to hold out (of each class, for
      ``"roc_auc"`` and ``"balanced_accuracy"``), the evidence alone decides.

    Returns
    -------
    best : ndarray of shape (B,)
    results : dict
        ``method``, ``grid`` (G,); ``log_evidence`` (B, G) for the evidence rules (with
        ``"evidence+cv"``, NaN except at the candidates of problems with several);
        ``mean_accuracy``, ``mean_loss``, ``std_loss``, ``mean_score`` (B, G), ``scoring``
        (its name) and ``n_folds`` for the CV rules, and ``chosen_fit`` (the whole-data fit
        at ``best``) for warm-started models.
    """
    grid = model.strength_grid() if grid is None else np.asarray(grid, dtype=float)
    method = getattr(model, "selection", "cv")
    scoring = getattr(model, "scoring", "accuracy")
    scoring_name, greater_is_better = check_scoring(scoring)
    res: dict = {"method": method, "grid": grid}
    try:
        k = None if method == "evidence" else n_folds_for(batch, model.cv, model.strength_param, scoring)
    except CrossValidationError:
        if method == "cv":
            raise
        k = None  # too few samples of a class to cross-validate: the evidence alone decides
    if k is None:
        res["log_evidence"] = evidence_scores_batch(model, batch, grid)
        # Ties (flat evidence) go to the weakest strength, as in CV.
        choice = np.argmax(np.round(res["log_evidence"], 9), axis=-1)
        return grid[choice], res
    rng = np.random.default_rng(model.random_state if seed is None else seed)
    runs = [cv_scores_batch(model, batch, grid, k, rng) for _ in range(int(getattr(model, "cv_repeats", 1)))]
    loss = np.mean([r[0] for r in runs], axis=0)
    acc = np.mean([r[1] for r in runs], axis=0)
    score = np.mean([r[2] for r in runs], axis=0)
    fold_loss = np.concatenate([r[3] for r in runs], axis=-1)
    full_fits = runs[0][4]
    if np.any(np.all(np.isnan(score), axis=-1)):
        raise CrossValidationError(
            f"scoring={scoring_name!r} gave no finite held-out score in any task; "
            f"set {model.strength_param} to a number or use another scoring."
        )
    # Rounded so that scores equal up to round-off tie; the sign makes larger better.
    ranked = np.round(score if greater_is_better else -score, 12)
    ranked = np.where(np.isnan(ranked), -np.inf, ranked)
    if method == "evidence+cv":
        candidate = ranked == ranked.max(-1, keepdims=True)
        # The evidence is needed only where cross-validation leaves several candidates.
        log_ev = evidence_scores_batch(model, batch, grid, candidate & (candidate.sum(-1, keepdims=True) > 1))
        choice = np.argmax(np.where(candidate, np.nan_to_num(np.round(log_ev, 9), nan=0.0), -np.inf), axis=-1)
        res.update(candidate=candidate, log_evidence=log_ev)
    else:
        # Best held-out score; ties (frequent on small folds) go to the weakest strength
        # (log-loss as tie-breaker drifts to heavy shrinkage, where the intercept alone decides).
        choice = np.argmax(ranked, axis=-1)
    res.update(mean_loss=loss, std_loss=np.nanstd(fold_loss, axis=-1), mean_accuracy=acc, mean_score=score,
               scoring=scoring_name, n_folds=k)
    if full_fits is not None:
        # The whole-data fit at the chosen value, per problem: a starting point for the final fit.
        rows = np.arange(choice.size) * grid.size + choice
        res["chosen_fit"] = {name: v[rows] for name, v in full_fits.items()}
    return grid[choice], res


def select_strength(model, Xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> dict:
    """Pick ``model``'s strength on one problem, by its ``selection`` rule (see `select_strength_batch`).

    Returns
    -------
    dict
        ``method``, ``parameter`` (the strength's name), ``grid`` (G,) and ``best`` (the
        chosen value); per grid value ``log_evidence`` (G,) for the evidence rules and
        ``mean_loss``, ``std_loss``, ``mean_accuracy``, ``mean_score`` (G,) with ``scoring``
        and ``n_folds`` for the CV rules (``candidate`` (G,): the strengths CV left to the evidence). For
        warm-started models also ``chosen_fit``, the whole-data fit at ``best``
        (parameters with a leading batch axis of 1: the final fit starts there).

    Warns
    -----
    MinorityClassWarning
        When cross-validation ran and a task's minority class has fewer samples
        than folds (`warn_few_minority`).
    """
    batch = pack_tasks(Xs, ys)
    best, res = select_strength_batch(model, batch)
    if res.get("n_folds"):
        pos, neg = _class_counts(batch)
        warn_few_minority((pos[0], neg[0]), res["n_folds"], stacklevel=4)  # select_strength < fit < its caller
    out = {"method": res.pop("method"), "parameter": model.strength_param, "grid": res.pop("grid"), "best": float(best[0])}
    for name, value in res.items():
        out[name] = value if name in ("n_folds", "chosen_fit", "scoring") else value[0]
    return out
