"""The presets (`dashboard.presets`): each shows its lesson, on its seed and on average over others; each check can fail."""

import pytest

from dashboard import compute
from dashboard.presets import PRESETS, matching_preset, mean_table


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_shows_its_lesson(key):
    preset = PRESETS[key]
    data = compute.compare_scenario(preset.scenario, with_gd=False)
    assert all(o.ok for o in data.exact.values())
    assert preset.check(data.table), data.table.pivot(index="task", columns="model", values="test_accuracy")
    assert matching_preset(preset.scenario) is preset


#: Seeds other than the presets' own on which every lesson must hold on average.
OTHER_SEEDS = range(100, 110)


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_lesson_holds_on_average_over_other_seeds(key):
    preset = PRESETS[key]
    tables = [compute.compare_scenario(preset.scenario.replace(seed=s), with_gd=False).table for s in OTHER_SEEDS]
    mean = mean_table(tables)
    assert preset.check(mean), mean.pivot(index="task", columns="model", values="test_accuracy")


def test_preset_checks_can_fail():
    """Each check rejects the opposite lesson: a table where MTL equals STL everywhere."""
    table = compute.compare_scenario(PRESETS["few_related"].scenario, with_gd=False).table.copy()
    stl = table[table.model == "STL"].set_index("task")["test_accuracy"]
    flat = table.copy()
    flat["test_accuracy"] = [stl[t] if m != "Pooled" else a for m, t, a in zip(flat.model, flat.task, flat.test_accuracy)]
    for key in ("few_related", "negative_transfer", "outlier_task", "data_poor_task", "grouped_tasks"):
        assert not PRESETS[key].check(flat), key


def test_the_lesson_stays_while_the_class_changes_the_strength_and_ends_when_the_tasks_change():
    preset = PRESETS["negative_transfer"]  # its lesson asks to switch the strength to auto
    assert matching_preset(preset.scenario.replace(strength=None)) is preset
    assert matching_preset(preset.scenario.replace(strength=0.1)) is preset
    assert matching_preset(preset.scenario.replace(seed=preset.scenario.seed + 1)) is None
    assert matching_preset(preset.scenario.replace(model="low_rank")) is None



def _mean_accuracy(scenario) -> tuple[float, str]:
    table = compute.compare_scenario(scenario, with_gd=False).table
    mtl = next(m for m in table["model"].unique() if m.startswith("MTL"))
    return table[table.model == mtl]["test_accuracy"].mean(), mtl


def test_grouped_tasks_clustered_mtl_beats_mean_regularized_on_its_seed_and_on_average():
    """The groups lesson: clustered MTL above mean-regularized MTL on the same draws (the lesson asks the
    class to switch the model and see it), by 2 points on the preset's seed and on average over other seeds."""
    preset = PRESETS["grouped_tasks"].scenario
    gaps = []
    for seed in [preset.seed, *OTHER_SEEDS]:
        clustered, name = _mean_accuracy(preset.replace(seed=seed))
        mean_reg, other = _mean_accuracy(preset.replace(seed=seed, model="mean_regularized"))
        assert "clustered" in name.lower() and "mean-regularized" in other.lower()
        gaps.append(clustered - mean_reg)
    assert gaps[0] >= 0.02, gaps[0]
    assert sum(gaps[1:]) / len(gaps[1:]) >= 0.01, gaps
