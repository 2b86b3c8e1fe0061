"""Cross-validated choice of a model's strength, batched over folds x grid values.

Folds are stratified per task: within every task, the samples of each class are
shuffled and dealt round-robin to the ``k`` folds, so each fold holds out a
share of every task and of both its classes. A fold's fit uses the same padded
features with the held-out samples' weights set to 0, so all ``k x G`` fits
(``G`` grid values) run as one batch. Convex models (``_cv_warm_start``) first
fit the whole training data at every grid value and start each fold's fit from
there: the fold fits reach the same optima in a few iterations instead of
starting from zero (folds hold out only 1/k of the samples). Small problems,
whose iterations cost numpy's per-call overhead rather than arithmetic, fit the
whole data and the folds in one batch from zero instead: fewer iterations in
all, the same whole-data fits. Held-out accuracy and log-loss are
pooled over folds per task and averaged over tasks; the chosen value has the
highest held-out accuracy, ties (frequent on small folds) going to the weakest
strength in the grid.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..batch import TaskBatch, pack_tasks
from ..exceptions import CrossValidationError
from ..loss import log1pexp

# Cap on the padded feature array of one CV batch (bytes), to bound peak memory.
CV_CHUNK_BYTES = 64 * 2**20
# Tolerance of the fits inside CV: predictions, not certificates. Models may set their own
# (``_cv_tol``: Newton's last step squares its error, so its criterion can be looser).
CV_TOL = 1e-6


def n_folds_for(batch: TaskBatch, cv: int, strength: str) -> int:
    """Number of folds: ``cv``, checked against the data.

    A sample is held out only if its class has at least 2 members in its task
    (so every training fold keeps both classes); some tasks may therefore have
    no held-out sample in a fold. At least one held-out sample must exist.
    """
    shape = np.broadcast_shapes(batch.mask.shape, batch.sw.shape)
    mask = np.broadcast_to(batch.mask, shape)
    s = np.broadcast_to(batch.s, shape)
    pos = np.sum(mask & (s > 0), axis=-1)
    neg = np.sum(mask & (s < 0), axis=-1)
    holdable = np.where(pos >= 2, pos, 0) + np.where(neg >= 2, neg, 0)
    if np.any(holdable.sum(-1) == 0):
        raise CrossValidationError(
            f'{strength}="auto" needs at least 2 samples of one class in some task for cross-validation. '
            f"Give the tasks more training samples or set {strength} to a number."
        )
    return int(cv)


def stratified_fold_ids(batch: TaskBatch, k: int, rng: np.random.Generator) -> np.ndarray:
    """Fold index of every sample, shape (B, T, N).

    Within every task and class, samples are shuffled and dealt round-robin to
    the folds from a random starting fold. -1 marks padding and samples that are
    never held out (the only member of their class in their task).
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
) -> tuple[np.ndarray, np.ndarray]:
    """Validation log-loss and accuracy of every problem x grid value x fold.

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
    loss, accuracy : ndarray of shape (B, G)
        Held-out log-loss and accuracy, pooled over folds per task, then averaged over tasks.
    fold_loss : ndarray of shape (B, G, k)
        Mean held-out log-loss of each fold (NaN for an empty fold), for the spread.
    full_fits : dict of ndarray with leading shape (B * G,), or None
        The whole-data fits at every grid value (problem-major) of warm-started models.
    """
    folds = stratified_fold_ids(batch, k, rng)
    B = folds.shape[0]
    G = grid.size
    out_loss = np.empty((B, G))
    out_acc = np.empty((B, G))
    out_fold = np.empty((B, G, k))
    tol = model._cv_tol
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
        hp = model._hyper(nb * G * k, 0.0)
        hp[model._strength] = np.broadcast_to(grid[None, :, None], (nb, G, k)).reshape(-1).astype(float)
        if model._cv_warm_start:
            # batch order: problem, grid value
            full_w = np.broadcast_to(_normalize(real), (nb,) + real.shape[1:])
            rep_g = lambda a: np.broadcast_to(a[:, None], (a.shape[0], G) + a.shape[1:]).reshape((-1,) + a.shape[1:])
            hp_full = model._hyper(nb * G, 0.0)
            hp_full[model._strength] = np.broadcast_to(grid[None, :], (nb, G)).reshape(-1).astype(float)
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
        z = model._decision(params, Xr)  # (nb*G*k, T, N)
        vw = rep(held.astype(float)).reshape(nb, G, k, *held.shape[2:])
        sample_loss = log1pexp(-sr * z).reshape(nb, G, k, *z.shape[1:])
        sample_hit = ((sr * z) > 0).reshape(nb, G, k, *z.shape[1:])
        # Pool each task's held-out predictions over folds, then average over tasks.
        count = vw.sum(axis=(2, 4))  # (nb, G, T)
        has = count > 0
        task_loss = np.sum(vw * sample_loss, axis=(2, 4)) / np.maximum(count, 1)
        task_acc = np.sum(vw * sample_hit, axis=(2, 4)) / np.maximum(count, 1)
        out_loss[sl] = np.sum(task_loss * has, -1) / has.sum(-1)
        out_acc[sl] = np.sum(task_acc * has, -1) / has.sum(-1)
        fold_count = vw.sum(axis=(3, 4))
        out_fold[sl] = np.sum(vw * sample_loss, axis=(3, 4)) / np.where(fold_count > 0, fold_count, np.nan)
    joined = {name: np.concatenate([f[name] for f in full_fits]) for name in full_fits[0]} if full_fits else None
    return out_loss, out_acc, out_fold, joined


