"""Streamlit's websocket protocol as a browser speaks it: widget states, slider values, page lists.

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
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.proto.WidgetStates_pb2 import WidgetState

OK_STATUSES = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
CHART_TYPES = {"plotly_chart", "vega_lite_chart", "deck_gl_json_chart", "graphviz_chart", "echarts_chart", "imgs"}


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


def _page_dict(p: Any) -> dict[str, Any]:
    return {"hash": p.page_script_hash, "name": p.page_name, "url": p.url_pathname, "default": p.is_default}
