r"""Synthetic families of related binary classification tasks.

`make_tasks` draws ``T`` binary tasks over the same ``d`` Gaussian features whose
true weight vectors are similar to a controllable degree, and returns them as a
`~mtl_core.taskset.TaskSet` with the ground truth attached (true weights,
intercepts, decision scores and the Bayes-optimal accuracy of every task).

Construction
------------
Let ``k`` be the dimension of the true weights (``k = d`` for the linear family,
``k = m = n_shared_features`` for the nonlinear one).

*Shared direction.*  ``u0`` is drawn uniformly on the unit sphere of
:math:`\mathbb{R}^k`.

*Related tasks.*  Task ``t`` gets

.. math::

    w_t = \cos(\theta_t)\, u_0 + \sin(\theta_t)\, e_t,
    \qquad \theta_t \sim \mathcal{U}(-a, a),

where ``e_t`` is a unit vector uniformly distributed in the orthogonal complement
of ``u0`` (in 2-D this is ``±v`` with a random sign, ``v ⟂ u0``), all draws
independent.  Then :math:`\|w_t\| = 1` and, for two related tasks ``s != t``,

.. math::

    \mathbb{E}[w_s \cdot w_t]
    = \mathbb{E}[\cos\theta_s]\,\mathbb{E}[\cos\theta_t]
      + \mathbb{E}[\sin\theta_s]\,\mathbb{E}[\sin\theta_t]\,\mathbb{E}[e_s \cdot e_t]
    = \Big(\frac{\sin a}{a}\Big)^2,

because :math:`u_0 \perp e_t` and :math:`\mathbb{E}[\sin\theta] = 0` (``theta``
is symmetric).  Choosing ``a`` in ``[0, pi]`` with :math:`\sin(a)/a =
\sqrt{\rho}` makes the expected cosine similarity exactly the requested
``relatedness`` :math:`\rho`, in every dimension ``k >= 2`` (``a = 0`` for
``rho = 1``: all related tasks share ``u0``; ``a = pi`` for ``rho = 0``).

*Unrelated tasks* (the last ``n_unrelated``) have ``w_t`` uniform on the unit
sphere, independent of ``u0``; their expected cosine with any other task is 0.

*Groups of tasks* (``n_clusters = c > 1``).  The related tasks are split into
``c`` contiguous groups of sizes as even as possible (task ``t`` of the ``R``
related ones is in group ``floor(t c / R)``); group ``g`` has its own shared
direction ``u_g``, uniform on the sphere and independent of the others (``u_0``
is the direction above), and its tasks are drawn around ``u_g`` as above.  So
``relatedness`` is the expected cosine of two tasks of one group, and two tasks
of different groups have expected cosine 0 (their directions are independent
and symmetric).  The extra directions are drawn after every task's angle and
direction, so ``n_clusters = 1`` draws exactly the tasks it always drew.

*Intercepts.*  ``p_t = Phi(Phi^{-1}(class_balance) + intercept_spread * z_t)``
with ``z_t ~ N(0, 1)``, clipped to ``[0.05, 0.95]``, is the probability of the
clean class 1.  For the linear family the score ``w_t . x`` is ``N(0, 1)``, so
``b_t = Phi^{-1}(p_t)``.

*Labels.*  ``x ~ N(0, I_d)``; the clean label is ``1[score_t(x) > 0]`` and each
label (train and test) is flipped independently with probability
``label_noise``.  Since the clean label is a deterministic function of ``x``,
the Bayes-optimal accuracy of every task is exactly ``1 - label_noise``.

*Nonlinear family.*  All tasks share the fixed representation
``phi(x) = tanh(x @ R + c)`` with ``R`` of shape ``(d, m)``, entries
``N(0, (2 / sqrt(d))**2)`` (pre-activations have standard deviation 2, so the
tanh saturates and is genuinely nonlinear) and ``c ~ N(0, 0.5**2)``.  The task
weights ``w_t`` live in ``R^m`` (same construction as above) and
``score_t(x) = phi(x) @ w_t + b_t`` with ``b_t`` minus the ``(1 - p_t)``-quantile
of ``phi(x) @ w_t`` over a reference sample of 20000 points.  The decision
boundaries are curved: no linear model on ``x`` can represent them, while a model
with one shared hidden layer of ``m`` tanh units can, exactly.

Randomness and stability
------------------------
Everything comes from one ``np.random.default_rng(seed)`` created inside the
call, in a fixed order: ground truth (``u0``, per-task angles and directions,
intercept draws, then the nonlinear representation), then all test sets, then all
training sets.  Hence the same arguments give a bit-for-bit identical `TaskSet`;
moving the ``relatedness``, ``n_unrelated``, ``class_balance`` or
``intercept_spread`` sliders morphs the same tasks continuously rather than
redrawing them, and changing ``n_train`` leaves the truth and the test sets
untouched.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from mtl_core.taskset import TaskSet

__all__ = ["make_tasks", "relatedness_angle", "TrueScore", "FAMILIES"]

#: Task families understood by `make_tasks`.
FAMILIES = ("linear", "nonlinear")

_MIN_POSITIVE_RATE = 0.05
_MAX_POSITIVE_RATE = 0.95
_MAX_REDRAWS = 1000
_N_REFERENCE = 20_000
_HIDDEN_SCALE = 2.0
_HIDDEN_BIAS_SCALE = 0.5


# ----------------------------------------------------------------------------- ground truth


class TrueScore:
    """Picklable ``true_score(X, task)`` of a synthetic task set.

    Parameters
    ----------
    coef : ndarray of shape (n_tasks, k)
        True weights (``k = d`` linear, ``k = m`` nonlinear).
    intercept : ndarray of shape (n_tasks,)
        True intercepts.
    hidden_weights, hidden_bias : ndarray of shape (d, m) and (m,), optional
        Shared representation ``tanh(X @ hidden_weights + hidden_bias)`` of the
        nonlinear family; None for the linear family.
    """

    def __init__(
        self,
        coef: np.ndarray,
        intercept: np.ndarray,
        hidden_weights: np.ndarray | None = None,
        hidden_bias: np.ndarray | None = None,
    ) -> None:
        self.coef = coef
        self.intercept = intercept
        self.hidden_weights = hidden_weights
        self.hidden_bias = hidden_bias

    @property
    def n_features(self) -> int:
        if self.hidden_weights is None:
            return int(self.coef.shape[1])
        return int(self.hidden_weights.shape[0])

    def features(self, X: np.ndarray) -> np.ndarray:
        """Representation the true weights act on (``X`` itself for the linear family)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X must have shape (n, {self.n_features}), got {X.shape}")
        if self.hidden_weights is None:
            return X
        return np.tanh(X @ self.hidden_weights + self.hidden_bias)

    def __call__(self, X: np.ndarray, task: int) -> np.ndarray:
        """True decision score of ``task`` on ``X`` (positive: clean class 1)."""
        n_tasks = self.coef.shape[0]
        if isinstance(task, bool) or not isinstance(task, numbers.Integral) or not 0 <= task < n_tasks:
            raise ValueError(f"task must be an integer in [0, {n_tasks - 1}], got {task!r}")
        return self.features(X) @ self.coef[task] + self.intercept[task]

    def __repr__(self) -> str:
        family = "linear" if self.hidden_weights is None else "nonlinear"
        return f"TrueScore({family}, n_tasks={self.coef.shape[0]})"


