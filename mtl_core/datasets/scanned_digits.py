"""One question on scikit-learn's handwritten digits, asked of images from six "scanners".

A real case where sharing helps, built only from data that ships with
scikit-learn (no download).  Every task asks the same question, "is this an 8
or a 3?", of its own real handwritten images; what differs between tasks is a
stated, deterministic change of the images, as if each task's images came from a
different scanner (rotated, thicker strokes, blurred, noisy).  So the tasks are
related through the real images and the shared question, and differ through the
transformation: the best weights of two tasks are similar but not equal.  With
few images per task, each task alone guesses; borrowing from the other scanners
helps, and the help fades as every task gets enough images of its own.

:func:`scanned_digits_tasks` is the public entry point (re-exported by
:mod:`mtl_core.datasets`); it reuses the digits source's split and features
(:mod:`.digits`), so both digit sources split and standardize the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy import ndimage

from ..taskset import TaskSet
from .digits import _check_sizes, _feature_settings, _features, _load_digits, _split_pools
from .splits import as_count_list

__all__ = ["NEGATIVE_DIGIT", "POSITIVE_DIGIT", "SCANNERS", "Scanner", "scanned_digits_tasks"]

#: The question every task asks: is the image this digit (label 1) ...
POSITIVE_DIGIT = 8
#: ... or this one (label 0)?  Two digits whose strokes overlap (the right-hand curves), so the
#: question is not trivial on 8x8 images.
NEGATIVE_DIGIT = 3


@dataclass(frozen=True)
class Scanner:
    """One task's change of the images: its name, what it does in words, and the function doing it."""

    name: str
    description: str
    transform: Callable[[np.ndarray, np.random.Generator], np.ndarray]  # (n, 8, 8) in [0, 1] -> (n, 8, 8)


def _rotate(angle: float) -> Callable[[np.ndarray, np.random.Generator], np.ndarray]:
    def rotate(images: np.ndarray, _rng: np.random.Generator) -> np.ndarray:
        return np.clip(ndimage.rotate(images, angle, axes=(2, 1), reshape=False, order=1, mode="constant"), 0.0, 1.0)

    return rotate


def _thicken(images: np.ndarray, _rng: np.random.Generator) -> np.ndarray:
    return ndimage.grey_dilation(images, size=(1, 2, 2))


def _blur(images: np.ndarray, _rng: np.random.Generator) -> np.ndarray:
    return ndimage.gaussian_filter(images, sigma=(0.0, 0.8, 0.8), mode="constant")


def _add_noise(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return images + rng.normal(0.0, 0.25, images.shape)


#: The six scanners, one task each, in task order.
SCANNERS = (
    Scanner("as scanned", "the original images", lambda images, _rng: images),
    Scanner("rotated +20°", "turned 20° anticlockwise (bilinear)", _rotate(20.0)),
    Scanner("rotated −20°", "turned 20° clockwise (bilinear)", _rotate(-20.0)),
    Scanner("thick strokes", "every pixel takes the darkest value of its 2x2 block (grey dilation)", _thicken),
    Scanner("blurred", "Gaussian blur, sigma 0.8 pixel", _blur),
    Scanner("noisy", "Gaussian noise, sd 0.25 of the ink range, added to every pixel", _add_noise),
)


def scanned_digits_tasks(
    n_train: int | list[int] = 10,
    n_test: int | list[int] | None = None,
    seed: int | None = 0,
    n_components: int | None = 16,
) -> TaskSet:
    """Six related tasks: "is it an 8 or a 3?" on disjoint real digit images, each task through its own scanner.

    The images of 3s and 8s in ``sklearn.datasets.load_digits`` (bundled with
    scikit-learn; about 357 images) are dealt at random into six disjoint,
    balanced pools (about 29 of each digit per task).  Task ``t``'s images then
    go through ``SCANNERS[t]``: as scanned, rotated +20°, rotated −20°, thicker
    strokes, blurred, noisy.  The images and their labels are real; the
    scanners are constructed.

    Parameters
    ----------
    n_train : int or list of int
        Training images per task (at least 4, at most the pool size minus 2).
    n_test : int, list of int or None
        Test images per task; None (default) uses the rest of the pool.
    seed : int or None
        Seed of the pools, the split and the noisy scanner's noise.
    n_components : int or None
        As in `digits_tasks`: project onto this many principal components fitted
        on the union of the training images (default 16); None keeps the 64 pixels.

    Returns
    -------
    TaskSet
        Labels 1 for an 8, 0 for a 3; ``task_names`` the scanners' names;
        features as in `digits_tasks` (pixels in [0, 1] after the scanner,
        standardized on the training images, optionally projected).
        ``settings["train_rows"]``/``["test_rows"]``: the images' indices in
        ``load_digits()``; ``settings["scanners"]``: each scanner's description.

    Raises
    ------
    ValueError
        On an ``n_train`` or ``n_test`` that does not fit a pool (the message
        gives the bounds).
    """
    n_tasks = len(SCANNERS)
    n_train_list = as_count_list(n_train, n_tasks, "n_train")
    n_test_list = None if n_test is None else as_count_list(n_test, n_tasks, "n_test")
    pixels, target = _load_digits()
    rng = np.random.default_rng(seed)
    positives = np.array_split(rng.permutation(np.flatnonzero(target == POSITIVE_DIGIT)), n_tasks)
    negatives = np.array_split(rng.permutation(np.flatnonzero(target == NEGATIVE_DIGIT)), n_tasks)
    pools = []
    for pos, neg in zip(positives, negatives):
        m = min(len(pos), len(neg))
        pools.append((pos[:m], neg[:m]))
    pool_sizes = [2 * len(pos) for pos, _ in pools]
    _check_sizes([s.name for s in SCANNERS], pool_sizes, n_train_list, n_test_list)
    train_rows, test_rows, y_train, y_test = _split_pools(pools, n_train_list, n_test_list, rng)

    # Each image belongs to one pool, so one array of scanned pixels indexed by image serves every task.
    scanned = np.array(pixels)
    for scanner, (pos, neg) in zip(SCANNERS, pools):
        images = np.concatenate([pos, neg])
        scanned[images] = scanner.transform(pixels[images].reshape(-1, 8, 8), rng).reshape(len(images), 64)
    X_train, X_test, feature_names, mean, std, components = _features(scanned, train_rows, test_rows, n_components)

    settings: dict[str, Any] = {
        "source": "scanned_digits",
        "question": f"{POSITIVE_DIGIT} (label 1) or {NEGATIVE_DIGIT} (label 0)",
        "scanners": {s.name: s.description for s in SCANNERS},
        "n_train": n_train_list,
        "n_test": [len(y) for y in y_test],
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
        related=np.ones(n_tasks, dtype=bool),
        task_names=[s.name for s in SCANNERS],
        feature_names=feature_names,
        settings=settings,
    )
