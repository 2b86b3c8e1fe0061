"""The app's command line (`dashboard.cli`, ``python -m dashboard export``): figure files, one-line errors, status 2.

The engine's command line (`mtl_core.cli`) is tested in test_cli.py."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_dashboard_command_line_exports_a_scenario(tmp_path):
    from dashboard.cli import main

    out = io.StringIO()
    code = main(["export", "--n-tasks", "3", "--n-train", "10", "--n-test", "100", "--model", "lowrank", "--lam", "0.05",
                 "--format", "html", "--out-dir", str(tmp_path)], out=out)
    assert code == 0, out.getvalue()
    files = sorted(tmp_path.iterdir())
    assert files and all(f.suffix == ".html" and f.stat().st_size > 1000 for f in files)
    assert "MTL (low-rank)" in files[0].read_text()
    assert "wrote" in out.getvalue()


def test_dashboard_command_line_bad_arguments_one_line_status_2(capsys):
    from dashboard.cli import main

    assert main(["export", "--model", "stl"], out=io.StringIO()) == 2  # a baseline is not an MTL model
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error:") and "--model" in err
    proc = subprocess.run([sys.executable, "-m", "mtl_core", "export"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr  # moved to python -m dashboard export
