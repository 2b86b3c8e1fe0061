"""Load test: a whole class (30-60 students) on one Streamlit server.

Starts the app with ``streamlit run`` on 127.0.0.1 (a free port, its own process
group), opens N concurrent sessions over Streamlit's websocket protocol (no
browser), lets every session load the page and then move sliders K times, and
reports the time from sending a rerun to its ``script_finished`` (p50 / p95 /
max, first load and slider moves separately), failures, and the server's RSS
(baseline, peak, after the sessions close). ``--compare-minimal`` runs the same
load against ``bench/minimal_app.py`` (one slider, one plotly chart) on fresh
servers, alternating, and prints the ratio of the p95s: how much the dashboard
costs on top of Streamlit's own per-rerun cost.

Run: ``python bench/load_test.py --sessions 30 --moves 5`` (``--help`` lists
every option). Only ever talks to 127.0.0.1. Every server it starts is stopped by
its process group (SIGTERM, then SIGKILL), also on errors and Ctrl-C.

Protocol notes (Streamlit 1.67, Starlette/uvicorn server):

- ``GET /_stcore/health`` answers ``ok`` once the server is up.
- Websocket ``/_stcore/stream``; the browser sends ``Sec-WebSocket-Protocol:
  streamlit, <xsrf token or PLACEHOLDER_AUTH_TOKEN>[, <last session id>]``; the
  server selects the first entry and uses the 2nd only to read auth cookies and
  the 3rd to resume a session. Frames are binary protobufs: ``BackMsg`` up,
  ``ForwardMsg`` down.
- Nothing arrives after connecting: the client must send a first
  ``rerun_script`` (``page_name`` = the URL path for a page other than the
  default). Every run then streams ``new_session``, deltas and
  ``script_finished``. ``st.navigation`` apps list their pages in a
  ``navigation`` message (the first ``new_session.app_pages`` only has the
  main script).
- ``st.slider`` reports its value as ``double_array_value`` for every data type
  (int sliders too); ``st.select_slider`` as ``string_array_value`` of the
  formatted options.
- Deltas of at least ``global.minCachedMessageSize`` (10 kB) are ``cacheable``;
  a client that lists their hashes in ``cached_message_hashes`` gets a
  ``ref_hash`` message instead of the element (the browser does this, so does
  this client unless ``--no-client-cache``).
- ``st.rerun()`` ends a run with FINISHED_EARLY_FOR_RERUN and the server starts
  the next run by itself; a slider inside ``st.fragment`` is rerun with
  ``fragment_id`` and ends with FINISHED_FRAGMENT_RUN_SUCCESSFULLY.
- With ``client.showErrorDetails = "none"`` an uncaught exception still sends an
  ``exception`` element (message redacted) and the run still ends
  FINISHED_SUCCESSFULLY.

Reading the figures: one Streamlit server runs every session's script in its own
thread of ONE Python process, so reruns share one core (the GIL); N students
moving a slider at the same moment wait about N x (CPU per rerun). The default
``runner.postScriptGC = true`` adds a full ``gc.collect(2)`` after every run;
``--server-arg=--runner.postScriptGC=false`` shows its share. Client and server
share the machine: the report says how much CPU other processes took meanwhile.
"""

from __future__ import annotations

import argparse
import atexit
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket  # websocket-client
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.proto.WidgetStates_pb2 import WidgetState

REPO_ROOT = Path(__file__).resolve().parents[1]
MINIMAL_APP = Path(__file__).resolve().with_name("minimal_app.py")
HOST = "127.0.0.1"  # the only address this tool ever talks to

MAX_SESSIONS = 500
MAX_MOVES = 1000
MAX_ROUNDS = 20

OK_STATUSES = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
CHART_TYPES = {"plotly_chart", "vega_lite_chart", "deck_gl_json_chart", "graphviz_chart", "echarts_chart", "imgs"}


class LoadTestError(RuntimeError):
    """The test itself could not run (server did not start, bad option, ...)."""