def relatedness_angle(relatedness: float) -> float:
    """Half-width ``a`` in ``[0, pi]`` of the angle distribution: ``sin(a)/a = sqrt(relatedness)``.

    Parameters
    ----------
    relatedness : float in [0, 1]

    Returns
    -------
    float
        ``0`` for ``relatedness == 1``, ``pi`` for ``relatedness == 0``.

    Examples
    --------
    >>> import math
    >>> a = relatedness_angle(0.5)
    >>> round((math.sin(a) / a) ** 2, 12)
    0.5
    """
    relatedness = _check_real("relatedness", relatedness, 0.0, 1.0)
    if relatedness == 1.0:
        return 0.0
    if relatedness == 0.0:
        return math.pi
    target = math.sqrt(relatedness)

    def excess(a: float) -> float:  # sin(a) / a - target, decreasing on [0, pi]
        return (1.0 if a == 0.0 else math.sin(a) / a) - target

    # in floating point the bracket can fail at the extremes (sqrt(1 - 1e-17) == 1.0, and
    # sin(pi) / pi ~ 4e-17 > sqrt(1e-40)); the exact root is then within rounding of the end
    if excess(0.0) <= 0.0:
        return 0.0
    if excess(math.pi) >= 0.0:
        return math.pi
    return float(brentq(excess, 0.0, math.pi, xtol=1e-15, rtol=4 * np.finfo(float).eps))


def _unit(rng: np.random.Generator, k: int) -> np.ndarray:
    """Uniform random unit vector of R^k."""
    while True:
        v = rng.standard_normal(k)
        norm = np.linalg.norm(v)
        if norm > 1e-12:
            return v / norm


