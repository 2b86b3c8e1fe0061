"""One-click classroom scenarios, each with its lesson and a check that the numbers show it.

Every preset sets the whole scenario (seed included), so the class sees the
same pictures every time.  `Preset.check` reads the Compare page's results
table and says whether the lesson is visible; the tests run it for every preset
so an engine change that hides a lesson is noticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .scenario import Scenario


def _gaps(table: pd.DataFrame, model: str) -> np.ndarray:
    """Test-accuracy gap (fraction) of ``model`` vs STL, one per task in task order."""
    acc = table.pivot(index="task", columns="model", values="test_accuracy").sort_index()
    return (acc[model] - acc["STL"]).to_numpy()


def _mtl(table: pd.DataFrame) -> str:
    return next(m for m in table["model"].unique() if m.startswith("MTL"))


def _few_related(table: pd.DataFrame) -> bool:
    mtl = _mtl(table)
    g = _gaps(table, mtl)
    return g.mean() >= 0.03 and (g < 0).sum() <= 1 and g.mean() - _gaps(table, "Pooled").mean() >= 0.02


def _negative_transfer(table: pd.DataFrame) -> bool:
    return _gaps(table, _mtl(table)).mean() <= -0.03 and _gaps(table, "Pooled").mean() <= -0.03


def _plenty(table: pd.DataFrame) -> bool:
    return abs(_gaps(table, _mtl(table)).mean()) <= 0.01


def _outlier(table: pd.DataFrame) -> bool:
    g = _gaps(table, _mtl(table))
    over_pooled = g - _gaps(table, "Pooled")
    related = table.drop_duplicates("task").sort_values("task")["related"].to_numpy()
    # The related tasks gain; the outlier is protected: far above pooling's accuracy on it.
    return g[related].mean() > 0.02 and over_pooled[~related].min() >= 0.05


def _data_poor(table: pd.DataFrame) -> bool:
    g = _gaps(table, _mtl(table))
    # The poor task jumps; the data-rich ones lose nothing on average and none more than about a point
    # (one standard error of an accuracy on 1000 test points is 1.2 points here).
    return g[0] >= 0.04 and g[1:].mean() >= -0.01 and g[1:].min() >= -0.015


def _grouped(table: pd.DataFrame) -> bool:
    # Clustered MTL clearly above STL and above pooling (which forces one boundary on every group);
    # its margin over mean-regularized MTL is checked on the same draws in the tests.
    g = _gaps(table, _mtl(table))
    return g.mean() >= 0.02 and g.mean() - _gaps(table, "Pooled").mean() >= 0.02


def mean_table(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The results tables of several task draws of one scenario, averaged per model and task.

    A preset's lesson must hold on average over other seeds too, not only on its own
    (``preset.check(mean_table(tables))``).
    """
    keys = ["model", "task", "related"]
    return pd.concat(tables).groupby(keys, as_index=False, sort=False)["test_accuracy"].mean()


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    scenario: Scenario
    lesson: str
    check: Callable[[pd.DataFrame], bool]


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in [
        Preset(
            "few_related",
            "Few data, related tasks: MTL wins",
            Scenario(n_tasks=6, n_features=3, relatedness=0.8, n_train=8, intercept_spread=1.0, seed=10),
            "Six related but not identical tasks: similar weights (relatedness 0.8) but each with its own class "
            "balance, and only 8 training samples each in 3 features, so each task alone is starved. STL guesses; "
            "pooling treats the six tasks as one and misses their differences; MTL borrows the shared direction "
            "and keeps each task's own offset and intercept, so it beats both. (With 3 features the boundary "
            "panels show a slice through the plane, with the third feature at its mean.)",
            _few_related,
        ),
        Preset(
            "negative_transfer",
            "Unrelated tasks: negative transfer",
            Scenario(n_tasks=4, n_features=2, relatedness=0.0, n_train=20, intercept_spread=0.0, strength=3.0, seed=1),
            "Four tasks whose true weights are unrelated (relatedness 0). The sharing strength is fixed at "
            "λ = 3, so every task is pulled towards one common weight vector that fits none of them: MTL and "
            "pooling both lose to STL (negative transfer). Switch the strength to *auto*: the tasks disagree, so "
            "the automatic choice turns sharing almost off and MTL ends up close to STL.",
            _negative_transfer,
        ),
        Preset(
            "plenty_of_data",
            "Plenty of data: no difference",
            Scenario(n_tasks=4, n_features=2, relatedness=0.8, n_train=500, intercept_spread=0.0, seed=2),
            "500 training samples per task: every task can be learned well on its own, so sharing has "
            "nothing to add and MTL is as good as STL. Pooling still loses: the tasks are similar, not the same.",
            _plenty,
        ),
        Preset(
            "outlier_task",
            "One outlier task among related ones",
            Scenario(n_tasks=6, n_features=3, n_unrelated=1, relatedness=0.9, n_train=10, intercept_spread=0.5, seed=4),
            "Five related tasks and one unrelated task (task 6), 10 training samples each. The related tasks "
            "gain from sharing. The outlier is protected: MTL pulls it towards the others only as far as the "
            "data allow, so it stays near its STL accuracy (a few points either way), while pooling, which forces "
            "one model on all six, drags it towards chance.",
            _outlier,
        ),
        Preset(
            "data_poor_task",
            "One data-poor task gets help",
            Scenario(n_tasks=5, n_features=3, relatedness=0.9, n_train=60, poor_task_n=6, intercept_spread=0.5, seed=2),
            "Task 1 has only 6 training samples, the other tasks 60 each. MTL lends the data-poor task what the "
            "others learned: its accuracy jumps, while the data-rich tasks lose nothing: none drops by more than "
            "about a point, and on average they even gain a little. Pooling, "
            "which ignores how the tasks differ, costs the data-rich tasks several points.",
            _data_poor,
        ),
        Preset(
            "grouped_tasks",
            "Tasks come in groups: clustered MTL",
            Scenario(n_tasks=12, n_clusters=3, n_features=6, relatedness=0.95, n_train=10, intercept_spread=0.0,
                     model="clustered", seed=18),
            "Twelve tasks in three groups of four: within a group the tasks are nearly the same (relatedness 0.95), "
            "across groups they are unrelated, and each task has only 10 training samples in 6 features. STL "
            "guesses; pooling forces one boundary on all three groups; mean-regularized MTL pulls every task towards "
            "one common mean that fits no group (switch the MTL model to *mean-regularized* to see it lose). "
            "Clustered MTL lets the tasks of a group share with each other and beats all three. The *Task weights* "
            "tab and the Models page show the groups it found (most tasks in the right group, not always all: 10 "
            "samples per task leave some doubt).",
            _grouped,
        ),
    ]
}


def matching_preset(scenario: Scenario) -> Preset | None:
    """The preset whose lesson ``scenario`` is still in: the same tasks and the same MTL model.

    The sharing strength may differ: lessons ask the class to change it (switch to
    auto, move λ), and the lesson's banner must stay while they do.
    """
    key = scenario.mtl_key()
    for preset in PRESETS.values():
        p = preset.scenario
        pk = p.mtl_key()
        if p.task_spec() == scenario.task_spec() and (pk[0], pk[2:]) == (key[0], key[2:]):
            return preset
    return None