# --------------------------------------------------------------------------- time


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


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in [0, 100]); None for an empty list."""
    if not values:
        return None
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_stats(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "max": max(values) if values else None,
    }


# ------------------------------------------------------------------------ process


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


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


class _ServerExited(Exception):
    pass


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


# ----------------------------------------------------------------------- protocol


def widget_state_from_element(kind: str, el: Any) -> WidgetState | None:
    """The value a browser would hold for a freshly rendered widget (None: not tracked).

    Buttons (trigger values), file uploaders, chat input, data editors and other
    complex widgets are left out: the server keeps their last value when a rerun
    does not mention them.
    """
    ws = WidgetState(id=el.id)
    if kind == "slider":
        if el.type == SliderProto.SELECT_SLIDER:
            if el.set_value and len(el.raw_value):
                ws.string_array_value.data.extend(el.raw_value)
            else:
                idx = [int(i) for i in el.default]  # repeated double holding option indices
                if any(i < 0 or i >= len(el.options) for i in idx):
                    return None
                ws.string_array_value.data.extend(el.options[i] for i in idx)
        else:
            ws.double_array_value.data.extend(el.value if el.set_value and len(el.value) else el.default)
    elif kind == "checkbox":
        ws.bool_value = el.value if el.set_value else el.default
    elif kind == "number_input":
        if el.set_value and el.HasField("value"):
            v = el.value
        elif el.HasField("default"):
            v = el.default
        else:
            return None
        if el.data_type == el.INT:
            ws.int_value = int(v)
        else:
            ws.double_value = v
    elif kind in ("text_input", "text_area"):
        if el.set_value and el.HasField("value"):
            ws.string_value = el.value
        elif el.HasField("default"):
            ws.string_value = el.default
        else:
            return None
    elif kind in ("selectbox", "radio"):
        if el.set_value and el.HasField("raw_value"):
            ws.string_value = el.raw_value
        elif el.HasField("default") and 0 <= el.default < len(el.options):
            ws.string_value = el.options[el.default]
        else:
            return None
    elif kind == "multiselect":
        if el.set_value:
            ws.string_array_value.data.extend(el.raw_values)
        else:
            if any(i < 0 or i >= len(el.options) for i in el.default):
                return None
            ws.string_array_value.data.extend(el.options[i] for i in el.default)
    elif kind == "color_picker":
        ws.string_value = el.value if el.set_value else el.default
    else:
        return None
    return ws


@dataclass
class SliderInfo:
    id: str
    label: str
    fragment_id: str
    proto: Any  # SliderProto

    @property
    def is_select(self) -> bool:
        return self.proto.type == SliderProto.SELECT_SLIDER

    def movable(self) -> bool:
        p = self.proto
        if p.disabled or p.form_id or p.ignore_rerun:
            return False
        if self.is_select:
            return len(p.options) > 1
        return p.step > 0 and p.max > p.min


def new_slider_value(info: SliderInfo, current: WidgetState | None, rng: random.Random) -> WidgetState:
    """A random valid value (on the step grid, inside [min, max]) that differs from the current one."""
    p = info.proto
    ws = WidgetState(id=info.id)
    n_values = len(p.default) or 1
    if info.is_select:
        opts = list(p.options)
        cur = list(current.string_array_value.data) if current is not None else []
        for _ in range(20):
            idx = sorted(rng.randrange(len(opts)) for _ in range(n_values))
            vals = [opts[i] for i in idx]
            if vals != cur:
                break
        ws.string_array_value.data.extend(vals)
        return ws
    n_steps = int(math.floor((p.max - p.min) / p.step + 1e-9))
    cur = [round(v, 9) for v in current.double_array_value.data] if current is not None else []
    vals: list[float] = []
    for _ in range(20):
        ks = sorted(rng.randint(0, n_steps) for _ in range(n_values))
        vals = [min(p.max, max(p.min, p.min + k * p.step)) for k in ks]
        if p.data_type == SliderProto.FLOAT:
            decimals = max(0, -math.floor(math.log10(p.step))) + 6 if p.step < 1 else 6
            vals = [round(v, decimals) for v in vals]
        else:  # INT, DATE, DATETIME, TIME: integral values (micros for dates/times)
            vals = [float(round(v)) for v in vals]
        if [round(v, 9) for v in vals] != cur:
            break
    ws.double_array_value.data.extend(vals)
    return ws


def widget_value(ws: WidgetState | None) -> Any:
    if ws is None:
        return None
    kind = ws.WhichOneof("value")
    v = getattr(ws, kind)
    return list(v.data) if hasattr(v, "data") else v


@dataclass
class Rerun:
    """One rerun request: send -> script_finished."""

    kind: str  # "load" | "move"
    ok: bool = False
    ms: float | None = None  # None when no script_finished arrived
    status: str = ""
    reason: str = ""
    messages: int = 0
    deltas: int = 0
    bytes: int = 0
    ref_hits: int = 0
    app_reruns: int = 0  # FINISHED_EARLY_FOR_RERUN followed by the server's own next run
    changed: bool | None = None  # move: did any element's content change?
    chart_changed: bool | None = None  # move: did a chart's content change?
    slider: str = ""
    error_alerts: int = 0


class Session:
    """One browser-less Streamlit client over the websocket protocol."""

    def __init__(self, port: int, deadline: Deadline, *, page: str = "", query: str = "",
                 rerun_timeout: float = 60.0, client_cache: bool = True, slider_filter: list[str] | None = None,
                 rng: random.Random | None = None):
        self.port = port
        self.deadline = deadline
        self.page = page.strip("/")
        self.query = query.lstrip("?")
        self.rerun_timeout = rerun_timeout
        self.client_cache = client_cache
        self.slider_filter = [s.lower() for s in (slider_filter or [])]
        self.rng = rng or random.Random(0)
        self.ws: websocket.WebSocket | None = None
        self.alive = False
        self.dead_reason = ""
        self.session_id = ""
        self.page_hash = ""
        self.pages: list[dict[str, Any]] = []
        self.widget_states: dict[str, WidgetState] = {}
        self.sliders: dict[str, SliderInfo] = {}
        self.fingerprint: dict[tuple[int, ...], str] = {}
        self.element_kinds: dict[tuple[int, ...], str] = {}
        self.cache: dict[str, tuple[bytes, int]] = {}  # hash -> (serialized msg, last run seen)
        self.cache_max_age = 2
        self.runs_done = 0
        self.reruns: list[Rerun] = []

    # ---- connection
    def connect(self, timeout: float = 30.0) -> None:
        url = f"ws://{HOST}:{self.port}/_stcore/stream"
        self.ws = websocket.create_connection(
            url,
            subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],  # what the 1.67 frontend sends without a token
            timeout=self.deadline.cap(timeout) or 0.1,
            origin=f"http://{HOST}:{self.port}",
        )
        if self.ws.getsubprotocol() != "streamlit":
            raise ConnectionError(f"server selected subprotocol {self.ws.getsubprotocol()!r}")
        self.alive = True

    def close(self) -> None:
        self.alive = False
        if self.ws is not None:
            try:
                self.ws.close(timeout=1)
            except Exception:  # noqa: BLE001
                pass

    def abort(self) -> None:
        """Unblock a recv() running in another thread (global timeout)."""
        if self.ws is not None:
            try:
                self.ws.abort()
            except Exception:  # noqa: BLE001
                pass

    # ---- requests
    def load(self) -> Rerun:
        cs = self._client_state()
        if not self.page_hash:
            cs.rerun_script.page_name = self.page  # as a browser opened at /<page>
        r = self._rerun("load", cs)
        if r.ms is not None and self.page and self.pages:
            here = next((p for p in self.pages if p["hash"] == self.page_hash), None)
            wanted = self.page.lower()
            if here is None or wanted not in (here["url"].lower(), here["name"].lower()):
                r.ok = False
                r.reason = "; ".join(filter(None, [r.reason, f"landed on {here and here['url']!r}, not page {self.page!r}"]))
        return r

    def movable_sliders(self) -> list[SliderInfo]:
        out = [s for s in self.sliders.values() if s.movable()]
        if self.slider_filter:
            out = [s for s in out if any(f in s.label.lower() for f in self.slider_filter)]
        return out

    def move(self) -> Rerun:
        candidates = self.movable_sliders()
        if not candidates:
            r = Rerun("move", reason="no movable slider on the page (outside forms, enabled)")
            self.reruns.append(r)
            return r
        info = candidates[self.rng.randrange(len(candidates))]
        new_state = new_slider_value(info, self.widget_states.get(info.id), self.rng)
        self.widget_states[info.id] = new_state
        cs = self._client_state(fragment_id=info.fragment_id)
        r = self._rerun("move", cs, slider=f"{info.label}={widget_value(new_state)}")
        return r

    def _client_state(self, fragment_id: str = "") -> BackMsg:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        cs.fragment_id = fragment_id
        cs.widget_states.widgets.extend(self.widget_states.values())  # ALL widgets, as a browser does
        if self.client_cache:
            cs.cached_message_hashes.extend(sorted(self.cache))
        ci = cs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url = f"http://{HOST}:{self.port}/{self.page}" + (f"?{self.query}" if self.query else "")
        ci.color_scheme = "light"
        return msg

    def _rerun(self, kind: str, msg: BackMsg, slider: str = "") -> Rerun:
        r = Rerun(kind, slider=slider)
        self.reruns.append(r)
        if not self.alive:
            r.reason = f"session unusable after an earlier failure ({self.dead_reason})"
            return r
        before = dict(self.fingerprint)
        is_fragment = bool(msg.rerun_script.fragment_id)
        t0 = time.perf_counter()
        try:
            self.ws.send_binary(msg.SerializeToString())
            self._read_until_finished(r, t0, is_fragment)
        except _RerunTimeout as exc:
            self._die(str(exc))
            r.reason = str(exc)
        except (websocket.WebSocketException, OSError) as exc:
            self._die(f"disconnected: {type(exc).__name__}: {exc}")
            r.reason = self.dead_reason
        except Exception as exc:  # noqa: BLE001 - a client bug must not crash the whole test
            self._die(f"client error: {type(exc).__name__}: {exc}")
            r.reason = self.dead_reason
        if r.ms is not None and kind == "move":
            r.changed = self.fingerprint != before
            r.chart_changed = any(
                self.fingerprint.get(path) != before.get(path)
                for path, k in self.element_kinds.items() if k in CHART_TYPES
            )
        return r

    def _die(self, reason: str) -> None:
        self.alive = False
        self.dead_reason = reason
        self.close()

    def _read_until_finished(self, r: Rerun, t0: float, is_fragment: bool) -> None:
        end = t0 + self.rerun_timeout
        run_sliders: dict[str, SliderInfo] = {}
        run_widget_ids: set[str] = set()
        run_is_fragment = is_fragment
        problems: list[str] = []
        while True:
            budget = min(end - time.perf_counter(), self.deadline.remaining())
            if budget <= 0:
                why = "global --timeout reached" if self.deadline.expired() else f"no script_finished within {self.rerun_timeout:g} s"
                raise _RerunTimeout(why)
            self.ws.settimeout(budget)
            try:
                opcode, data = self.ws.recv_data()
            except websocket.WebSocketTimeoutException:
                continue  # loop re-checks the budget
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise websocket.WebSocketConnectionClosedException("server closed the websocket")
            if opcode != websocket.ABNF.OPCODE_BINARY:
                raise websocket.WebSocketException(f"unexpected frame opcode {opcode}")
            r.messages += 1
            r.bytes += len(data)
            fmsg = ForwardMsg.FromString(data)
            kind = fmsg.WhichOneof("type")
            if kind == "ref_hash":
                cached = self.cache.get(fmsg.ref_hash)
                if cached is None:
                    problems.append(f"ref_hash {fmsg.ref_hash[:10]} not in client cache")
                    continue
                r.ref_hits += 1
                self.cache[fmsg.ref_hash] = (cached[0], self.runs_done)
                full = ForwardMsg.FromString(cached[0])
                full.metadata.CopyFrom(fmsg.metadata)
                fmsg, kind = full, "delta"
            elif self.client_cache and fmsg.metadata.cacheable and fmsg.hash:
                self.cache[fmsg.hash] = (data, self.runs_done)

            if kind == "new_session":
                ns = fmsg.new_session
                self.session_id = ns.initialize.session_id or self.session_id
                self.cache_max_age = ns.config.max_cached_message_age or self.cache_max_age
                run_is_fragment = bool(fmsg.metadata.run.fragment_ids)
                if not run_is_fragment:  # a (re)started full run: forget what the interrupted one showed
                    run_sliders.clear()
                    run_widget_ids.clear()
                    self.fingerprint.clear()
                    self.element_kinds.clear()
                if ns.page_script_hash:
                    self.page_hash = ns.page_script_hash
                if not self.pages:
                    self.pages = [_page_dict(p) for p in ns.app_pages]
            elif kind == "navigation":
                nav = fmsg.navigation
                self.pages = [_page_dict(p) for p in nav.app_pages]
                if nav.page_script_hash:
                    self.page_hash = nav.page_script_hash
            elif kind == "page_info_changed":
                self.query = fmsg.page_info_changed.query_string  # the browser updates its URL
            elif kind == "page_not_found":
                problems.append(f"page not found: {fmsg.page_not_found.page_name!r}")
            elif kind == "delta":
                r.deltas += 1
                d = fmsg.delta
                path = tuple(fmsg.metadata.delta_path)
                self.fingerprint[path] = fmsg.hash
                if d.WhichOneof("type") == "new_element":
                    el_kind = d.new_element.WhichOneof("type")
                    self.element_kinds[path] = el_kind
                    el = getattr(d.new_element, el_kind) if el_kind else None
                    if el_kind == "exception":
                        problems.append(f"exception element: {(el.type + ': ') if el.type else ''}{el.message[:160]}")
                    elif el_kind == "alert" and el.format == el.ERROR:
                        r.error_alerts += 1
                    if el is not None and getattr(el, "id", ""):
                        run_widget_ids.add(el.id)
                        state = widget_state_from_element(el_kind, el)
                        if state is not None and (el.id not in self.widget_states or getattr(el, "set_value", False)):
                            self.widget_states[el.id] = state
                        if el_kind == "slider":
                            info = SliderInfo(el.id, el.label, d.fragment_id, SliderProto.FromString(el.SerializeToString()))
                            run_sliders[el.id] = info
                else:
                    self.element_kinds[path] = d.WhichOneof("type") or ""
            elif kind == "script_finished":
                status = fmsg.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    # st.rerun() (or a rerun requested by the server side): the next run
                    # starts by itself; the student waits for it, so keep reading.
                    r.app_reruns += 1
                    if r.app_reruns > 20:
                        problems.append("more than 20 consecutive st.rerun() runs")
                    else:
                        continue
                r.ms = (time.perf_counter() - t0) * 1000.0
                r.status = ForwardMsg.ScriptFinishedStatus.Name(status)
                if status not in OK_STATUSES:
                    problems.append(f"script_finished {r.status}")
                self._after_run(run_sliders, run_widget_ids, run_is_fragment)
                r.ok = not problems
                r.reason = "; ".join(problems)
                return

    def _after_run(self, run_sliders: dict[str, SliderInfo], run_widget_ids: set[str], fragment: bool) -> None:
        self.runs_done += 1
        if fragment:
            self.sliders.update(run_sliders)
        else:
            self.sliders = dict(run_sliders)
            # Like the browser's widget manager: forget widgets the full run did not draw.
            for wid in [w for w in self.widget_states if w not in run_widget_ids]:
                del self.widget_states[wid]
        # Like the browser's message cache: drop entries unused for more than maxCachedMessageAge runs.
        for h in [h for h, (_, seen) in self.cache.items() if self.runs_done - seen > self.cache_max_age]:
            del self.cache[h]


class _RerunTimeout(Exception):
    pass


def _page_dict(p: Any) -> dict[str, Any]:
    return {"hash": p.page_script_hash, "name": p.page_name, "url": p.url_pathname, "default": p.is_default}


# -------------------------------------------------------------------------- a run


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
    return result


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

    def worker(s: Session) -> None:
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

    threads = [threading.Thread(target=worker, args=(s,), name=f"session-{i}", daemon=True) for i, s in enumerate(sessions)]
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


def _summarize_run(result: dict[str, Any], sessions: list[Session]) -> None:
    reruns = [r for s in sessions for r in s.reruns]
    loads = [r for r in reruns if r.kind == "load"]
    moves = [r for r in reruns if r.kind == "move"]
    failures = [r for r in reruns if not r.ok]
    planned = result["sessions"] * (1 + result["moves"]) if sessions else 0
    reasons = Counter(r.reason or "unknown" for r in failures)
    if planned and len(reruns) < planned:  # e.g. the run stopped early (error, interrupt)
        reasons["not run (test stopped early)"] += planned - len(reruns)
    result.update(
        planned_reruns=planned,
        reruns=len(reruns),
        ok_reruns=sum(r.ok for r in reruns),
        failures=len(failures) + max(0, planned - len(reruns)),
        failure_reasons=[{"reason": k, "count": v} for k, v in reasons.most_common()],
        load_ms=latency_stats([r.ms for r in loads if r.ok]),
        move_ms=latency_stats([r.ms for r in moves if r.ok]),
        moves_changed=sum(bool(r.changed) for r in moves if r.ok),
        moves_chart_changed=sum(bool(r.chart_changed) for r in moves if r.ok),
        app_reruns=sum(r.app_reruns for r in reruns),
        error_alerts=sum(r.error_alerts for r in reruns),
        bytes_per_rerun=round(sum(r.bytes for r in reruns) / len(reruns)) if reruns else None,
        deltas_per_rerun=round(sum(r.deltas for r in reruns) / len(reruns), 1) if reruns else None,
        ref_hits=sum(r.ref_hits for r in reruns),
        statuses=dict(Counter(r.status or "none" for r in reruns)),
        moves_by_slider=dict(Counter(r.slider.split("=", 1)[0] for r in moves if r.slider)),
        latencies={"load": [round(r.ms, 2) for r in loads if r.ok], "move": [round(r.ms, 2) for r in moves if r.ok]},
    )
    if result.get("rss_peak_mib") is not None and result.get("rss_baseline_mib") is not None and result["sessions"]:
        result["rss_per_session_mib"] = round((result["rss_peak_mib"] - result["rss_baseline_mib"]) / result["sessions"], 2)


# ------------------------------------------------------------------------ reports


def _fmt(v: Any, nd: int = 0) -> str:
    if v is None:
        return "-"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def _lat(stats: dict[str, Any]) -> str:
    return "/".join(_fmt(stats.get(k)) for k in ("p50", "p95", "max"))


def aggregate(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pool the rounds of each (label, N)."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in runs:
        groups.setdefault((r["label"], r["sessions"]), []).append(r)
    out = []
    for (label, n), rs in groups.items():
        load = [x for r in rs for x in r.get("latencies", {}).get("load", [])]
        move = [x for r in rs for x in r.get("latencies", {}).get("move", [])]
        peaks = [r["rss_peak_mib"] for r in rs if r.get("rss_peak_mib") is not None]
        out.append({
            "label": label, "app": rs[0]["app"], "sessions": n, "rounds": len(rs),
            "ok_reruns": sum(r.get("ok_reruns", 0) for r in rs),
            "planned_reruns": sum(r.get("planned_reruns", 0) for r in rs),
            "failures": sum(r.get("failures", 0) for r in rs),
            "load_ms": latency_stats(load), "move_ms": latency_stats(move),
            "rss_baseline_mib": max((r["rss_baseline_mib"] for r in rs if r.get("rss_baseline_mib") is not None), default=None),
            "rss_peak_mib": max(peaks, default=None),
            "rss_after_mib": max((r["rss_after_mib"] for r in rs if r.get("rss_after_mib") is not None), default=None),
        })
    return out


def ratios(summary: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by = {(s["label"], s["sessions"]): s for s in summary}
    out = []
    for (label, n), s in by.items():
        if label != "app" or ("minimal", n) not in by:
            continue
        m = by[("minimal", n)]
        row = {"sessions": n}
        for key in ("load_ms", "move_ms"):
            a, b = s[key]["p95"], m[key]["p95"]
            row[f"{key[:-3]}_p95_ratio"] = round(a / b, 2) if a and b else None
        out.append(row)
    return out


def print_report(runs: list[dict[str, Any]], summary: list[dict[str, Any]], ratio_rows: list[dict[str, Any]], out=sys.stdout) -> None:
    hdr = (f"{'app':<12} {'N':>4} {'rnd':>3} {'ok/planned':>11} {'fail':>5} "
           f"{'load p50/p95/max ms':>22} {'move p50/p95/max ms':>22} {'chg':>4} "
           f"{'RSS base/peak/after MiB':>24} {'MiB/sess':>8} {'srvCPU s':>8} {'main s':>7} {'procs':>5} {'wall s':>7}")
    print("\nPer run (latency = send rerun_script -> script_finished; ok runs only)", file=out)
    print(hdr, file=out)
    print("-" * len(hdr), file=out)
    for r in runs:
        rss = "/".join(_fmt(r.get(k), 0) for k in ("rss_baseline_mib", "rss_peak_mib", "rss_after_mib"))
        print(f"{Path(r['app']).stem[:12]:<12} {r['sessions']:>4} {r['round']:>3} {str(r.get('ok_reruns', 0)) + '/' + str(r.get('planned_reruns', 0)):>11} "
              f"{r.get('failures', 0):>5} {_lat(r.get('load_ms', {})):>22} {_lat(r.get('move_ms', {})):>22} "
              f"{_fmt(r.get('moves_changed')):>4} {rss:>24} {_fmt(r.get('rss_per_session_mib'), 2):>8} "
              f"{_fmt(r.get('server_cpu_s'), 1):>8} {_fmt(r.get('server_main_cpu_s'), 1):>7} {_fmt(r.get('server_processes')):>5} "
              f"{_fmt(r.get('sessions_wall_s'), 1):>7}", file=out)
    for r in runs:
        tag = f"{Path(r['app']).stem} N={r['sessions']} round {r['round']}"
        if r.get("error"):
            print(f"  ! {tag}: {r['error'].splitlines()[0]}", file=out)
        for fr in r.get("failure_reasons", [])[:5]:
            print(f"  ! {tag}: {fr['count']} x {fr['reason']}", file=out)
        if r.get("failures") and r.get("server_log"):
            print(f"    server log kept: {r['server_log']}", file=out)
        stop = r.get("server_stop", {})
        if not stop.get("stopped", False):
            print(f"  ! {tag}: server pid {stop.get('pid')} may still be running: {stop}", file=out)
        if r.get("app_reruns"):
            print(f"  . {tag}: {r['app_reruns']} server-side reruns (st.rerun) followed", file=out)
        if (r.get("client_cpu_s") or 0) > 0.25 * (r.get("server_cpu_s") or 0) > 0:
            print(f"  . {tag}: the load-test client used {r['client_cpu_s']} s CPU vs the server's {r['server_cpu_s']} s "
                  "on the same machine", file=out)
        other = r.get("other_cpu_share")
        if other is not None and other > 0.15:
            print(f"  . {tag}: other processes used {other:.0%} of the machine's {os.cpu_count()} CPUs during the run: "
                  "latencies inflated", file=out)
        if r.get("error_alerts"):
            print(f"  . {tag}: {r['error_alerts']} st.error alerts seen (not counted as failures)", file=out)
    if any(s["rounds"] > 1 for s in summary):
        print("\nPooled over rounds", file=out)
        for s in summary:
            print(f"{s['label']:<8} {Path(s['app']).stem[:12]:<12} N={s['sessions']:<4} rounds={s['rounds']} ok {s['ok_reruns']}/{s['planned_reruns']} "
                  f"fail {s['failures']}  load {_lat(s['load_ms'])} ms  move {_lat(s['move_ms'])} ms  "
                  f"peak RSS {_fmt(s['rss_peak_mib'], 0)} MiB", file=out)
    if ratio_rows:
        print("\np95 ratio app / minimal (same N, same settings)", file=out)
        for row in ratio_rows:
            print(f"  N={row['sessions']:<4} first load x{_fmt(row['load_p95_ratio'], 2)}   slider move x{_fmt(row['move_p95_ratio'], 2)}", file=out)


# --------------------------------------------------------------------------- main


def _session_list(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}") from None
    if not values or any(not 1 <= v <= MAX_SESSIONS for v in values):
        raise argparse.ArgumentTypeError(f"session counts must be between 1 and {MAX_SESSIONS}")
    return values


def _bounded_int(lo: int, hi: int):
    def parse(text: str) -> int:
        v = int(text)
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}")
        return v
    return parse


def _positive_float(text: str) -> float:
    v = float(text)
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError("must be a positive number")
    return v


def _nonneg_float(text: str) -> float:
    v = float(text)
    if not (v >= 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError("must be >= 0")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python bench/load_test.py",
        description="Load test of a Streamlit app: N concurrent websocket sessions (no browser) on one local server, "
                    "each loading the page and then moving sliders K times.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog=(
            "Latency = time from sending rerun_script to receiving script_finished, per rerun; "
            "'first load' and 'slider move' are reported separately (p50/p95/max, successful reruns only). "
            "Failures: exception elements, script_finished other than success (st.rerun() runs are followed, "
            "not failed), page not found, timeouts, disconnects. RSS = summed VmRSS of the server process and "
            "its children. Exit code 0 only if every rerun of every run succeeded. "
            "Examples: %(prog)s --sessions 30 --moves 5 | "
            "%(prog)s --sessions 30,60 --compare-minimal --rounds 3 --json out.json | "
            "%(prog)s --page compare --stagger 2"
        ),
    )
    p.add_argument("--app", default="app.py", help="Streamlit script to test (relative to the current directory or the repo root)")
    p.add_argument("--page", default="", help="page to open, by its URL path (e.g. 'compare'); default: the app's default page")
    p.add_argument("--query", default="", help="query string the sessions open the page with (without '?')")
    p.add_argument("--sessions", type=_session_list, default="30", help=f"concurrent sessions, or a comma-separated list (e.g. 30,60); each 1..{MAX_SESSIONS}")
    p.add_argument("--moves", type=_bounded_int(0, MAX_MOVES), default=5, help="slider moves per session after the first load")
    p.add_argument("--rounds", type=_bounded_int(1, MAX_ROUNDS), default=1, help="repetitions per session count, each on a fresh server")
    p.add_argument("--compare-minimal", action="store_true", help="also run bench/minimal_app.py, alternating app/minimal per round, and print p95 ratios")
    p.add_argument("--stagger", type=_nonneg_float, default=0.0, help="max random think time (s) before each move; 0 = lockstep: all sessions move at the same moment")
    p.add_argument("--slider", action="append", default=[], metavar="LABEL", help="only move sliders whose label contains this (repeatable; app only)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random slider values and think times")
    p.add_argument("--timeout", type=_positive_float, default=900.0, help="global time budget (s) for the whole invocation")
    p.add_argument("--rerun-timeout", type=_positive_float, default=60.0, help="max time (s) one rerun may take before it counts as failed")
    p.add_argument("--connect-timeout", type=_positive_float, default=30.0, help="max time (s) to open one websocket")
    p.add_argument("--startup-timeout", type=_positive_float, default=60.0, help="max time (s) for the server to answer /_stcore/health")
    p.add_argument("--warmup", type=_bounded_int(0, 10), default=1, help="sessions loaded (one after another) before the baseline RSS and the test; not counted")
    p.add_argument("--settle", type=_nonneg_float, default=3.0, help="seconds to wait after the sessions close before measuring 'after' RSS")
    p.add_argument("--rss-interval", type=_positive_float, default=0.05, help="RSS sampling interval (s)")
    p.add_argument("--no-client-cache", action="store_true", help="do not emulate the browser's message cache (server then resends big elements every run)")
    p.add_argument("--server-arg", action="append", default=[], metavar="ARG", help="extra argument for 'streamlit run' (repeatable, e.g. --server-arg=--runner.fastReruns=false)")
    p.add_argument("--cwd", default=str(REPO_ROOT), help="working directory of the server (its .streamlit/config.toml applies)")
    p.add_argument("--json", metavar="PATH", help="also write all results (incl. raw latencies) as JSON")
    return p


def _resolve_app(text: str) -> Path:
    path = Path(text)
    for candidate in (path, REPO_ROOT / path):
        if candidate.is_file():
            return candidate.resolve()
    raise LoadTestError(f"app not found: {text}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def on_sigterm(signum, frame):  # make `finally` blocks run (servers get stopped)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored (`cmd &`)
    deadline = Deadline(args.timeout)
    try:
        app = _resolve_app(args.app)
    except LoadTestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    base = dict(moves=args.moves, stagger=args.stagger, seed=args.seed, rerun_timeout=args.rerun_timeout,
                connect_timeout=args.connect_timeout, startup_timeout=args.startup_timeout, warmup=args.warmup,
                settle=args.settle, rss_interval=args.rss_interval, client_cache=not args.no_client_cache,
                server_args=args.server_arg, cwd=Path(args.cwd))
    plan: list[RunConfig] = []
    for n in args.sessions:
        for rnd in range(1, args.rounds + 1):
            plan.append(RunConfig(app=app, sessions=n, page=args.page, query=args.query, sliders=args.slider,
                                  label="app", round=rnd, **base))
            if args.compare_minimal:
                plan.append(RunConfig(app=MINIMAL_APP, sessions=n, label="minimal", round=rnd, **base))

    runs: list[dict[str, Any]] = []
    interrupted = False
    try:
        for cfg in plan:
            if deadline.expired():
                print(f"global --timeout reached: skipping {cfg.label} N={cfg.sessions} round {cfg.round}", file=sys.stderr)
                continue
            print(f"running {cfg.label} ({cfg.app.name}) N={cfg.sessions} moves={cfg.moves} round {cfg.round} ...", file=sys.stderr, flush=True)
            res = run_load(cfg, deadline)
            runs.append(res)
            if res.get("interrupted"):
                raise KeyboardInterrupt
            print(f"  done: ok {res.get('ok_reruns')}/{res.get('planned_reruns')}, failures {res.get('failures')}, "
                  f"move p95 {_fmt(res.get('move_ms', {}).get('p95'))} ms, server stopped: {res['server_stop'].get('stopped')}",
                  file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted; servers stopped", file=sys.stderr)
    finally:
        _stop_leftover_servers()

    summary = aggregate(runs)
    ratio_rows = ratios(summary)
    print_report(runs, summary, ratio_rows)
    if args.json:
        payload = {
            "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "streamlit": _streamlit_version(), "cpus": os.cpu_count(), "interrupted": interrupted,
            "runs": runs, "summary": summary, "ratios": ratio_rows,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2, default=str))
        print(f"\nJSON written to {args.json}")
    bad = interrupted or not runs or any(r.get("error") or r.get("failures") for r in runs) or len(runs) < len(plan)
    return 130 if interrupted else (1 if bad else 0)


def _streamlit_version() -> str:
    try:
        import streamlit
        return streamlit.__version__
    except Exception:  # noqa: BLE001
        return "?"


if __name__ == "__main__":
    sys.exit(main())
