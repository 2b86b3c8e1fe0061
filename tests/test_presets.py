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
    for key in ("few_related", "negative_transfer", "outlier_task", "data_poor_task"):
        assert not PRESETS[key].check(flat), key


def test_the_lesson_stays_while_the_class_changes_the_strength_and_ends_when_the_tasks_change():
    preset = PRESETS["negative_transfer"]  # its lesson asks to switch the strength to auto
    assert matching_preset(preset.scenario.replace(strength=None)) is preset
    assert matching_preset(preset.scenario.replace(strength=0.1)) is preset
    assert matching_preset(preset.scenario.replace(seed=preset.scenario.seed + 1)) is None
    assert matching_preset(preset.scenario.replace(model="low_rank")) is None
