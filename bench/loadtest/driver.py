"""One run: a fresh server, a warm-up, N sessions that load the page and move sliders together, the server stopped.

``run_load`` measures around the sessions (RSS baseline / peak / after, CPU of
the server, the client and the rest of the machine); ``_run_sessions`` drives
the sessions in threads, each walking the same scenario (``_drive_session``).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .client import Rerun, Session
from .common import REPO_ROOT, Deadline, LoadTestError
from .procstats import RssSampler, _loadavg, _mib, cpu_seconds, machine_busy_seconds
from .server import StreamlitServer
from .stats import _summarize_run


@dataclass
class RunConfig:
    app: Path
    sessions: int
    moves: int
    page: str = ""
    query: str = ""
    stagger: float = 0.0
    seed: int = 0
    rerun_timeout: float = 60.0
    connect_timeout: float = 30.0
    startup_timeout: float = 60.0
    warmup: int = 1
    settle: float = 3.0
    baseline_window: float = 1.0
    rss_interval: float = 0.05
    client_cache: bool = True
    sliders: list[str] = field(default_factory=list)
    server_args: list[str] = field(default_factory=list)
    cwd: Path = REPO_ROOT
    label: str = "app"
    round: int = 1


def run_load(cfg: RunConfig, deadline: Deadline | None = None) -> dict[str, Any]:
    """Start a fresh server for ``cfg.app``, run the sessions, stop the server. Returns the result dict."""
    deadline = deadline or Deadline(600)
    server = StreamlitServer(cfg.app, cwd=cfg.cwd, extra_args=cfg.server_args)
    sampler: RssSampler | None = None
    result: dict[str, Any] = {
        "label": cfg.label, "app": str(cfg.app), "sessions": cfg.sessions, "moves": cfg.moves,
        "round": cfg.round, "page": cfg.page, "stagger": cfg.stagger, "seed": cfg.seed,
        "lockstep": cfg.stagger <= 0, "client_cache": cfg.client_cache, "error": "",
        "loadavg_before": _loadavg(),
    }
    sessions: list[Session] = []
    try:
        server.start(deadline, cfg.startup_timeout)
        result["server_pid"], result["port"] = server.pid, server.port
        sampler = RssSampler(server, cfg.rss_interval)
        sampler.start()
        time.sleep(0.3)
        result["rss_cold_mib"] = _mib(sampler.now_kib())

        # Warm-up: the first run imports the app's modules (plotly, numpy, ...) in the server.
        _warm_up(server, cfg, deadline, result)

        t_base0 = time.monotonic()
        time.sleep(deadline.cap(cfg.baseline_window))
        t_base1 = time.monotonic()
        base = sampler.window(t_base0, t_base1)
        result["rss_baseline_mib"] = _mib(sum(base) / len(base)) if base else _mib(sampler.now_kib())

        sessions = [
            Session(server.port, deadline, page=cfg.page, query=cfg.query, rerun_timeout=cfg.rerun_timeout,
                    client_cache=cfg.client_cache, slider_filter=cfg.sliders,
                    rng=random.Random(f"{cfg.seed}-{cfg.round}-{i}"))
            for i in range(cfg.sessions)
        ]
        _measure_sessions(sessions, server, sampler, cfg, deadline, result)

        time.sleep(deadline.cap(cfg.settle))
        t_after = time.monotonic()
        after = sampler.window(t_after - min(1.0, cfg.settle), t_after)
        result["rss_after_mib"] = _mib(sum(after) / len(after)) if after else _mib(sampler.now_kib())
    except LoadTestError as exc:
        result["error"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - report, stop the server, go on with the next run
        import traceback

        result["error"] = f"load test error: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
    except KeyboardInterrupt:  # Ctrl-C / SIGTERM: stop the server (below) and hand back what we have
        result["error"] = "interrupted"
        result["interrupted"] = True
    finally:
        _finish_run(result, server, sampler, sessions)
    return result


def _warm_up(server: StreamlitServer, cfg: RunConfig, deadline: Deadline, result: dict[str, Any]) -> None:
    """Load the page ``cfg.warmup`` times, one session after another (not counted)."""
    warm_ms = []
    for i in range(cfg.warmup):
        s = Session(server.port, deadline, page=cfg.page, query=cfg.query, rerun_timeout=cfg.rerun_timeout,
                    client_cache=cfg.client_cache, rng=random.Random(f"warmup-{cfg.seed}-{i}"))
        try:
            try:
                s.connect(cfg.connect_timeout)
            except Exception as exc:  # noqa: BLE001
                raise LoadTestError(f"warm-up session could not connect: {type(exc).__name__}: {exc}") from exc
            r = s.load()
            warm_ms.append(r.ms)
            if not r.ok:
                result.setdefault("warmup_problems", []).append(r.reason)
            result["pages"] = s.pages
            result["sliders_on_page"] = [x.label for x in s.movable_sliders()]
        finally:
            s.close()
    result["warmup_ms"] = warm_ms


def _measure_sessions(sessions: list[Session], server: StreamlitServer, sampler: RssSampler, cfg: RunConfig,
                      deadline: Deadline, result: dict[str, Any]) -> None:
    """Run the sessions; record the CPU they cost (server, client, rest of the machine) and the peak RSS."""
    cpu0 = cpu_seconds(server.tree())
    main_cpu0 = cpu_seconds([server.pid])
    busy0 = machine_busy_seconds()
    client_cpu0 = time.process_time()
    t_sess0 = time.monotonic()
    _run_sessions(sessions, cfg, deadline)
    t_sess1 = time.monotonic()
    result["server_processes"] = len(server.tree())  # the server and its workers (summed in CPU and RSS)
    result["server_cpu_s"] = round(cpu_seconds(server.tree()) - cpu0, 3)
    # The server process alone (its worker processes make up the rest of server_cpu_s).
    result["server_main_cpu_s"] = round(cpu_seconds([server.pid]) - main_cpu0, 3)
    result["client_cpu_s"] = round(time.process_time() - client_cpu0, 3)
    result["sessions_wall_s"] = round(t_sess1 - t_sess0, 3)
    busy1 = machine_busy_seconds()
    if busy0 is not None and busy1 is not None and t_sess1 > t_sess0:
        # CPU used by everything else on the machine while the sessions ran, as a share of all CPUs.
        other = max(0.0, (busy1 - busy0) - result["server_cpu_s"] - result["client_cpu_s"])
        result["other_cpu_share"] = round(other / ((t_sess1 - t_sess0) * (os.cpu_count() or 1)), 3)
    for s in sessions:
        s.close()
    peak = sampler.window(t_sess0, time.monotonic())
    result["rss_peak_mib"] = _mib(max(peak)) if peak else None


def _finish_run(result: dict[str, Any], server: StreamlitServer, sampler: RssSampler | None,
                sessions: list[Session]) -> None:
    """Stop everything (also after errors), summarize the run; keep the server log only if something failed."""
    for s in sessions:
        s.abort()
    if sampler is not None:
        sampler.stop()
    result["loadavg_after"] = _loadavg()
    result["server_stop"] = server.stop()
    result["server_log"] = str(server.log_path) if server.log_path else ""
    _summarize_run(result, sessions)
    if not result["failures"] and not result["error"] and server.log_path:
        try:
            server.log_path.unlink()
            result["server_log"] = ""
        except OSError:
            pass


def _run_sessions(sessions: list[Session], cfg: RunConfig, deadline: Deadline) -> None:
    """All sessions in threads: connect, load together (barrier), then move K times."""
    n = len(sessions)
    barrier = threading.Barrier(n)
    barrier_timeout = cfg.rerun_timeout + cfg.connect_timeout

    def sync() -> None:
        try:
            barrier.wait(timeout=deadline.cap(barrier_timeout) or 0.01)
        except threading.BrokenBarrierError:
            pass  # someone timed out: carry on unsynchronised

    threads = [threading.Thread(target=_drive_session, args=(s, cfg, deadline, sync), name=f"session-{i}", daemon=True)
               for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=deadline.remaining() + 5)
    if any(t.is_alive() for t in threads):  # global timeout: unblock everyone
        barrier.abort()
        for s in sessions:
            s.abort()
        for t in threads:
            t.join(timeout=10)


def _drive_session(s: Session, cfg: RunConfig, deadline: Deadline, sync: Callable[[], None]) -> None:
    """One student (a thread of ``_run_sessions``): connect, load the page, move a slider ``cfg.moves`` times."""
    try:
        try:
            s.connect(cfg.connect_timeout)
        except Exception as exc:  # noqa: BLE001
            s.dead_reason = f"connect failed: {type(exc).__name__}: {exc}"
        sync()  # the whole class opens the page at the same moment
        if s.alive:
            s.load()
        else:
            s.reruns.append(Rerun("load", reason=s.dead_reason))
        for _ in range(cfg.moves):
            if cfg.stagger > 0:
                time.sleep(deadline.cap(s.rng.uniform(0, cfg.stagger)))
            else:
                sync()  # everyone moves a slider at the same moment
            if deadline.expired():
                s.reruns.append(Rerun("move", reason="global --timeout reached"))
            elif s.alive:
                s.move()
            else:
                s.reruns.append(Rerun("move", reason=f"session unusable after an earlier failure ({s.dead_reason})"))
    except Exception as exc:  # noqa: BLE001 - never let a thread die silently
        s.reruns.append(Rerun("move", reason=f"client error: {type(exc).__name__}: {exc}"))
        s._die(f"client error: {exc}")
    finally:
        s.close()
