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
    g = _gaps(table, _mtl(table))
    return g.mean() >= 0.03 and (g < 0).sum() <= 1


def _negative_transfer(table: pd.DataFrame) -> bool:
    return _gaps(table, _mtl(table)).mean() <= -0.03 and _gaps(table, "Pooled").mean() <= -0.03


def _plenty(table: pd.DataFrame) -> bool:
    return abs(_gaps(table, _mtl(table)).mean()) <= 0.01


def _outlier(table: pd.DataFrame) -> bool:
    g = _gaps(table, _mtl(table))
    related = table.drop_duplicates("task").sort_values("task")["related"].to_numpy()
    return g[related].mean() > 0.02 and g[~related].max() <= -0.05


def _data_poor(table: pd.DataFrame) -> bool:
    g = _gaps(table, _mtl(table))
    return g[0] >= 0.05 and abs(g[1:].mean()) <= 0.02


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
            Scenario(n_tasks=6, relatedness=0.95, n_train=8, seed=2),
            "Six nearly identical tasks (relatedness 0.95) with only 8 training samples each. Alone, each "
            "task's boundary is a guess; MTL borrows strength from the other tasks and every task gains. "
            "Pooling wins here too because the tasks are almost the same task: the *Unrelated tasks* preset "
            "shows when it does not.",
            _few_related,
        ),
        Preset(
            "negative_transfer",
            "Unrelated tasks: negative transfer",
            Scenario(n_tasks=4, relatedness=0.0, n_train=20, strength=3.0, seed=1),
            "Four tasks whose true weights are unrelated (relatedness 0). The sharing strength is fixed at "
            "λ = 3, so every task is pulled towards one common weight vector that fits none of them: MTL and "
            "pooling both lose to STL (negative transfer). Switch the strength to *auto*: cross-validation "
            "sees that the tasks disagree and turns sharing almost off, and MTL ends up close to STL.",
            _negative_transfer,
        ),
        Preset(
            "plenty_of_data",
            "Plenty of data: no difference",
            Scenario(n_tasks=4, relatedness=0.8, n_train=500, seed=2),
            "500 training samples per task: every task can be learned well on its own, so sharing has "
            "nothing to add and MTL is as good as STL. Pooling still loses: the tasks are similar, not the same.",
            _plenty,
        ),
        Preset(
            "outlier_task",
            "One outlier task among related ones",
            Scenario(n_tasks=6, n_unrelated=1, relatedness=0.95, n_train=15, strength=1.0, seed=13),
            "Five related tasks and one unrelated task (task 6). With the sharing strength fixed at λ = 1 "
            "the related tasks gain, while the outlier is pulled towards the others and loses. Pooling, which "
            "shares everything, hurts the outlier even more.",
            _outlier,
        ),
        Preset(
            "data_poor_task",
            "One data-poor task gets help",
            Scenario(n_tasks=5, relatedness=0.95, n_train=60, poor_task_n=5, seed=8),
            "Task 1 has only 5 training samples, the other tasks 60 each. MTL lends the data-poor task what "
            "the others learned: its accuracy jumps, while the data-rich tasks stay about where they were.",
            _data_poor,
        ),
    ]
}


def matching_preset(scenario: Scenario) -> Preset | None:
    """The preset whose scenario equals ``scenario`` in everything that changes the numbers."""
    for preset in PRESETS.values():
        p = preset.scenario
        if p.data_key() == scenario.data_key() and p.mtl_key() == scenario.mtl_key():
            return preset
    return None
