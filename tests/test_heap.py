"""The server process's garbage-collector set-up (dashboard.heap), checked in a fresh interpreter."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import gc
import plotly.graph_objects
from dashboard import heap
assert gc.get_freeze_count() == 0
assert heap.freeze_startup_objects() is True
frozen = gc.get_freeze_count()
assert frozen > 10_000, frozen  # the imports' objects (plotly alone has tens of thousands)
assert gc.get_threshold() == heap.THRESHOLDS
assert heap.freeze_startup_objects() is False  # once per process
assert gc.get_freeze_count() == frozen
garbage = []
garbage.append(garbage)  # a cycle made after the freeze is still collected
del garbage
assert gc.collect() >= 1
print(frozen)
"""


def test_startup_objects_are_frozen_once_and_later_cycles_still_collected():
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) > 10_000
