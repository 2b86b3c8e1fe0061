"""The command line: output, files, help, and one-line errors with exit status 2."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mtl_core.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(argv):
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue()


def test_compare_prints_per_task_table():
    code, out = run(["compare", "--n-tasks", "3", "--n-train", "12", "--n-test", "200", "--lam", "0.5"])
    assert code == 0
    lines = out.splitlines()
    assert "STL acc" in lines[1] and "MTL (mean-regularized) gap" in lines[1]
    task_rows = [l for l in lines if l.split()[:2] in (["task", "1"], ["task", "2"], ["task", "3"])]
    assert len(task_rows) == 3
    assert any(l.startswith("mean") for l in lines)


def test_compare_csv_matches_engine(tmp_path):
    from mtl_core import MeanRegularizedMTL, SingleTaskLogistic, make_tasks

    path = tmp_path / "cmp.csv"
    code, _ = run(["compare", "--n-tasks", "2", "--n-train", "10,30", "--n-test", "100", "--lam", "0.2",
                   "--models", "stl,meanreg", "--seed", "5", "--out", str(path)])
    assert code == 0
    table = pd.read_csv(path)
    ts = make_tasks(n_tasks=2, n_train=[10, 30], n_test=100, seed=5)
    acc = MeanRegularizedMTL(lam=0.2).fit(ts.X_train, ts.y_train).task_scores(ts.X_test, ts.y_test)
    got = table[table.model == "MTL (mean-regularized)"].sort_values("task").test_accuracy.to_numpy()
    assert got == pytest.approx(acc)
    assert list(table[table.model == "STL"].n_train) == [10, 30]


def test_sweep_writes_tidy_table(tmp_path):
    out_csv = tmp_path / "results.csv"
    summary_csv = tmp_path / "summary.csv"
    code, out = run(["sweep", "--relatedness", "0,1", "--n-train", "5,20", "--repeats", "2", "--n-tasks", "2",
                     "--n-test", "100", "--lam", "1", "--out", str(out_csv), "--summary-out", str(summary_csv), "--no-progress"])
    assert code == 0
    table = pd.read_csv(out_csv)
    assert len(table) == 2 * 2 * 2 * 2 * 2  # rel x n x repeats x models x tasks
    assert set(table.columns) >= {"relatedness", "n_train", "repeat", "model", "task", "test_accuracy"}
    summary = pd.read_csv(summary_csv)
    assert {"gap_mean", "gap_low", "gap_high"} <= set(summary.columns)
    assert "Mean test-accuracy gap" in out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["compare", "--relatedness", "1.5"], "relatedness"),
        (["compare", "--n-tasks", "x"], "--n-tasks"),
        (["compare", "--models", "stl,magic"], "magic"),
        (["sweep", "--n-train", "5,a"], "integers"),
        (["compare", "--label-noise", "0.9"], "label_noise"),
        (["compare", "--n-tasks", "3", "--n-unrelated", "4"], "n_unrelated"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_arguments_one_line_status_2(argv, words, capsys):
    code = main(argv, out=io.StringIO())
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error:") and words in err


def test_module_entry_point_help_documents_options():
    proc = subprocess.run([sys.executable, "-m", "mtl_core", "sweep", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    for option in ("--relatedness", "--n-train", "--repeats", "--out", "--models", "--lam", "--n-tasks", "--label-noise"):
        assert option in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "mtl_core", "compare", "--n-features", "0"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "n_features" in proc.stderr


def test_grouped_tasks_and_clustered_mtl_from_the_command_line(tmp_path):
    from mtl_core import make_tasks
    from mtl_core.models import ClusteredMTL

    path = tmp_path / "groups.csv"
    code, out = run(["compare", "--n-tasks", "6", "--n-clusters", "3", "--n-features", "3", "--n-train", "15",
                     "--n-test", "100", "--lam", "0.3", "--models", "stl,clustered", "--seed", "2", "--out", str(path)])
    assert code == 0 and "clustered" in out.lower()
    ts = make_tasks(n_tasks=6, n_clusters=3, n_features=3, n_train=15, n_test=100, seed=2)
    acc = ClusteredMTL(n_clusters=3, lam=0.3).fit(ts.X_train, ts.y_train).task_scores(ts.X_test, ts.y_test)
    table = pd.read_csv(path)
    got = table[table.model.str.contains("clustered")].sort_values("task").test_accuracy.to_numpy()
    assert got == pytest.approx(acc)  # the same tasks (3 groups) and the same model (3 groups)
