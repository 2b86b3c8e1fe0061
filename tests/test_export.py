"""The exports (`dashboard.export`): chart download names, self-contained HTML reports, static images or a clear message."""

import plotly.graph_objects as go
import pytest

from dashboard import export
from dashboard.figures import compare_figures
from dashboard.scenario import Scenario


def test_chart_config_names_the_file():
    cfg = export.chart_config("mtl-compare-x", "png")
    assert cfg["toImageButtonOptions"] == {"format": "png", "filename": "mtl-compare-x", "scale": 3}
    assert export.chart_config("f", "svg")["toImageButtonOptions"]["format"] == "svg"


def test_html_report_is_self_contained(compare_data):
    figs = compare_figures(compare_data)
    sections = [(k, f, "caption") for k, f in figs.items()]
    html = export.html_report("Report", compare_data.scenario, sections, compare_data.table, ["**MTL** wins"])
    assert html.count("Plotly.newPlot") == len(figs)
    assert html.count("plotly.js v") <= 2  # the bundle is inlined once (its banner)
    assert "<b>MTL</b> wins" in html and "src=\"http" not in html
    assert compare_data.scenario.to_json().splitlines()[1].strip()[:10] in html


@pytest.mark.slow  # a Chromium export: about 6 s
def test_static_export_or_clear_message(tmp_path):
    s = Scenario(n_tasks=2)
    if export.find_chromium() is None:
        with pytest.raises(export.StaticExportUnavailable, match="Chromium"):
            export.export_scenario_figures(s, tmp_path, formats=("svg",))
        return
    paths = export.export_scenario_figures(s, tmp_path, formats=("svg", "html"))
    names = [p.name for p in paths]
    assert any(n.startswith("mtl-compare-boundaries-T2-") and n.endswith(".svg") for n in names)
    assert any(n.endswith(".html") for n in names)
    assert all(p.stat().st_size > 1000 for p in paths)
    svg = next(p for p in paths if "accuracy" in p.name).read_text()
    assert "<svg" in svg and "Test accuracy per task" in svg


@pytest.mark.parametrize("error", ["ChromeNotFoundError", "BrowserFailedError", "BrowserDepsError", "BrowserClosedError"])
def test_browser_failures_are_caught_by_type(monkeypatch, error):
    """kaleido's browser errors (choreographer's types) become the plain message; other errors propagate."""
    import kaleido
    from choreographer import errors

    monkeypatch.setattr(export, "find_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(export, "_ensure_server", lambda: None)

    def fail(*args, **kwargs):
        cls = getattr(errors, error)
        raise cls() if error == "BrowserDepsError" else cls("gone")  # BrowserDepsError takes no message

    monkeypatch.setattr(kaleido, "calc_fig_sync", fail)
    with pytest.raises(export.StaticExportUnavailable, match="Chromium"):
        export.static_image(go.Figure(), "svg")

    def other(*args, **kwargs):
        raise RuntimeError("the browser said no")  # a message naming the browser is not a browser error

    monkeypatch.setattr(kaleido, "calc_fig_sync", other)
    with pytest.raises(RuntimeError, match="the browser said no"):
        export.static_image(go.Figure(), "svg")


def test_export_rejects_unknown_formats(tmp_path):
    with pytest.raises(ValueError, match="Unknown format"):
        export.export_scenario_figures(Scenario(), tmp_path, formats=("gif",))
