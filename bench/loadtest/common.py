"""What every part of the load test shares: paths, limits, the error type and the time budget."""

from __future__ import annotations

import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MINIMAL_APP = Path(__file__).resolve().parents[1] / "minimal_app.py"
HOST = "127.0.0.1"  # the only address this tool ever talks to

MAX_SESSIONS = 500
MAX_MOVES = 1000
MAX_ROUNDS = 20


class LoadTestError(RuntimeError):
    """The test itself could not run (server did not start, bad option, ...)."""


class Deadline:
    """The global time budget (``--timeout``) shared by everything in one invocation."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.end

    def cap(self, seconds: float) -> float:
        return max(0.0, min(seconds, self.remaining()))
