"""Related binary tasks from scikit-learn's bundled handwritten digits ("is it a 3?", ...).

:func:`digits_tasks` is the public entry point (re-exported by
:mod:`mtl_core.datasets`); the helpers below are its steps: check the arguments,
deal the images into disjoint balanced pools, split each pool, and build the
features.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

import numpy as np

from ..taskset import TaskSet
from .limits import MIN_TASK_ROWS
from .splits import allocate, as_count_list, standardize_stats

__all__ = ["digits_tasks"]


@functools.lru_cache(maxsize=1)
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The images' pixels in [0, 1] and their digits, read once and shared read-only by every call."""
    # imported here: scikit-learn is slow to import and only this source needs it
    from sklearn.datasets import load_digits

    bunch = load_digits()
    pixels = np.asarray(bunch.data, dtype=np.float64) / 16.0  # 0..16 -> [0, 1]
    target = np.asarray(bunch.target, dtype=np.int64)
    pixels.setflags(write=False)
    target.setflags(write=False)
    return pixels, target


def _digit_pools(target: np.ndarray, digits: list[int], rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Disjoint, balanced (positives, negatives) image indices for each digit task.

    * With two or more tasks, a random half (rounded down) of the images of each task
      digit are that task's candidate positives; the other half are candidate
      negatives for the *other* tasks.  With a single task, all its digit's images
      are candidate positives.
    * The images of digits without a task are all candidate negatives.
    * Each digit's candidate negatives are dealt in near-equal random chunks to the
      tasks of the other digits, so every task's negatives mix the other digits.
    * Each task then keeps ``m = min(#positives, #negatives)`` random images of each
      kind, so its pool is exactly 50% positive.  No image is in two pools.
    """
    n_tasks = len(digits)
    task_of_digit = {d: t for t, d in enumerate(digits)}
    positives: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * n_tasks
    negatives: list[list[np.ndarray]] = [[] for _ in range(n_tasks)]
    for d in range(10):
        images = rng.permutation(np.flatnonzero(target == d))
        if d in task_of_digit:
            n_pos = len(images) if n_tasks == 1 else len(images) // 2
            positives[task_of_digit[d]] = images[:n_pos]
            rest = images[n_pos:]
            receivers = [t for t in range(n_tasks) if t != task_of_digit[d]]
        else:
            rest = images
            receivers = list(range(n_tasks))
        if not receivers or len(rest) == 0:
            continue
        order = rng.permutation(len(receivers))
        for chunk, r in zip(np.array_split(rest, len(receivers)), order):
            negatives[receivers[r]].append(chunk)
    pools = []
    for t in range(n_tasks):
        neg = np.concatenate(negatives[t]) if negatives[t] else np.empty(0, dtype=np.int64)
        m = min(len(positives[t]), len(neg))
        pools.append((rng.permutation(positives[t])[:m], rng.permutation(neg)[:m]))
    return pools


def digits_tasks(
    n_train: int | Sequence[int] = 20,
    n_test: int | Sequence[int] | None = None,
    digits: Sequence[int] = tuple(range(10)),
    seed: int | None = 0,
    n_components: int | None = None,
) -> TaskSet:
    """Related binary tasks from scikit-learn's handwritten digits: "is it a k?".

    The 1797 8x8 images of ``sklearn.datasets.load_digits`` (bundled with
    scikit-learn, no download) give one task per entry of ``digits``: task ``t``
    asks whether an image shows digit ``digits[t]`` (label 1) or any other digit
    (label 0).

    **Disjoint, balanced pools.**  Tasks never share an image.  With two or more
    tasks, a random half of the images of each task digit are that task's
    positives; the other half, plus all images of digits without a task, are dealt
    out as negatives to the tasks of the *other* digits (near-equal random chunks,
    so each task's negatives mix the other digits).  Each task then keeps as many
    negatives as positives, so every pool is exactly 50% positive (about 175-180
    images per task with all ten digits; a single task keeps all images of its
    digit).  The pool sizes are in ``settings["pool_sizes"]``.

    **Why the tasks are related.**  All tasks are read from the same pen-stroke
    pixels: "is it a 3?" and "is it an 8?" weigh overlapping pixels (the right-hand
    curves), and which pixels carry information at all (the centre, not the empty
    border) is shared by every task.  So a model can borrow strength across tasks,
    while each task still needs its own decision rule.  The true weights and the
    Bayes accuracy are unknown: ``true_coef``, ``true_intercept``,
    ``bayes_accuracy`` and ``true_score`` are None.

    Parameters
    ----------
    n_train : int or sequence of int
        Training images per task (one value for all tasks, or one per task);
        at least 4 and at most the task's pool size minus 2 (so the test set keeps
        both classes).  The train/test split is stratified and seeded.
    n_test : int, sequence of int or None
        Test images per task; None (default) uses the rest of the task's pool.
    digits : sequence of int
        The digits (0-9, no repeats) that get a task, in task order.
    seed : int or None
        Seed of everything random (pools and splits): the same seed gives
        bit-for-bit the same task set.
    n_components : int or None
        If given, project the features onto this many top principal components,
        fitted (numpy SVD) on the union of the training sets only, to keep the
        number of features small (e.g. 16).  The scores are not rescaled (PC1 has
        the largest variance).

    Returns
    -------
    TaskSet
        Features: the 64 pixels scaled to [0, 1], then standardized with the mean
        and std of the union of the training sets (a constant pixel gets std 1),
        then optionally projected.  Labels int64 in {0, 1}.  ``task_names`` like
        "3 vs rest", ``feature_names`` "pixel r,c" (row and column of the 8x8
        image, from 0) or "PC1", "PC2", ...  ``settings`` holds the arguments,
        ``"source": "digits"``, ``"pool_sizes"``, the standardization
        ``"feature_mean"``/``"feature_std"`` (per pixel, in [0, 1] units),
        ``"pca_components"`` (n_components x 64, or None) and ``"train_rows"``/
        ``"test_rows"``: for each task, the indices of its images in
        ``sklearn.datasets.load_digits()`` in the order of X_train/X_test (to show
        the images).

    Raises
    ------
    ValueError
        On bad arguments, e.g. an ``n_train`` too large for a task's pool (the
        message gives the maximum) or below 4.
    """
    digit_list, n_train_list, n_test_list = _check_arguments(n_train, n_test, digits, seed, n_components)
    n_tasks = len(digit_list)
    task_names = [f"{d} vs rest" for d in digit_list]
    pixels, target = _load_digits()
    rng = np.random.default_rng(seed)
    pools = _digit_pools(target, digit_list, rng)
    pool_sizes = [2 * len(pos) for pos, _ in pools]
    _check_sizes(task_names, pool_sizes, n_train_list, n_test_list)
    train_rows, test_rows, y_train, y_test = _split_pools(pools, n_train_list, n_test_list, rng)
    X_train, X_test, feature_names, mean, std, components = _features(pixels, train_rows, test_rows, n_components)

    settings: dict[str, Any] = {
        "source": "digits",
        "n_train": n_train_list,
        "n_test": [len(y) for y in y_test] if n_test_list is None else n_test_list,
        "digits": digit_list,
        "seed": seed,
        "n_components": None if n_components is None else int(n_components),
        "pool_sizes": pool_sizes,
        **_feature_settings(mean, std, components, train_rows, test_rows),
    }
    return TaskSet(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        true_coef=None,
        true_intercept=None,
        bayes_accuracy=None,
        related=np.ones(n_tasks, dtype=bool),
        task_names=task_names,
        feature_names=feature_names,
        settings=settings,
        true_score=None,
    )


def _check_arguments(
    n_train: int | Sequence[int],
    n_test: int | Sequence[int] | None,
    digits: Sequence[int],
    seed: int | None,
    n_components: int | None,
) -> tuple[list[int], list[int], list[int] | None]:
    """The digits, ``n_train`` and ``n_test`` as lists; a ValueError for a bad argument.

    Only what can be checked without the images: the sizes that depend on the
    pools are checked by :func:`_check_sizes`.
    """
    try:
        digit_list = [d for d in digits]
    except TypeError:
        raise ValueError(f"digits must be a sequence of digits 0-9, got {digits!r}.") from None
    if not digit_list:
        raise ValueError("digits must name at least one digit (0-9).")
    for d in digit_list:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)) or not 0 <= d <= 9:
            raise ValueError(f"digits must contain integers from 0 to 9, got {d!r}.")
    digit_list = [int(d) for d in digit_list]
    if len(set(digit_list)) != len(digit_list):
        raise ValueError(f"digits must not repeat a digit, got {digit_list}.")
    n_tasks = len(digit_list)
    n_train_list = as_count_list(n_train, n_tasks, "n_train")
    n_test_list = None if n_test is None else as_count_list(n_test, n_tasks, "n_test")
    if n_components is not None and (
        isinstance(n_components, (bool, np.bool_)) or not isinstance(n_components, (int, np.integer))
    ):
        raise ValueError(f"n_components must be a positive integer or None, got {n_components!r}.")
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"seed must be an integer or None, got {seed!r}.")
    return digit_list, n_train_list, n_test_list


def _feature_settings(
    mean: np.ndarray, std: np.ndarray, components: np.ndarray | None,
    train_rows: list[np.ndarray], test_rows: list[np.ndarray],
) -> dict[str, Any]:
    """The ``settings`` entries that record how `_features` made the features and which images each task has."""
    return {
        "feature_mean": mean.tolist(),
        "feature_std": std.tolist(),
        "pca_components": None if components is None else components.tolist(),
        "train_rows": [r.tolist() for r in train_rows],
        "test_rows": [r.tolist() for r in test_rows],
    }


def _check_sizes(
    task_names: list[str], pool_sizes: list[int], n_train_list: list[int], n_test_list: list[int] | None
) -> None:
    """A ValueError if a task's ``n_train`` or ``n_test`` does not fit its pool."""
    n_tasks = len(task_names)
    for t in range(n_tasks):
        max_train = pool_sizes[t] - 2
        if n_train_list[t] < MIN_TASK_ROWS:
            raise ValueError(
                f'n_train for task "{task_names[t]}" must be at least {MIN_TASK_ROWS}, got {n_train_list[t]}.'
            )
        if n_train_list[t] > max_train:
            raise ValueError(
                f'n_train for task "{task_names[t]}" is {n_train_list[t]}, but its pool has {pool_sizes[t]} '
                f"images: n_train can be at most {max_train} (2 images stay for testing)."
            )
        if n_test_list is not None:
            rest = pool_sizes[t] - n_train_list[t]
            if not 1 <= n_test_list[t] <= rest:
                raise ValueError(
                    f'n_test for task "{task_names[t]}" must be between 1 and {rest} '
                    f"(its pool of {pool_sizes[t]} images minus n_train), got {n_test_list[t]}."
                )


def _split_pools(
    pools: list[tuple[np.ndarray, np.ndarray]],
    n_train_list: list[int],
    n_test_list: list[int] | None,
    rng: np.random.Generator,
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Stratified, seeded splits: ``(train_rows, test_rows, y_train, y_test)``, one array per task.

    Rows are image indices into ``load_digits()``, shuffled; the labels follow them.
    """
    train_rows, test_rows, y_train, y_test = [], [], [], []
    for t, (pos, neg) in enumerate(pools):
        by_class = (neg, pos)  # index = label
        m = len(pos)
        k_train = allocate((m, m), n_train_list[t], lo=(1, 1), hi=(m - 1, m - 1))
        left = [by_class[c][k_train[c]:] for c in (0, 1)]
        if n_test_list is None:
            k_test = (len(left[0]), len(left[1]))
        else:
            k = n_test_list[t]
            sizes = (len(left[0]), len(left[1]))
            lo = (1, 1) if k >= 2 else (0, 0)
            k_test = allocate(sizes, k, lo=lo, hi=sizes)
        tr = np.concatenate([by_class[0][: k_train[0]], by_class[1][: k_train[1]]])
        tr_y = np.repeat(np.array([0, 1], dtype=np.int64), k_train)
        te = np.concatenate([left[0][: k_test[0]], left[1][: k_test[1]]])
        te_y = np.repeat(np.array([0, 1], dtype=np.int64), k_test)
        p_tr, p_te = rng.permutation(len(tr)), rng.permutation(len(te))
        train_rows.append(tr[p_tr])
        y_train.append(tr_y[p_tr])
        test_rows.append(te[p_te])
        y_test.append(te_y[p_te])
    return train_rows, test_rows, y_train, y_test


def _features(
    pixels: np.ndarray, train_rows: list[np.ndarray], test_rows: list[np.ndarray], n_components: int | None
) -> tuple[list[np.ndarray], list[np.ndarray], list[str], np.ndarray, np.ndarray, np.ndarray | None]:
    """Standardized (and optionally projected) features of each task's images.

    Returns ``(X_train, X_test, feature_names, mean, std, components)``; the mean,
    std and principal components are fitted on the union of the training images
    only, so no test image leaks into the features.
    """
    all_train = np.concatenate(train_rows)
    mean, std = standardize_stats(pixels[all_train])
    X_train = [(pixels[rows] - mean) / std for rows in train_rows]
    X_test = [(pixels[rows] - mean) / std for rows in test_rows]
    feature_names = [f"pixel {j // 8},{j % 8}" for j in range(64)]
    components = None
    if n_components is not None:
        n_fit = len(all_train)
        max_components = min(64, n_fit)
        if not 1 <= n_components <= max_components:
            raise ValueError(
                f"n_components must be between 1 and {max_components} (64 pixels, {n_fit} training images), "
                f"got {n_components}."
            )
        Z = np.concatenate(X_train)
        Z = Z - Z.mean(axis=0)
        _, _, vt = np.linalg.svd(Z, full_matrices=False)
        components = vt[: int(n_components)]
        # fix the arbitrary sign of each component: its largest loading is positive
        lead = components[np.arange(len(components)), np.argmax(np.abs(components), axis=1)]
        components = components * np.where(lead < 0, -1.0, 1.0)[:, None]
        X_train = [X @ components.T for X in X_train]
        X_test = [X @ components.T for X in X_test]
        feature_names = [f"PC{j + 1}" for j in range(int(n_components))]
    return X_train, X_test, feature_names, mean, std, components
