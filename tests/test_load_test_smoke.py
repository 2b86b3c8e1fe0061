"""Smoke tests of bench/load_test.py: a few sessions against tiny apps on 127.0.0.1.

Each test starts one real ``streamlit run`` server (free port, own process group)
and checks that it is stopped afterwards. Timeouts are generous (CI machines are
slow and shared); the tests usually take a few seconds each.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
pytest.importorskip("websocket")
pytest.importorskip("plotly")

ROOT = Path(__file__).resolve().parents[1]


def _load_module():
    spec = importlib.util.spec_from_file_location("bench_load_test", ROOT / "bench" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


lt = _load_module()


@pytest.fixture(autouse=True)
def _no_leftover_servers():
    yield
    lt._stop_leftover_servers()  # safety net; run_load already stops its server


def _config(app: Path, cwd: Path, **kw) -> "lt.RunConfig":
    # cwd = an empty tmp dir: the test does not depend on the project's .streamlit/config.toml.
    defaults = dict(sessions=3, moves=2, warmup=1, settle=0.3, baseline_window=0.3, rerun_timeout=60.0,
                    connect_timeout=30.0, startup_timeout=90.0, seed=1, cwd=cwd)
    defaults.update(kw)
    return lt.RunConfig(app=app, **defaults)


def _assert_server_gone(result: dict) -> None:
    stop = result["server_stop"]
    assert stop["stopped"], stop
    pid = result["server_pid"]
    assert not Path(f"/proc/{pid}").exists() or lt._is_zombie_or_gone(pid)
    assert not lt.StreamlitServer._group_alive(pid)  # nothing (but zombies) left in its process group


@pytest.mark.app
def test_minimal_app_three_sessions_two_moves(tmp_path):
    result = lt.run_load(_config(lt.MINIMAL_APP, tmp_path), lt.Deadline(180))

    assert result["error"] == ""
    assert result["failures"] == 0, result["failure_reasons"]
    assert result["planned_reruns"] == 3 * (1 + 2)
    assert result["ok_reruns"] == result["reruns"] == result["planned_reruns"]
    assert result["statuses"] == {"FINISHED_SUCCESSFULLY": 9}
    assert len(result["latencies"]["load"]) == 3 and len(result["latencies"]["move"]) == 6
    assert all(ms > 0 for ms in result["latencies"]["load"] + result["latencies"]["move"])
    assert result["load_ms"]["p95"] is not None and result["move_ms"]["max"] >= result["move_ms"]["p50"]
    # Every move picked a new slider value and the chart changed with it.
    assert result["moves_by_slider"] == {"Slope": 6}
    assert result["moves_chart_changed"] == 6
    assert result["rss_peak_mib"] and result["rss_baseline_mib"] and result["rss_peak_mib"] >= result["rss_baseline_mib"]
    _assert_server_gone(result)


@pytest.mark.app
@pytest.mark.slow  # the real app and a worker process: about 5 s
def test_dashboard_with_a_worker_process(monkeypatch):
    """The real app, its fits in one worker process: every rerun answers, and the whole tree stops."""
    monkeypatch.setenv("MTL_WORKERS", "1")
    cfg = _config(lt.REPO_ROOT / "app.py", lt.REPO_ROOT, sessions=2, moves=2,
                  sliders=["Relatedness", "Label noise"])
    result = lt.run_load(cfg, lt.Deadline(240))

    assert result["error"] == ""
    assert result["failures"] == 0, result["failure_reasons"]
    assert result["ok_reruns"] == result["planned_reruns"] == 2 * (1 + 2)
    assert result["moves_chart_changed"] == 4  # new fits, new figures
    assert result["server_processes"] >= 2  # the server and its worker
    _assert_server_gone(result)


@pytest.mark.app
def test_failing_app_is_reported_as_failures(tmp_path):
    app = tmp_path / "failing_app.py"
    app.write_text(
        "import streamlit as st\n"
        "st.slider('x', 0, 10, 5)\n"
        "raise RuntimeError('deliberate failure for the load test')\n"
    )
    result = lt.run_load(_config(app, tmp_path, sessions=2, moves=1, warmup=0), lt.Deadline(180))

    assert result["error"] == ""
    assert result["planned_reruns"] == 4
    assert result["ok_reruns"] == 0
    assert result["failures"] == 4
    reasons = " | ".join(f["reason"] for f in result["failure_reasons"])
    assert "exception element" in reasons
    # The message is redacted when client.showErrorDetails is off in a user/global config.
    assert "deliberate failure" in reasons or "redacted" in reasons
    # The runs themselves finished "successfully": the exception element is what fails them.
    assert result["statuses"] == {"FINISHED_SUCCESSFULLY": 4}
    assert result["server_log"]  # kept for inspection when something failed
    _assert_server_gone(result)
    Path(result["server_log"]).unlink(missing_ok=True)


def test_percentile_and_slider_values():
    assert lt.percentile([], 50) is None
    assert lt.percentile([5.0], 95) == 5.0
    assert lt.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    slider = lt.SliderProto(id="s", label="s", min=0, max=1, step=0.1, data_type=lt.SliderProto.FLOAT, default=[0.5])
    info = lt.SliderInfo("s", "s", "", slider)
    rng = lt.random.Random(0)
    for _ in range(50):
        v = lt.new_slider_value(info, lt.widget_state_from_element("slider", slider), rng).double_array_value.data
        assert len(v) == 1 and 0 <= v[0] <= 1 and v[0] != 0.5
        assert abs(v[0] * 10 - round(v[0] * 10)) < 1e-9  # on the step grid
