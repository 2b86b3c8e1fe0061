"""Figure builders (`dashboard.figures`): valid plotly, labelled, explicit template, read-only raw specs.

The exports (HTML reports, static images) are tested in test_export.py."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard import compute, sweeps
from dashboard.figures import VIEW, RawFigure, compare_figures, halfplane, segment
from dashboard.figures.models import structure_figure
from dashboard.model_info import mtl_objective
from mtl_core.models.registry import MTL_MODELS
from dashboard.scenario import Scenario
from dashboard.figures.sweep import gap_heatmap_figure, lambda_path_figure, learning_curve_figure


def check_figure(fig: RawFigure) -> dict:
    """Valid for plotly, titled with the scenario, explicit template; returns the spec."""
    assert isinstance(fig, RawFigure)
    fig.validated()  # raises on any invalid property
    spec = fig.to_dict()
    layout = spec["layout"]
    assert isinstance(layout["template"], dict) and "layout" in layout["template"]
    assert layout["title"]["text"] and layout["title"]["subtitle"]["text"]
    return spec


def test_compare_figures(compare_data):
    figs = compare_figures(compare_data)
    expected = {"boundaries", "accuracy", "loss", "replay", "similarity"}
    assert expected <= set(figs)
    assert ("weights" in figs) == (compare_data.scenario.family == "linear")
    if "weights" in figs and compare_data.scenario.n_features > 2:
        # The arrows are the weights on the plotted pair of features, as a share of the whole vector.
        spec = figs["weights"].spec
        sc, ts = compare_data.scenario, compare_data.taskset
        assert f"weight on x{sc.x_feature + 1}" in json.dumps(spec["layout"]) and "divided by the" in json.dumps(spec["layout"])
        true = next(t for t in spec["data"] if t["name"] == "true weights")
        w = ts.true_coef[0]
        np.testing.assert_allclose([true["x"][1], true["y"][1]], w[[sc.x_feature, sc.y_feature]] / np.linalg.norm(w), rtol=1e-6)
    for key, fig in figs.items():
        spec = check_figure(fig)
        text = spec["layout"]["title"]["subtitle"]["text"]
        assert f"seed {compare_data.scenario.seed}" in text, key
    names = {t.get("name") for t in figs["boundaries"].spec["data"]}
    assert {"STL boundary", f"{compare_data.name('mtl')} boundary", "true boundary"} <= names
    if compare_data.scenario.n_features > 2:
        sc = compare_data.scenario
        assert f"plane of x{sc.x_feature + 1} and x{sc.y_feature + 1}" in figs["boundaries"].spec["layout"]["title"]["subtitle"]["text"]
    replay = figs["replay"].spec
    assert len(replay["frames"]) >= 2 and replay["layout"]["sliders"][0]["steps"]
    legend = {t.get("name") for t in figs["accuracy"].spec["data"]}
    assert {"STL", compare_data.name("mtl"), "Pooled"} <= legend


def test_boundary_panels_write_the_test_accuracy(compare_data):
    spec = compare_figures(compare_data)["boundaries"].spec
    acc = compute.per_model_accuracy(compare_data.table)
    texts = [a["text"] for a in spec["layout"]["annotations"]]
    expected = f"<b>{100 * acc.loc[1, 'STL']:.1f}%</b>"
    assert expected in texts


def test_geometry_helpers():
    xs, ys = segment(1.0, -1.0, 0.0)  # y = x
    assert np.allclose(sorted(xs), [-VIEW, VIEW]) and np.allclose(sorted(ys), [-VIEW, VIEW])
    assert segment(1.0, 0.0, -10.0) == ([], [])  # x = 10 is outside
    hx, hy = halfplane(1.0, 0.0, 0.0)  # x > 0: half the square
    area = 0.5 * abs(sum(hx[i] * hy[i + 1] - hx[i + 1] * hy[i] for i in range(len(hx) - 1)))
    assert np.isclose(area, 2 * VIEW * VIEW)
    assert halfplane(1.0, 0.0, -10.0) == ([], [])


def test_structure_figures_for_every_model():
    s = Scenario(n_tasks=3, n_features=3, n_unrelated=1)
    ts = compute.make_taskset(s.task_spec())
    stl = compute.fit_exact(ts, "stl", None).model
    for key, info in MTL_MODELS.items():
        spec = s.replace(model=key, strength=info.view_strength, k=2, n_hidden=4).mtl_key()
        model = compute.fit_exact(ts, "mtl", spec).model
        check_figure(structure_figure(key, model, stl, ts, s, "λ = 1"))
        assert mtl_objective(key).startswith("F =")


def test_sweep_figures():
    s = Scenario()
    spec = sweeps.SweepSpec((0.0, 0.8, 1.0), (5, 20), 2, 0, None, sweeps.sweep_spec(s).data)
    summary = sweeps.run_sweep(spec)
    heats = check_figure(gap_heatmap_figure(summary, s, spec))["data"]
    assert all(h["zmin"] == -h["zmax"] for h in heats)  # diverging colours centred at 0
    assert any("−" in t or "+" in t for h in heats for t in np.ravel(h["text"]))
    check_figure(learning_curve_figure(sweeps.learning_curve(summary, 0.8), s, spec))
    path = sweeps.run_lambda_path(s.replace(n_tasks=3).task_spec(), repeats=2)
    check_figure(lambda_path_figure(path, s, 2))


# ----------------------------------------------------------------------------- honest words (issue 12)


def gap_summary(cells: dict) -> "pd.DataFrame":
    """A sweep summary with gaps (accuracy fractions) ``{(model, relatedness, n_train): (mean, low, high)}``."""
    import pandas as pd

    rows = [dict(model=m, relatedness=r, n_train=n, gap_mean=g, gap_low=lo, gap_high=hi, mean_accuracy=0.8 + g)
            for (m, r, n), (g, lo, hi) in cells.items()]
    return pd.DataFrame(rows)


def test_heatmap_marks_only_intervals_that_exclude_0():
    """Same mean (−4 points), two intervals: only the one below 0 gets the full colour and is called negative transfer."""
    s = Scenario(relatedness=0.0, n_train=5)
    spec = sweeps.SweepSpec((0.0, 1.0), (5, 80), 3, 0, None, sweeps.sweep_spec(s).data)
    cells = {
        (sweeps.MTL_LABEL, 0.0, 5): (-0.04, -0.06, -0.02),  # clearly worse: negative transfer
        (sweeps.MTL_LABEL, 0.0, 80): (-0.04, -0.09, 0.01),  # contains 0: no clear difference
        (sweeps.MTL_LABEL, 1.0, 5): (0.05, 0.02, 0.08),  # clearly better
        (sweeps.MTL_LABEL, 1.0, 80): (0.0, -0.01, 0.01),
    }
    fig = check_figure(gap_heatmap_figure(gap_summary(cells), s, spec))
    full, pale = fig["data"]  # one model: full-colour cells, then pale ones
    assert full["showscale"] and not pale["showscale"]
    # rows: n_train 5, 80; columns: relatedness 0, 1
    assert full["text"] == [["−4.0", "+5.0"], ["", ""]] and full["texttemplate"] == "<b>%{text}</b>"
    assert pale["text"] == [["", ""], ["−4.0", "0.0"]] and "<b>" not in pale["texttemplate"]
    assert full["z"][1] == [None, None] and pale["z"][0] == [None, None]
    assert pale["colorscale"] != full["colorscale"] and pale["colorscale"][0][1] > full["colorscale"][0][1]  # paler red
    words = {(i, j): full["customdata"][i][j][2] for i in range(2) for j in range(2)}
    assert "negative transfer" in words[0, 0] and "better" in words[0, 1]
    assert words[1, 0].startswith("no clear difference") and "negative" not in words[1, 0]
    subtitle = fig["layout"]["title"]["subtitle"]["text"].replace("<br>", " ")
    assert "interval excludes 0" in subtitle and "no clear difference" in subtitle
    # every cell clear: no pale trace at all
    clear = {k: (g, g - 0.01, g - 0.005) if g < 0 else (g, g + 0.005, g + 0.01) for k, (g, _, _) in cells.items()
             if g != 0}
    assert len(gap_heatmap_figure(gap_summary(clear), s, spec).spec["data"]) == 1


def test_lambda_path_right_end_is_not_called_pooled():
    from mtl_core.experiments import LambdaPath

    import pandas as pd

    path = pd.DataFrame({"lam": [1e-4, 1.0, 1e3], "mean_accuracy": [0.8, 0.78, 0.75], "accuracy_low": [0.78, 0.76, 0.73],
                         "accuracy_high": [0.82, 0.8, 0.77]})
    refs = pd.DataFrame({"model": ["STL", "Pooled"], "mean_accuracy": [0.8, 0.77], "accuracy_low": [0.78, 0.75],
                         "accuracy_high": [0.82, 0.79]})
    lp = LambdaPath(path, refs, np.array([0.01, 0.1]), (0.8, 0.78, 0.82), 0.9)
    fig = check_figure(lambda_path_figure(lp, Scenario(), 2))
    notes = [a for a in fig["layout"]["annotations"] if a.get("yref") == "paper" and a["y"] < 0]
    left = next(a for a in notes if a["x"] == 0)
    right = next(a for a in notes if a["x"] == 1)
    assert "STL" in left["text"]
    assert "one shared weight vector" in right["text"] and "per-task intercepts" in right["text"]
    assert "pooled end" not in right["text"] and "pooled: one intercept" in right["text"]
    # readable: both below the plot, top-anchored at the same height, short enough to sit side by side
    assert left["y"] == right["y"] and left["yanchor"] == right["yanchor"] == "top"
    widest = [max(len(line) for line in a["text"].split("<br>")) for a in (left, right)]
    assert sum(widest) <= 90, widest
    assert "from STL to pooling" not in fig["layout"]["title"]["text"]


def test_validated_figure_is_a_plotly_figure(compare_data):
    assert isinstance(compare_figures(compare_data)["accuracy"].validated(), go.Figure)


def test_charts_are_encoded_by_orjson(compare_data):
    """Streamlit encodes every chart of every rerun with plotly.io.to_json: its default engine is orjson."""
    import json

    import plotly.io as pio

    fig = compare_figures(compare_data)["boundaries"]
    default = pio.to_json(fig, validate=False)
    assert default == pio.to_json(fig, validate=False, engine="orjson")
    assert json.loads(default) == json.loads(pio.to_json(fig, validate=False, engine="json"))


def test_raw_figures_keep_their_own_specs():
    import copy
    import json
    import pickle

    import plotly.io as pio

    specs = [{"data": [{"type": "scatter", "x": [i], "y": [i]}], "layout": {"title": {"text": f"figure {i}"}}} for i in range(3)]
    figs = [RawFigure(spec) for spec in specs]
    for fig, spec in zip(figs, specs):
        assert isinstance(fig, go.Figure) and fig.spec is spec
        assert json.loads(pio.to_json(fig, validate=False)) == spec
        # a copy or a pickled figure (a worker's result) carries the spec alone
        assert pickle.loads(pickle.dumps(fig)).to_dict() == spec and copy.deepcopy(fig).to_dict() == spec


EDITS = {
    "update_layout": lambda fig: fig.update_layout(title_text="x"),
    "add_trace": lambda fig: fig.add_trace(go.Scatter(x=[1], y=[1])),
    "update_traces": lambda fig: fig.update_traces(name="x"),
    "layout attribute": lambda fig: setattr(fig.layout.title, "text", "x"),
    "item": lambda fig: fig.__setitem__("layout.title.text", "x"),
    "read layout": lambda fig: fig.layout.title.text,
    "read data": lambda fig: fig.data,
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_raw_figure_is_read_only(edit):
    """plotly's API raises on a RawFigure instead of editing or reading an empty figure; `validated` is editable."""
    spec = {"data": [{"type": "scatter", "x": [0], "y": [0]}], "layout": {"title": {"text": "old"}}}
    before = json.dumps(spec)
    fig = RawFigure(spec)
    with pytest.raises(TypeError, match="read-only.*validated"):
        edit(fig)
    assert json.dumps(fig.to_dict()) == json.dumps(fig.spec) == before
    editable = fig.validated()
    editable.update_layout(title_text="x")
    assert editable.to_dict()["layout"]["title"]["text"] == "x" and json.dumps(spec) == before