def evidence_scores_batch(
    model, batch: TaskBatch, grid: np.ndarray, wanted: np.ndarray | None = None
) -> np.ndarray:
    """Log-evidence of every problem x grid value, shape (B, G) (NaN where not ``wanted``).

    The model scores each problem's whole training data at the grid values
    ``wanted`` (a (B, G) mask, default all), as one batch (problem-major), with its
    ``_log_evidence`` (see `mtl_core.models.evidence`); no sample is held out
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
    hp = model._hyper(rows.size, 0.0)
    hp[model._strength] = grid[cols].astype(float)
    out[rows, cols] = model._log_evidence(sub, hp)
    return out


def select_strength_batch(
    model, batch: TaskBatch, grid: np.ndarray | None = None, seed: int | None = None
) -> tuple[np.ndarray, dict]:
    r"""The automatic strength of every problem in ``batch``, shape (B,), and the curves behind it.

    By the model's ``selection`` (``"cv"`` for models without one):

    - ``"cv"``: the best held-out accuracy of stratified k-fold cross-validation
      (averaged over the model's ``cv_repeats`` fold assignments, 1 by default);
      ties, frequent on small folds, go to the weakest strength.
    - ``"evidence"``: the highest evidence of the whole training data
      (`evidence_scores_batch`); no sample is held out.
    - ``"evidence+cv"``: the highest evidence among the strengths tied at the
      best cross-validated accuracy: the evidence places the strength between
      STL and pooling where held-out accuracy cannot tell (few samples per task:
      ties are frequent), and cross-validation vetoes a strength that predicts
      worse (sharing between unrelated tasks). Widening the candidates to half a
      binomial standard error of the best gained up to a point on related tasks
      but cost unrelated ones 1.6 points at 10 samples in 10 features
      (bench/bench_auto_strength.py); ties only keep them within a point of STL.
      Where no task has 2 samples of a class to hold out, the evidence alone decides.

    Returns
    -------
    best : ndarray of shape (B,)
    results : dict
        ``method``, ``grid`` (G,); ``log_evidence`` (B, G) for the evidence rules (with
        ``"evidence+cv"``, NaN except at the candidates of problems with several);
        ``mean_accuracy``, ``mean_loss``, ``std_loss`` (B, G), ``n_folds`` for the CV rules,
        and ``chosen_fit`` (the whole-data fit at ``best``) for warm-started models.
    """
    grid = model._default_grid() if grid is None else np.asarray(grid, dtype=float)
    method = getattr(model, "selection", "cv")
    res: dict = {"method": method, "grid": grid}
    try:
        k = None if method == "evidence" else n_folds_for(batch, model.cv, model._strength)
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
    fold_loss = np.concatenate([r[2] for r in runs], axis=-1)
    full_fits = runs[0][3]
    if method == "evidence+cv":
        candidate = np.round(acc, 12) == np.round(acc, 12).max(-1, keepdims=True)
        # The evidence is needed only where cross-validation leaves several candidates.
        log_ev = evidence_scores_batch(model, batch, grid, candidate & (candidate.sum(-1, keepdims=True) > 1))
        choice = np.argmax(np.where(candidate, np.nan_to_num(np.round(log_ev, 9), nan=0.0), -np.inf), axis=-1)
        res.update(candidate=candidate, log_evidence=log_ev)
    else:
        # Highest held-out accuracy; ties (frequent on small folds) go to the weakest strength
        # (log-loss as tie-breaker drifts to heavy shrinkage, where the intercept alone decides).
        choice = np.argmax(np.round(acc, 12), axis=-1)
    res.update(mean_loss=loss, std_loss=np.nanstd(fold_loss, axis=-1), mean_accuracy=acc, n_folds=k)
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
        ``mean_loss``, ``std_loss``, ``mean_accuracy`` (G,) with ``n_folds`` for the CV
        rules (``candidate`` (G,): the strengths CV left to the evidence). For
        warm-started models also ``chosen_fit``, the whole-data fit at ``best``
        (parameters with a leading batch axis of 1: the final fit starts there).
    """
    best, res = select_strength_batch(model, pack_tasks(Xs, ys))
    out = {"method": res.pop("method"), "parameter": model._strength, "grid": res.pop("grid"), "best": float(best[0])}
    for name, value in res.items():
        out[name] = value if name in ("n_folds", "chosen_fit") else value[0]
    return out
