"""A browser-less Streamlit client: one session over the websocket protocol, timed per rerun.

See ``protocol.py`` for the protocol notes this client follows.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

import websocket  # websocket-client
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.proto.WidgetStates_pb2 import WidgetState

from .common import HOST, Deadline
from .protocol import CHART_TYPES, OK_STATUSES, SliderInfo, _page_dict, new_slider_value, widget_state_from_element, widget_value


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


@dataclass
class _RunSeen:
    """What the current run has shown so far (until its ``script_finished``)."""

    is_fragment: bool
    sliders: dict[str, SliderInfo] = field(default_factory=dict)
    widget_ids: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


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
        run = _RunSeen(is_fragment)
        while True:
            data = self._recv_frame(end)
            r.messages += 1
            r.bytes += len(data)
            fmsg, kind = self._resolve_cached(data, r, run)
            if fmsg is None:
                continue
            if kind == "new_session":
                self._on_new_session(fmsg, run)
            elif kind == "navigation":
                nav = fmsg.navigation
                self.pages = [_page_dict(p) for p in nav.app_pages]
                if nav.page_script_hash:
                    self.page_hash = nav.page_script_hash
            elif kind == "page_info_changed":
                self.query = fmsg.page_info_changed.query_string  # the browser updates its URL
            elif kind == "page_not_found":
                run.problems.append(f"page not found: {fmsg.page_not_found.page_name!r}")
            elif kind == "delta":
                self._on_delta(fmsg, r, run)
            elif kind == "script_finished":
                if self._on_script_finished(fmsg.script_finished, r, t0, run):
                    return

    def _recv_frame(self, end: float) -> bytes:
        """The next binary frame, within this rerun's time (``end``) and the global budget."""
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
            return data

    def _resolve_cached(self, data: bytes, r: Rerun, run: _RunSeen) -> tuple[ForwardMsg | None, str | None]:
        """The message and its type as the browser's message cache hands them on (None: a ref_hash we lack).

        A ``ref_hash`` becomes the cached element (a delta) with the new metadata;
        a cacheable message is remembered for later ``ref_hash``es.
        """
        fmsg = ForwardMsg.FromString(data)
        kind = fmsg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(fmsg.ref_hash)
            if cached is None:
                run.problems.append(f"ref_hash {fmsg.ref_hash[:10]} not in client cache")
                return None, kind
            r.ref_hits += 1
            self.cache[fmsg.ref_hash] = (cached[0], self.runs_done)
            full = ForwardMsg.FromString(cached[0])
            full.metadata.CopyFrom(fmsg.metadata)
            return full, "delta"
        if self.client_cache and fmsg.metadata.cacheable and fmsg.hash:
            self.cache[fmsg.hash] = (data, self.runs_done)
        return fmsg, kind

    def _on_new_session(self, fmsg: ForwardMsg, run: _RunSeen) -> None:
        ns = fmsg.new_session
        self.session_id = ns.initialize.session_id or self.session_id
        self.cache_max_age = ns.config.max_cached_message_age or self.cache_max_age
        run.is_fragment = bool(fmsg.metadata.run.fragment_ids)
        if not run.is_fragment:  # a (re)started full run: forget what the interrupted one showed
            run.sliders.clear()
            run.widget_ids.clear()
            self.fingerprint.clear()
            self.element_kinds.clear()
        if ns.page_script_hash:
            self.page_hash = ns.page_script_hash
        if not self.pages:
            self.pages = [_page_dict(p) for p in ns.app_pages]

    def _on_delta(self, fmsg: ForwardMsg, r: Rerun, run: _RunSeen) -> None:
        r.deltas += 1
        d = fmsg.delta
        path = tuple(fmsg.metadata.delta_path)
        self.fingerprint[path] = fmsg.hash
        if d.WhichOneof("type") != "new_element":
            self.element_kinds[path] = d.WhichOneof("type") or ""
            return
        el_kind = d.new_element.WhichOneof("type")
        self.element_kinds[path] = el_kind
        el = getattr(d.new_element, el_kind) if el_kind else None
        if el_kind == "exception":
            run.problems.append(f"exception element: {(el.type + ': ') if el.type else ''}{el.message[:160]}")
        elif el_kind == "alert" and el.format == el.ERROR:
            r.error_alerts += 1
        if el is not None and getattr(el, "id", ""):
            run.widget_ids.add(el.id)
            state = widget_state_from_element(el_kind, el)
            if state is not None and (el.id not in self.widget_states or getattr(el, "set_value", False)):
                self.widget_states[el.id] = state
            if el_kind == "slider":
                info = SliderInfo(el.id, el.label, d.fragment_id, SliderProto.FromString(el.SerializeToString()))
                run.sliders[el.id] = info

    def _on_script_finished(self, status: int, r: Rerun, t0: float, run: _RunSeen) -> bool:
        """Close the rerun ``r``; False when it goes on (the app's st.rerun() started the next run)."""
        if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            # st.rerun() (or a rerun requested by the server side): the next run
            # starts by itself; the student waits for it, so keep reading.
            r.app_reruns += 1
            if r.app_reruns > 20:
                run.problems.append("more than 20 consecutive st.rerun() runs")
            else:
                return False
        r.ms = (time.perf_counter() - t0) * 1000.0
        r.status = ForwardMsg.ScriptFinishedStatus.Name(status)
        if status not in OK_STATUSES:
            run.problems.append(f"script_finished {r.status}")
        self._after_run(run.sliders, run.widget_ids, run.is_fragment)
        r.ok = not run.problems
        r.reason = "; ".join(run.problems)
        return True

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

