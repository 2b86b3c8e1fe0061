"""`RawFigure`, the read-only figure every builder returns, and `make_figure`."""

from __future__ import annotations

import copy
from typing import Any

import plotly.graph_objects as go


class RawFigure(go.Figure):
    """A read-only plotly Figure kept as the plain dicts it was built from.

    plotly's figure objects validate and deep-copy every property, which costs
    tens of milliseconds per chart on every rerun (half a second for the
    replay's animation frames, which plotly validates even with
    ``_validate=False``).  The builders here write plain, valid dicts (the
    tests validate every figure with plotly and render them through plotly.js),
    so the figure keeps them and `to_dict` hands them out.  It subclasses
    ``go.Figure`` because Streamlit's ``st.plotly_chart`` and ``plotly.io``
    (``to_html`` / ``to_json`` / ``write_image``) take a Figure's `to_dict` as
    it is, but validate a plain dict again.

    It is read-only: the cached figures are shared by every session, and it
    never builds plotly's object tree, so plotly's own API (``update_layout``,
    ``add_trace``, ``.layout``, ``.data``, ...) raises a `TypeError` instead of
    acting on an empty figure.  Read it with `spec` or `to_dict`; edit a copy
    made by `validated`.
    """

    #: Instance attributes of plotly's figure state (set by its ``__init__``, which a
    #: RawFigure skips: about 1 ms per figure, for objects that nothing reads).
    _PLOTLY_STATE = frozenset(vars(go.Figure({"layout": {"template": {}}}, _validate=False)))

    def __init__(self, spec: dict):
        self._raw_spec = spec

    _READ_ONLY = (
        "RawFigure is read-only (its spec may be shared by every session): plotly's figure API "
        "(update_layout, add_trace, .layout, .data, fig[...], ...) is not available on it. Read it with "
        ".spec or .to_dict(); for an editable copy use .validated(), a regular plotly Figure."
    )

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes the instance lacks: plotly's state, which every
        # figure method other than `to_dict` reaches for.
        if name in RawFigure._PLOTLY_STATE:
            raise TypeError(RawFigure._READ_ONLY)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getitem__(self, prop: Any) -> Any:
        raise TypeError(RawFigure._READ_ONLY)  # plotly's would recast the error as a ValueError

    def __setitem__(self, prop: Any, value: Any) -> None:
        raise TypeError(RawFigure._READ_ONLY)

    def __reduce__(self) -> tuple:
        # plotly's version reads its grid state and adds it to the spec
        return (RawFigure, (self._raw_spec,))

    @property
    def spec(self) -> dict:
        """The plain ``data`` / ``layout`` / ``frames`` dict (the builder's own: do not modify it)."""
        return self._raw_spec

    def to_dict(self) -> dict:
        """A shallow copy of `spec` (what Streamlit and ``plotly.io`` read)."""
        return dict(self._raw_spec)

    def validated(self) -> go.Figure:
        """A regular, editable plotly Figure of the same spec (validates every property; raises if one is invalid)."""
        return go.Figure(copy.deepcopy(self._raw_spec))  # plotly reorders the keys of the traces it is given


def make_figure(data: list, layout: dict, frames: list | None = None) -> RawFigure:
    """The figure of plain ``data`` / ``layout`` / ``frames`` dicts (see `RawFigure`)."""
    spec = {"data": data, "layout": layout}
    if frames:
        spec["frames"] = frames
    return RawFigure(spec)