def _group_of_tasks(n_tasks: int, n_unrelated: int, n_clusters: int) -> np.ndarray:
    """Group of every task: contiguous groups of sizes as even as possible, -1 for the unrelated tasks."""
    n_grouped = n_tasks - n_unrelated
    return np.concatenate([np.arange(n_grouped) * n_clusters // n_grouped, np.full(n_unrelated, -1)]).astype(np.int64)


def _true_weights(
    rng: np.random.Generator, n_tasks: int, n_unrelated: int, k: int, relatedness: float, n_clusters: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Unit weight vectors (rows) following the construction of the module docstring, and each task's group."""
    half_width = relatedness_angle(relatedness)
    u0 = _unit(rng, k)
    # one angle draw and one direction draw per task, whatever the task's kind, so that
    # changing relatedness or n_unrelated morphs the same tasks instead of redrawing them
    unit_angles = rng.uniform(-1.0, 1.0, size=n_tasks)
    directions = [_unit(rng, k) for _ in range(n_tasks)]
    # the other groups' shared directions come after every task's draws: one group (the
    # default) draws exactly what it always drew, and more groups keep the same angles
    centres = np.stack([u0] + [_unit(rng, k) for _ in range(n_clusters - 1)])
    group = _group_of_tasks(n_tasks, n_unrelated, n_clusters)
    coef = np.empty((n_tasks, k), dtype=np.float64)
    for t in range(n_tasks):
        direction = directions[t]
        if group[t] < 0:
            coef[t] = direction
            continue
        centre = centres[group[t]]
        ortho = direction - (direction @ centre) * centre
        while np.linalg.norm(ortho) <= 1e-12:  # probability zero
            direction = _unit(rng, k)
            ortho = direction - (direction @ centre) * centre
        ortho /= np.linalg.norm(ortho)
        theta = half_width * unit_angles[t]
        coef[t] = math.cos(theta) * centre + math.sin(theta) * ortho
    return coef, group  # relatedness 1: theta = 0, so the rows of a group equal its direction exactly


# ----------------------------------------------------------------------------- validation


def _check_int(name: str, value: Any, low: int, high: int | None = None, high_label: str = "") -> int:
    if high is None:
        allowed = f"an integer >= {low}"
    else:
        allowed = f"an integer in [{low}, {high_label + '=' if high_label else ''}{high}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be {allowed}, got {value!r} of type {type(value).__name__}")
    value = int(value)
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return value


def _check_real(name: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"{name} must be a number in [{low:g}, {high:g}], got {value!r} of type {type(value).__name__}"
        )
    value = float(value)
    if not low <= value <= high:  # also rejects NaN
        raise ValueError(f"{name} must be in [{low:g}, {high:g}], got {value}")
    return value


def _check_n_train(n_train: Any, n_tasks: int) -> list[int]:
    if isinstance(n_train, (list, tuple, np.ndarray)):
        if np.ndim(n_train) != 1 or len(n_train) != n_tasks:
            raise ValueError(
                f"n_train must be an integer >= 2 or a list of one integer >= 2 per task "
                f"(n_tasks={n_tasks}), got {len(n_train) if np.ndim(n_train) == 1 else np.shape(n_train)} entries"
            )
        return [_check_int(f"n_train[{t}]", n, 2) for t, n in enumerate(n_train)]
    if isinstance(n_train, (bool, np.bool_)) or not isinstance(n_train, numbers.Integral):
        raise ValueError(
            f"n_train must be an integer >= 2 or a list of one integer >= 2 per task, got {n_train!r}"
        )
    return [_check_int("n_train", n_train, 2)] * n_tasks


# ----------------------------------------------------------------------------- sampling


def _both_classes(y: np.ndarray) -> bool:
    return bool(y.min() != y.max())


def _draw_split(
    rng: np.random.Generator,
    score: TrueScore,
    task: int,
    n: int,
    n_features: int,
    label_noise: float,
    need_both: bool,
    what: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` samples of ``task``, redrawing until both classes appear if ``need_both``."""
    for _ in range(_MAX_REDRAWS):
        X = rng.standard_normal((n, n_features))
        flip = rng.random(n) < label_noise
        y = ((score(X, task) > 0) ^ flip).astype(np.int64)
        if not need_both or _both_classes(y):
            return X, y
    raise RuntimeError(
        f"could not draw a {what} set with both classes for task {task + 1} in {_MAX_REDRAWS} tries "
        f"(n={n}); increase the number of samples or move class_balance towards 0.5"
    )


# ----------------------------------------------------------------------------- public API


def make_tasks(
    n_tasks: int = 4,
    n_features: int = 2,
    n_train: int | Sequence[int] = 20,
    n_test: int = 1000,
    relatedness: float = 0.8,
    n_unrelated: int = 0,
    *,
    label_noise: float = 0.1,
    class_balance: float = 0.5,
    intercept_spread: float = 0.0,
    family: str = "linear",
    n_shared_features: int = 8,
    n_clusters: int = 1,
    seed: int = 0,
) -> TaskSet:
    r"""Draw a family of related synthetic binary classification tasks.

    See the module docstring for the full construction; in short, related tasks
    have unit weights ``w_t = cos(theta_t) u0 + sin(theta_t) e_t`` around a shared
    random direction ``u0`` with ``theta_t ~ U(-a, a)``, ``sin(a)/a =
    sqrt(relatedness)``, so that :math:`\mathbb{E}[w_s \cdot w_t] =
    (\sin a / a)^2 = \text{relatedness}` exactly, and labels are
    ``1[score_t(x) > 0]`` flipped with probability ``label_noise``.

    Parameters
    ----------
    n_tasks : int in [1, 20], default 4
        Total number of tasks, including the unrelated ones.
    n_features : int in [2, 50], default 2
        Number of input features ``d``; ``x ~ N(0, I_d)``.
    n_train : int >= 2 or sequence of int >= 2, default 20
        Training samples per task (one value for all tasks, or one per task).
    n_test : int >= 1, default 1000
        Test samples per task.
    relatedness : float in [0, 1], default 0.8
        Expected cosine similarity between the true weights of two related tasks.
    n_unrelated : int in [0, n_tasks], default 0
        The last ``n_unrelated`` tasks get weights uniform on the sphere,
        independent of the shared direction (``related`` is False for them).
    label_noise : float in [0, 0.45], default 0.1
        Probability of flipping each label (train and test); the Bayes-optimal
        accuracy of every task is ``1 - label_noise``.
    class_balance : float in [0.05, 0.95], default 0.5
        Target probability of the clean class 1.
    intercept_spread : float in [0, 2], default 0.0
        Standard deviation of the per-task intercept jitter on the probit scale
        (task positive rates are clipped to [0.05, 0.95]).
    family : {"linear", "nonlinear"}, default "linear"
        ``"linear"``: score ``x @ w_t + b_t``.  ``"nonlinear"``: score
        ``tanh(x @ R + c) @ w_t + b_t`` with a representation shared by all tasks;
        no linear model can represent these boundaries, a model with one shared
        hidden layer can.
    n_shared_features : int in [2, 64], default 8
        Width ``m`` of the shared representation (nonlinear family only; validated
        and recorded always).
    n_clusters : int in [1, n_tasks - n_unrelated], default 1
        Number of groups of related tasks: each group has its own shared
        direction, independent of the other groups' (see the module docstring).
        With every task unrelated only 1 is accepted.
    seed : int >= 0, default 0
        Seed of the single ``np.random.default_rng`` that all randomness comes from.

    Returns
    -------
    TaskSet
        With ``true_coef`` of shape (n_tasks, d) (linear) or (n_tasks, m)
        (nonlinear), ``true_intercept`` (n_tasks,), ``bayes_accuracy`` (n_tasks,)
        equal to ``1 - label_noise``, ``related`` (n_tasks,) bool, a picklable
        ``true_score(X, task)``, ``task_cluster`` (n_tasks,) int, the group of
        every task (-1 for the unrelated ones) and ``settings`` holding every argument
        (``n_train`` as a list with one int per task).  Features are float64,
        labels int64 in {0, 1}; every training set (and every test set with at
        least 2 samples) contains both classes.

    Raises
    ------
    ValueError
        If an argument is out of range or of the wrong type; the message names
        the argument, the allowed range and the value received.
    RuntimeError
        If a task set with both classes cannot be drawn in 1000 tries (only
        conceivable for tiny sets with extreme class balance).

    Examples
    --------
    >>> ts = make_tasks(n_tasks=3, n_features=2, n_train=[10, 20, 30], relatedness=0.9,
    ...                 n_unrelated=1, seed=1)
    >>> ts.n_train, ts.n_test
    ([10, 20, 30], [1000, 1000, 1000])
    >>> ts.task_names
    ['task 1', 'task 2', 'task 3 (unrelated)']
    >>> ts.related.tolist()
    [True, True, False]
    >>> ts.bayes_accuracy.tolist()
    [0.9, 0.9, 0.9]
    >>> score = ts.true_score(ts.X_test[0], 0)
    >>> accuracy = float(np.mean((score > 0) == ts.y_test[0]))
    >>> 0.85 < accuracy < 0.95
    True
    >>> make_tasks(relatedness=1.5)
    Traceback (most recent call last):
    ...
    ValueError: relatedness must be in [0, 1], got 1.5
    """
    n_tasks = _check_int("n_tasks", n_tasks, 1, 20)
    n_features = _check_int("n_features", n_features, 2, 50)
    n_train_list = _check_n_train(n_train, n_tasks)
    n_test = _check_int("n_test", n_test, 1)
    relatedness = _check_real("relatedness", relatedness, 0.0, 1.0)
    n_unrelated = _check_int("n_unrelated", n_unrelated, 0, n_tasks, high_label="n_tasks")
    label_noise = _check_real("label_noise", label_noise, 0.0, 0.45)
    class_balance = _check_real("class_balance", class_balance, _MIN_POSITIVE_RATE, _MAX_POSITIVE_RATE)
    intercept_spread = _check_real("intercept_spread", intercept_spread, 0.0, 2.0)
    if not isinstance(family, str) or family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(map(repr, FAMILIES))}, got {family!r}")
    n_shared_features = _check_int("n_shared_features", n_shared_features, 2, 64)
    n_clusters = _check_int(
        "n_clusters", n_clusters, 1, max(1, n_tasks - n_unrelated), high_label="n_tasks - n_unrelated"
    )
    seed = _check_int("seed", seed, 0)

    rng = np.random.default_rng(seed)
    nonlinear = family == "nonlinear"
    k = n_shared_features if nonlinear else n_features

    # ground truth: weights, then class-1 probabilities, then the shared representation
    coef, task_cluster = _true_weights(rng, n_tasks, n_unrelated, k, relatedness, n_clusters)
    probit = ndtri(class_balance) + intercept_spread * rng.standard_normal(n_tasks)
    probit = np.clip(probit, ndtri(_MIN_POSITIVE_RATE), ndtri(_MAX_POSITIVE_RATE))
    if nonlinear:
        hidden_weights = rng.standard_normal((n_features, k)) * (_HIDDEN_SCALE / math.sqrt(n_features))
        hidden_bias = rng.standard_normal(k) * _HIDDEN_BIAS_SCALE
        reference = TrueScore(coef, np.zeros(n_tasks), hidden_weights, hidden_bias)
        reference_scores = reference.features(rng.standard_normal((_N_REFERENCE, n_features))) @ coef.T
        positive_rate = ndtr(probit)
        intercept = np.array(
            [-np.quantile(reference_scores[:, t], 1.0 - positive_rate[t]) for t in range(n_tasks)],
            dtype=np.float64,
        )
        score = TrueScore(coef, intercept, hidden_weights, hidden_bias)
    else:
        intercept = np.asarray(probit, dtype=np.float64)
        score = TrueScore(coef, intercept)

    # data: all test sets first, so that n_train never changes them
    X_test, y_test = [], []
    for t in range(n_tasks):
        X, y = _draw_split(rng, score, t, n_test, n_features, label_noise, n_test >= 2, "test")
        X_test.append(X)
        y_test.append(y)
    X_train, y_train = [], []
    for t in range(n_tasks):
        X, y = _draw_split(rng, score, t, n_train_list[t], n_features, label_noise, True, "training")
        X_train.append(X)
        y_train.append(y)

    n_related = n_tasks - n_unrelated
    settings: dict[str, Any] = {
        "n_tasks": n_tasks,
        "n_features": n_features,
        "n_train": n_train_list,
        "n_test": n_test,
        "relatedness": relatedness,
        "n_unrelated": n_unrelated,
        "label_noise": label_noise,
        "class_balance": class_balance,
        "intercept_spread": intercept_spread,
        "family": family,
        "n_shared_features": n_shared_features,
        "n_clusters": n_clusters,
        "seed": seed,
    }
    names = [f"task {t + 1}" if t < n_related else f"task {t + 1} (unrelated)" for t in range(n_tasks)]
    if n_clusters > 1:
        names = [f"task {t + 1} (group {g + 1})" if g >= 0 else name for t, (g, name) in enumerate(zip(task_cluster, names))]
    return TaskSet(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        true_coef=coef,
        true_intercept=intercept,
        bayes_accuracy=np.full(n_tasks, 1.0 - label_noise, dtype=np.float64),
        related=np.arange(n_tasks) < n_related,
        task_names=names,
        feature_names=[f"x{j + 1}" for j in range(n_features)],
        settings=settings,
        true_score=score,
        task_cluster=task_cluster,
    )
