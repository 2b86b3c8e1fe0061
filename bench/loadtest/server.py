"""Start and stop ``streamlit run`` on 127.0.0.1: a free port, its own process group, health check.

Every server started here is registered until it is stopped; an ``atexit`` hook
stops whatever is left (errors, Ctrl-C), by its process group.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .common import HOST, Deadline, LoadTestError
from .procstats import _group_members, _is_zombie_or_gone, descendants


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


_LIVE_SERVERS: set[StreamlitServer] = set()
_LIVE_LOCK = threading.Lock()


def _stop_leftover_servers() -> None:
    with _LIVE_LOCK:
        servers = list(_LIVE_SERVERS)
    for server in servers:
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


atexit.register(_stop_leftover_servers)


class StreamlitServer:
    """``streamlit run <app>`` as a subprocess in its own process group, on 127.0.0.1."""

    def __init__(self, app: Path, *, cwd: Path, extra_args: list[str] | None = None, log_dir: Path | None = None):
        self.app = Path(app).resolve()
        self.cwd = Path(cwd)
        self.extra_args = list(extra_args or [])
        self.log_dir = Path(log_dir or tempfile.gettempdir())
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.log_path: Path | None = None
        self.stop_info: dict[str, Any] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def command(self, port: int) -> list[str]:
        return [
            sys.executable, "-m", "streamlit", "run", str(self.app),
            "--server.headless", "true",
            "--server.address", HOST,
            "--server.port", str(port),
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            *self.extra_args,
        ]

    def start(self, deadline: Deadline, startup_timeout: float = 60.0, attempts: int = 3) -> None:
        """Start the server and wait until ``/_stcore/health`` says ``ok``."""
        if not self.app.is_file():
            raise LoadTestError(f"app not found: {self.app}")
        last_error = ""
        for _ in range(attempts):
            self.port = free_port()
            fd, log_name = tempfile.mkstemp(prefix=f"st_load_{self.app.stem}_", suffix=".log", dir=self.log_dir)
            self.log_path = Path(log_name)
            self.stop_info = None
            env = dict(os.environ, PYTHONUNBUFFERED="1")
            with os.fdopen(fd, "wb") as log:
                self.proc = subprocess.Popen(
                    self.command(self.port), cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                )
            with _LIVE_LOCK:
                _LIVE_SERVERS.add(self)
            try:
                if self._wait_healthy(deadline.cap(startup_timeout)):
                    return
                last_error = f"no 'ok' from /_stcore/health within {startup_timeout:.0f} s"
            except _ServerExited as exc:
                last_error = str(exc)
            self.stop()
            if deadline.expired():
                break
        raise LoadTestError(f"streamlit server for {self.app.name} did not start: {last_error}\n{self.log_tail()}")

    def _wait_healthy(self, timeout: float) -> bool:
        url = f"http://{HOST}:{self.port}/_stcore/health"
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise _ServerExited(f"server exited with code {self.proc.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200 and resp.read().strip() == b"ok":
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        return False

    def tree(self) -> list[int]:
        return descendants(self.pid) if self.proc and self.proc.poll() is None else []

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self, timeout: float = 10.0) -> dict[str, Any]:
        """SIGTERM to the process group, SIGKILL after ``timeout``; verify it is gone."""
        if self.proc is None:
            return {"stopped": True}
        if self.stop_info is not None:
            return self.stop_info
        pgid = self.proc.pid  # start_new_session: the group id is the child's pid
        killed = False
        if self.proc.poll() is None:
            try:
                os.killpg(pgid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                killed = True
        # The server's children (worker processes, multiprocessing's resource tracker) exit on
        # their own once the server is gone: give them a moment before killing what is left.
        grace = time.monotonic() + min(timeout, 5.0)
        while not killed and self._group_alive(pgid) and time.monotonic() < grace:
            time.sleep(0.05)
        # Kill anything left in the group (the server itself or children that outlived it).
        if killed or self._group_alive(pgid):
            try:
                os.killpg(pgid, signal.SIGKILL)
                killed = True
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        gone = self.proc.poll() is not None and not self._group_alive(pgid)
        self.stop_info = {"pid": pgid, "exit_code": self.proc.returncode, "sigkill": killed, "stopped": gone}
        with _LIVE_LOCK:
            _LIVE_SERVERS.discard(self)
        return self.stop_info

    @staticmethod
    def _group_alive(pgid: int) -> bool:
        """True while any non-zombie process of the group exists."""
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        members = [pid for pid in _group_members(pgid)]
        return any(not _is_zombie_or_gone(pid) for pid in members)


class _ServerExited(Exception):
    pass