def _font_sizes(node, inherited=None, out=None):
    """Every explicit font size in a figure spec (the template excluded)."""
    out = [] if out is None else out
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "template":
                continue
            if key.endswith("font") and isinstance(value, dict) and "size" in value:
                out.append(value["size"])
            _font_sizes(value, inherited, out)
    elif isinstance(node, list):
        for value in node:
            _font_sizes(value, inherited, out)
    return out


def test_projector_figures_have_big_text_thick_lines_and_leave_the_original_alone(compare_data):
    from dashboard.figures.projector import MIN_FONT, for_projector, subtitle_text

    figs = compare_figures(compare_data)
    for name, fig in figs.items():
        before = json.dumps(fig.spec, sort_keys=True, default=lambda o: o.tolist())
        big = for_projector(fig)
        assert json.dumps(fig.spec, sort_keys=True, default=lambda o: o.tolist()) == before, name  # the shared figure is untouched
        big.validated()  # valid plotly
        spec = big.to_dict()
        # the subtitle moves out of the figure, to the page under the chart
        assert "subtitle" not in spec["layout"]["title"] and subtitle_text(fig) and not subtitle_text(big)
        sizes = _font_sizes(spec)
        assert sizes and min(sizes) >= MIN_FONT, (name, sorted(sizes)[:5])
        assert min(_font_sizes(fig.spec)) < MIN_FONT  # the screen version was smaller: the rewrite did something
        for axis, value in spec["layout"].items():
            if axis.startswith(("xaxis", "yaxis")):
                assert value["tickfont"]["size"] >= MIN_FONT, (name, axis)
        widths = [(a.get("line", {}).get("width"), b.get("line", {}).get("width"))
                  for a, b in zip(fig.spec["data"], spec["data"]) if isinstance(a.get("line", {}).get("width"), (int, float))]
        assert all(new > old for old, new in widths if old > 0), name
        if "frames" in fig.spec:
            assert len(spec["frames"]) == len(fig.spec["frames"])


def test_replay_frames_keep_the_legend_entries(compare_data):
    """Playing the replay (or dragging its epoch slider) must not drop the models' legend entries."""
    spec = compare_figures(compare_data)["replay"].spec
    static = spec["data"]
    in_legend = {i for i, tr in enumerate(static) if tr.get("showlegend", True) and tr.get("name")}
    moving = set()
    for frame in spec["frames"]:
        for i, tr in zip(frame["traces"], frame["data"]):
            moving.add(i)
            assert tr.get("showlegend", static[i].get("showlegend", True)) == static[i].get("showlegend", True), i
    # some legend entries are boundaries that move in the frames (the case that used to break)
    assert in_legend & moving



def test_the_projector_subtitle_is_markdown_without_html():
    from dashboard.figures.projector import subtitle_text
    from dashboard.figures.raw import make_figure

    fig = make_figure([], {"title": {"text": "t", "subtitle": {"text": "a <b>bold</b> word<br>next <i>line</i> <span style='x'>kept</span>"}}})
    assert subtitle_text(fig) == "a **bold** word\nnext *line* kept"
