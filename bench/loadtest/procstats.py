"""Process metrics read from /proc: process trees, RSS, CPU time, the machine's load."""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .server import StreamlitServer


def _read_proc_tree() -> dict[int, int]:
    """pid -> ppid for every process visible in /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        rest = stat.rsplit(")", 1)[-1].split()
        if len(rest) >= 2:
            parents[int(entry)] = int(rest[1])
    return parents


def descendants(pid: int) -> list[int]:
    """pid and all its descendants (children of children ...)."""
    parents = _read_proc_tree()
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in parents or p == pid:
            out.append(p)
        todo.extend(children.get(p, []))
    return out


def vm_rss_kib(pid: int) -> int:
    """VmRSS of one process in KiB (0 if it is gone or a zombie)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the given processes (plus their reaped children), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                rest = f.read().decode("ascii", "replace").rsplit(")", 1)[-1].split()
            # fields after ")" start at field 3 (state): utime=14, stime=15, cutime=16, cstime=17
            total += sum(int(rest[i]) for i in (11, 12, 13, 14))
        except (OSError, ValueError, IndexError):
            pass
    return total / ticks


def _is_zombie_or_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().decode("ascii", "replace").rsplit(")", 1)[-1].split()[0]
        return state in ("Z", "X")
    except (OSError, IndexError):
        return True


def _group_members(pgid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    out.append(int(entry))
            except OSError:
                pass
    return out


def machine_busy_seconds() -> float | None:
    """CPU seconds all processes of the machine have used since boot (from /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _mib(kib: float | None) -> float | None:
    return None if kib is None else round(kib / 1024.0, 1)


class RssSampler(threading.Thread):
    """Samples the summed VmRSS of the server and its children every ``interval`` s."""

    def __init__(self, server: StreamlitServer, interval: float = 0.05):
        super().__init__(name="rss-sampler", daemon=True)
        self.server = server
        self.interval = interval
        self.samples: list[tuple[float, int]] = []  # (monotonic time, KiB)
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        pids: list[int] = []
        next_scan = 0.0
        while not self._stop_event.is_set():
            now = time.monotonic()
            if now >= next_scan:  # re-read the process tree about once a second
                pids = self.server.tree()
                next_scan = now + 1.0
            kib = sum(vm_rss_kib(p) for p in pids)
            if kib:
                with self._lock:
                    self.samples.append((now, kib))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    def window(self, t0: float, t1: float) -> list[int]:
        with self._lock:
            return [k for t, k in self.samples if t0 <= t <= t1]

    def now_kib(self) -> int:
        return sum(vm_rss_kib(p) for p in self.server.tree())
