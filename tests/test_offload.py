"""The worker-process path of the dashboard (`dashboard.offload`): same answers as in process, errors
reach the caller, a dead worker costs time but not the answer, bad settings fall back to the default."""

from __future__ import annotations

import os

import pandas as pd
import plotly.io as pio
import pytest

from dashboard import offload, views
from dashboard.scenario import Scenario

SMALL = Scenario(n_tasks=3, n_train=12, seed=11)


@pytest.fixture(scope="module")
def pool():
    off = offload.Offloader(1)
    yield off
    off.shutdown()


def _die_in_worker(parent_pid: int) -> str:
    """Kills the worker process it runs in; returns normally in the test process (the fallback)."""
    if os.getpid() != parent_pid:
        os._exit(3)
    return "ran in the test process"


def test_worker_gives_the_same_summary_and_figures_as_in_process(pool):
    remote = pool.run(views.compare_summary, SMALL)
    local = views.compare_summary(SMALL)
    pd.testing.assert_frame_equal(remote.data.table, local.data.table)
    assert remote.sentences == local.sentences and remote.metrics == local.metrics and remote.csv == local.csv
    assert remote.sentences  # a real summary, not an empty one
    spec = pool.run(views.figure_spec, "boundaries", SMALL, None)
    assert pio.to_json(spec, validate=False) == pio.to_json(views.figure_spec("boundaries", SMALL, None), validate=False)
    assert spec["data"] and spec["layout"]["title"]


def test_errors_of_a_job_reach_the_caller(pool):
    with pytest.raises(ValueError, match="gradient-descent"):
        pool.run(views.figure_spec, "loss", SMALL, None)
    # The pool is still usable afterwards.
    assert pool.run(views.compare_summary, SMALL).metrics


def test_a_dead_worker_falls_back_to_this_process_and_the_pool_restarts():
    off = offload.Offloader(1)
    try:
        assert off.run(_die_in_worker, os.getpid()) == "ran in the test process"
        assert off.restarts == 1
        assert off.run(views.compare_summary, SMALL).metrics  # a fresh pool answers
    finally:
        off.shutdown()


def test_no_workers_runs_in_process():
    off = offload.Offloader(0)
    assert off.run(os.getpid) == os.getpid()
    with pytest.raises(ValueError):
        offload.Offloader(-1)


@pytest.mark.parametrize("raw, expected", [("0", 0), ("3", 3), (" 2 ", 2)])
def test_worker_count_from_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv(offload.WORKERS_ENV, raw)
    assert offload.default_workers() == expected


@pytest.mark.parametrize("raw", ["abc", "-1", "1000", "1.5"])
def test_bad_worker_count_warns_and_uses_the_default(monkeypatch, capsys, raw):
    monkeypatch.delenv(offload.WORKERS_ENV, raising=False)
    default = offload.default_workers()
    monkeypatch.setenv(offload.WORKERS_ENV, raw)
    assert offload.default_workers() == default >= 1
    assert offload.WORKERS_ENV in capsys.readouterr().err


def test_summary_prefetches_the_first_tab_figures():
    """The worker builds the first tab's figures with the summary; they are the ones `figure_spec` draws."""
    scenario = SMALL.replace(learning_rate=0.2)  # training fields do not change the figures or their key
    summary = views.compare_summary(scenario, ("boundaries", "accuracy"))
    key = views.figure_key(scenario)
    assert key == views.figure_key(SMALL)
    assert set(summary.figure_specs) == {("boundaries", key, None), ("accuracy", key, None)}
    for name in ("boundaries", "accuracy"):
        assert pio.to_json(summary.figure_specs[(name, key, None)], validate=False) == pio.to_json(
            views.figure_spec(name, SMALL), validate=False
        )
    assert views.compare_summary(scenario).figure_specs == {}  # nothing asked, nothing built


