"""Run CPU-heavy, picklable work in worker processes, off the Streamlit server's own core.

A Streamlit server is one Python process and runs every session's script in a
thread of it: reruns take turns on the GIL, so a whole class moving sliders at
once queues on one core while the machine's other cores idle. `Offloader.run`
sends a job (a module-level function and picklable arguments, e.g.
`dashboard.views.compare_summary`) to a small process pool and waits for it
without holding the GIL, so the server keeps serving the other sessions'
reruns meanwhile.

Workers: the environment variable ``MTL_WORKERS`` (0 = run everything in the
server process), by default one per core (at most 4): on a 2-core machine under
a class's load, two workers beside the server answered faster than one (the
server's own thread work leaves a core partly idle). The pool starts
on first use (``spawn``: no forked copies of the server's threads) and is
started again if a worker dies; a job whose worker died is run in the server
process instead, so a crash costs time, never the answer. After
``MAX_RESTARTS`` dead pools, or where processes cannot be started at all, the
server computes everything itself (and says so once on stderr). Exceptions
raised by a job (e.g. the engine's ValueError) reach the caller unchanged.
"""

from __future__ import annotations

import atexit
import importlib.machinery
import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

WORKERS_ENV = "MTL_WORKERS"
MAX_WORKERS = 4
#: Pool restarts after dead workers before computing in the server process for good.
MAX_RESTARTS = 5


def default_workers() -> int:
    """Worker processes to use: ``MTL_WORKERS`` if set (0 = none), else one per core (1 to 4)."""
    default = max(1, min(MAX_WORKERS, os.cpu_count() or 1))
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 64:
        print(f"warning: {WORKERS_ENV} must be a whole number from 0 (no worker processes) to 64, "
              f"got {raw!r}; using {default}.", file=sys.stderr)
        return default
    return value


#: Thread pools of the numerical libraries, one thread each in a worker.
_BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_blas_limits: Any = None


def _warm_up() -> None:
    """Set up a new worker: one BLAS thread, and the engine and figure code imported.

    A worker is one process per core; BLAS's own threads on top of that only
    oversubscribe the cores (measured: a third more CPU for the same load test).
    The first job is then as fast as the rest.
    """
    global _blas_limits
    if "numpy" not in sys.modules:
        for name in _BLAS_THREAD_VARIABLES:
            os.environ[name] = "1"
    else:  # numpy came first: limit its pools now
        try:
            from threadpoolctl import threadpool_limits

            _blas_limits = threadpool_limits(limits=1)
        except ImportError:  # pragma: no cover - scikit-learn brings threadpoolctl
            pass
    from . import figures, views  # noqa: F401


def _started(seconds: float) -> None:
    """A job that keeps its worker busy for a moment, so that the next job starts another worker."""
    import time

    time.sleep(seconds)


def _main_not_rerun_in_workers() -> None:
    """Keep new worker processes from running the server's ``__main__`` module again.

    multiprocessing's ``spawn`` re-runs the parent's main script in every new
    process (as ``__mp_main__``), found through ``sys.modules["__main__"]``.
    Under Streamlit that is a stand-in module for the app script, so each
    worker would run the whole app in bare mode. A main module whose spec is
    named ``__main__`` is skipped by the child, so give the stand-in that spec
    (app.py also does nothing under ``__mp_main__``, should another session's
    rerun install a new stand-in in between).
    """
    main = sys.modules.get("__main__")
    if main is not None and getattr(main, "__spec__", None) is None and getattr(main, "__file__", None):
        main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)


class Offloader:
    """A lazily started process pool with an in-process fallback (thread-safe)."""

    def __init__(self, workers: int):
        if workers < 0:
            raise ValueError(f"workers must be >= 0, got {workers}.")
        self.workers = int(workers)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.restarts = 0

    def _get_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                _main_not_rerun_in_workers()
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_warm_up
                )
                # Start every worker now (the pool would start them one by one under load, each
                # taking a second or two of imports in the middle of a class's first burst).
                for _ in range(self.workers):
                    self._pool.submit(_started, 0.05)
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
                self.restarts += 1
                if self.restarts >= MAX_RESTARTS:
                    self._disable(f"worker processes died {self.restarts} times")
        pool.shutdown(wait=False, cancel_futures=True)

    def _disable(self, why: str) -> None:
        if self.workers:
            print(f"warning: {why}; computing in the server process from now on.", file=sys.stderr)
        self.workers = 0

    def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` in a worker process (in this process if there are no workers or the worker died)."""
        if self.workers == 0:
            return func(*args)
        try:
            pool = self._get_pool()
        except OSError as exc:  # no processes or semaphores on this machine (e.g. no /dev/shm)
            with self._lock:
                self._disable(f"cannot start worker processes ({exc})")
            return func(*args)
        try:
            future = pool.submit(func, *args)
        except (BrokenProcessPool, RuntimeError):  # broken, or shut down by another thread
            self._discard(pool)
            return func(*args)
        except OSError as exc:  # a worker could not be started
            self._discard(pool)
            with self._lock:
                self._disable(f"cannot start worker processes ({exc})")
            return func(*args)
        try:
            return future.result()
        except BrokenProcessPool:
            self._discard(pool)
            return func(*args)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the pool: pending jobs are cancelled; running ones finish (``wait``) or are killed.

        ``wait=False`` is for a server that is stopping: a worker in the middle of a
        minutes-long fit would otherwise hold the exit until it finishes.
        """
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        # ProcessPoolExecutor has no public way to stop busy workers before Python 3.14
        # (terminate_workers); its process table is the only handle on them.
        processes = list(getattr(pool, "_processes", {}).values()) if not wait else []
        pool.shutdown(wait=wait, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=2)


_shared: Offloader | None = None
_shared_lock = threading.Lock()


def shared() -> Offloader:
    """The server-wide offloader (one pool for every session), created on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Offloader(default_workers())
            atexit.register(_shared.shutdown)
        return _shared