def test_workers_do_not_rerun_the_servers_main_script(tmp_path, monkeypatch):
    """Under Streamlit, ``__main__`` is a stand-in for the app script; spawn must not run it in the workers."""
    import sys
    import types

    marker = tmp_path / "ran.txt"
    script = tmp_path / "fake_app.py"
    script.write_text(f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n")
    stand_in = types.ModuleType("__main__")  # what Streamlit's script runner installs
    stand_in.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", stand_in)
    off = offload.Offloader(1)
    try:
        assert off.run(os.getpid) != os.getpid()  # it did run in a worker
    finally:
        off.shutdown()
    assert not marker.exists()


def test_no_process_support_means_computing_in_process(monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise OSError(38, "Function not implemented")  # e.g. no /dev/shm for the pool's semaphores

    monkeypatch.setattr(offload, "ProcessPoolExecutor", refuse)
    off = offload.Offloader(2)
    assert off.run(os.getpid) == os.getpid()
    assert off.workers == 0
    assert "cannot start worker processes" in capsys.readouterr().err
    assert off.run(os.getpid) == os.getpid()  # and stays so, without a new attempt or warning
    assert capsys.readouterr().err == ""


def test_workers_that_keep_dying_are_given_up(monkeypatch, capsys):
    monkeypatch.setattr(offload, "MAX_RESTARTS", 2)
    off = offload.Offloader(1)
    try:
        for _ in range(2):
            assert off.run(_die_in_worker, os.getpid()) == "ran in the test process"
        assert off.workers == 0 and off.restarts == 2
        assert "died 2 times" in capsys.readouterr().err
        assert off.run(os.getpid) == os.getpid()
    finally:
        off.shutdown()


def _blas_threads() -> list[int]:
    import numpy as np  # noqa: F401  (loads the BLAS library)
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info()]


def test_workers_use_one_blas_thread_each():
    """A worker per core: BLAS's own threads would only oversubscribe the cores."""
    off = offload.Offloader(1)
    try:
        threads = off.run(_blas_threads)
    finally:
        off.shutdown()
    assert threads and all(n == 1 for n in threads), threads


def _sleep_then_mark(seconds: float, marker: str) -> int:
    import time

    time.sleep(seconds)
    with open(marker, "w") as f:
        f.write("ran")
    return os.getpid()


def test_a_caller_that_moves_on_stops_waiting_and_its_queued_job_never_runs(tmp_path):
    import threading
    import time

    off = offload.Offloader(1)
    try:
        off.run(_sleep_then_mark, 0.0, str(tmp_path / "warm"))  # the worker is up
        # The first job holds the only worker, the next two fill the pool's call queue (jobs handed to
        # the workers ahead of time), the last one queues behind them.
        busy = [threading.Thread(target=off.run, args=(_sleep_then_mark, s, str(tmp_path / name)))
                for s, name in ((1.5, "first"), (0.0, "second"), (0.0, "second-b"))]
        for thread in busy:
            thread.start()
            time.sleep(0.2)
        asked = time.monotonic()
        with pytest.raises(offload.JobCancelled):
            off.run(_sleep_then_mark, 0.0, str(tmp_path / "third"), cancelled=lambda: time.monotonic() - asked > 0.2)
        assert time.monotonic() - asked < 1.0  # did not wait for the jobs ahead of it
        for thread in busy:
            thread.join()
        time.sleep(0.3)
        assert (tmp_path / "first").exists() and (tmp_path / "second").exists()
        assert not (tmp_path / "third").exists()  # cancelled before it started
        # A caller that keeps waiting gets its answer.
        assert off.run(_sleep_then_mark, 0.0, str(tmp_path / "fourth"), cancelled=lambda: False) > 0
    finally:
        off.shutdown()


def test_shutdown_without_waiting_stops_a_busy_worker_at_once(tmp_path):
    import threading
    import time

    off = offload.Offloader(1)
    pid = off.run(_sleep_then_mark, 0.0, str(tmp_path / "warm"))
    outcome = []
    caller = threading.Thread(target=lambda: outcome.append(pytest.raises(offload.JobCancelled, off.run, _sleep_then_mark,
                                                                          60.0, str(tmp_path / "long"))))
    caller.start()
    time.sleep(0.3)
    start = time.monotonic()
    off.shutdown(wait=False)
    assert time.monotonic() - start < 5
    caller.join(timeout=5)
    assert not caller.is_alive() and outcome  # the waiting caller was released with JobCancelled
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the worker process is gone
